"""Real WSGI servers on 127.0.0.1 for tests, started and stopped by the test that needs them.

:func:`run_server` serves ``module:factory(**kwargs)`` with one of :data:`SERVER_NAMES`:

* ``gunicorn``: a subprocess (``python -m gunicorn``, one sync worker unless told otherwise),
  started and stopped by its PID with the helpers of ``test_gunicorn``;
* ``waitress``: ``waitress.create_server`` on a socket map of its own, its loop run in a thread;
* ``werkzeug``: ``werkzeug.serving.make_server(..., threaded=True)`` in a thread;
* ``wsgiref``: ``wsgiref.simple_server`` (one request at a time) in a thread.

Plus :func:`raw_exchange` and :class:`RawResponse`, for requests that ``http.client`` would
not send and responses whose header lines must be read byte for byte.
"""

from __future__ import annotations

import importlib
import socket
import socketserver
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from servers.test_gunicorn import CONTROL_SOCKET_FLAG, REPO, free_port, serving

HOST = "127.0.0.1"
TESTS = Path(__file__).resolve().parents[1]
SERVER_NAMES = ("gunicorn", "waitress", "werkzeug", "wsgiref")
#: Bounded waits: a thread server's loop to stop, a raw response to arrive.
JOIN_TIMEOUT = 10.0
READ_TIMEOUT = 20.0

WSGIApp = Callable[..., Any]


class RunningServer(NamedTuple):
    """A server that accepts connections on 127.0.0.1:``port``."""

    name: str
    port: int
    #: True when the server runs in this process (a thread), so the app is shared with the test.
    in_process: bool
    #: The server's output (gunicorn only), for a failing test to show.
    log: Optional[Path] = None

    def output(self) -> str:
        if self.log is None:
            return ""
        return self.log.read_text(encoding="utf-8", errors="replace")


def load_app(factory: str, kwargs: Dict[str, Any]) -> WSGIApp:
    """``module:function`` called with ``kwargs``, imported from ``tests/``."""
    module_name, function_name = factory.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    app: WSGIApp = function(**kwargs)
    return app


@contextmanager
def run_server(
    name: str,
    factory: str,
    kwargs: Dict[str, Any],
    log_dir: Path,
    gunicorn_args: Sequence[str] = (),
) -> Iterator[RunningServer]:
    """Serve ``factory(**kwargs)`` with the server ``name``; stop it on exit, also on failure."""
    if name == "gunicorn":
        with _gunicorn(factory, kwargs, log_dir / "gunicorn.log", gunicorn_args) as server:
            yield server
        return
    app = load_app(factory, kwargs)
    starters: Dict[str, Callable[[WSGIApp], Tuple[int, Callable[[], None]]]] = {
        "waitress": _start_waitress,
        "werkzeug": _start_werkzeug,
        "wsgiref": _start_wsgiref,
    }
    port, stop = starters[name](app)
    try:
        yield RunningServer(name, port, in_process=True)
    finally:
        stop()


@contextmanager
def _gunicorn(
    factory: str, kwargs: Dict[str, Any], log: Path, extra: Sequence[str]
) -> Iterator[RunningServer]:
    call = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--pythonpath",
        str(TESTS),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        "1",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        *extra,
        f"{factory}({call})",
    ]
    if CONTROL_SOCKET_FLAG:
        argv.append(CONTROL_SOCKET_FLAG)
    with serving(argv, port, log, cwd=REPO):
        yield RunningServer("gunicorn", port, in_process=False, log=log)


def _thread(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def _start_waitress(app: WSGIApp) -> Tuple[int, Callable[[], None]]:
    import waitress
    from waitress import wasyncore

    socket_map: Dict[int, Any] = {}
    server: Any = waitress.create_server(
        app, map=socket_map, host=HOST, port=0, threads=4, asyncore_use_poll=True
    )
    stopping = threading.Event()

    def loop() -> None:
        # waitress's own run() loops until the map is empty; this loop also stops on request.
        while not stopping.is_set():
            wasyncore.loop(timeout=0.05, use_poll=True, map=socket_map, count=1)

    thread = _thread(loop, "waitress")

    def stop() -> None:
        try:  # the worker threads first, while the loop still flushes what they wrote
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=JOIN_TIMEOUT)
        finally:
            stopping.set()
            thread.join(JOIN_TIMEOUT)
            wasyncore.close_all(socket_map)

    return int(server.effective_port), stop


def _start_werkzeug(app: WSGIApp) -> Tuple[int, Callable[[], None]]:
    from werkzeug.serving import WSGIRequestHandler as WerkzeugHandler
    from werkzeug.serving import make_server

    class Quiet(WerkzeugHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    server = make_server(HOST, 0, app, threaded=True, request_handler=Quiet)
    thread = _thread(lambda: server.serve_forever(poll_interval=0.05), "werkzeug")

    def stop() -> None:
        server.shutdown()
        thread.join(JOIN_TIMEOUT)
        server.server_close()

    return server.server_port, stop


class _WsgirefServer(WSGIServer):
    def server_bind(self) -> None:
        # HTTPServer.server_bind would look up the host's FQDN; loopback needs no name lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name = HOST
        self.server_port = self.server_address[1]
        self.setup_environ()


class _QuietWsgirefHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _start_wsgiref(app: WSGIApp) -> Tuple[int, Callable[[], None]]:
    server = _WsgirefServer((HOST, 0), _QuietWsgirefHandler)
    server.set_app(app)
    thread = _thread(lambda: server.serve_forever(poll_interval=0.05), "wsgiref")

    def stop() -> None:
        server.shutdown()
        thread.join(JOIN_TIMEOUT)
        server.server_close()

    return server.server_port, stop


# --- raw HTTP ------------------------------------------------------------------------------


class RawResponse(NamedTuple):
    """A response as bytes: the status line, the header lines as sent, and the rest."""

    status_line: bytes
    header_lines: List[bytes]
    body: bytes

    @property
    def status(self) -> int:
        return int(self.status_line.split(b" ")[1])

    def values(self, name: str) -> List[bytes]:
        """Values of the header lines named ``name`` (case-insensitive), stripped."""
        wanted = name.lower().encode()
        found = []
        for line in self.header_lines:
            key, _, value = line.partition(b":")
            if key.strip().lower() == wanted:
                found.append(value.strip())
        return found

    def names(self) -> List[bytes]:
        return [line.partition(b":")[0].strip().lower() for line in self.header_lines]


def parse_raw(data: bytes) -> RawResponse:
    """Split a whole response (read until the server closed) at its first blank line."""
    head, separator, body = data.partition(b"\r\n\r\n")
    assert separator, f"no end of headers in {data[:500]!r}"
    status_line, *header_lines = head.split(b"\r\n")
    return RawResponse(status_line, header_lines, body)


def raw_exchange(port: int, request: bytes) -> RawResponse:
    """Send ``request`` as is on a new connection; read until the server closes it."""
    chunks: List[bytes] = []
    with socket.create_connection((HOST, port), timeout=READ_TIMEOUT) as connection:
        connection.sendall(request)
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return parse_raw(b"".join(chunks))
