"""Flask and Werkzeug without the adapter: ``app.wsgi_app = CORSMiddleware(app.wsgi_app, ...)``.

Driven with the real Flask test client and Werkzeug's ``Client``.
"""

from __future__ import annotations

from typing import List, Optional

import pytest
from flask import Flask, Response, abort, jsonify, request
from flask.testing import FlaskClient
from werkzeug.test import Client
from werkzeug.wrappers import Request as WerkzeugRequest
from werkzeug.wrappers import Response as WerkzeugResponse

from wsgi_cors import CORSMiddleware

from conftest import ALLOWED, OTHER, preflight_headers

TOKEN = {"Authorization": "Bearer secret"}


def make_flask_app(calls: List[str]) -> Flask:
    app = Flask(__name__)

    @app.before_request
    def require_token() -> Optional[Response]:
        calls.append(f"before_request {request.method}")
        if request.method == "OPTIONS":
            abort(401)  # the hook that broke Flask-CORS preflights
        if request.headers.get("Authorization") != "Bearer secret":
            abort(401)
        return None

    @app.route("/api/items", methods=["GET", "PUT"])
    def items() -> Response:
        return jsonify(["apple", "pear"])

    @app.get("/api/boom")
    def boom() -> Response:
        raise RuntimeError("a bug in a view")

    @app.get("/health")
    def health() -> str:
        return "ok"

    app.wsgi_app = CORSMiddleware(  # type: ignore[method-assign]
        app.wsgi_app,
        origins=[ALLOWED],
        supports_credentials=True,
        allow_headers=["Authorization", "Content-Type"],
        resources={"/api/*": {}},
    )
    return app


@pytest.fixture
def calls() -> List[str]:
    return []


@pytest.fixture
def browser(calls: List[str]) -> FlaskClient:
    return make_flask_app(calls).test_client()


def test_a_before_request_hook_that_refuses_options_does_not_break_the_preflight(
    browser: FlaskClient, calls: List[str]
) -> None:
    answer = browser.options(
        "/api/items", headers=preflight_headers(method="PUT", headers="authorization")
    )
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert answer.headers["Access-Control-Allow-Methods"] == (
        "GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE"
    )
    assert answer.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert calls == []
    # Flask alone answers OPTIONS with the hook's 401.
    assert browser.options("/api/items").status_code == 401
    assert calls == ["before_request OPTIONS"]


def test_the_hooks_401_carries_the_cors_headers(browser: FlaskClient) -> None:
    response = browser.get("/api/items", headers={"Origin": ALLOWED})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Vary"] == "Origin"


def test_an_authorised_request_gets_the_cors_headers(browser: FlaskClient) -> None:
    response = browser.put("/api/items", headers={"Origin": ALLOWED, **TOKEN})
    assert response.status_code == 200
    assert response.get_json() == ["apple", "pear"]
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_flasks_500_page_carries_the_cors_headers(browser: FlaskClient) -> None:
    response = browser.get("/api/boom", headers={"Origin": ALLOWED, **TOKEN})
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_refused_origin_and_an_uncovered_path(browser: FlaskClient) -> None:
    refused = browser.get("/api/items", headers={"Origin": OTHER, **TOKEN})
    assert refused.status_code == 200
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert refused.headers["Vary"] == "Origin"
    assert browser.options("/api/items", headers=preflight_headers(origin=OTHER)).status_code == (
        403
    )
    outside = browser.get("/health", headers={"Origin": ALLOWED, **TOKEN})
    assert outside.text == "ok"
    assert "Access-Control-Allow-Origin" not in outside.headers
    assert "Vary" not in outside.headers


def test_the_flask_object_is_still_the_app(calls: List[str]) -> None:
    app = make_flask_app(calls)
    assert isinstance(app, Flask)
    assert isinstance(app.wsgi_app, CORSMiddleware)
    assert app.url_map.bind("localhost").match("/api/items") == ("items", {})


@WerkzeugRequest.application  # type: ignore[arg-type]
def werkzeug_app(request: WerkzeugRequest) -> WerkzeugResponse:
    if request.method == "OPTIONS":
        return WerkzeugResponse("no", status=405)
    return WerkzeugResponse(f"hello from {request.path}")


def test_a_plain_werkzeug_application() -> None:
    client = Client(CORSMiddleware(werkzeug_app, origins=[ALLOWED], max_age=60))
    answer = client.options("/x", headers=preflight_headers(method="DELETE"))
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Max-Age"] == "60"
    response = client.get("/x", headers={"Origin": ALLOWED})
    assert response.text == "hello from /x"
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
