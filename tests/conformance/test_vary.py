"""Caching: Access-Control-Max-Age, and Vary on every answer that depends on the request."""

from __future__ import annotations

from typing import List, Optional

import pytest

from conformance.common import STRICT
from conformance.expected import PREFLIGHT_VARY
from conftest import ALLOWED, OTHER, preflight_headers
from shells import Downstream, Shell


def test_max_age_on_preflights_only(shell: Shell) -> None:
    client = shell.wrap(Downstream(), **STRICT)
    assert client.options("/", preflight_headers()).header("Access-Control-Max-Age") == "600"
    assert not client.get("/", {"Origin": ALLOWED}).has("Access-Control-Max-Age")


@pytest.mark.parametrize(("max_age", "expected"), [(None, None), (0, "0")])
def test_max_age_none_sends_nothing_and_zero_is_sent(
    shell: Shell, max_age: Optional[int], expected: Optional[str]
) -> None:
    response = shell.wrap(Downstream(), max_age=max_age).options("/", preflight_headers())
    assert response.header("Access-Control-Max-Age") == expected


@pytest.mark.parametrize("origin", [ALLOWED, OTHER, None], ids=["allowed", "refused", "no-origin"])
def test_vary_origin_merged_into_app_vary(shell: Shell, origin: Optional[str]) -> None:
    app = Downstream(headers=[("Content-Type", "text/plain"), ("Vary", "Accept-Encoding")])
    headers = {"Origin": origin} if origin else {}
    response = shell.wrap(app, **STRICT).get("/", headers)
    assert response.header_values("Vary") == ["Accept-Encoding, Origin"]


@pytest.mark.parametrize(
    ("app_vary", "expected"),
    [
        (["*"], ["*"]),
        (["origin"], ["origin"]),
        (["Accept-Encoding", "Cookie"], ["Accept-Encoding, Origin", "Cookie"]),
        (["Cookie", "ORIGIN"], ["Cookie", "ORIGIN"]),
        ([""], ["Origin"]),
    ],
    ids=["star", "already-there", "two-lines", "two-lines-origin-in-second", "empty"],
)
def test_vary_merge_edge_cases(shell: Shell, app_vary: List[str], expected: List[str]) -> None:
    app = Downstream(headers=[("Content-Type", "text/plain")] + [("Vary", v) for v in app_vary])
    response = shell.wrap(app, **STRICT).get("/", {"Origin": ALLOWED})
    assert response.header_values("Vary") == expected


def test_star_config_adds_no_vary(shell: Shell) -> None:
    response = shell.wrap(Downstream()).get("/", {"Origin": OTHER})
    assert response.header_values("Vary") == []


def test_vary_header_false_adds_no_vary(shell: Shell) -> None:
    response = shell.wrap(Downstream(), **STRICT, vary_header=False).get("/", {"Origin": ALLOWED})
    assert response.header_values("Vary") == []


def test_preflight_vary_lists_the_three_request_headers(shell: Shell) -> None:
    response = shell.wrap(Downstream(), **STRICT).options("/", preflight_headers())
    assert response.header_values("Vary") == [PREFLIGHT_VARY]
