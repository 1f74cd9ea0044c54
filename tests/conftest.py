"""Shared helpers: a trivial WSGI app, a recording app, and WebTest clients around the middleware."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
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
