"""The Flask drop-in in Chromium: a credentialed blueprint under a public app-level ``CORS``.

``CORS(app, origins=[public])`` plus ``CORS(blueprint, origins=[page], supports_credentials=True)``:
the blueprint's preflights and responses carry its own policy (credentials included), so the
browser lets a credentialed ``PUT`` through, while the app's other routes keep the public policy.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from flask import Blueprint, Flask, jsonify, request

from wsgi_cors.flask import CORS

from .browser_harness import LoopbackServer, SharedServers, Tab, WSGILoopbackServer

pytestmark = pytest.mark.browser

PUBLIC = "https://public.example.com"


@pytest.fixture(scope="module")
def flask_api(shared_servers: SharedServers) -> Iterator[LoopbackServer]:
    app = Flask(__name__)
    account = Blueprint("account", __name__, url_prefix="/account")

    @account.route("/<uid>", methods=["GET", "PUT"])
    def me(uid: str) -> object:
        return jsonify(uid=uid, method=request.method)

    @app.route("/public/<uid>", methods=["GET", "PUT"])
    def public(uid: str) -> object:
        return jsonify(uid=uid)

    CORS(app, origins=[PUBLIC])
    CORS(account, origins=[shared_servers.page.origin], supports_credentials=True)
    app.register_blueprint(account)
    server = WSGILoopbackServer(app.wsgi_app)
    yield server
    server.close()


def test_credentialed_blueprint_under_a_public_app_policy(
    tab: Tab, flask_api: LoopbackServer, uid: str
) -> None:
    path = f"/account/{uid}"
    result = tab.fetch(
        flask_api.url(path),
        method="PUT",
        headers={"Content-Type": "application/json"},
        body="{}",
        credentials="include",
    )
    assert result.ok, result
    preflight, put = flask_api.log.for_path(path)
    assert preflight.method == "OPTIONS"
    assert preflight.status_code == 200
    assert preflight.response_header("Access-Control-Allow-Origin") == tab.origin
    assert preflight.response_header("Access-Control-Allow-Credentials") == "true"
    assert put.response_header("Access-Control-Allow-Credentials") == "true"


def test_the_apps_own_routes_keep_the_public_policy(
    tab: Tab, flask_api: LoopbackServer, uid: str
) -> None:
    path = f"/public/{uid}"
    url = flask_api.url(path)
    result = tab.fetch(url, method="PUT", headers={"Content-Type": "application/json"}, body="{}")
    assert "preflight" in tab.assert_blocked(result, url)
    (preflight,) = flask_api.log.for_path(path)
    assert preflight.response_header("Access-Control-Allow-Origin") is None
