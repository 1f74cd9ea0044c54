"""Hostile paths end to end through Flask's own router (SECURITY.md class 2.8)."""

from __future__ import annotations

import pytest
from flask import Flask

from wsgi_cors.flask import CORS

from conformance.hostile import ACAO, APP, EVIL
from conftest import call_wsgi as call
from conftest import make_environ


def flask_app_with_public_and_private_routes() -> Flask:
    app = Flask("hostile_paths")

    @app.get("/api/<path:rest>")
    def private(rest: str) -> str:
        return "private"

    @app.get("/api/public/<path:rest>")
    def public(rest: str) -> str:
        return "public"

    CORS(
        app,
        resources={
            r"/api/*": {"origins": [APP], "supports_credentials": True},
            r"/api/public/*": {"origins": "*"},
        },
    )
    return app


@pytest.mark.parametrize(
    "path_info",
    [
        "/api/public/x",
        "/api/x",
        "/api/public/../x",
        "/api/./public/x",
        "/api/%2e%2e/public/x",
        "//api/public/x",
        "/api//public/x",
        "/api/public//x",
    ],
)
def test_2_8_flask_adapter_never_opens_a_route_to_an_origin_its_resource_refuses(
    path_info: str,
) -> None:
    """An origin allowed only under '/api/public/*' can read a response only when the public
    view produced it."""
    app = flask_app_with_public_and_private_routes()
    status, headers, body = call(app, make_environ(path=path_info, origin=EVIL))
    readable = any(name == ACAO and value in (EVIL, "*") for name, value in headers)
    assert not readable or body == b"public", (status, body)
