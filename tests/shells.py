"""The shells the conformance suite runs against, behind one small sans-IO test API.

A *shell* is the framework-facing layer of wsgi_cors (today: :class:`wsgi_cors.CORSMiddleware`
for WSGI). The conformance tests (``tests/conformance/``) describe the wrapped application
and the request without naming a protocol, and read the answer as plain data:

* :class:`Downstream` is the wrapped application: a status code, a header list and body
  chunks, or an exception raised before (or after) it starts to answer. It records each
  request it sees (:class:`Seen`: method, path, headers).
* ``shell.wrap(downstream, **options)`` builds the middleware with ``options`` and returns a
  client; ``client.request(method, path, headers, body)`` returns an :class:`Exchange`.

Conventions every shell follows, so that a table row means the same in each:

* Every request string (header values, the path) stands for the request's bytes, one
  character per byte (latin-1), exactly as a WSGI server hands them over; ``wsgi_str`` turns
  text into that form. A value with a character beyond latin-1 cannot travel on the wire;
  ``shell.carries(value)`` says whether a shell can hand it to the middleware at all.
* ``path`` is the path the server decoded (``PATH_INFO``; ASGI's ``scope["path"]`` from
  ``raw_path``), without the query string; ``None`` means the server sent no path at all.
* Repeated request headers reach the middleware joined with ``","``, as wsgiref and
  Werkzeug join them.
* The app's exception propagates out of ``client.request`` unchanged.

Adding a shell is one subclass of :class:`Shell` and one entry in :data:`SHELLS`.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import WSGIWarning, validator

from wsgi_cors import CORSMiddleware
from wsgi_cors.asgi import CORSMiddleware as ASGIMiddleware

Header = Tuple[str, str]
Headers = Union[Mapping[str, str], Iterable[Header]]


def wsgi_str(text: str) -> str:
    """``text`` as request bytes in the shells' convention: its UTF-8 bytes, one char each."""
    return text.encode("utf-8").decode("latin-1")


@dataclass(frozen=True)
class Seen:
    """What the wrapped application was handed: method, path and headers (names lower-case)."""

    method: str
    path: Optional[str]
    headers: Tuple[Header, ...]

    def header(self, name: str) -> Optional[str]:
        for key, value in self.headers:
            if key == name.lower():
                return value
        return None


@dataclass
class Downstream:
    """The wrapped application, described without a framework.

    ``raises`` is raised before the application answers; ``raises_after_start`` once it has
    begun its answer (headers handed on, no body yet). ``reason`` is the reason phrase of a
    shell that has one (default: the standard phrase of ``status``).
    """

    status: int = 200
    headers: List[Header] = field(default_factory=lambda: [("Content-Type", "text/plain")])
    body: List[bytes] = field(default_factory=lambda: [b"hello"])
    reason: Optional[str] = None
    raises: Optional[BaseException] = None
    raises_after_start: Optional[BaseException] = None
    seen: List[Seen] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.seen)

    def status_line(self) -> str:
        if self.reason is not None:
            return f"{self.status} {self.reason}"
        try:
            return f"{self.status} {HTTPStatus(self.status).phrase}"
        except ValueError:
            return f"{self.status} Unknown"


def lowered(headers: Iterable[Header]) -> List[Header]:
    """``headers`` with lower-case names, values untouched."""
    return [(name.lower(), value) for name, value in headers]


@dataclass(frozen=True)
class Exchange:
    """One answer as the client received it."""

    status: int
    headers: List[Header]
    body: bytes
    reason: str = ""

    def header_values(self, name: str) -> List[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def header(self, name: str) -> Optional[str]:
        """The one value of header ``name``, None if absent; two lines fail the test."""
        values = self.header_values(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def has(self, name: str) -> bool:
        return bool(self.header_values(name))

    def fields(self) -> List[Header]:
        """The headers with lower-case names: what every shell must agree on (HTTP field
        names are case-insensitive; WSGI keeps the app's spelling, ASGI lower-cases)."""
        return lowered(self.headers)

    def cors_headers(self) -> List[Header]:
        """The ``Access-Control-*`` headers of the answer, in order."""
        return [(k, v) for k, v in self.headers if k.lower().startswith("access-control-")]


class Client:
    """A middleware built around a :class:`Downstream`, ready to take requests."""

    def request(
        self,
        method: str = "GET",
        path: Optional[str] = "/",
        headers: Optional[Headers] = None,
        body: bytes = b"",
    ) -> Exchange:
        raise NotImplementedError

    def get(self, path: str = "/", headers: Optional[Headers] = None) -> Exchange:
        return self.request("GET", path, headers)

    def options(self, path: str = "/", headers: Optional[Headers] = None) -> Exchange:
        return self.request("OPTIONS", path, headers)

    def preflight(
        self,
        origin: str,
        method: str = "PUT",
        request_headers: Optional[str] = None,
        path: str = "/",
        **extra: str,
    ) -> Exchange:
        """An ``OPTIONS`` preflight as a browser sends it, with ``extra`` headers."""
        headers = [("Origin", origin), ("Access-Control-Request-Method", method)]
        if request_headers is not None:
            headers.append(("Access-Control-Request-Headers", request_headers))
        headers.extend(extra.items())
        return self.request("OPTIONS", path, headers)


class Shell:
    """One framework shell of wsgi_cors."""

    name = ""

    def wrap(self, downstream: Downstream, **options: Any) -> Client:
        raise NotImplementedError

    def carries(self, value: str) -> bool:
        """Whether this shell can hand the request value ``value`` to the middleware."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.name} shell>"


def _pairs(headers: Optional[Headers]) -> List[Header]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


# --- WSGI ------------------------------------------------------------------------------------


def wsgi_environ(
    method: str, path: Optional[str], headers: List[Header], body: bytes
) -> Dict[str, Any]:
    """A PEP 3333 environ built by hand: header values are passed exactly as given."""
    environ: Dict[str, Any] = {"REQUEST_METHOD": method, "SERVER_NAME": "testserver"}
    query = ""
    if path is None:
        environ["SCRIPT_NAME"] = "/app"
    else:
        if "?" in path:
            path, query = path.split("?", 1)
        environ["SCRIPT_NAME"] = ""
        environ["PATH_INFO"] = path
    environ["QUERY_STRING"] = query
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def _wsgi_app(downstream: Downstream) -> Callable[..., Iterable[bytes]]:
    def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = tuple(
            (key[5:].lower().replace("_", "-"), value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ) + tuple(
            (key.lower().replace("_", "-"), environ[key])
            for key in ("CONTENT_TYPE", "CONTENT_LENGTH")
            if environ.get(key)
        )
        downstream.seen.append(Seen(environ["REQUEST_METHOD"], environ.get("PATH_INFO"), headers))
        if downstream.raises is not None:
            raise downstream.raises
        start_response(downstream.status_line(), list(downstream.headers))
        if downstream.raises_after_start is not None:
            raise downstream.raises_after_start
        return list(downstream.body)

    return app


class WSGIClient(Client):
    def __init__(self, wsgi: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi = wsgi

    def request(
        self,
        method: str = "GET",
        path: Optional[str] = "/",
        headers: Optional[Headers] = None,
        body: bytes = b"",
    ) -> Exchange:
        # wsgiref.validate cannot report on an environ without PATH_INFO: send "" instead.
        environ = wsgi_environ(method, "" if path is None else path, _pairs(headers), body)
        started: List[Tuple[str, List[Header]]] = []

        def start_response(
            status: str, response_headers: List[Header], exc_info: Any = None
        ) -> Any:
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started.append((status, list(response_headers)))
            return lambda data: None

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WSGIWarning)  # e.g. REQUEST_METHOD "PURGE"
            result = self.wsgi(environ, start_response)
            try:
                chunks: Iterator[bytes] = iter(result)
                data = b"".join(chunks)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        assert len(started) == 1, started
        status, response_headers = started[0]
        code, _, reason = status.partition(" ")
        return Exchange(int(code), response_headers, data, reason)


class WSGIShell(Shell):
    """``validator(CORSMiddleware(validator(app), **options))``: PEP 3333 checked both ways."""

    name = "wsgi"

    def wrap(self, downstream: Downstream, **options: Any) -> Client:
        return WSGIClient(validator(CORSMiddleware(validator(_wsgi_app(downstream)), **options)))

    def carries(self, value: str) -> bool:
        return True  # an environ holds any str, even one no server would produce


# --- ASGI ------------------------------------------------------------------------------------


def asgi_scope(method: str, path: Optional[str], headers: List[Header]) -> Dict[str, Any]:
    """An HTTP scope as an ASGI server builds it from the request's bytes.

    Header names are lower-cased bytes and repeated headers stay separate lines; the path is
    decoded from its UTF-8 bytes (invalid sequences replaced, as servers do), ``raw_path``
    keeps the bytes.
    """
    query = b""
    raw = (path or "").encode("latin-1")
    if b"?" in raw:
        raw, query = raw.split(b"?", 1)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": raw.decode("utf-8", "replace"),
        "raw_path": raw,
        "query_string": query,
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


def _asgi_app(downstream: Downstream) -> Callable[..., Any]:
    async def app(
        scope: Dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        joined: Dict[str, str] = {}
        for name, value in scope["headers"]:
            key = name.decode("latin-1")
            text = value.decode("latin-1")
            joined[key] = f"{joined[key]},{text}" if key in joined else text
        downstream.seen.append(Seen(scope["method"], scope["path"], tuple(joined.items())))
        if downstream.raises is not None:
            raise downstream.raises
        headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in downstream.headers
        ]
        await send({"type": "http.response.start", "status": downstream.status, "headers": headers})
        if downstream.raises_after_start is not None:
            raise downstream.raises_after_start
        chunks = list(downstream.body) or [b""]
        for index, chunk in enumerate(chunks):
            more = index < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    return app


def run_without_loop(coroutine: Any) -> Any:
    """Run a coroutine that never waits on anything (no event loop needed); fail if it does."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise AssertionError("the ASGI call suspended; the test apps never wait")


class ASGIClient(Client):
    def __init__(self, asgi: Callable[..., Any]) -> None:
        self.asgi = asgi

    def request(
        self,
        method: str = "GET",
        path: Optional[str] = "/",
        headers: Optional[Headers] = None,
        body: bytes = b"",
    ) -> Exchange:
        scope = asgi_scope(method, path, _pairs(headers))
        sent: List[Dict[str, Any]] = []
        delivered = False

        async def receive() -> Dict[str, Any]:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Dict[str, Any]) -> None:
            sent.append(message)

        run_without_loop(self.asgi(scope, receive, send))
        starts = [m for m in sent if m["type"] == "http.response.start"]
        assert len(starts) == 1, sent
        assert sent[0] is starts[0], sent
        bodies = [m for m in sent[1:] if m["type"] == "http.response.body"]
        assert all(m.get("more_body", False) for m in bodies[:-1]), sent
        assert bodies, sent
        assert not bodies[-1].get("more_body", False), sent
        response_headers = [
            (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
            for name, value in starts[0].get("headers", [])
        ]
        data = b"".join(m.get("body", b"") for m in bodies)
        return Exchange(int(starts[0]["status"]), response_headers, data, "")


class ASGIShell(Shell):
    """``wsgi_cors.asgi.CORSMiddleware(app, **options)`` driven without an event loop."""

    name = "asgi"

    def wrap(self, downstream: Downstream, **options: Any) -> Client:
        return ASGIClient(ASGIMiddleware(_asgi_app(downstream), **options))

    def carries(self, value: str) -> bool:
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            return False  # header bytes: one character per byte
        return True


SHELLS: Dict[str, Shell] = {"wsgi": WSGIShell(), "asgi": ASGIShell()}
