"""The hostile-request rows that only WSGI can express (SECURITY.md classes 2.10, 2.11): the
app's own header list and body iterable, the status line's reason phrase, and a server or
layer that edits the header list it was handed."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import pytest

from wsgi_cors import CORSMiddleware

from conformance.hostile import ACAC, ACAO, APP, EVIL, KIB64, Options
from conftest import call_wsgi as call
from conftest import make_environ

Header = Tuple[str, str]
APP_HEADERS: List[Header] = [("Content-Type", "text/plain; charset=utf-8")]


class App:
    """A WSGI app that counts its calls and always returns the same body object."""

    def __init__(self, status: str = "200 OK", headers: Optional[List[Header]] = None) -> None:
        self.status = status
        self.headers = headers if headers is not None else APP_HEADERS
        self.body = [b"app body"]
        self.calls = 0

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        self.calls += 1
        start_response(self.status, self.headers)
        return self.body


# --- 2.10 Shared mutable state between requests ---------------------------------------------

#: Module-level header lists, passed by the app on every call, as real apps do.
MODULE_HEADERS: List[Header] = [("Content-Type", "text/plain"), ("X-App", "1")]
MODULE_HEADERS_WITH_VARY: List[Header] = [("Content-Type", "text/plain"), ("Vary", "Cookie")]
MODULE_HEADERS_WITH_ORIGIN: List[Header] = [("Content-Type", "text/plain"), (ACAO, APP)]


@pytest.mark.parametrize(
    ("app_headers", "options"),
    [
        pytest.param(MODULE_HEADERS, {"origins": [APP]}, id="allow-list"),
        pytest.param(MODULE_HEADERS_WITH_VARY, {"origins": [APP]}, id="allow-list-vary-merge"),
        pytest.param(MODULE_HEADERS_WITH_ORIGIN, {"origins": [APP]}, id="app-sets-allow-origin"),
        pytest.param(MODULE_HEADERS, {}, id="star"),
        pytest.param(MODULE_HEADERS, {"send_wildcard": False}, id="star-reflecting"),
        pytest.param(
            MODULE_HEADERS,
            {"origins": [APP, re.compile(r"https://[a-z]+\.example\.org")]},
            id="regex-memo",
        ),
        pytest.param(
            MODULE_HEADERS_WITH_VARY,
            {"origins": [APP], "intercept_exceptions": True},
            id="intercept-exceptions",
        ),
        pytest.param(
            MODULE_HEADERS_WITH_VARY,
            {"origins": [APP], "automatic_options": False},
            id="preflights-to-the-app",
        ),
        pytest.param(
            MODULE_HEADERS, {"origins": [APP], "resources": {"/api/*": {}}}, id="resources"
        ),
    ],
)
def test_2_10_module_level_app_headers_are_unchanged_after_many_requests(
    app_headers: List[Header], options: Options
) -> None:
    snapshot = list(app_headers)
    items = [id(item) for item in app_headers]
    middleware = CORSMiddleware(App(headers=app_headers), **options)
    requests = [
        {"origin": APP},
        {"origin": EVIL},
        {},
        {"origin": f"{APP}\r\nX-Injected: 1"},
        {"origin": "https://a.example.org"},
        {"method": "OPTIONS", "origin": APP, "request_method": "PUT"},
        {"method": "OPTIONS", "origin": EVIL, "request_method": "PUT"},
        {"method": "OPTIONS", "origin": APP},
    ]
    for _ in range(50):
        for request in requests:
            for path in ("/api/x", "/other"):
                call(middleware, make_environ(path=path, **request))  # type: ignore[arg-type]
    assert app_headers == snapshot
    assert [id(item) for item in app_headers] == items


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param({"origin": APP}, id="allowed-actual"),
        pytest.param({"origin": EVIL}, id="refused-actual"),
        pytest.param({}, id="no-origin"),
        pytest.param({"method": "OPTIONS", "origin": APP, "request_method": "PUT"}, id="preflight"),
        pytest.param(
            {"method": "OPTIONS", "origin": EVIL, "request_method": "PUT"}, id="refused-preflight"
        ),
    ],
)
@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"origins": [APP], "supports_credentials": True}, id="allow-list"),
        pytest.param({}, id="star"),
    ],
)
def test_2_10_a_layer_mutating_the_delivered_header_list_cannot_reach_the_next_response(
    options: Options, sent: Dict[str, str]
) -> None:
    """Each answer's header list is new: an outer layer that edits it in place (as some
    servers and middlewares do) changes nothing for later requests."""
    middleware = CORSMiddleware(App(headers=list(APP_HEADERS)), **options)
    delivered: List[List[Header]] = []
    snapshots: List[List[Header]] = []

    def start_response(status: str, headers: List[Header], exc_info: Any = None) -> Any:
        delivered.append(headers)
        return lambda data: None

    for _ in range(3):
        list(middleware(make_environ(**sent), start_response))  # type: ignore[arg-type]
        snapshots.append(list(delivered[-1]))
        delivered[-1].append((ACAO, "https://injected.example"))
        delivered[-1].append((ACAC, "true"))
    assert len({id(headers) for headers in delivered}) == 3
    assert snapshots[0] == snapshots[1] == snapshots[2]
    assert all("https://injected.example" not in value for _, value in snapshots[2])


# --- 2.11 Other correctness traps -----------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        "200 OK",
        "201 Created",
        "299 Custom Phrase",
        "302 Found",
        "404 Not Found",
        "500 Internal Server Error",
        "599 whatever the app says",
    ],
)
@pytest.mark.parametrize(
    "origin",
    [
        pytest.param(EVIL, id="refused"),
        pytest.param(f"{APP}\r\nX-Injected: 1", id="crlf"),
        pytest.param("null", id="null"),
        pytest.param("x" * KIB64, id="64-KiB"),
    ],
)
def test_2_11_refused_origin_leaves_the_apps_status_and_body_untouched(
    origin: str, status: str
) -> None:
    app = App(status=status)
    started: List[Tuple[str, List[Header]]] = []
    result = CORSMiddleware(app, origins=[APP], supports_credentials=True)(
        make_environ(method="POST", origin=origin),
        lambda s, h, e=None: started.append((s, h)),  # type: ignore[func-returns-value]
    )
    assert result is app.body
    assert app.calls == 1
    assert started == [(status, [*APP_HEADERS, ("Vary", "Origin")])]
    assert started[0][0] is status


def http_status_line(code: int) -> str:
    status = HTTPStatus(code)
    return f"{status.value} {status.phrase}"


def preflight_status_line(options: Options, origin: str) -> str:
    environ = make_environ(method="OPTIONS", origin=origin, request_method="PUT")
    status, _, _ = call(CORSMiddleware(App(), **options), environ)
    return status


@pytest.mark.parametrize("code", [status.value for status in HTTPStatus if 200 <= status < 300])
def test_2_11_allowed_preflight_status_line_comes_from_http_status(code: int) -> None:
    assert preflight_status_line({"preflight_status": code}, APP) == http_status_line(code)


def test_2_11_status_lines_the_middleware_writes_itself_come_from_http_status() -> None:
    assert preflight_status_line({"origins": [APP]}, EVIL) == http_status_line(403)
    assert preflight_status_line({}, APP) == http_status_line(204)

    def failing(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raise RuntimeError("boom")

    status, _, _ = call(
        CORSMiddleware(failing, intercept_exceptions=True), make_environ(origin=APP)
    )
    assert status == http_status_line(500)
