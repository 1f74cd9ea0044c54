"""FastAPI (and so Starlette) with the ASGI shell added by ``add_middleware``: the example app,
in process, through Starlette's test client."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

with warnings.catch_warnings():  # Starlette now prefers httpx2; httpx still works
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient, WebSocketDenialResponse

from examples.fastapi_app import app

ALLOWED = "https://app.example.com"
EVIL = "https://evil.example.net"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1:8000")


def test_preflight_is_answered_by_the_middleware(client: TestClient) -> None:
    response = client.options(
        "/api/items",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-headers"] == "Content-Type, Authorization"
    assert response.headers["access-control-max-age"] == "600"


def test_allowed_and_refused_requests(client: TestClient) -> None:
    allowed = client.get("/api/items", headers={"Origin": ALLOWED})
    assert allowed.json() == [{"name": "first"}]
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert allowed.headers["access-control-expose-headers"] == "X-Total-Count"
    refused = client.get("/api/items", headers={"Origin": EVIL})
    assert refused.status_code == 200
    assert "access-control-allow-origin" not in refused.headers
    assert refused.headers["vary"] == "Origin"


def test_fastapis_own_404_carries_cors_headers(client: TestClient) -> None:
    response = client.get("/nowhere", headers={"Origin": ALLOWED})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_websocket_from_the_allowed_origin_connects(client: TestClient) -> None:
    with client.websocket_connect("/ws", headers={"Origin": ALLOWED}) as websocket:
        websocket.send_text("ping")
        assert websocket.receive_text() == "ping"


def test_websocket_from_another_site_is_refused_with_403(client: TestClient) -> None:
    with pytest.raises(WebSocketDenialResponse) as caught:
        client.websocket_connect("/ws", headers={"Origin": EVIL}).__enter__()
    assert caught.value.status_code == 403
