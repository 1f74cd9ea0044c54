"""The Access-Control-Request-Headers parser: lenient with real lists, bounded with hostile ones."""

from __future__ import annotations

import pytest

from wsgi_cors.core.http import (
    MAX_WILDCARD_REQUEST_HEADERS_LENGTH,
    parse_request_headers,
    request_headers_length_limit,
)

from conftest import client, preflight_headers

KIB64 = 64 * 1024


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x-a,x-b", ("x-a", "x-b")),
        ("X-B , x-a", ("X-B", "x-a")),
        ("x-a,,x-a, ", ("x-a",)),
        ("X-Trace-Id, x-trace-id,Content-Type", ("X-Trace-Id", "Content-Type")),
        ("\tx-a\t", ("x-a",)),
        ("", ()),
    ],
)
def test_lists_parse_to_unique_names_spelled_as_sent(value: str, expected: tuple) -> None:
    assert parse_request_headers(value, 1000) == expected


@pytest.mark.parametrize("value", ["x a", "x-a;b", "x-\u00e9", "x-a\r\nx-b: 1", "x-a\x00"])
def test_elements_that_are_not_tokens_fail(value: str) -> None:
    assert parse_request_headers(value, 1000) is None


class CountingStr(str):
    """A str that counts how often it is split, to show hostile input is refused before any scan."""

    splits = 0

    def split(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        CountingStr.splits += 1
        return super().split(*args, **kwargs)


@pytest.mark.parametrize(
    "hostile",
    [
        "," * KIB64,
        " " * KIB64,
        "x-custom," * (KIB64 // 9),
        "x" * KIB64,
        ", ," * (KIB64 // 4),
    ],
    ids=["commas", "spaces", "repeated-allowed-name", "one-huge-token", "empty-elements"],
)
def test_hostile_values_are_refused_by_the_length_check_without_scanning(hostile: str) -> None:
    limit = request_headers_length_limit(("X-Custom", "Content-Type"))
    CountingStr.splits = 0
    assert parse_request_headers(CountingStr(hostile), limit) is None
    assert CountingStr.splits == 0
    assert parse_request_headers(CountingStr(hostile), MAX_WILDCARD_REQUEST_HEADERS_LENGTH) is None
    assert CountingStr.splits == 0


def test_limit_admits_every_allowed_name_once_with_white_space() -> None:
    names = ("X-Custom", "Content-Type", "Authorization")
    spaced = " , ".join(name.lower() for name in names)
    assert parse_request_headers(spaced, request_headers_length_limit(names)) is not None


@pytest.mark.parametrize("allow_headers", ["*", ["X-Custom"]])
def test_hostile_preflight_gets_403_from_the_middleware(allow_headers: object) -> None:
    response = client(allow_headers=allow_headers).options(
        "/", headers=preflight_headers(headers="," * KIB64), status=403
    )
    assert "Access-Control-Allow-Headers" not in response.headers
