"""``wsgi_cors.asgi.CORSMiddleware`` in real ASGI servers: uvicorn and hypercorn.

Each (framework, server) pair of :data:`TARGETS` is served by a real server, started by a
module-scoped fixture as a subprocess on 127.0.0.1 and a free port and stopped by its PID:
Starlette, FastAPI, Quart and Django (``servers.asgi_apps``) under uvicorn and under hypercorn's
asyncio worker, and Starlette and FastAPI under hypercorn's trio worker too (the middleware uses
no event-loop library). A second fixture serves each pair again with ``--root-path /mount``.

The tests talk HTTP/1.1 to them: with ``http.client``, or with a raw socket where header lines
must be read as sent or a streamed body chunk by chunk, and WebSockets with the ``websockets``
client. What the app did shows on the wire: its responses carry ``x-app: called``, and its
WebSocket endpoint leaves a file per handshake in the work directory.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, NamedTuple, Optional, Tuple

import pytest
from websockets.exceptions import InvalidStatus
from websockets.http11 import Response
from websockets.sync.client import connect
from websockets.typing import Origin

from conformance.expected import PREFLIGHT_VARY, REFUSED_PREFLIGHT_BODY
from servers.asgi_apps import (
    ALLOWED,
    EXPOSE,
    HIDE_EXTENSION,
    ITEMS_BODY,
    MAX_AGE,
    OPTIONS_BODY,
    OTHER_BODY,
    REFUSED,
    STREAM_CHUNKS,
    VARY_BODY,
    WILDCARD_ALLOWED,
    WORK_DIR_VARIABLE,
    digest,
)
from servers.harness import HOST, TESTS, RawResponse, parse_raw, raw_exchange
from servers.test_gunicorn import REPO, Reply, free_port, preflight, send, serving

pytestmark = pytest.mark.servers

#: Bounded waits: one response (or one streamed chunk) to arrive.
READ_TIMEOUT = 10.0
MOUNT = "/mount"
#: The body of the 500 that the middleware's ``intercept_exceptions`` answers.
INTERCEPTED_BODY = b"Internal Server Error\n"
#: The body of the 403 that the middleware answers to a refused WebSocket handshake.
REFUSED_WEBSOCKET_BODY = b"WebSocket origin refused\n"
#: Header lines a server adds itself (`Connection: close` answers the request's).
SERVER_HEADERS = frozenset({b"date", b"server", b"connection"})
#: The CORS headers of an allowed actual request, as sent by the middleware.
ACTUAL_CORS = [
    ("access-control-allow-credentials", "true"),
    ("access-control-expose-headers", EXPOSE),
]


class Target(NamedTuple):
    """A framework's app served by a server (``uvicorn``, ``hypercorn-asyncio``, ``-trio``)."""

    app: str
    server: str

    @property
    def id(self) -> str:
        return f"{self.app}-{self.server}"


APPS = ("starlette", "fastapi", "quart", "django")
TARGETS = [
    *(Target(app, "uvicorn") for app in APPS),
    *(Target(app, "hypercorn-asyncio") for app in APPS),
    # Quart and Django run on asyncio only; the anyio-based frameworks run on trio as well.
    Target("starlette", "hypercorn-trio"),
    Target("fastapi", "hypercorn-trio"),
]
#: Frameworks whose core has no WebSocket support (Django without Channels).
NO_WEBSOCKETS = frozenset({"django"})


class AsgiServer(NamedTuple):
    """A running server: its port, and what a client puts in front of the app's own paths."""

    target: Target
    port: int
    #: ``""``, or the mount point when the server runs with ``--root-path`` and expects the
    #: client to send it (hypercorn). uvicorn adds its ``--root-path`` to every request path
    #: itself (it expects a proxy to have removed it), so there the client sends none.
    prefix: str
    work_dir: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def server_argv(target: Target, port: int, root_path: str) -> List[str]:
    factory = f"servers.asgi_apps:make_{target.app}"
    if target.server == "uvicorn":
        argv = [sys.executable, "-m", "uvicorn", "--factory", factory]
        argv += ["--host", HOST, "--port", str(port), "--no-access-log"]
    else:
        worker = target.server.split("-")[1]
        argv = [sys.executable, "-m", "hypercorn", "--bind", f"{HOST}:{port}"]
        # --workers 0: serve in the process itself, so that its PID is the one to stop.
        argv += ["--workers", "0", "--worker-class", worker, f"{factory}()"]
    if root_path:
        argv[3:3] = ["--root-path", root_path]
    return argv


@contextmanager
def run_asgi(target: Target, work_dir: Path, root_path: str = "") -> Iterator[AsgiServer]:
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), str(TESTS), *filter(None, [env.get("PYTHONPATH")])]
    )
    env[WORK_DIR_VARIABLE] = str(work_dir)
    log = work_dir / f"{target.id}{root_path.replace('/', '-')}.log"
    argv = server_argv(target, port, root_path)
    with serving(argv, port, log, cwd=REPO, env=env):
        prefix = root_path if target.server.startswith("hypercorn") else ""
        yield AsgiServer(target, port, prefix, work_dir, log)


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("asgi")


@pytest.fixture(scope="module", params=TARGETS, ids=lambda target: target.id)
def server(request: pytest.FixtureRequest, work_dir: Path) -> Iterator[AsgiServer]:
    with run_asgi(request.param, work_dir) as running:
        yield running


@pytest.fixture(scope="module", params=TARGETS, ids=lambda target: target.id)
def mounted(request: pytest.FixtureRequest, work_dir: Path) -> Iterator[AsgiServer]:
    with run_asgi(request.param, work_dir, root_path=MOUNT) as running:
        yield running


# --- helpers ------------------------------------------------------------------------------


def raw_request(method: str, path: str, headers: Tuple[Tuple[str, str], ...] = ()) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def header_pairs(response: RawResponse) -> List[Tuple[str, str]]:
    """The response's header lines as (lower-case name, value), without the server's own."""
    pairs = []
    for line in response.header_lines:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name not in SERVER_HEADERS:
            pairs.append((name.decode("latin-1"), value.strip().decode("latin-1")))
    return pairs


def cors_names(reply: Reply) -> List[str]:
    return [name for name, _ in reply.headers if name.lower().startswith("access-control-")]


def dechunk(body: bytes) -> bytes:
    """The data of a ``Transfer-Encoding: chunked`` body (which must be complete)."""
    data = b""
    while True:
        size_line, separator, body = body.partition(b"\r\n")
        assert separator, f"truncated chunked body: {body[:200]!r}"
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return data
        data += body[:size]
        assert body[size : size + 2] == b"\r\n"
        body = body[size + 2 :]


def receive_until(connection: socket.socket, received: bytes, marker: bytes) -> bytes:
    """Read from ``connection`` until ``received`` contains ``marker`` (bounded wait)."""
    deadline = time.monotonic() + READ_TIMEOUT
    while marker not in received:
        connection.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = connection.recv(65536)
        except socket.timeout:
            pytest.fail(f"{marker!r} did not arrive in {READ_TIMEOUT} s; got {received!r}")
        if not chunk:
            pytest.fail(f"the server closed before {marker!r}; got {received!r}")
        received += chunk
    return received


def websocket_uri(server: AsgiServer, token: str, hide_extension: bool = False) -> str:
    query = f"token={token}"
    if hide_extension:
        query += f"&{HIDE_EXTENSION.decode()}"
    return f"ws://{HOST}:{server.port}{server.prefix}/ws/echo?{query}"


def echo_over_websocket(
    server: AsgiServer, origin: Optional[str], hide_extension: bool = False
) -> str:
    """Open ``/ws/echo`` (from ``origin``), send one message, return the answer."""
    token = uuid.uuid4().hex
    with connect(
        websocket_uri(server, token, hide_extension),
        origin=None if origin is None else Origin(origin),
        proxy=None,
        open_timeout=READ_TIMEOUT,
        close_timeout=READ_TIMEOUT,
    ) as websocket:
        websocket.send("hello")
        answer = websocket.recv(timeout=READ_TIMEOUT)
    assert (server.work_dir / f"ws-{token}").exists(), "the app did not run"
    assert isinstance(answer, str)
    return answer


# --- preflights ---------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [ALLOWED, WILDCARD_ALLOWED])
def test_an_allowed_preflight_is_answered_by_the_middleware(
    server: AsgiServer, origin: str
) -> None:
    request = raw_request(
        "OPTIONS",
        "/api/items",
        (
            ("Origin", origin),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "content-type,authorization"),
        ),
    )
    response = raw_exchange(server.port, request)
    assert response.status == 204, server.output()
    assert response.body == b""
    # Every header line the server sent, apart from its own Date and Server, in order.
    assert header_pairs(response) == [
        ("access-control-allow-origin", origin),
        ("access-control-allow-methods", "GET, POST, PUT, DELETE"),
        ("access-control-allow-headers", "Content-Type, Authorization"),
        ("access-control-allow-credentials", "true"),
        ("access-control-max-age", str(MAX_AGE)),
        ("vary", PREFLIGHT_VARY),
    ]
    # The control: the app answers an OPTIONS that is not a preflight itself.
    plain = send(server.port, "OPTIONS", "/api/items", {"Origin": origin})
    assert (plain.status, plain.body, plain.get("x-app")) == (200, OPTIONS_BODY, "called")


@pytest.mark.parametrize(
    ("origin", "method", "headers"),
    [
        pytest.param(REFUSED, "PUT", "", id="origin"),
        pytest.param(ALLOWED, "PATCH", "", id="method"),
        pytest.param(ALLOWED, "PUT", "x-secret", id="header"),
    ],
)
def test_a_refused_preflight_is_403_without_cors_headers(
    server: AsgiServer, origin: str, method: str, headers: str
) -> None:
    reply = preflight(server.port, "/api/items", origin, method, headers)
    assert reply.status == 403
    assert reply.body == REFUSED_PREFLIGHT_BODY
    assert cors_names(reply) == []
    assert reply.all("Vary") == [PREFLIGHT_VARY]
    assert reply.get("x-app") is None


# --- actual requests ----------------------------------------------------------------------


@pytest.mark.parametrize("origin", [ALLOWED, WILDCARD_ALLOWED])
def test_an_allowed_actual_request(server: AsgiServer, origin: str) -> None:
    reply = send(server.port, "GET", "/api/items", {"Origin": origin})
    assert reply.status == 200
    assert reply.body == ITEMS_BODY
    assert reply.get("x-app") == "called"
    assert reply.get("x-total-count") == "2"
    assert reply.all("Access-Control-Allow-Origin") == [origin]
    assert reply.get("Access-Control-Allow-Credentials") == "true"
    assert reply.get("Access-Control-Expose-Headers") == EXPOSE
    assert reply.all("Vary") == ["Origin"]


@pytest.mark.parametrize("origin", [REFUSED, None])
def test_a_refused_or_absent_origin_reaches_the_app_without_cors_headers(
    server: AsgiServer, origin: Optional[str]
) -> None:
    reply = send(server.port, "GET", "/api/items", {"Origin": origin} if origin else {})
    assert reply.status == 200
    assert reply.body == ITEMS_BODY
    assert reply.get("x-app") == "called"
    assert cors_names(reply) == []
    assert reply.all("Vary") == ["Origin"]


def test_a_path_no_resource_covers_is_untouched(server: AsgiServer) -> None:
    reply = send(server.port, "GET", "/other", {"Origin": ALLOWED})
    assert (reply.status, reply.body, reply.get("x-app")) == (200, OTHER_BODY, "called")
    assert cors_names(reply) == []
    assert reply.all("Vary") == []
    # Its preflights go to the app too.
    answer = preflight(server.port, "/other", ALLOWED, "GET")
    assert cors_names(answer) == []


def test_the_frameworks_own_404_carries_cors_headers(server: AsgiServer) -> None:
    reply = send(server.port, "GET", "/api/missing", {"Origin": ALLOWED})
    assert reply.status == 404
    assert reply.get("x-app") is None  # the framework's router answered, not a view
    assert reply.all("Access-Control-Allow-Origin") == [ALLOWED]
    assert reply.get("Access-Control-Allow-Credentials") == "true"
    assert reply.all("Vary") == ["Origin"]


def test_an_exception_in_the_app_is_a_500_with_cors_headers(server: AsgiServer) -> None:
    reply = send(server.port, "GET", "/api/error", {"Origin": ALLOWED})
    assert reply.status == 500
    assert reply.all("Access-Control-Allow-Origin") == [ALLOWED]
    assert reply.get("Access-Control-Allow-Credentials") == "true"
    assert reply.all("Vary") == ["Origin"]
    if server.target.app in ("starlette", "fastapi"):
        # The exception escapes the framework: intercept_exceptions answers it.
        assert reply.body == INTERCEPTED_BODY
        assert reply.get("Content-Type") == "text/plain; charset=utf-8"
        assert "AppBugError: a bug in a" in server.output()  # logged, with its traceback
    else:
        # Quart and Django turn it into their own 500; the middleware adds its headers.
        assert reply.body != INTERCEPTED_BODY


def test_the_apps_vary_is_merged(server: AsgiServer) -> None:
    for origin in (ALLOWED, REFUSED):
        reply = send(server.port, "GET", "/api/vary", {"Origin": origin})
        assert (reply.status, reply.body) == (200, VARY_BODY)
        assert reply.all("Vary") == ["Accept-Encoding, Origin"]


def test_a_5_mb_body_reaches_the_app_intact(server: AsgiServer) -> None:
    body = os.urandom(5 * 1024 * 1024)
    connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
    try:
        headers = {"Origin": ALLOWED, "Content-Type": "application/octet-stream"}
        connection.request("POST", "/api/digest", body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        assert response.status == 200, answer[:500]
        assert response.getheader("Access-Control-Allow-Origin") == ALLOWED
    finally:
        connection.close()
    assert answer == digest(body)
    assert hashlib.sha256(body).hexdigest().encode() in answer


def test_a_streamed_response_is_not_buffered(server: AsgiServer) -> None:
    gate = uuid.uuid4().hex
    request = raw_request("GET", f"/api/stream?gate={gate}", (("Origin", ALLOWED),))
    with socket.create_connection((HOST, server.port), timeout=READ_TIMEOUT) as connection:
        connection.sendall(request)
        # The app sends its second chunk only once the gate file exists, and the gate is
        # created only once the first chunk is here: nothing held it back on the way.
        received = receive_until(connection, b"", STREAM_CHUNKS[0])
        assert STREAM_CHUNKS[1] not in received
        (server.work_dir / gate).touch()
        received = receive_until(connection, received, b"\r\n0\r\n\r\n")
    response = parse_raw(received)
    assert response.status == 200
    assert response.values("Transfer-Encoding") == [b"chunked"]
    assert response.values("Access-Control-Allow-Origin") == [ALLOWED.encode()]
    assert response.values("Vary") == [b"Origin"]
    assert dechunk(response.body) == b"".join(STREAM_CHUNKS)


def test_one_keep_alive_connection_carries_preflights_and_requests(server: AsgiServer) -> None:
    """The middleware's own answers are well-formed HTTP/1.1: the connection stays open."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=READ_TIMEOUT)
    preflight_headers = {"Origin": ALLOWED, "Access-Control-Request-Method": "PUT"}
    exchanges = [
        ("OPTIONS", "/api/items", preflight_headers, 204, b""),
        ("GET", "/api/items", {"Origin": ALLOWED}, 200, ITEMS_BODY),
        ("OPTIONS", "/api/items", {**preflight_headers, "Origin": REFUSED}, 403, None),
        ("OPTIONS", "/api/items", preflight_headers, 204, b""),
        ("GET", "/api/vary", {"Origin": ALLOWED}, 200, VARY_BODY),
    ]
    try:
        first_socket = None
        for method, path, headers, status, body in exchanges:
            connection.request(method, path, headers=headers)
            first_socket = first_socket or connection.sock
            assert connection.sock is first_socket, f"reconnected for {method} {path}"
            response = connection.getresponse()
            answer = response.read()
            assert response.status == status
            assert answer == (REFUSED_PREFLIGHT_BODY if body is None else body)
            assert not response.will_close, f"{method} {path} closed the connection"
    finally:
        connection.close()


def test_a_preflights_unread_body_is_not_taken_for_the_next_request(server: AsgiServer) -> None:
    """The middleware answers a preflight without reading its body; the server skips it."""
    hidden = f"GET /other HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    first = raw_request(
        "OPTIONS",
        "/api/items",
        (
            ("Origin", ALLOWED),
            ("Access-Control-Request-Method", "PUT"),
            ("Content-Length", str(len(hidden))),
        ),
    ).replace(b"Connection: close\r\n", b"")
    second = raw_request("GET", "/api/items", (("Origin", ALLOWED),))
    with socket.create_connection((HOST, server.port), timeout=READ_TIMEOUT) as connection:
        connection.sendall(first + hidden + second)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    status_lines = [line for line in received.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]
    assert [line.split(b" ")[1] for line in status_lines] == [b"204", b"200"], received
    assert received.count(ITEMS_BODY) == 1
    assert OTHER_BODY not in received


# --- the mount point ----------------------------------------------------------------------


def test_resources_match_the_apps_own_paths_under_a_root_path(mounted: AsgiServer) -> None:
    where = send(mounted.port, "GET", f"{mounted.prefix}/api/where", {"Origin": ALLOWED})
    # Both servers hand the app the same scope: path with the mount point, and root_path.
    assert where.status == 200
    assert where.body == f"{MOUNT} {MOUNT}/api/where".encode()
    assert where.all("Access-Control-Allow-Origin") == [ALLOWED]

    answer = preflight(mounted.port, f"{mounted.prefix}/api/items", ALLOWED, "PUT")
    assert answer.status == 204
    assert answer.get("x-app") is None
    assert answer.all("Access-Control-Allow-Origin") == [ALLOWED]
    assert answer.all("Vary") == [PREFLIGHT_VARY]

    actual = send(mounted.port, "GET", f"{mounted.prefix}/api/items", {"Origin": ALLOWED})
    assert (actual.status, actual.body) == (200, ITEMS_BODY)
    assert actual.all("Access-Control-Allow-Origin") == [ALLOWED]
    assert actual.get("Access-Control-Expose-Headers") == EXPOSE

    other = send(mounted.port, "GET", f"{mounted.prefix}/other", {"Origin": ALLOWED})
    assert (other.status, other.body) == (200, OTHER_BODY)
    assert cors_names(other) == []
    assert other.all("Vary") == []

    assert refuse_websocket(mounted).status_code == 403
    if mounted.target.app not in NO_WEBSOCKETS:
        assert echo_over_websocket(mounted, ALLOWED) == "echo:hello"


# --- WebSockets (check_websocket_origin=True) ---------------------------------------------


def skip_without_websockets(server: AsgiServer) -> None:
    if server.target.app in NO_WEBSOCKETS:
        pytest.skip(f"{server.target.app} serves no WebSockets")


@pytest.mark.parametrize("hide_extension", [False, True], ids=["extension", "no-extension"])
@pytest.mark.parametrize("origin", [ALLOWED, WILDCARD_ALLOWED])
def test_a_websocket_from_an_allowed_origin_is_accepted(
    server: AsgiServer, origin: str, hide_extension: bool
) -> None:
    skip_without_websockets(server)
    assert echo_over_websocket(server, origin, hide_extension) == "echo:hello"


def test_a_websocket_without_origin_is_accepted(server: AsgiServer) -> None:
    skip_without_websockets(server)
    assert echo_over_websocket(server, None) == "echo:hello"


def refuse_websocket(server: AsgiServer, hide_extension: bool = False) -> Response:
    """A handshake from :data:`REFUSED`: the HTTP response, after checking the app never ran."""
    token = uuid.uuid4().hex
    with pytest.raises(InvalidStatus) as refused:
        connect(
            websocket_uri(server, token, hide_extension),
            origin=Origin(REFUSED),
            proxy=None,
            open_timeout=READ_TIMEOUT,
        )
    response = refused.value.response
    assert not [name for name in response.headers if name.lower().startswith("access-control")]
    assert not (server.work_dir / f"ws-{token}").exists(), "the app ran"
    return response


def test_a_websocket_from_a_refused_origin_is_403_before_the_app_runs(
    server: AsgiServer,
) -> None:
    response = refuse_websocket(server)
    # Both servers offer the websocket.http.response extension: the middleware's own 403.
    assert response.status_code == 403
    assert response.body == REFUSED_WEBSOCKET_BODY
    assert response.headers.get("Content-Type") == "text/plain; charset=utf-8"


def test_without_the_response_extension_a_refused_websocket_is_closed_before_accept(
    server: AsgiServer,
) -> None:
    response = refuse_websocket(server, hide_extension=True)
    # The middleware closes before accepting; uvicorn and hypercorn both answer that with a
    # bare 403 of their own.
    assert response.status_code == 403
    assert response.body == b""
