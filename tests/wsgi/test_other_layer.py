"""An app that still runs another CORS layer under the middleware: its headers win, and the
middleware says so once, at WARNING, instead of staying silent (or logging only "refused")."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Iterable, List

import pytest

from wsgi_cors import CORSMiddleware

from shells import wsgi_environ

ALLOWED = "https://app.example.com"
EVIL = "https://evil.example.net"


def app_with_its_own_cors(
    environ: Dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", "*")])
    return [b"ok"]


def call(middleware: Any, path: str, origin: str) -> List[Any]:
    started: List[Any] = []
    environ = wsgi_environ("GET", path, [("Origin", origin)], b"")
    b"".join(middleware(environ, lambda status, headers, exc_info=None: started.append(headers)))
    return started[0]


def test_another_layer_is_reported_once_naming_the_path(caplog: pytest.LogCaptureFixture) -> None:
    middleware = CORSMiddleware(app_with_its_own_cors, origins=[ALLOWED])
    with caplog.at_level(logging.WARNING, logger="wsgi_cors"):
        headers = call(middleware, "/api/items", EVIL)
        call(middleware, "/api/other", EVIL)
    assert ("Access-Control-Allow-Origin", "*") in headers  # the app's header won
    assert [h for h in headers if h[0].lower() == "access-control-allow-origin"] == [
        ("Access-Control-Allow-Origin", "*")
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "another CORS layer is active" in warnings[0]
    assert "'/api/items'" in warnings[0]


def test_an_app_that_only_varies_is_not_reported(caplog: pytest.LogCaptureFixture) -> None:
    def varying(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Vary", "Accept")])
        return [b"ok"]

    with caplog.at_level(logging.WARNING, logger="wsgi_cors"):
        call(CORSMiddleware(varying, origins=[ALLOWED]), "/", ALLOWED)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_real_flask_cors_under_the_middleware_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    flask_cors = pytest.importorskip("flask_cors")
    flask = pytest.importorskip("flask")
    app = flask.Flask(__name__)
    app.add_url_rule("/api/items", "items", lambda: "ok")
    flask_cors.CORS(app)
    with caplog.at_level(logging.WARNING, logger="wsgi_cors"):
        headers = call(CORSMiddleware(app, origins=[ALLOWED]), "/api/items", EVIL)
    assert dict(headers)["Access-Control-Allow-Origin"] == EVIL  # Flask-CORS let it in
    assert any("another CORS layer is active" in r.getMessage() for r in caplog.records)
