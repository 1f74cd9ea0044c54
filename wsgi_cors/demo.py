"""``wsgi-cors demo``: an API origin and a page origin on 127.0.0.1, to try CORS in a browser.

The API is a small WSGI app wrapped in :class:`~wsgi_cors.CORSMiddleware` with
a strict policy that allows only the page's origin. Outside the middleware, a
recorder keeps what the API received and answered for each request id (the
``rid`` query parameter). The page server, same-origin with the page, serves
that record at ``/exchanges?rid=...``, so the page can show the server's side
of every exchange, including those the browser hides from it.
"""

from __future__ import annotations

import json
import secrets
import signal
import socketserver
import sys
import threading
from collections import OrderedDict
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, TextIO, Tuple
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from .core.codec import StrHeader as Header
from .wsgi import CORSMiddleware

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

HOST = "127.0.0.1"
DEFAULT_API_PORT = 8000
DEFAULT_PAGE_PORT = 8001

#: Set in the environ by the API app, so the recorder knows whether the middleware called it.
_APP_CALLED = "wsgi_cors.demo.app_called"
#: The request's header lines as received, put in the environ by the request handler.
_RAW_HEADERS = "wsgi_cors.demo.raw_headers"

Exchange = Dict[str, Any]


class DemoError(Exception):
    """The demo cannot start (a port is taken)."""


def demo_options(page_origin: str) -> Dict[str, Any]:
    """The ``CORSMiddleware`` options of the demo API: only ``page_origin`` may read it."""
    return {
        "origins": [page_origin],
        "supports_credentials": True,
        "methods": ["GET", "POST", "PUT", "DELETE"],
        "allow_headers": ["X-Custom", "Content-Type"],
        "expose_headers": ["X-Total"],
        "max_age": 600,
        "resources": {"/api/*": {}},
    }


def _policy_source(options: Dict[str, Any]) -> str:
    lines = ["CORSMiddleware(", "    api,"]
    lines += [f"    {name}={value!r}," for name, value in options.items()]
    lines.append(")")
    return "\n".join(lines)


def _json_response(
    start_response: StartResponse,
    status: str,
    payload: Any,
    extra_headers: Iterable[Header] = (),
) -> List[bytes]:
    body = json.dumps(payload, indent=2).encode()
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        *extra_headers,
    ]
    start_response(status, headers)
    return [body]


def _request_headers(environ: WSGIEnvironment) -> List[Header]:
    """The request headers exactly as received (the demo's request handler keeps them)."""
    raw: Optional[List[Header]] = environ.get(_RAW_HEADERS)
    if raw is not None:
        return list(raw)
    # Another server: rebuild them from the environ.
    return [
        (key[5:].replace("_", "-").title(), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]


def _read_body(environ: WSGIEnvironment) -> Any:
    """The request body: parsed if it is JSON, else text (at most 64 KiB is read)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return None
    text = environ["wsgi.input"].read(min(length, 65536)).decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text[:2000]


def api_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The demo API (the app inside the middleware): a few JSON endpoints under ``/api/``."""
    environ[_APP_CALLED] = True
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "")
    if path == "/api/items" and method == "GET":
        items = ["apple", "pear", "plum"]
        return _json_response(
            start_response,
            "200 OK",
            {"items": items},
            [("X-Total", str(len(items))), ("X-Internal", "not exposed to the page")],
        )
    if path.startswith("/api/items/") and method in ("PUT", "PATCH", "DELETE"):
        body = _read_body(environ)
        return _json_response(start_response, "200 OK", {"method": method, "body_received": body})
    if path == "/api/login" and method == "POST":
        session = secrets.token_hex(4)
        cookie = f"demo_session={session}; Path=/; SameSite=Lax; HttpOnly"
        return _json_response(
            start_response, "200 OK", {"logged_in": True}, [("Set-Cookie", cookie)]
        )
    if path == "/api/me" and method == "GET":
        return _json_response(
            start_response, "200 OK", {"cookie_received": environ.get("HTTP_COOKIE")}
        )
    return _json_response(start_response, "404 Not Found", {"error": "no such endpoint"})


class ExchangeLog:
    """What the API received and answered, per request id; the latest ``limit`` ids are kept."""

    def __init__(self, limit: int = 500) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._by_id: OrderedDict[str, List[Exchange]] = OrderedDict()

    def add(self, request_id: str, exchange: Exchange) -> None:
        """Record one exchange under ``request_id``."""
        with self._lock:
            self._by_id.setdefault(request_id, []).append(exchange)
            self._by_id.move_to_end(request_id)
            while len(self._by_id) > self._limit:
                self._by_id.popitem(last=False)

    def get(self, request_id: str) -> List[Exchange]:
        """The exchanges recorded under ``request_id``, oldest first."""
        with self._lock:
            return list(self._by_id.get(request_id, ()))


def _request_id(environ: WSGIEnvironment) -> str:
    query: str = environ.get("QUERY_STRING", "")
    return parse_qs(query).get("rid", [""])[0][:64]


class Recorder:
    """WSGI wrapper recording each request and the answer to it in an :class:`ExchangeLog`."""

    def __init__(self, app: WSGIApplication, log: ExchangeLog, out: Optional[TextIO]) -> None:
        self.app = app
        self.log = log
        self.out = out
        self._out_lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        exchange: Exchange = {
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "request_headers": _request_headers(environ),
            "status": None,
            "response_headers": [],
            "reached_app": False,
        }

        def recording_start_response(
            status: str, headers: List[Header], exc_info: Optional[OptExcInfo] = None
        ) -> Callable[[bytes], object]:
            exchange["status"] = status
            exchange["response_headers"] = list(headers)
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            exchange["reached_app"] = bool(environ.get(_APP_CALLED))
            request_id = _request_id(environ)
            if request_id:
                self.log.add(request_id, exchange)
            self._print(exchange)

    def _print(self, exchange: Exchange) -> None:
        if self.out is None:
            return
        note = "" if exchange["reached_app"] else "  (answered by CORSMiddleware)"
        line = f"  API {exchange['method']} {exchange['path']} -> {exchange['status']}{note}"
        with self._out_lock:
            print(line, file=self.out, flush=True)


class PageApp:
    """The page origin: the demo page at ``/`` and the API's records at ``/exchanges?rid=``."""

    def __init__(self, html: bytes, page_origin: str, api_origin: str, log: ExchangeLog) -> None:
        self.html = html
        self.log = log
        self.page_origin = page_origin
        self.host = page_origin.split("://", 1)[1]
        self.csp = (
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            f"connect-src 'self' {api_origin}; frame-ancestors 'none'"
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_HOST") != self.host:
            # Only this exact origin: the API allows no other, and a foreign Host (DNS
            # rebinding) must not read the recorded exchanges.
            body = f"Open {self.page_origin}/ instead.\n".encode()
            start_response(
                "421 Misdirected Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        path = environ.get("PATH_INFO", "")
        if path == "/":
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(self.html))),
                    ("Cache-Control", "no-store"),
                    ("Content-Security-Policy", self.csp),
                ],
            )
            return [self.html]
        if path == "/exchanges":
            return _json_response(start_response, "200 OK", self.log.get(_request_id(environ)))
        if path == "/favicon.ico":
            start_response("204 No Content", [])
            return []
        return _json_response(start_response, "404 Not Found", {"error": "not found"})


def render_page(api_origin: str, page_origin: str, options: Dict[str, Any]) -> bytes:
    """The demo page, with the origins and the policy filled in."""
    config = {
        "apiOrigin": api_origin,
        "pageOrigin": page_origin,
        "policy": _policy_source(options),
    }
    # ``<`` escaped so that nothing in the JSON can close the <script> element.
    config_json = json.dumps(config).replace("<", "\\u003c")
    template = resources.files("wsgi_cors").joinpath("demo_page.html").read_text("utf-8")
    return template.replace("__DEMO_CONFIG__", config_json).encode()


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn); the demo needs no name.
        socketserver.TCPServer.server_bind(self)
        self.server_name = HOST
        self.server_port = self.server_address[1]
        self.setup_environ()


class _QuietHandler(WSGIRequestHandler):
    def get_environ(self) -> WSGIEnvironment:
        environ = super().get_environ()
        environ[_RAW_HEADERS] = [(str(name), str(value)) for name, value in self.headers.items()]
        return environ

    def log_message(self, format: str, *args: Any) -> None:
        """The recorder prints the API's exchanges; access logs would only repeat them."""


def _bind(port: Optional[int], default: int, option: str) -> Tuple[_Server, bool]:
    """A server on ``HOST:port`` and whether it fell back from a taken default port."""
    if port is None:
        try:
            return _Server((HOST, default), _QuietHandler), False
        except OSError:
            return _Server((HOST, 0), _QuietHandler), True
    try:
        return _Server((HOST, port), _QuietHandler), False
    except OSError as error:
        raise DemoError(
            f"cannot listen on {HOST}:{port} ({option}): {error.strerror or error}; "
            f"choose another port, or {option} 0 for any free port"
        ) from None


class Demo:
    """The API and page servers of the demo, serving in threads until :meth:`close`.

    A port of ``None`` means the default port, or a free one if it is taken;
    ``0`` means any free port. ``out`` gets one line per API exchange.
    """

    def __init__(
        self,
        api_port: Optional[int] = None,
        page_port: Optional[int] = None,
        out: Optional[TextIO] = None,
    ) -> None:
        self.fallbacks: List[str] = []
        self._servers: List[_Server] = []
        self._threads: List[threading.Thread] = []
        try:
            # Explicit ports first, so a default never takes a port asked for explicitly.
            wanted = [
                ("API", api_port, DEFAULT_API_PORT, "--api-port"),
                ("page", page_port, DEFAULT_PAGE_PORT, "--page-port"),
            ]
            wanted.sort(key=lambda item: item[1] is None)
            bound: Dict[str, _Server] = {}
            for name, port, default, option in wanted:
                server, fell_back = _bind(port, default, option)
                self._servers.append(server)
                bound[name] = server
                if fell_back:
                    self.fallbacks.append(
                        f"port {default} is taken; the {name} uses port {server.server_port}"
                    )
        except BaseException:
            self.close()
            raise
        self.api_origin = f"http://{HOST}:{bound['API'].server_port}"
        self.page_origin = f"http://{HOST}:{bound['page'].server_port}"
        self.log = ExchangeLog()
        options = demo_options(self.page_origin)
        bound["API"].set_app(Recorder(CORSMiddleware(api_app, **options), self.log, out))
        html = render_page(self.api_origin, self.page_origin, options)
        bound["page"].set_app(PageApp(html, self.page_origin, self.api_origin, self.log))
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"wsgi-cors-demo-{server.server_port}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    @property
    def page_url(self) -> str:
        """The URL to open in a browser."""
        return self.page_origin + "/"

    @property
    def api_url(self) -> str:
        """The root of the API's endpoints."""
        return self.api_origin + "/api/"

    def close(self) -> None:
        """Stop both servers and close their sockets."""
        for server, thread in zip(self._servers, self._threads):
            server.shutdown()
            thread.join()
        for server in self._servers:
            server.server_close()
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> Demo:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def run(
    api_port: Optional[int] = None,
    page_port: Optional[int] = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Serve the demo until Ctrl-C (or SIGTERM) and return the exit status."""
    with _stop_signals_interrupt():
        try:
            demo = Demo(api_port, page_port, out=out)
        except DemoError as error:
            print(f"wsgi-cors demo: error: {error}", file=err)
            return 1
        except KeyboardInterrupt:
            return 0
        try:
            for note in demo.fallbacks:
                print(f"wsgi-cors demo: {note}", file=err, flush=True)
            print(
                "wsgi_cors demo: an API wrapped in CORSMiddleware, and a page on another origin.\n"
                f"  page: {demo.page_url}   <- open this in a browser\n"
                f"  API:  {demo.api_url}items   (allows only the page's origin)\n"
                "Ask why another origin is refused, as a browser would see it:\n"
                f"  wsgi-cors check {demo.api_url}items --origin http://127.0.0.1:9999\n"
                "Press Ctrl-C to stop.",
                file=out,
                flush=True,
            )
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            with _signals_ignored():
                demo.close()
    print("wsgi_cors demo: stopped.", file=out, flush=True)
    return 0


class _SignalHandlers:
    """Set handlers for SIGINT and SIGTERM for a ``with`` block (main thread only)."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.previous: Dict[int, Any] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous[signum] = signal.signal(signum, self.handler)

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def _stop_signals_interrupt() -> _SignalHandlers:
    """Ctrl-C and SIGTERM both raise KeyboardInterrupt."""
    return _SignalHandlers(signal.default_int_handler)


def _signals_ignored() -> _SignalHandlers:
    """No second Ctrl-C interrupts the shutdown."""
    return _SignalHandlers(signal.SIG_IGN)
