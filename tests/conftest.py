"""Shared helpers: a trivial WSGI app, a recording app, and WebTest clients around the middleware."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest
from webtest import TestApp

from wsgi_cors import CORSMiddleware

ALLOWED = "https://app.example.com"
OTHER = "https://evil.example.net"

Header = Tuple[str, str]


class RecordingApp:
    """A WSGI app that records each call and answers with a configurable status and headers."""

    def __init__(
        self,
        status: str = "200 OK",
        headers: Optional[List[Header]] = None,
        body: bytes = b"hello",
    ) -> None:
        self.status = status
        self.headers = headers if headers is not None else [("Content-Type", "text/plain")]
        self.body = body
        self.calls: List[Dict[str, Any]] = []

    def __call__(
        self, environ: Dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        self.calls.append(environ)
        start_response(self.status, self.headers)
        return [self.body]


def client(app: Any = None, **options: Any) -> TestApp:
    """A WebTest client: validator(CORSMiddleware(validator(app), **options))."""
    inner = app if app is not None else RecordingApp()
    return TestApp(validator(CORSMiddleware(validator(inner), **options)))


def preflight_headers(
    origin: str = ALLOWED, method: str = "PUT", headers: Optional[str] = None
) -> Dict[str, str]:
    """Request headers of a preflight, as a browser sends them."""
    result = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        result["Access-Control-Request-Headers"] = headers
    return result


def header_values(response: Any, name: str) -> List[str]:
    """Every value of header ``name`` in a WebTest response, in order."""
    return [value for key, value in response.headerlist if key.lower() == name.lower()]


@pytest.fixture
def recording_app() -> RecordingApp:
    return RecordingApp()


def make_environ(
    *,
    method: str = "GET",
    path: Optional[str] = "/",
    origin: Optional[str] = None,
    request_method: Optional[str] = None,
    request_headers: Optional[str] = None,
    private_network: Optional[str] = None,
) -> Dict[str, Any]:
    """A PEP 3333 environ built by hand, for header values no HTTP client library would send.

    ``path=None`` leaves ``PATH_INFO`` out (with ``SCRIPT_NAME`` "/app"); ``None`` headers are
    left out.
    """
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SERVER_NAME": "testserver",
        "QUERY_STRING": "",
    }
    if path is None:
        environ["SCRIPT_NAME"] = "/app"
    else:
        environ["SCRIPT_NAME"] = ""
        environ["PATH_INFO"] = path
    setup_testing_defaults(environ)
    for key, value in (
        ("HTTP_ORIGIN", origin),
        ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", request_method),
        ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", request_headers),
        ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", private_network),
    ):
        if value is not None:
            environ[key] = value
    return environ


def call_wsgi(wsgi: Any, environ: Dict[str, Any]) -> Tuple[str, List[Header], bytes]:
    """Call a WSGI callable as a server would: one ``start_response``, body joined and closed."""
    started: List[Tuple[str, List[Header]]] = []

    def start_response(status: str, headers: List[Header], exc_info: Any = None) -> Any:
        started.append((status, list(headers)))
        return lambda data: None

    result = wsgi(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    assert len(started) == 1
    status, headers = started[0]
    return status, headers, body
