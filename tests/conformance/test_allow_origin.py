"""Access-Control-Allow-Origin: which origin is echoed, and when ``*`` is sent."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest

from conformance.common import STRICT
from conftest import ALLOWED, OTHER
from shells import Downstream, Shell


def test_allowed_origin_is_echoed_byte_exact_once(shell: Shell) -> None:
    response = shell.wrap(Downstream(), **STRICT).get("/", {"Origin": ALLOWED})
    assert response.header_values("Access-Control-Allow-Origin") == [ALLOWED]


@pytest.mark.parametrize(
    "origin",
    [ALLOWED.upper(), ALLOWED + "/", ALLOWED + ":443", "http://app.example.com"],
    ids=["upper-case", "trailing-slash", "default-port", "scheme-downgrade"],
)
def test_non_canonical_spellings_are_refused(shell: Shell, origin: str) -> None:
    response = shell.wrap(Downstream(), **STRICT).get("/", {"Origin": origin})
    assert not response.has("Access-Control-Allow-Origin")


def test_app_set_allow_origin_wins_and_stays_single(shell: Shell) -> None:
    app = Downstream(
        headers=[("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", "https://x.test")]
    )
    response = shell.wrap(app, **STRICT).get("/", {"Origin": ALLOWED})
    assert response.header_values("Access-Control-Allow-Origin") == ["https://x.test"]
    assert not response.has("Access-Control-Allow-Credentials")
    assert response.header_values("Vary") == ["Origin"]


def test_multi_origin_config_emits_only_the_matching_origin(shell: Shell) -> None:
    response = shell.wrap(Downstream(), **STRICT).get("/", {"Origin": "https://other.example.com"})
    assert response.header_values("Access-Control-Allow-Origin") == ["https://other.example.com"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"origins": [ALLOWED]}, None),
        ({"origins": [ALLOWED, "null"]}, "null"),
        ({"origins": "*"}, "*"),
        ({"origins": "*", "send_wildcard": False}, None),
    ],
    ids=["list-without-null", "null-listed", "star", "star-reflecting"],
)
def test_null_origin_only_when_listed(
    shell: Shell, options: Dict[str, Any], expected: Optional[str]
) -> None:
    response = shell.wrap(Downstream(), **options).get("/", {"Origin": "null"})
    assert response.header("Access-Control-Allow-Origin") == expected


def test_send_wildcard_false_reflects_origin_with_vary(shell: Shell) -> None:
    response = shell.wrap(Downstream(), send_wildcard=False).get("/", {"Origin": OTHER})
    assert response.header("Access-Control-Allow-Origin") == OTHER
    assert response.header_values("Vary") == ["Origin"]


# --- always_send -----------------------------------------------------------------------------


def test_always_send_star_without_origin_when_reflecting_star(shell: Shell) -> None:
    reflecting = shell.wrap(Downstream(), send_wildcard=False)
    assert reflecting.get("/").header("Access-Control-Allow-Origin") == "*"
    quiet = shell.wrap(Downstream(), send_wildcard=False, always_send=False)
    assert not quiet.get("/").has("Access-Control-Allow-Origin")
    assert quiet.get("/").header_values("Vary") == ["Origin"]


def test_always_send_false_sends_star_only_to_requests_with_an_origin(shell: Shell) -> None:
    client = shell.wrap(Downstream(), always_send=False)
    without = client.get("/")
    assert not without.has("Access-Control-Allow-Origin")
    assert without.header_values("Vary") == ["Origin"]  # the answer depends on the Origin now
    with_origin = client.get("/", {"Origin": OTHER})
    assert with_origin.header("Access-Control-Allow-Origin") == "*"
    assert with_origin.header_values("Vary") == ["Origin"]
    default = shell.wrap(Downstream())
    assert default.get("/").header("Access-Control-Allow-Origin") == "*"
    assert default.get("/").header_values("Vary") == []  # one answer for all


def test_always_send_never_sends_an_allow_list_entry(shell: Shell) -> None:
    client = shell.wrap(Downstream(), origins=[ALLOWED, "https://b.example"], always_send=True)
    assert not client.get("/").has("Access-Control-Allow-Origin")
