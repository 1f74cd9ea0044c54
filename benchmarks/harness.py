"""Calling WSGI and ASGI apps in process: prebuilt requests, timing loops and one-off probes.

A WSGI call is ``app(environ, start_response)`` with a prebuilt environ and a no-op
``start_response``, then the body is consumed and closed. An ASGI call drives the coroutine
with ``coroutine.send(None)`` and no event loop: ``receive`` and ``send`` are coroutines that
never suspend, so the whole request completes in that one step (a stack that awaits anything
else fails loudly instead of being mis-timed).

An app that needs an event loop (Django's ``ASGIHandler`` hops to worker threads and starts
tasks) is driven on one asyncio loop per process instead (:class:`LoopASGITimer`,
:func:`probe_asgi_loop`): a batch of requests is one coroutine that awaits them one after the
other, run by one ``loop.run_until_complete``. Its ``receive`` answers the first call with the
(empty) request body and never answers the second, as a server does while the client stays
connected (Django listens for a disconnect during the request and cancels that wait after it).
"""

from __future__ import annotations

import asyncio
import io
import sys
from dataclasses import dataclass, field
from itertools import cycle, islice
from time import perf_counter, process_time
from typing import Any, Awaitable, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from scenarios import Request

#: The clocks a timer can use: CPU time of this process (not counting time spent waiting for
#: the CPU while other processes run), or wall-clock time.
CLOCKS: Dict[str, Callable[[], float]] = {"cpu": process_time, "wall": perf_counter}

Environ = Dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
Scope = Dict[str, Any]
Message = Dict[str, Any]
ASGIApp = Callable[..., Awaitable[None]]

_EMPTY_BODY = io.BytesIO(b"")


def make_environ(request: Request) -> Environ:
    """A complete WSGI environ for ``request`` to ``http://bench.local/``."""
    environ: Environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "bench.local",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "bench.local",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": _EMPTY_BODY,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if request.origin is not None:
        environ["HTTP_ORIGIN"] = request.origin
    if request.request_method is not None:
        environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"] = request.request_method
    if request.request_headers is not None:
        environ["HTTP_ACCESS_CONTROL_REQUEST_HEADERS"] = request.request_headers
    return environ


def make_scope(request: Request, path: str = "/") -> Scope:
    """An ASGI HTTP scope for ``request`` to ``http://bench.local`` + ``path``."""
    headers: List[Tuple[bytes, bytes]] = [(b"host", b"bench.local")]
    if request.origin is not None:
        headers.append((b"origin", request.origin.encode("latin-1")))
    if request.request_method is not None:
        headers.append((b"access-control-request-method", request.request_method.encode()))
    if request.request_headers is not None:
        headers.append((b"access-control-request-headers", request.request_headers.encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("bench.local", 80),
    }


def _write(data: bytes) -> None:
    """The no-op ``write`` callable returned by :func:`no_op_start_response`."""


def no_op_start_response(
    status: str, headers: List[Tuple[str, str]], exc_info: Any = None
) -> Callable[[bytes], None]:
    """A ``start_response`` that does nothing."""
    return _write


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _discard(message: Message) -> None:
    return None


def drive_asgi(app: ASGIApp, scope: Scope, send: Callable[[Message], Awaitable[None]]) -> None:
    """Run one ASGI request to completion without an event loop."""
    coroutine: Any = app(scope, _receive, send)
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise RuntimeError("the ASGI app suspended: it needs an event loop, so it cannot be timed here")


_REQUEST_MESSAGE: Message = {"type": "http.request", "body": b"", "more_body": False}

_loop: Optional[asyncio.AbstractEventLoop] = None


def event_loop() -> asyncio.AbstractEventLoop:
    """This process's one event loop for :class:`LoopASGITimer` and :func:`probe_asgi_loop`."""
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
    return _loop


def connected_receive() -> Callable[[], Awaitable[Message]]:
    """A new request's ``receive``: the empty body first, then nothing until cancelled."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return _REQUEST_MESSAGE
        await asyncio.get_running_loop().create_future()  # the client never disconnects
        raise AssertionError("unreachable: the future above is never completed")

    return receive


@dataclass
class Response:
    """What a probe saw: the status code and the headers (names lower-cased, repeats joined)."""

    status: int
    headers: Dict[str, str] = field(default_factory=dict)

    def add(self, name: str, value: str) -> None:
        """Record one header line."""
        key = name.lower()
        self.headers[key] = f"{self.headers[key]}, {value}" if key in self.headers else value


def probe_wsgi(app: WSGIApp, environ: Environ) -> Response:
    """Call ``app`` once on a copy of ``environ`` and return what it answered."""
    seen: List[Response] = []

    def start_response(
        status: str, headers: List[Tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        response = Response(int(status.split(" ", 1)[0]))
        for name, value in headers:
            response.add(name, value)
        seen[:] = [response]
        return _write

    body = app(dict(environ), start_response)
    try:
        for _chunk in body:
            pass
    finally:
        close: Optional[Callable[[], None]] = getattr(body, "close", None)
        if close is not None:
            close()
    if not seen:
        raise RuntimeError("the WSGI app never called start_response")
    return seen[0]


def probe_asgi(app: ASGIApp, scope: Scope) -> Response:
    """Drive ``app`` once on ``scope`` and return the response it started."""
    messages: List[Message] = []

    async def capture(message: Message) -> None:
        messages.append(message)

    drive_asgi(app, scope, capture)
    start = next(message for message in messages if message["type"] == "http.response.start")
    response = Response(int(start["status"]))
    for name, value in start.get("headers", []):
        response.add(name.decode("latin-1"), value.decode("latin-1"))
    return response


def probe_asgi_loop(app: ASGIApp, scope: Scope) -> Response:
    """Run ``app`` once on ``scope`` on this process's event loop; the response it started."""
    messages: List[Message] = []

    async def capture(message: Message) -> None:
        messages.append(message)

    event_loop().run_until_complete(app(scope, connected_receive(), capture))
    start = next(message for message in messages if message["type"] == "http.response.start")
    response = Response(int(start["status"]))
    for name, value in start.get("headers", []):
        response.add(name.decode("latin-1"), value.decode("latin-1"))
    return response


class WSGITimer:
    """Times ``n`` calls of one WSGI app, cycling through its prebuilt environs across calls.

    With ``copy_environ`` every call gets a fresh shallow copy (frameworks store things in the
    environ); the copy costs the same with and without CORS, so it cancels in the difference.
    """

    def __init__(
        self,
        app: WSGIApp,
        environs: List[Environ],
        copy_environ: bool,
        clock: Callable[[], float] = perf_counter,
    ) -> None:
        self.app = app
        self.copy_environ = copy_environ
        self.clock = clock
        self._environs: Iterator[Environ] = cycle(environs)

    def __call__(self, n: int) -> float:
        app, start_response, clock = self.app, no_op_start_response, self.clock
        environs: Iterable[Environ] = islice(self._environs, n)
        if self.copy_environ:
            environs = (environ.copy() for environ in environs)
        started = clock()
        for environ in environs:
            body = app(environ, start_response)
            for _chunk in body:
                pass
            if hasattr(body, "close"):
                body.close()
        return clock() - started


class ASGITimer:
    """Times ``n`` ASGI requests driven by :func:`drive_asgi`, cycling through the scopes."""

    def __init__(
        self, app: ASGIApp, scopes: List[Scope], clock: Callable[[], float] = perf_counter
    ) -> None:
        self.app = app
        self.clock = clock
        self._scopes: Iterator[Scope] = cycle(scopes)

    def __call__(self, n: int) -> float:
        app, receive, send, clock = self.app, _receive, _discard, self.clock
        scopes = islice(self._scopes, n)
        started = clock()
        for scope in scopes:
            coroutine: Any = app(scope, receive, send)
            try:
                coroutine.send(None)
            except StopIteration:
                continue
            raise RuntimeError("the ASGI app suspended")
        return clock() - started


class LoopASGITimer:
    """Times ``n`` ASGI requests on this process's event loop, one after the other.

    The ``n`` requests are one coroutine run by one ``loop.run_until_complete``: the cost of
    starting and stopping the loop once is spread over the ``n`` requests, and is the same
    for the bare and the wrapped app. Each request gets a new :func:`connected_receive`.
    """

    def __init__(
        self, app: ASGIApp, scopes: List[Scope], clock: Callable[[], float] = perf_counter
    ) -> None:
        self.app = app
        self.clock = clock
        self.loop = event_loop()
        self._scopes: Iterator[Scope] = cycle(scopes)

    def __call__(self, n: int) -> float:
        app, send = self.app, _discard
        scopes = list(islice(self._scopes, n))

        async def batch() -> None:
            for scope in scopes:
                await app(scope, connected_receive(), send)

        coroutine = batch()
        started = self.clock()
        self.loop.run_until_complete(coroutine)
        return self.clock() - started


Timer = Callable[[int], float]


#: Blocks per paired round: the round alternates bare-wrapped and wrapped-bare this many times.
PAIR_BLOCKS = 8


def paired_round(bare: Timer, wrapped: Timer, calls: int, blocks: int = PAIR_BLOCKS) -> float:
    """Seconds that ``calls`` wrapped calls took beyond ``calls`` bare ones, in one round.

    The calls are split into ``2 * blocks`` near-equal slices run in the order AB BA AB BA ...
    (A bare, B wrapped), so each app gets exactly ``calls`` calls and a change in the machine's
    speed during the round (other processes, frequency) hits both apps nearly alike instead of
    favouring whichever ran first.
    """
    slices = 2 * blocks
    difference = 0.0
    for index in range(slices):
        size = calls // slices + (1 if index < calls % slices else 0)
        if size == 0:
            continue
        if index % 2 == 0:
            difference -= bare(size)
            difference += wrapped(size)
        else:
            difference += wrapped(size)
            difference -= bare(size)
    return difference
