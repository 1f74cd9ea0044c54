"""``check_websocket_origin``: which handshakes reach the app, and how the others are refused.

Each handshake is a scope and one ``websocket.connect`` message handed straight to the
middleware; the app accepts (so reaching it is visible) and the refusals are read off the
messages sent. ``tests/browser/test_browser_websockets.py`` shows the same in Chromium.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, MutableMapping, Optional, Tuple

import pytest

from wsgi_cors.asgi import CORSMiddleware

Message = MutableMapping[str, Any]

ALLOWED = "https://app.example.com"
HOST = "api.example.com"


async def accepting_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})


def handshake(
    origin: Optional[str],
    *,
    host: Optional[str] = HOST,
    scheme: str = "wss",
    extension: bool = True,
    path: str = "/ws",
    **options: Any,
) -> List[Message]:
    """The messages the middleware (or the app behind it) sent for one handshake."""
    headers: List[Tuple[bytes, bytes]] = []
    if host is not None:
        headers.append((b"host", host.encode("latin-1")))
    if origin is not None:
        headers.append((b"origin", origin.encode("latin-1")))
    scope: Dict[str, Any] = {
        "type": "websocket",
        "scheme": scheme,
        "path": path,
        "root_path": "",
        "headers": headers,
        "extensions": {"websocket.http.response": {}} if extension else {},
    }
    options = {"origins": [ALLOWED], "check_websocket_origin": True, **options}
    middleware = CORSMiddleware(accepting_app, **options)
    sent: List[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent


def accepted(messages: List[Message]) -> bool:
    return [message["type"] for message in messages] == ["websocket.accept"]


def refused_with_403(messages: List[Message]) -> bool:
    types = [message["type"] for message in messages]
    return (
        types == ["websocket.http.response.start", "websocket.http.response.body"]
        and messages[0]["status"] == 403
    )


@pytest.mark.parametrize(
    ("origin", "host", "scheme"),
    [
        (ALLOWED, HOST, "wss"),  # listed
        (None, HOST, "wss"),  # no Origin: not a browser
        (f"https://{HOST}", HOST, "wss"),  # same origin, never listed
        (f"http://{HOST}", HOST, "ws"),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "ws"),
        (f"https://{HOST}", "API.Example.com", "wss"),  # Host's case does not matter
    ],
)
def test_reaches_the_app(origin: Optional[str], host: str, scheme: str) -> None:
    assert accepted(handshake(origin, host=host, scheme=scheme))


@pytest.mark.parametrize(
    ("origin", "host", "scheme"),
    [
        ("https://evil.example.net", HOST, "wss"),
        (f"http://{HOST}", HOST, "wss"),  # another scheme is another origin
        (f"https://{HOST}", HOST, "ws"),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", "ws"),  # another port
        (f"https://{HOST}", None, "wss"),  # no Host: nothing to be the same as
        ("null", HOST, "wss"),
    ],
)
def test_refused_before_the_app(origin: str, host: Optional[str], scheme: str) -> None:
    assert refused_with_403(handshake(origin, host=host, scheme=scheme))


def test_refused_by_closing_without_the_http_response_extension() -> None:
    messages = handshake("https://evil.example.net", extension=False)
    assert messages == [{"type": "websocket.close", "code": 1008}]


def test_not_checked_unless_asked() -> None:
    assert accepted(handshake("https://evil.example.net", check_websocket_origin=False))


def test_wildcard_allows_any_origin() -> None:
    assert accepted(handshake("https://evil.example.net", origins="*"))
