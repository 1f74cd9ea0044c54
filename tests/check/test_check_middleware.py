"""``wsgi-cors check`` end to end over 127.0.0.1: against the real middleware.

See ``tests/check/helpers.py``: a CannedServer answers each test's own path with hand-written
responses and records every request."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

from wsgi_cors import CORSMiddleware
from wsgi_cors.check import Report, build_page_request, run_check

from browser.conftest import PERMISSIVE_OPTIONS, strict_options
from check.check_servers import (
    WSGIAppServer,
)
from check.helpers import (
    ORIGIN,
    OTHER,
    PUT_CUSTOM,
    Header,
    assert_allowed,
    run_json,
)

pytestmark = pytest.mark.servers

# --- against the real middleware --------------------------------------------------------------


def api(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
    """The app behind the middleware: one answer for every method and path."""
    body = b'{"ok": true}'
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("X-Total", "3"),
            ("X-Secret", "s"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


@pytest.fixture(scope="module")
def middleware() -> Iterator[Dict[str, WSGIAppServer]]:
    with_patch = strict_options(ORIGIN)
    with_patch["methods"] = [*with_patch["methods"], "PATCH"]
    configurations = {
        "strict": strict_options(ORIGIN),
        "permissive": PERMISSIVE_OPTIONS,
        "patch": with_patch,
    }
    servers: Dict[str, WSGIAppServer] = {}
    try:
        for name, options in configurations.items():
            servers[name] = WSGIAppServer(CORSMiddleware(api, **options))
        yield servers
    finally:
        for server in servers.values():
            server.close()


def check(
    server: WSGIAppServer,
    method: str = "GET",
    headers: Sequence[Header] = (),
    credentials: bool = False,
    origin: str = ORIGIN,
) -> Report:
    request = build_page_request(server.url("/api/items"), origin, method, headers, credentials)
    return run_check(request, timeout=10, probe=False)


def _diagnosis(report: Report) -> List[Tuple[str, bool, Optional[str]]]:
    return [(step.check, step.ok, step.rule) for step in report.diagnosis]


def test_middleware_allows_a_simple_get(middleware: Dict[str, WSGIAppServer]) -> None:
    report = check(middleware["strict"])
    assert report.allowed
    assert report.verdict == "ALLOWED"
    assert report.blocked_by is None
    assert [stage.title for stage in report.stages] == ["Request"]
    assert "X-Total" in report.readable_headers  # expose_headers
    assert "X-Secret" in report.hidden_headers


def test_middleware_allows_a_credentialed_put_with_x_custom(
    middleware: Dict[str, WSGIAppServer],
) -> None:
    report = check(middleware["strict"], "PUT", [("X-Custom", "1")], credentials=True)
    assert report.allowed, report.failures
    assert [stage.title for stage in report.stages] == ["Preflight", "Request"]
    assert report.warnings == []  # max_age=600, Vary: Origin


def test_middleware_refuses_an_origin(middleware: Dict[str, WSGIAppServer]) -> None:
    simple = check(middleware["strict"], origin=OTHER)
    assert simple.verdict == "BLOCKED"
    assert simple.blocked_by is not None
    assert simple.blocked_by.rule == "acao-missing"
    assert simple.stages[0].title == "Request"

    preflighted = check(middleware["strict"], "PUT", origin=OTHER)
    assert preflighted.blocked_by is not None
    assert preflighted.blocked_by.rule == "acao-missing"
    assert _diagnosis(preflighted) == [("origin", False, "acao-missing")]


def test_middleware_refuses_a_method(middleware: Dict[str, WSGIAppServer]) -> None:
    report = check(middleware["strict"], "PATCH", [("X-Custom", "1")])
    assert not report.allowed
    assert report.stages[0].exchange is not None
    assert report.stages[0].exchange.status == 403
    assert report.blocked_by is not None
    assert report.blocked_by.rule == "method-not-allowed"
    assert _diagnosis(report) == [
        ("origin", True, None),
        ("method", False, "method-not-allowed"),
        ("header x-custom", True, None),
    ]


def test_middleware_refuses_a_header(middleware: Dict[str, WSGIAppServer]) -> None:
    report = check(middleware["strict"], "PUT", [("X-Custom", "1"), ("X-Other", "2")])
    assert report.blocked_by is not None
    assert report.blocked_by.rule == "header-not-allowed"
    assert report.blocked_by.check == "header x-other"
    assert _diagnosis(report) == [
        ("origin", True, None),
        ("method", True, None),
        ("header x-custom", True, None),
        ("header x-other", False, "header-not-allowed"),
    ]


def test_middleware_and_a_lower_case_patch(middleware: Dict[str, WSGIAppServer]) -> None:
    report = check(middleware["patch"], "patch")
    assert report.blocked_by is not None
    assert report.blocked_by.rule == "method-case"
    assert "PATCH" in report.blocked_by.detail
    # The middleware upper-cases `methods`: the advice must not be to list 'patch' there.
    advice = report.blocked_by.wsgi_cors_fix or ""
    assert "upper-cased from the page" in advice
    assert "methods='*'" in advice
    assert check(middleware["patch"], "PATCH").allowed


def test_middleware_permissive_names_authorization(
    middleware: Dict[str, WSGIAppServer],
) -> None:
    report = check(middleware["permissive"], "GET", [("Authorization", "Bearer t")])
    assert report.allowed, report.failures
    exchange = report.stages[0].exchange
    assert exchange is not None
    allowed = exchange.get("Access-Control-Allow-Headers") or ""
    assert "authorization" in [name.strip().lower() for name in allowed.split(",")]


def test_middleware_permissive_with_credentials_fails(
    middleware: Dict[str, WSGIAppServer],
) -> None:
    report = check(middleware["permissive"], credentials=True)
    assert report.blocked_by is not None
    assert report.blocked_by.rule == "acao-wildcard-with-credentials"


def test_middleware_through_the_cli(
    capsys: pytest.CaptureFixture[str], middleware: Dict[str, WSGIAppServer]
) -> None:
    url = middleware["strict"].url("/api/items")
    code, data = run_json(capsys, url, "--origin", ORIGIN, "--credentials", *PUT_CUSTOM)
    assert_allowed(data, code)
    assert data["warnings"] == []  # the probes find nothing risky in the strict config
    code, data = run_json(capsys, url, "--origin", ORIGIN, "--method", "PATCH", "--no-probe")
    assert code == 1
    assert data["blocked_by"] == "method-not-allowed"
    assert [step["rule"] for step in data["diagnosis"] if not step["ok"]] == ["method-not-allowed"]
