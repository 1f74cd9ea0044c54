"""The WSGI apps that the real-server tests serve: one CORSMiddleware-wrapped app for all servers.

Every server (gunicorn in a subprocess, waitress, Werkzeug and wsgiref in threads) loads
:func:`make_app`; gunicorn as ``servers.server_apps:make_app(work_dir='...')``. What the app did is
visible over the wire, so the same checks work in and out of process:

* every response the app itself makes carries ``X-App: called`` (a preflight answered by the
  middleware has none);
* ``/api/stream?gate=NAME`` yields its first chunk, then waits until the file ``NAME`` exists
  in ``work_dir`` (the test creates it after reading that chunk) before yielding the rest, and
  says in the body whether the gate was opened or timed out;
* ``/api/file`` returns ``environ['wsgi.file_wrapper'](file)``; an outer layer reports in
  ``X-Same-Body`` whether the middleware returned that very object;
* ``/api/origin`` echoes ``repr()`` of the ``Origin`` the server handed to the app, in the body
  (never in a header), so a test can see how a server treated an obs-folded line;
* ``/naive/*`` is the same app behind a careless reflector instead of the middleware: the
  control that shows a test's header checks can fail.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Tuple
from urllib.parse import parse_qs
from wsgiref.util import FileWrapper

from wsgi_cors import CORSMiddleware

Header = Tuple[str, str]
Environ = Dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

ALLOWED = "https://app.example.com"
#: Allowed by the wildcard ``https://*.example.org`` (any label below example.org).
WILDCARD = "https://*.example.org"
REFUSED = "https://evil.example.net"
#: Allowed exactly: the origin an obs-folded ``Origin`` line starts with.
FOLD_ORIGIN = "http://a.example"
METHODS = ["GET", "POST", "PUT", "DELETE"]
ALLOW_HEADERS = ["Content-Type", "Authorization"]
EXPOSE = "X-Total-Count"
MAX_AGE = 600

ITEMS_BODY = b'["apple", "pear"]'
#: Content of the file served through ``wsgi.file_wrapper``: 256 KiB, no two adjacent KiB alike.
FILE_BODY = b"".join(bytes([i % 251]) * 1024 for i in range(256))
FILE_NAME = "served.bin"
#: How long the streaming app waits for its gate before giving up (never reached when it works).
GATE_TIMEOUT = 15.0

#: Environ key under which the inner app leaves the iterable it returned.
RETURNED_KEY = "server_apps.returned"


def lax_predicate(origin: str) -> bool:
    """A careless predicate: any origin that starts like the allowed one."""
    return origin.startswith(FOLD_ORIGIN)


def _respond(
    start_response: StartResponse, status: str, body: bytes, headers: Iterable[Header] = ()
) -> List[bytes]:
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("X-App", "called"),
            *headers,
        ],
    )
    return [body]


class InnerApp:
    """The app behind the middleware; its routes are described in the module docstring."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        method = environ["REQUEST_METHOD"]
        route = path.split("/", 2)[-1]  # /api/items and /lax/items are the same route
        if route == "items":
            if method == "OPTIONS":
                return _respond(start_response, "405 Method Not Allowed", b"no OPTIONS here")
            body = b"" if method == "HEAD" else ITEMS_BODY
            start_response(
                "200 OK",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(ITEMS_BODY))),
                    ("X-Total-Count", "2"),
                    ("X-App", "called"),
                    ("X-Thread", str(threading.get_ident())),
                ],
            )
            return [body]
        if route == "origin":
            return _respond(start_response, "200 OK", repr(environ.get("HTTP_ORIGIN")).encode())
        if route == "error":
            return _respond(start_response, "500 Internal Server Error", b"the app failed")
        if route == "exc-info":
            start_response("200 OK", [("Content-Type", "text/plain"), ("X-App", "called")])
            try:
                raise RuntimeError("failed after start_response, before the body")
            except RuntimeError:
                start_response(
                    "500 Internal Server Error",
                    [("Content-Type", "text/plain"), ("X-App", "called")],
                    sys.exc_info(),
                )
            return [b"recovered"]
        if route == "vary":
            return _respond(start_response, "200 OK", b"varies", [("Vary", "Accept-Encoding")])
        if route == "stream":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            return self._stream(start_response, query.get("gate", [""])[0])
        if route == "file":
            file = (self.work_dir / FILE_NAME).open("rb")
            wrapper = environ.get("wsgi.file_wrapper", FileWrapper)
            start_response(
                "200 OK",
                [
                    ("Content-Type", "application/octet-stream"),
                    ("Content-Length", str(len(FILE_BODY))),
                    ("X-App", "called"),
                    ("X-File-Wrapper", "server" if "wsgi.file_wrapper" in environ else "none"),
                ],
            )
            returned = wrapper(file, 64 * 1024)
            environ[RETURNED_KEY] = returned
            return returned  # type: ignore[no-any-return]
        return _respond(start_response, "404 Not Found", b"not found")

    def _stream(self, start_response: StartResponse, gate: str) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-App", "called")])
        yield b"first\n"
        gate_file = self.work_dir / os.path.basename(gate) if gate else None
        deadline = time.monotonic() + GATE_TIMEOUT
        while gate_file is None or not gate_file.exists():
            if time.monotonic() > deadline:
                yield b"gate timed out\n"
                return
            time.sleep(0.01)
        yield b"second after the gate opened\n"
        yield b"last\n"


class ReportsSameBody:
    """Outermost layer for ``/api/file``: reports whether the middleware returned the app's object.

    It holds the status and headers back until the middleware has returned (the app starts
    its response before returning), then starts the response with ``X-Same-Body: yes`` or
    ``no`` and hands the server that same object, so a server's sendfile path still sees it.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not environ["PATH_INFO"].endswith("/file"):
            return self.app(environ, start_response)
        started: List[Tuple[str, List[Header]]] = []

        def hold(status: str, headers: List[Header], exc_info: Any = None) -> Callable[..., Any]:
            started.append((status, headers))
            return lambda data: None  # the file app never calls write()

        result = self.app(environ, hold)
        same = "yes" if result is environ.get(RETURNED_KEY) else "no"
        status, headers = started[-1]
        start_response(status, [*headers, ("X-Same-Body", same)])
        return result


def make_middleware(app: WSGIApp, **options: Any) -> CORSMiddleware:
    """The configuration every server serves.

    ``/api/*``: exact origins and a subdomain wildcard, with credentials. ``/lax/*``: a regex
    and a predicate that accept anything starting with ``http://a.example`` (the middleware
    must still refuse an Origin that does not parse as one), requested methods and headers
    reflected. ``options`` are added to the top-level ones.
    """
    return CORSMiddleware(
        app,
        origins=[ALLOWED, FOLD_ORIGIN, WILDCARD],
        supports_credentials=True,
        methods=METHODS,
        allow_headers=ALLOW_HEADERS,
        expose_headers=[EXPOSE],
        max_age=MAX_AGE,
        resources={
            "/api/*": {},
            "/lax/*": {
                "origins": [re.compile(r"http://a\.example.*", re.DOTALL), lax_predicate],
                "methods": "*",
                "allow_headers": "*",
            },
        },
        **options,
    )


class NaiveReflector:
    """The control: copies the request's ``Origin`` into ``Access-Control-Allow-Origin`` unchecked.

    Served under ``/naive/*`` so a test can show that its header checks do catch a server
    that hands an obs-folded value to the app (the middleware must never be caught).
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")

        def reflect(status: str, headers: List[Header], exc_info: Any = None) -> Any:
            added = [("Access-Control-Allow-Origin", origin)] if origin else []
            return start_response(status, [*headers, *added], exc_info)

        return self.app(environ, reflect)


def make_app(work_dir: str) -> WSGIApp:
    """The served app: ``ReportsSameBody(CORSMiddleware(InnerApp))``, and the control under
    ``/naive/*``. Writes the file that ``/api/file`` serves into ``work_dir``."""
    directory = Path(work_dir)
    target = directory / FILE_NAME
    if not target.exists():
        target.write_bytes(FILE_BODY)
    inner = InnerApp(directory)
    cors = ReportsSameBody(make_middleware(inner))
    naive = NaiveReflector(inner)

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"].startswith("/naive/"):
            return naive(environ, start_response)
        return cors(environ, start_response)

    return app


def stream_path(gate: str) -> str:
    """The path of a streaming response that waits for the gate ``gate``."""
    return f"/api/stream?gate={gate}"


def open_gate(work_dir: Path, gate: str) -> None:
    """Let ``/api/stream?gate=gate`` yield its second chunk."""
    (work_dir / gate).write_bytes(b"")
