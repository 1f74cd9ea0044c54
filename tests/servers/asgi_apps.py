"""The ASGI apps that the real ASGI server tests serve: Starlette, FastAPI, Quart and Django.

Each factory builds one framework's app wrapped in ``wsgi_cors.asgi.CORSMiddleware`` with
:data:`CORS_OPTIONS` and ``check_websocket_origin=True``, the way its users would wrap it:
``app.add_middleware(...)`` for Starlette and FastAPI, ``app.asgi_app = CORSMiddleware(...)``
for Quart, and ``CORSMiddleware(get_asgi_application(), ...)`` for Django (settings and views
in ``servers.asgi_django_site``). The servers load them as ``servers.asgi_apps:make_<name>``
(``uvicorn --factory``; ``make_<name>()`` for hypercorn), with ``tests/`` on ``PYTHONPATH``.
One factory is not wrapped, and serves other routes: ``make_django_dropin``, Django with
``wsgi_cors.django.CorsMiddleware`` in its ``MIDDLEWARE`` (``servers.django_dropin_site``).

Every framework serves the same routes, so one suite checks them all over the wire:

* ``/api/items`` (GET and OPTIONS): :data:`ITEMS_BODY` with ``x-app: called``. The app answers
  OPTIONS too (200, :data:`OPTIONS_BODY`), so a preflight that reached it would show;
* ``/api/vary``: sets its own ``Vary: Accept-Encoding``;
* ``/api/where``: answers ``<root_path> <path>`` of the ASGI scope it was called with;
* ``/api/error``: raises. Starlette and FastAPI let the exception out (the middleware's
  ``intercept_exceptions`` answers 500); Quart and Django answer their own 500;
* ``/api/digest`` (POST): reads the whole body and answers ``<length> <sha256 hex>``;
* ``/api/stream?gate=NAME``: sends ``first``, waits until the file ``NAME`` exists in the
  work directory (the test creates it after reading ``first``), then ``second`` and ``third``;
* ``/other``: a path no resource covers;
* ``/ws/echo?token=T`` (WebSocket; not Django, whose core has no WebSockets): creates the
  file ``ws-T`` in the work directory before anything else, so a test can tell whether the app
  ran, then accepts and answers one text message with ``echo:<message>``. The client closes
  (see :func:`wait_for_close`).

Each factory's app is served behind :func:`without_response_extension`: a WebSocket handshake
with ``hide-extension=1`` in its query string sees no ``websocket.http.response`` extension, as
on a server that lacks it, so the middleware's other way to refuse (closing before accepting)
is served too.

The work directory is :data:`WORK_DIR_VARIABLE` in the environment. Waits use ``anyio``, so
the Starlette and FastAPI apps run under trio as well as asyncio.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations
(``request: Request``) as objects, and its classes are imported inside the factory.
"""

import hashlib
import os
import time
from pathlib import Path
from typing import Any, AsyncIterator, Dict
from urllib.parse import parse_qs

import anyio

from wsgi_cors.asgi import CORSMiddleware

WORK_DIR_VARIABLE = "WSGI_CORS_ASGI_WORK_DIR"

ALLOWED = "https://app.example.com"
#: Allowed by the wildcard ``https://*.example.org``.
WILDCARD_ALLOWED = "https://shop.example.org"
REFUSED = "https://evil.example.net"
METHODS = ["GET", "POST", "PUT", "DELETE"]
ALLOW_HEADERS = ["Content-Type", "Authorization"]
EXPOSE = "X-Total-Count"
MAX_AGE = 600

CORS_OPTIONS: Dict[str, Any] = {
    "origins": [ALLOWED, "https://*.example.org"],
    "methods": METHODS,
    "allow_headers": ALLOW_HEADERS,
    "expose_headers": [EXPOSE],
    "supports_credentials": True,
    "max_age": MAX_AGE,
    "intercept_exceptions": True,
    "resources": {"/api/*": {}, "/ws/*": {}},
}

ITEMS_BODY = b'["apple", "pear"]'
OPTIONS_BODY = b"OPTIONS reached the app"
VARY_BODY = b"varies"
OTHER_BODY = b"not covered"
STREAM_CHUNKS = (b"first\n", b"second\n", b"third\n")
GATE_TIMED_OUT = b"gate timed out\n"
#: How long the streaming app waits for its gate (never reached when nothing buffers).
GATE_TIMEOUT = 15.0
#: In a WebSocket query string: hide the ``websocket.http.response`` extension from the app.
HIDE_EXTENSION = b"hide-extension=1"
#: The header every response the app itself makes carries.
APP_HEADER = ("x-app", "called")


def work_dir() -> Path:
    return Path(os.environ[WORK_DIR_VARIABLE])


def digest(body: bytes) -> bytes:
    return f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode("ascii")


async def stream_chunks(gate: str) -> AsyncIterator[bytes]:
    """The first chunk; then, once the gate file exists, the others (or a time-out note)."""
    yield STREAM_CHUNKS[0]
    gate_file = work_dir() / gate
    deadline = time.monotonic() + GATE_TIMEOUT
    while not gate_file.exists():
        if time.monotonic() > deadline:
            yield GATE_TIMED_OUT
            return
        await anyio.sleep(0.01)
    for chunk in STREAM_CHUNKS[1:]:
        yield chunk


def gate_name(query_string: bytes) -> str:
    names = parse_qs(query_string.decode("ascii")).get("gate", [""])
    name = names[0]
    assert name.isalnum(), name
    return name


def where(scope: Any) -> bytes:
    return f"{scope.get('root_path', '')} {scope['path']}".encode()


def mark_websocket(query_string: bytes) -> None:
    """Leave ``ws-<token>`` in the work directory: the app ran for this handshake."""
    token = parse_qs(query_string.decode("ascii")).get("token", [""])[0]
    assert token.isalnum(), token
    (work_dir() / f"ws-{token}").touch()


def without_response_extension(app: Any) -> Any:
    """The outermost layer: hides ``websocket.http.response`` from marked handshakes only."""

    async def outer(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and HIDE_EXTENSION in scope["query_string"].split(b"&"):
            extensions = dict(scope.get("extensions") or {})
            extensions.pop("websocket.http.response", None)
            scope = {**scope, "extensions": extensions}
        await app(scope, receive, send)

    return outer


class AppBugError(RuntimeError):
    """What ``/api/error`` raises."""


# --- Starlette and FastAPI -----------------------------------------------------------------


async def wait_for_close(websocket: Any) -> None:
    """Wait for the client's close instead of closing first.

    hypercorn 0.18.0's trio worker can exit when the app sends ``websocket.close`` while the
    client's own close frame is being answered: two tasks write to the connection's
    ``SocketStream`` and trio raises ``BusyResourceError`` (seen with a bare ASGI app too, no
    middleware: the second or third such echo stops the server).
    """
    message = await websocket.receive()
    assert message["type"] == "websocket.disconnect", message


def _starlette_routes() -> Any:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response, StreamingResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    app_headers = {APP_HEADER[0]: APP_HEADER[1]}

    async def items(request: Request) -> Response:
        if request.method == "OPTIONS":
            return PlainTextResponse(OPTIONS_BODY, headers=app_headers)
        return Response(
            ITEMS_BODY,
            media_type="application/json",
            headers={**app_headers, "x-total-count": "2"},
        )

    async def vary(request: Request) -> Response:
        return PlainTextResponse(VARY_BODY, headers={**app_headers, "vary": "Accept-Encoding"})

    async def where_called(request: Request) -> Response:
        return PlainTextResponse(where(request.scope), headers=app_headers)

    async def error(request: Request) -> Response:
        raise AppBugError("a bug in a Starlette endpoint")

    async def digest_body(request: Request) -> Response:
        return PlainTextResponse(digest(await request.body()), headers=app_headers)

    async def stream(request: Request) -> Response:
        chunks = stream_chunks(gate_name(request.scope["query_string"]))
        return StreamingResponse(chunks, media_type="text/plain", headers=app_headers)

    async def other(request: Request) -> Response:
        return PlainTextResponse(OTHER_BODY, headers=app_headers)

    async def echo(websocket: WebSocket) -> None:
        mark_websocket(websocket.scope["query_string"])
        await websocket.accept()
        message = await websocket.receive_text()
        await websocket.send_text(f"echo:{message}")
        await wait_for_close(websocket)

    return [
        Route("/api/items", items, methods=["GET", "OPTIONS"]),
        Route("/api/vary", vary),
        Route("/api/where", where_called),
        Route("/api/error", error),
        Route("/api/digest", digest_body, methods=["POST"]),
        Route("/api/stream", stream),
        Route("/other", other),
        WebSocketRoute("/ws/echo", echo),
    ]


def make_starlette() -> Any:
    from starlette.applications import Starlette

    app = Starlette(routes=_starlette_routes())
    app.add_middleware(CORSMiddleware, check_websocket_origin=True, **CORS_OPTIONS)
    return without_response_extension(app)


def make_fastapi() -> Any:
    from fastapi import FastAPI, Request, WebSocket
    from fastapi.responses import PlainTextResponse, Response, StreamingResponse

    app = FastAPI()
    app_headers = {APP_HEADER[0]: APP_HEADER[1]}

    @app.api_route("/api/items", methods=["GET", "OPTIONS"])
    async def items(request: Request) -> Response:
        if request.method == "OPTIONS":
            return PlainTextResponse(OPTIONS_BODY, headers=app_headers)
        return Response(
            ITEMS_BODY,
            media_type="application/json",
            headers={**app_headers, "x-total-count": "2"},
        )

    @app.get("/api/vary")
    async def vary() -> Response:
        return PlainTextResponse(VARY_BODY, headers={**app_headers, "vary": "Accept-Encoding"})

    @app.get("/api/where")
    async def where_called(request: Request) -> Response:
        return PlainTextResponse(where(request.scope), headers=app_headers)

    @app.get("/api/error")
    async def error() -> Response:
        raise AppBugError("a bug in a FastAPI endpoint")

    @app.post("/api/digest")
    async def digest_body(request: Request) -> Response:
        return PlainTextResponse(digest(await request.body()), headers=app_headers)

    @app.get("/api/stream")
    async def stream(gate: str) -> Response:
        chunks = stream_chunks(gate_name(f"gate={gate}".encode("ascii")))
        return StreamingResponse(chunks, media_type="text/plain", headers=app_headers)

    @app.get("/other")
    async def other() -> Response:
        return PlainTextResponse(OTHER_BODY, headers=app_headers)

    @app.websocket("/ws/echo")
    async def echo(websocket: WebSocket) -> None:
        mark_websocket(websocket.scope["query_string"])
        await websocket.accept()
        message = await websocket.receive_text()
        await websocket.send_text(f"echo:{message}")
        await wait_for_close(websocket)

    app.add_middleware(CORSMiddleware, check_websocket_origin=True, **CORS_OPTIONS)
    return without_response_extension(app)


# --- Quart ---------------------------------------------------------------------------------


def make_quart() -> Any:
    from quart import Quart, Response, request, websocket

    app = Quart(__name__)
    app_headers = {APP_HEADER[0]: APP_HEADER[1]}

    @app.route("/api/items", methods=["GET", "OPTIONS"], provide_automatic_options=False)
    async def items() -> Any:
        if request.method == "OPTIONS":
            return OPTIONS_BODY, 200, {**app_headers, "content-type": "text/plain"}
        headers = {**app_headers, "x-total-count": "2", "content-type": "application/json"}
        return ITEMS_BODY, 200, headers

    @app.route("/api/vary")
    async def vary() -> Any:
        return VARY_BODY, 200, {**app_headers, "vary": "Accept-Encoding"}

    @app.route("/api/where")
    async def where_called() -> Any:
        return where(request.scope), 200, app_headers

    @app.route("/api/error")
    async def error() -> Any:
        raise AppBugError("a bug in a Quart view")

    @app.route("/api/digest", methods=["POST"])
    async def digest_body() -> Any:
        return digest(await request.get_data(as_text=False)), 200, app_headers

    @app.route("/api/stream")
    async def stream() -> Any:
        chunks = stream_chunks(gate_name(request.query_string))
        return Response(chunks, 200, app_headers, mimetype="text/plain")

    @app.route("/other")
    async def other() -> Any:
        return OTHER_BODY, 200, app_headers

    @app.websocket("/ws/echo")
    async def echo() -> None:
        mark_websocket(websocket.query_string)
        await websocket.accept()
        message = await websocket.receive()
        await websocket.send(f"echo:{message}")

    app.asgi_app = CORSMiddleware(  # type: ignore[method-assign]
        app.asgi_app, check_websocket_origin=True, **CORS_OPTIONS
    )
    return without_response_extension(app)


# --- Django --------------------------------------------------------------------------------


def make_django() -> Any:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servers.asgi_django_site")
    from django.core.asgi import get_asgi_application

    app = CORSMiddleware(get_asgi_application(), check_websocket_origin=True, **CORS_OPTIONS)
    return without_response_extension(app)


def make_django_dropin() -> Any:
    """Django's own ASGI app, its CORS from ``wsgi_cors.django.CorsMiddleware`` in
    ``settings.MIDDLEWARE`` (``servers.django_dropin_site``): no ASGI middleware, other routes."""
    from servers.django_dropin_site import make_asgi

    return make_asgi()
