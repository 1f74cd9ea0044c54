"""Merging CORS headers into an app's headers, for str (WSGI) and bytes (ASGI) alike."""

from __future__ import annotations

from typing import Any, List, Tuple

import pytest

from wsgi_cors.core.vary import BYTES_FORMS, STR_FORMS, add_cors_headers

ADDED = (("Access-Control-Allow-Origin", "https://a.example"), ("Vary", "Origin"))

CASES: List[Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]] = [
    ([("Content-Type", "text/plain")], [("Content-Type", "text/plain"), *ADDED]),
    (
        [("vary", "Accept-Encoding")],
        [("vary", "Accept-Encoding, Origin"), ADDED[0]],
    ),
    ([("Vary", "origin")], [("Vary", "origin"), ADDED[0]]),
    ([("Vary", "*")], [("Vary", "*"), ADDED[0]]),
    ([("Vary", "Accept"), ("Vary", "Origin")], [("Vary", "Accept"), ("Vary", "Origin"), ADDED[0]]),
    ([("Vary", "")], [("Vary", "Origin"), ADDED[0]]),
    (
        [("Access-Control-Allow-Origin", "*")],
        [("Access-Control-Allow-Origin", "*"), ("Vary", "Origin")],
    ),
]


@pytest.mark.parametrize(("app", "expected"), CASES)
def test_str_headers(app: List[Tuple[str, str]], expected: List[Tuple[str, str]]) -> None:
    before = list(app)
    assert add_cors_headers(app, ADDED, STR_FORMS) == expected
    assert app == before  # the app's list is never mutated


def _bytes(headers: Any) -> List[Tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in headers]


@pytest.mark.parametrize(("app", "expected"), CASES)
def test_bytes_headers_merge_the_same_way(app: Any, expected: Any) -> None:
    assert add_cors_headers(_bytes(app), _bytes(ADDED), BYTES_FORMS) == _bytes(expected)


def test_nothing_added_returns_the_app_list_itself() -> None:
    app = [("Content-Type", "text/plain")]
    assert add_cors_headers(app, (), STR_FORMS) is app
