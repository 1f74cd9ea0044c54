"""Loopback servers that record every exchange, the apps they serve, and a browser tab helper.

Every server listens on 127.0.0.1 and a free port, so each is its own origin. A
server records each request as it arrives (method, path, headers) and the
response it starts (status, headers), below every WSGI or ASGI layer: what it
records is what went over the wire, including a preflight the middleware
answered itself and the bare 500 the server sends when an exception escapes the
middleware. WSGI apps run in a threaded wsgiref server, ASGI apps in uvicorn
(in a thread of its own); both answer the same API (:func:`api_answer`).
"""

from __future__ import annotations

import io
import json
import socket
import socketserver
import threading
import time
import traceback
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    List,
    MutableMapping,
    Optional,
    Tuple,
)
from urllib.parse import parse_qs
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

HOST = "127.0.0.1"
#: Environ (or scope) key holding the :class:`Exchange` of the request, so the app can mark it.
EXCHANGE_KEY = "browser_harness.exchange"
#: The shells the API runs behind: ``wsgi_cors.CORSMiddleware`` and ``wsgi_cors.asgi``'s.
SHELLS = ("wsgi", "asgi")
#: uvicorn's WebSocket implementations: with and without the ``websocket.http.response`` extension.
WS_IMPLEMENTATIONS = ("websockets-sansio", "wsproto")

Header = Tuple[str, str]
WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Exchange:
    """One request as the server received it, and the response the server started."""

    method: str
    path: str
    query: str
    headers: Dict[str, str]
    status: str = ""
    response_headers: List[Header] = field(default_factory=list)
    reached_app: bool = False
    app_body: str = ""
    errors: io.StringIO = field(default_factory=io.StringIO)

    def header(self, name: str) -> Optional[str]:
        """A request header (case-insensitive name), or None."""
        return self.headers.get(name.lower())

    def response_header(self, name: str) -> Optional[str]:
        """A response header (case-insensitive name; several lines joined with ", "), or None."""
        values = [value for key, value in self.response_headers if key.lower() == name.lower()]
        return ", ".join(values) if values else None

    @property
    def status_code(self) -> int:
        return int(self.status.split(" ", 1)[0])

    @property
    def error(self) -> str:
        """What the server logged for this request: the traceback of an exception that escaped."""
        return self.errors.getvalue()


class ExchangeLog:
    """The exchanges of one server, in arrival order (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exchanges: List[Exchange] = []

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self._exchanges.append(exchange)

    def for_path(self, path: str) -> List[Exchange]:
        """The exchanges whose PATH_INFO is ``path``."""
        with self._lock:
            return [exchange for exchange in self._exchanges if exchange.path == path]


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    log: ExchangeLog

    def server_bind(self) -> None:
        # Skip HTTPServer.server_bind's getfqdn(): no name lookups, loopback only.
        socketserver.TCPServer.server_bind(self)
        self.server_name = HOST
        self.server_port = self.server_address[1]
        self.setup_environ()


class _RecordingServerHandler(ServerHandler):
    exchange: Exchange

    def start_response(self, status: str, headers: List[Header], exc_info: Any = None) -> Any:
        self.exchange.status = status
        self.exchange.response_headers = list(headers)
        return super().start_response(status, headers, exc_info)


class _RequestHandler(WSGIRequestHandler):
    server: _ThreadingServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        # WSGIRequestHandler.handle, with an Exchange recorded around the WSGI call.
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        environ = self.get_environ()
        headers: Dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        exchange = Exchange(
            method=self.command,
            path=environ["PATH_INFO"],
            query=environ.get("QUERY_STRING", ""),
            headers=headers,
        )
        environ[EXCHANGE_KEY] = exchange
        self.server.log.add(exchange)
        # The server logs an escaped exception before it sends its 500, so the
        # traceback is in exchange.errors by the time the browser sees the response.
        handler = _RecordingServerHandler(self.rfile, self.wfile, exchange.errors, environ)
        handler.exchange = exchange
        handler.request_handler = self
        handler.run(self.server.get_app())


class LoopbackServer:
    """A server on 127.0.0.1 and a free port that records every exchange in ``log``."""

    log: ExchangeLog
    port: int
    origin: str

    def url(self, path: str) -> str:
        return self.origin + path

    def close(self) -> None:
        raise NotImplementedError


class WSGILoopbackServer(LoopbackServer):
    """A threaded wsgiref server for a WSGI app."""

    def __init__(self, app: WSGIApp) -> None:
        self.log = ExchangeLog()
        self._server = _ThreadingServer((HOST, 0), _RequestHandler)
        self._server.log = self.log
        self._server.set_app(app)
        self.port = self._server.server_port
        self.origin = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"loopback-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def set_app(self, app: WSGIApp) -> None:
        self._server.set_app(app)

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


def _status_line(code: int) -> str:
    return f"{code} {HTTPStatus(code).phrase}"


def _text_headers(raw: Iterable[Tuple[bytes, bytes]]) -> List[Header]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]


class _RecordingASGI:
    """The outermost ASGI layer: records each HTTP request and WebSocket handshake, and its answer.

    An exception that escapes is recorded (its traceback in ``errors``, status 500 if nothing
    was started) and re-raised, so uvicorn answers with its own bare 500 as any server would.
    A WebSocket closed before it was accepted is recorded as the 403 uvicorn answers it with.
    """

    def __init__(self, app: ASGIApp, log: ExchangeLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: Dict[str, str] = {}
        for name, value in _text_headers(scope["headers"]):
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        exchange = Exchange(
            method=scope.get("method", "GET"),  # a WebSocket handshake is a GET
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
        )
        scope[EXCHANGE_KEY] = exchange
        self.log.add(exchange)

        async def recording_send(message: Message) -> None:
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                exchange.status = _status_line(message["status"])
                exchange.response_headers = _text_headers(message.get("headers", ()))
            elif kind == "websocket.accept":
                exchange.status = _status_line(101)
                exchange.response_headers = _text_headers(message.get("headers", ()))
            elif kind == "websocket.close" and not exchange.status:
                exchange.status = _status_line(403)
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        except Exception:
            exchange.errors.write(traceback.format_exc())
            if not exchange.status:
                exchange.status = _status_line(500)
            raise


class ASGILoopbackServer(LoopbackServer):
    """uvicorn serving an ASGI app, in a thread with its own event loop.

    ``ws`` picks uvicorn's WebSocket implementation: ``"websockets-sansio"`` offers the
    ``websocket.http.response`` extension (a refused handshake gets a real 403 response),
    ``"wsproto"`` does not (the app closes before accepting, and uvicorn answers 403).
    """

    def __init__(self, app: ASGIApp, ws: str = WS_IMPLEMENTATIONS[0]) -> None:
        import uvicorn

        self.log = ExchangeLog()
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that name it, and
        # without it every reused keep-alive connection waits ~40 ms (Nagle, delayed ACK).
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        self._socket = listener
        self.port = listener.getsockname()[1]
        self.origin = f"http://{HOST}:{self.port}"
        config = uvicorn.Config(
            _RecordingASGI(app, self.log),
            http="h11",
            ws=ws,
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [listener]},
            name=f"uvicorn-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"uvicorn did not start on port {self.port}")
            time.sleep(0.005)

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def _respond(
    start_response: Callable[..., Any], code: int, body: bytes, headers: Iterable[Header] = ()
) -> List[bytes]:
    start_response(_status_line(code), [*headers, ("Content-Length", str(len(body)))])
    return [body]


BLANK_PAGE = b'<!doctype html><html><head><meta charset="utf-8"><title>page</title></head><body></body></html>'


def page_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A page origin: a blank HTML page at ``/``."""
    if environ["PATH_INFO"] == "/":
        return _respond(
            start_response, 200, BLANK_PAGE, [("Content-Type", "text/html; charset=utf-8")]
        )
    return _respond(start_response, 404, b"not found", [("Content-Type", "text/plain")])


def api_answer(
    method: str,
    path: str,
    query_string: str,
    origin: Optional[str],
    cookie: Optional[str],
    body: str,
) -> Tuple[int, List[Header], bytes]:
    """The API behind the middleware, for either shell: status, headers and body of the answer.

    The path's segments choose the answer. ``.../raise/...`` raises (before any response
    starts); ``.../status/<code>/...`` answers that status; ``.../redirect/<code>/...?to=<url>``
    redirects; ``.../login/...?session=<value>`` sets the cookie ``session``; anything else
    echoes the request as JSON. Every answer carries ``X-Total`` and ``X-Secret``, and
    ``Content-Length``.
    """
    segments = path.strip("/").split("/")
    query = {key: values[0] for key, values in parse_qs(query_string).items()}
    extra = [("X-Total", "42"), ("X-Secret", "hidden")]
    text = [("Content-Type", "text/plain; charset=utf-8")]
    if "raise" in segments:
        raise RuntimeError("the app failed")
    if "status" in segments:
        code = int(segments[segments.index("status") + 1])
        return _answer(code, f"status {code}".encode(), text + extra)
    if "redirect" in segments:
        code = int(segments[segments.index("redirect") + 1])
        return _answer(code, b"", [("Location", query["to"]), *text, *extra])
    if "login" in segments:
        cookie_line = f"session={query['session']}; Path=/; SameSite=Lax; HttpOnly"
        return _answer(200, b"logged in", [("Set-Cookie", cookie_line), *text, *extra])
    echo = {"method": method, "path": path, "origin": origin, "cookie": cookie, "body": body}
    payload = json.dumps(echo).encode()
    return _answer(200, payload, [("Content-Type", "application/json"), *extra])


def _answer(code: int, body: bytes, headers: List[Header]) -> Tuple[int, List[Header], bytes]:
    return code, [*headers, ("Content-Length", str(len(body)))], body


def api_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The plain WSGI app behind the middleware: :func:`api_answer`."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode() if length else ""
    exchange: Optional[Exchange] = environ.get(EXCHANGE_KEY)
    if exchange is not None:
        exchange.reached_app = True
        exchange.app_body = body
    code, headers, payload = api_answer(
        environ["REQUEST_METHOD"],
        environ["PATH_INFO"],
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_ORIGIN"),
        environ.get("HTTP_COOKIE"),
        body,
    )
    start_response(_status_line(code), headers)
    return [payload]


async def asgi_api_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The plain ASGI app behind the middleware: :func:`api_answer` over HTTP, and at any path
    a WebSocket that echoes each text message back as ``echo: <text>``."""
    if scope["type"] == "websocket":
        await _websocket_echo(scope, receive, send)
        return
    if scope["type"] != "http":
        return
    chunks: List[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks).decode()
    exchange: Optional[Exchange] = scope.get(EXCHANGE_KEY)
    if exchange is not None:
        exchange.reached_app = True
        exchange.app_body = body
    request_headers = dict(_text_headers(scope["headers"]))  # names are lower-case in ASGI
    code, headers, payload = api_answer(
        scope["method"],
        scope["path"],
        scope["query_string"].decode("latin-1"),
        request_headers.get("origin"),
        request_headers.get("cookie"),
        body,
    )
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    await send({"type": "http.response.start", "status": code, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


async def _websocket_echo(scope: Scope, receive: Receive, send: Send) -> None:
    exchange: Optional[Exchange] = scope.get(EXCHANGE_KEY)
    if exchange is not None:
        exchange.reached_app = True
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return  # websocket.disconnect
        if message.get("text") is not None:
            if exchange is not None:
                exchange.app_body += message["text"]
            await send({"type": "websocket.send", "text": f"echo: {message['text']}"})


def bare_star_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A hand-written CORS server (no middleware) whose preflight answers ``Allow-Headers: *``."""
    exchange: Optional[Exchange] = environ.get(EXCHANGE_KEY)
    if exchange is not None:
        exchange.reached_app = True
    cors = [("Access-Control-Allow-Origin", "*")]
    if environ["REQUEST_METHOD"] == "OPTIONS":
        preflight = [("Access-Control-Allow-Methods", "*"), ("Access-Control-Allow-Headers", "*")]
        return _respond(start_response, 204, b"", cors + preflight)
    return _respond(start_response, 200, b"ok", [("Content-Type", "text/plain"), *cors])


@dataclass
class SharedServers:
    """The servers every shell's tests share: the pages, and a CORS server without middleware."""

    page: LoopbackServer
    refused_page: LoopbackServer
    bare_star: LoopbackServer


@dataclass
class Servers:
    """The origins of one shell's tests, all on 127.0.0.1 (different ports are different origins).

    ``strict`` and ``permissive`` are the API behind ``shell``'s middleware (``"wsgi"`` or
    ``"asgi"``); the pages and ``bare_star`` are the shared ones.
    """

    shell: str
    page: LoopbackServer
    refused_page: LoopbackServer
    strict: LoopbackServer
    permissive: LoopbackServer
    bare_star: LoopbackServer

    def api(self, name: str) -> LoopbackServer:
        server: LoopbackServer = getattr(self, name)
        return server


@dataclass
class FetchResult:
    """What the page saw: a readable response, or the error fetch() rejected with."""

    ok: bool
    status: Optional[int] = None
    body: Optional[str] = None
    headers: Dict[str, str] = field(default_factory=dict)
    redirected: bool = False
    url: str = ""
    error: Optional[str] = None
    origin: Optional[str] = None

    @property
    def json(self) -> Any:
        assert self.body is not None
        return json.loads(self.body)


_FETCH_JS = """
async ({url, init}) => {
  try {
    const response = await fetch(url, init);
    const headers = {};
    response.headers.forEach((value, name) => { headers[name] = value; });
    return {ok: true, status: response.status, body: await response.text(), headers,
            redirected: response.redirected, url: response.url, error: null};
  } catch (error) {
    return {ok: false, status: null, body: null, headers: {}, redirected: false, url,
            error: `${error.name}: ${error.message}`};
  }
}
"""

# The sandboxed iframe has an opaque origin, so its fetch() sends ``Origin: null``.
_SANDBOXED_FETCH_JS = """
({url, timeoutMs}) => new Promise((resolve) => {
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts");
  const finish = (result) => {
    clearTimeout(timer);
    window.removeEventListener("message", onMessage);
    resolve(result);
  };
  const onMessage = (event) => { if (event.source === frame.contentWindow) finish(event.data); };
  const timer = setTimeout(() => finish({ok: false, error: "timeout", origin: null}), timeoutMs);
  window.addEventListener("message", onMessage);
  const script = `fetch(${JSON.stringify(url)}).then(
    async (r) => parent.postMessage({ok: true, status: r.status, body: await r.text(),
                                     error: null, origin: self.origin}, "*"),
    (e) => parent.postMessage({ok: false, status: null, body: null,
                               error: e.name + ": " + e.message, origin: self.origin}, "*"));`;
  frame.srcdoc = "<script>" + script + "<\\/script>";
  document.body.append(frame);
})
"""


@dataclass
class WebSocketResult:
    """What the page saw of ``new WebSocket(url)``: the events in order, the echo, the close code."""

    opened: bool
    events: List[str]
    reply: Optional[str] = None
    close_code: Optional[int] = None


# Opens the socket, sends one message once open, closes after the first reply; resolves on close.
_WEBSOCKET_JS = """
({url, message, timeoutMs}) => new Promise((resolve) => {
  const result = {opened: false, events: [], reply: null, close_code: null};
  const timer = setTimeout(() => { result.events.push("timeout"); resolve(result); }, timeoutMs);
  const socket = new WebSocket(url);
  socket.onopen = () => { result.opened = true; result.events.push("open"); socket.send(message); };
  socket.onmessage = (event) => {
    result.events.push("message");
    result.reply = event.data;
    socket.close(1000);
  };
  socket.onerror = () => { result.events.push("error"); };
  socket.onclose = (event) => {
    result.events.push("close");
    result.close_code = event.code;
    clearTimeout(timer);
    resolve(result);
  };
})
"""


class Tab:
    """A page of one origin in its own browser context: runs fetch() and collects CORS errors."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.console: List[str] = []
        page.on("console", lambda message: self.console.append(message.text))
        page.goto(origin + "/")

    def fetch(self, url: str, **init: Any) -> FetchResult:
        """``fetch(url, init)`` in the page; ``init`` is fetch's options (method, headers, ...)."""
        result = self.page.evaluate(_FETCH_JS, {"url": url, "init": init})
        return FetchResult(**result)

    def fetch_from_sandboxed_iframe(self, url: str) -> FetchResult:
        """``fetch(url)`` from a ``sandbox="allow-scripts"`` iframe (origin ``null``)."""
        result = self.page.evaluate(_SANDBOXED_FETCH_JS, {"url": url, "timeoutMs": 10000})
        return FetchResult(**result)

    def websocket(self, url: str, message: str) -> WebSocketResult:
        """``new WebSocket(url)`` in the page: send ``message`` once open, close after a reply."""
        result = self.page.evaluate(
            _WEBSOCKET_JS, {"url": url, "message": message, "timeoutMs": 10000}
        )
        return WebSocketResult(**result)

    def console_message(self, fragment: str, timeout: float = 5.0) -> str:
        """The first console message containing ``fragment``; waits up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            for text in self.console:
                if fragment in text:
                    return text
            if time.monotonic() > deadline:
                raise AssertionError(f"no {fragment!r} in the console: {self.console}")
            self.page.wait_for_timeout(50)

    def cors_error(self, url: str, timeout: float = 5.0) -> str:
        """The console's "blocked by CORS policy" message about ``url``; waits up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            for text in self.console:
                if "blocked by CORS policy" in text and url in text:
                    return text
            if time.monotonic() > deadline:
                raise AssertionError(f"no CORS error about {url} in the console: {self.console}")
            self.page.wait_for_timeout(50)

    def assert_blocked(self, result: FetchResult, url: str) -> str:
        """The fetch failed with a TypeError that the browser blames on CORS; returns the reason."""
        assert not result.ok, f"expected the browser to block {url}, got {result}"
        assert result.error is not None
        assert result.error.startswith("TypeError"), result.error
        return self.cors_error(url).split("blocked by CORS policy: ", 1)[1]
