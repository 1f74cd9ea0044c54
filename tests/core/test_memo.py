"""Bounded memos: decisions remembered within bounds, pinned entries kept, predicates never."""

from __future__ import annotations

import logging
from typing import Any, Dict, Tuple

import pytest

from wsgi_cors import CORSConfig
from wsgi_cors.core.codec import WSGI_CODEC
from wsgi_cors.core.engine import Engine
from wsgi_cors.core.memo import BoundedMemo
from wsgi_cors.core.policy import MEMO_SIZE

ALLOWED = "https://app.example.com"
OPTIONS: Dict[str, Any] = {"origins": [ALLOWED, "https://*.example.org"]}


def engine() -> Engine[Any, Any]:
    return Engine(CORSConfig.from_mapping(OPTIONS), WSGI_CODEC)


def test_bounded_memo_keeps_pinned_entries_and_never_grows_past_its_limit() -> None:
    calls = []

    def decide(key: int) -> Tuple[str, bool]:
        calls.append(key)
        return f"v{key}", key % 2 == 0

    memo: BoundedMemo[int, str] = BoundedMemo(decide, 4, {-1: "pinned"})
    assert [memo[key] for key in range(20)] == [f"v{key}" for key in range(20)]
    assert len(memo) <= 5
    assert memo[-1] == "pinned"
    assert memo[18] == "v18"
    assert 18 not in calls[20:]
    memo[19]
    assert calls[-1] == 19  # odd keys are never remembered


def test_allowed_origins_seen_are_remembered_within_bounds() -> None:
    policy = engine().policy_for("/")
    assert policy is not None
    for index in range(3 * MEMO_SIZE):
        origin = f"https://h{index}.example.org"
        assert policy.actual_by_origin[origin][0] == ("Access-Control-Allow-Origin", origin)
    assert len(policy.actual_by_origin) <= 2 * (len(policy.matcher.exact) + 1) + MEMO_SIZE
    assert policy.actual_by_origin[ALLOWED][0][1] == ALLOWED  # pinned origins stay


def test_predicate_decisions_are_never_remembered() -> None:
    answers = iter([True, False])
    config = CORSConfig.from_options(origins=lambda origin: next(answers))
    policy = Engine(config, WSGI_CODEC).policy_for("/")
    assert policy is not None
    assert policy.actual_by_origin["https://a.example"][0][1] == "https://a.example"
    assert policy.actual_by_origin["https://a.example"] == (("Vary", "Origin"),)


def test_every_refusal_is_logged_while_debug_is_on(caplog: pytest.LogCaptureFixture) -> None:
    policy = engine().policy_for("/")
    assert policy is not None
    with caplog.at_level(logging.DEBUG, logger="wsgi_cors"):
        for _ in range(3):
            policy.actual_headers("https://evil.example")
    refusals = [
        r
        for r in caplog.records
        if "origin 'https://evil.example' is not allowed" in r.getMessage()
    ]
    assert len(refusals) == 3


ASGI_CASES = [
    (ALLOWED, "PUT", "Content-Type, X-Trace", None),
    ("https://a.example.org", "DELETE", None, "true"),
    ("https://evil.example", "GET", None, None),
    (ALLOWED, "TRACE", "x-a", None),
    (ALLOWED, "PUT", "x a", None),
    (ALLOWED, "PUT", "," * 70_000, None),
    ("https://caf\u00e9.example.org", "PUT", None, None),
]


@pytest.mark.parametrize("lenient", [False, True])
@pytest.mark.parametrize(("origin", "method", "request_headers", "private"), ASGI_CASES)
def test_an_asgi_policy_decides_bytes_as_their_latin_1_text(
    lenient: bool, origin: str, method: str, request_headers: Any, private: Any
) -> None:
    """The ASGI shell hands the scope's bytes over undecoded: every answer is the one the text
    gets, whether it is decided now or remembered."""
    from wsgi_cors.core.codec import ASGI_CODEC

    config = CORSConfig.from_mapping({**OPTIONS, "lenient_preflights": lenient})
    by_text = Engine(config, ASGI_CODEC).table.only_policy
    by_bytes = Engine(config, ASGI_CODEC).table.only_policy
    assert by_text is not None
    assert by_bytes is not None

    def raw(value: Any) -> Any:
        return None if value is None else value.encode("latin-1")

    for _ in range(2):  # decided, then remembered
        expected = by_text.preflight(origin, method, request_headers, private)
        got = by_bytes.preflight(raw(origin), raw(method), raw(request_headers), raw(private))
        assert got == expected
        assert by_bytes.actual_by_origin[raw(origin)] == by_text.actual_by_origin[origin]
