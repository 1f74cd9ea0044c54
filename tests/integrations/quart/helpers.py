"""Shared helpers of the Quart adapter's tests: run a coroutine, build a request, read headers."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Dict, Optional, TypeVar

from quart import Quart, websocket
from quart.testing import WebsocketResponseError

T = TypeVar("T")

ALLOWED = "https://app.example.com"
OTHER = "https://evil.example.net"


def run(awaitable: Awaitable[T]) -> T:
    """Run one coroutine to completion in a fresh event loop (no pytest plugin needed).

    The loop runs in its own thread: another test (Playwright's sync API) may have left an
    event loop running in this one, where ``asyncio.run`` refuses to start.
    """

    async def wrapper() -> T:
        return await awaitable

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, wrapper()).result()


def preflight(
    origin: str = ALLOWED, method: str = "PUT", headers: Optional[str] = None
) -> Dict[str, str]:
    """The request headers of a browser's preflight."""
    result = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        result["Access-Control-Request-Headers"] = headers
    return result


async def request(
    app: Quart, method: str, path: str, headers: Optional[Dict[str, str]] = None
) -> Any:
    """One request through the app's test client (which calls ``app.asgi_app``)."""
    return await app.test_client().open(path, method=method, headers=headers or {})


def simple_app(name: str = "quart-tests") -> Quart:
    """An app with ``GET/POST /`` answering "hello" and a WebSocket at ``/ws`` sending b"hi"."""
    app = Quart(name)

    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        return "hello"

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send(b"hi")

    return app


async def websocket_status(app: Quart, path: str = "/ws", origin: Optional[str] = None) -> int:
    """101 if the handshake is accepted (and the handler's message arrives), else the denial's status."""
    headers = {"Origin": origin} if origin is not None else {}
    try:
        async with app.test_client().websocket(path, headers=headers) as connection:
            data = await asyncio.wait_for(connection.receive(), 5)
            assert data == b"hi"
            return 101
    except WebsocketResponseError as error:
        return int(error.response.status_code)
