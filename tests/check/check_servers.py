"""Loopback servers for the ``wsgi-cors check`` tests: canned answers, real middleware, dead ends.

:class:`CannedServer` answers each path with a hand-written preflight response and
actual response (status and header lines, duplicates and odd case kept as written)
and records every request it receives, so a test can prove what the tool sent and
what it did not. :class:`WSGIAppServer` serves any WSGI application with
``wsgiref``. :func:`refused_port` and :class:`SilentServer` give a connection
refused and a connection that never answers. Everything binds 127.0.0.1 only and
is stopped by ``close()``.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple, Union
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

HOST = "127.0.0.1"

Header = Tuple[str, str]


class Reply(NamedTuple):
    """One response: status, header lines in order (repeats allowed), body."""

    status: int
    headers: Tuple[Header, ...] = ()
    body: bytes = b"ok"


class Received(NamedTuple):
    """One request as the server saw it: method, path, query and header lines in order."""

    method: str
    path: str
    query: str
    headers: Tuple[Header, ...]

    def values(self, name: str) -> List[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def get(self, name: str) -> Optional[str]:
        values = self.values(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    @property
    def is_preflight(self) -> bool:
        return self.method == "OPTIONS" and bool(self.values("Access-Control-Request-Method"))


#: A reply, or a function of the request that makes one (for answers that depend on it).
Answer = Union[Reply, Callable[[Received], Reply]]


class Route(NamedTuple):
    """What a path answers: to a preflight, and to anything else."""

    preflight: Answer
    actual: Answer


def _reply(answer: Answer, received: Received) -> Reply:
    return answer(received) if callable(answer) else answer


class _Handler(BaseHTTPRequestHandler):
    server: _CannedHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Every method, whatever its case (``do_PUT``, ``do_patch``), is answered the same way.
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        received = Received(self.command, parts.path, parts.query, tuple(self.headers.items()))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(received)
        route = owner.routes.get(parts.path)
        if route is None:
            reply = Reply(404, (("Content-Type", "text/plain"),), b"no such route")
        else:
            reply = _reply(route.preflight if received.is_preflight else route.actual, received)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)


class _CannedHTTPServer(ThreadingHTTPServer):
    owner: CannedServer


class _Thread:
    """A ``serve_forever`` thread, stopped with shutdown, server_close and join."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive()


class CannedServer:
    """Answers each path with its :class:`Route`; records every request."""

    def __init__(self, routes: Optional[Dict[str, Route]] = None) -> None:
        self.routes: Dict[str, Route] = dict(routes or {})
        self.requests: List[Received] = []
        self.lock = threading.Lock()
        self._server = _CannedHTTPServer((HOST, 0), _Handler)
        self._server.owner = self
        self.port: int = self._server.server_address[1]
        self.origin = f"http://{HOST}:{self.port}"
        self._thread = _Thread(self._server)

    def url(self, path: str) -> str:
        return self.origin + path

    def seen(self, path: str) -> List[Received]:
        """The requests made to ``path``, in order."""
        with self.lock:
            return [request for request in self.requests if request.path == path]

    def close(self) -> None:
        self._thread.stop()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class WSGIAppServer:
    """A WSGI application served by ``wsgiref.simple_server`` on 127.0.0.1 and a free port."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._server: WSGIServer = make_server(HOST, 0, app, handler_class=_QuietHandler)
        self.port: int = self._server.server_port
        self.origin = f"http://{HOST}:{self.port}"
        self._thread = _Thread(self._server)

    def url(self, path: str) -> str:
        return self.origin + path

    def close(self) -> None:
        self._thread.stop()


def refused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: bound, read, closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


class SilentServer:
    """Accepts connections and never answers, until ``close()``."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((HOST, 0))
        self._listener.listen(8)
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._accepted: List[socket.socket] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            self._accepted.append(connection)  # held open, never read or answered

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive()
        for connection in self._accepted:
            connection.close()
        self._listener.close()
