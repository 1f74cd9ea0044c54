"""``check_websocket_origin`` in a real Chromium: a page of another origin opens a WebSocket.

CORS does not cover WebSockets: Chromium opens one to any origin, sending the page's
``Origin``, and lets the page use it whatever the server's CORS policy says. Only the
server can refuse (cross-site WebSocket hijacking), and ``wsgi_cors.asgi.CORSMiddleware``
does so with ``check_websocket_origin=True``. Every server here runs the strict
configuration of ``conftest.py`` (one allowed origin) around :func:`asgi_api_app`, whose
WebSocket echoes each message, in uvicorn with either WebSocket implementation:
``websockets-sansio`` (the refusal is a 403 response, through ``websocket.http.response``)
and ``wsproto`` (the middleware closes before accepting, and uvicorn answers 403).
"""

from __future__ import annotations

from typing import Callable

import pytest

from .browser_harness import WS_IMPLEMENTATIONS, Exchange, LoopbackServer, SharedServers, Tab

pytestmark = pytest.mark.browser

WebSocketServer = Callable[..., LoopbackServer]


def socket_url(server: LoopbackServer, uid: str) -> str:
    """The server's WebSocket URL, ``/ws``, with the test's own query so its exchange is its own."""
    return f"ws://127.0.0.1:{server.port}/ws?id={uid}"


def handshake(server: LoopbackServer, uid: str) -> Exchange:
    """The one handshake the test's page sent to ``server``."""
    (exchange,) = [found for found in server.log.for_path("/ws") if found.query == f"id={uid}"]
    return exchange


def assert_echoed(tab: Tab, server: LoopbackServer, uid: str) -> None:
    """The page's WebSocket opened and the app echoed its message."""
    result = tab.websocket(socket_url(server, uid), f"hello {uid}")
    assert result.opened, result
    assert result.reply == f"echo: hello {uid}"
    assert result.events == ["open", "message", "close"]
    assert result.close_code == 1000
    exchange = handshake(server, uid)
    assert exchange.header("Origin") == tab.origin
    assert exchange.status_code == 101
    assert exchange.reached_app
    assert exchange.app_body == f"hello {uid}"


@pytest.mark.parametrize("ws", WS_IMPLEMENTATIONS)
def test_allowed_origin_connects_and_echoes(
    tab: Tab, websocket_server: WebSocketServer, uid: str, ws: str
) -> None:
    assert_echoed(tab, websocket_server(ws), uid)


@pytest.mark.parametrize("ws", WS_IMPLEMENTATIONS)
def test_refused_origin_never_connects(
    open_tab: Callable[..., Tab],
    shared_servers: SharedServers,
    websocket_server: WebSocketServer,
    uid: str,
    ws: str,
) -> None:
    tab = open_tab(shared_servers.refused_page.origin)
    server = websocket_server(ws)
    url = socket_url(server, uid)
    result = tab.websocket(url, "hijack")
    assert not result.opened, result
    assert result.events == ["error", "close"]
    assert result.close_code == 1006  # closed abnormally: there never was a connection
    assert result.reply is None
    failure = tab.console_message(f"WebSocket connection to '{url}' failed")
    assert "403" in failure, failure
    exchange = handshake(server, uid)
    assert exchange.header("Origin") == tab.origin
    assert exchange.status_code == 403
    assert not exchange.reached_app  # refused before the app ran


def test_without_the_check_a_refused_origin_connects(
    open_tab: Callable[..., Tab],
    shared_servers: SharedServers,
    websocket_server: WebSocketServer,
    uid: str,
) -> None:
    """The same page and policy, ``check_websocket_origin=False``: the browser applies no CORS."""
    tab = open_tab(shared_servers.refused_page.origin)
    assert_echoed(tab, websocket_server(check=False), uid)


def test_wildcard_policy_lets_any_origin_connect(
    open_tab: Callable[..., Tab],
    shared_servers: SharedServers,
    websocket_server: WebSocketServer,
    uid: str,
) -> None:
    tab = open_tab(shared_servers.refused_page.origin)
    assert_echoed(tab, websocket_server(permissive=True), uid)


@pytest.mark.parametrize("ws", WS_IMPLEMENTATIONS)
def test_same_origin_page_connects(
    open_tab: Callable[..., Tab], websocket_server: WebSocketServer, uid: str, ws: str
) -> None:
    """A page of the server's own origin, which no CORS list needs to name, opens its socket."""
    server = websocket_server(ws)
    assert_echoed(open_tab(server.origin), server, uid)
