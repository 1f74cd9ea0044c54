"""The same header-level suite over real servers: gunicorn, waitress, Werkzeug and wsgiref.

Each server serves ``server_apps.make_app`` (one ``CORSMiddleware``-wrapped app) on 127.0.0.1
and a free port, once per module, and every test talks to it over HTTP: with ``http.client``,
or with a raw socket where the request is one ``http.client`` would not send (obs-fold) or
where the response must be read byte for byte (header lines, HEAD bodies).
"""

from __future__ import annotations

import http.client
import re
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

from conformance.expected import PREFLIGHT_VARY, REFUSED_PREFLIGHT_BODY
from servers.harness import (
    HOST,
    READ_TIMEOUT,
    SERVER_NAMES,
    RawResponse,
    RunningServer,
    raw_exchange,
    run_server,
)
from servers.server_apps import (
    ALLOWED,
    EXPOSE,
    FILE_BODY,
    FILE_NAME,
    ITEMS_BODY,
    MAX_AGE,
    REFUSED,
    RETURNED_KEY,
    InnerApp,
    make_middleware,
    open_gate,
    stream_path,
)
from servers.test_gunicorn import Reply, preflight, send

pytestmark = pytest.mark.servers

#: Allowed by the wildcard ``https://*.example.org``.
WILDCARD_ALLOWED = "https://shop.example.org"
#: A browser's serialised origin (what an ACAO value must look like, when there is one).
SERIALIZED_ORIGIN = re.compile(rb"[a-z][a-z0-9+.\-]*://[a-z0-9.\-_]+(:[0-9]{1,5})?")


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("served")


@pytest.fixture(scope="module", params=SERVER_NAMES)
def server(request: pytest.FixtureRequest, work_dir: Path) -> Iterator[RunningServer]:
    with run_server(
        request.param, "servers.server_apps:make_app", {"work_dir": str(work_dir)}, work_dir
    ) as running:
        yield running


def cors_names(reply: Reply) -> List[str]:
    return [name for name, _ in reply.headers if name.lower().startswith("access-control-")]


# --- the header-level suite ----------------------------------------------------------------


@pytest.mark.parametrize("origin", [ALLOWED, WILDCARD_ALLOWED])
def test_an_allowed_get(server: RunningServer, origin: str) -> None:
    reply = send(server.port, "GET", "/api/items", {"Origin": origin})
    assert reply.status == 200
    assert reply.body == ITEMS_BODY
    assert reply.all("Access-Control-Allow-Origin") == [origin]
    assert reply.all("Access-Control-Allow-Credentials") == ["true"]
    assert reply.get("Access-Control-Expose-Headers") == EXPOSE
    assert reply.all("Vary") == ["Origin"]
    assert reply.get("X-App") == "called"


def test_a_refused_origin_reaches_the_app_without_cors_headers(server: RunningServer) -> None:
    reply = send(server.port, "GET", "/api/items", {"Origin": REFUSED})
    assert reply.status == 200
    assert reply.body == ITEMS_BODY
    assert cors_names(reply) == []
    assert reply.all("Vary") == ["Origin"]


def test_an_allowed_preflight_is_answered_without_calling_the_app(server: RunningServer) -> None:
    reply = preflight(server.port, "/api/items", ALLOWED, "PUT", "content-type,authorization")
    assert reply.status == 204
    assert reply.body == b""
    assert reply.all("Access-Control-Allow-Origin") == [ALLOWED]
    assert reply.get("Access-Control-Allow-Methods") == "GET, POST, PUT, DELETE"
    assert reply.get("Access-Control-Allow-Headers") == "Content-Type, Authorization"
    assert reply.get("Access-Control-Allow-Credentials") == "true"
    assert reply.get("Access-Control-Max-Age") == str(MAX_AGE)
    assert reply.all("Vary") == [PREFLIGHT_VARY]
    assert reply.get("X-App") is None  # the app answers OPTIONS with 405: never reached
    assert send(server.port, "OPTIONS", "/api/items").status == 405


@pytest.mark.parametrize(
    ("origin", "method", "headers"),
    [
        pytest.param(REFUSED, "PUT", "", id="origin"),
        pytest.param(ALLOWED, "PATCH", "", id="method"),
        pytest.param(ALLOWED, "PUT", "x-secret", id="header"),
    ],
)
def test_a_refused_preflight_is_403_without_cors_headers(
    server: RunningServer, origin: str, method: str, headers: str
) -> None:
    reply = preflight(server.port, "/api/items", origin, method, headers)
    assert reply.status == 403
    assert reply.body == REFUSED_PREFLIGHT_BODY
    assert cors_names(reply) == []
    assert reply.get("X-App") is None


#: gunicorn (27.0.1) appends the headers of a start_response re-call with exc_info to those of
#: the first call instead of replacing them (PEP 3333: "replace the currently stored HTTP
#: response headers"), so every header, ACAO included, is sent twice. The middleware passes
#: each call's own list (see the other servers); the duplicate is gunicorn's.
GUNICORN_EXC_INFO_BUG = pytest.mark.xfail(
    strict=True, reason="gunicorn keeps the first start_response's headers on an exc_info re-call"
)


@pytest.mark.parametrize(
    ("path", "status"), [("/api/missing", 404), ("/api/error", 500), ("/api/exc-info", 500)]
)
def test_the_apps_error_statuses_carry_cors_headers(
    request: pytest.FixtureRequest, server: RunningServer, path: str, status: int
) -> None:
    if server.name == "gunicorn" and path == "/api/exc-info":
        request.applymarker(GUNICORN_EXC_INFO_BUG)
    reply = send(server.port, "GET", path, {"Origin": ALLOWED})
    assert reply.status == status
    assert reply.get("X-App") == "called"
    assert reply.all("Access-Control-Allow-Origin") == [ALLOWED]
    assert reply.get("Access-Control-Allow-Credentials") == "true"
    assert reply.all("Vary") == ["Origin"]


def test_the_apps_vary_is_merged(server: RunningServer) -> None:
    for origin in (ALLOWED, REFUSED):
        reply = send(server.port, "GET", "/api/vary", {"Origin": origin})
        assert reply.status == 200
        assert reply.all("Vary") == ["Accept-Encoding, Origin"]


def test_head_gets_the_headers_and_no_body(server: RunningServer) -> None:
    request = (
        f"HEAD /api/items HTTP/1.1\r\nHost: {HOST}\r\nOrigin: {ALLOWED}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    response = raw_exchange(server.port, request)
    assert response.status == 200
    assert response.body == b""
    assert response.values("Access-Control-Allow-Origin") == [ALLOWED.encode()]
    assert response.values("Access-Control-Allow-Credentials") == [b"true"]
    assert response.values("Vary") == [b"Origin"]
    assert response.values("Content-Length") == [str(len(ITEMS_BODY)).encode()]


# --- obs-fold: no header injection, whatever the server does with the folded line ----------

FOLDS = {
    "origin-space": "GET /api/origin HTTP/1.1\r\nOrigin: http://a.example\r\n X-Injected: 1\r\n",
    "origin-tab": "GET /lax/origin HTTP/1.1\r\nOrigin: http://a.example\r\n\tX-Injected: 1\r\n",
    "origin-acao-lookalike": (
        "GET /lax/origin HTTP/1.1\r\nOrigin: http://a.example\r\n"
        " Access-Control-Allow-Origin: https://evil.example.net\r\n"
    ),
    "preflight-origin": (
        "OPTIONS /api/items HTTP/1.1\r\nOrigin: http://a.example\r\n X-Injected: 1\r\n"
        "Access-Control-Request-Method: PUT\r\n"
    ),
    "preflight-method": (
        "OPTIONS /lax/items HTTP/1.1\r\nOrigin: http://a.example\r\n"
        "Access-Control-Request-Method: PUT\r\n X-Injected: 1\r\n"
    ),
    "preflight-headers": (
        "OPTIONS /lax/items HTTP/1.1\r\nOrigin: http://a.example\r\n"
        "Access-Control-Request-Method: PUT\r\n"
        "Access-Control-Request-Headers: content-type\r\n X-Injected: 1\r\n"
    ),
}


def folded_request(fold: str, prefix: str = "") -> bytes:
    first_line, rest = FOLDS[fold].split("\r\n", 1)
    if prefix:
        method, path, version = first_line.split(" ")
        first_line = f"{method} {prefix}{path[path.index('/', 1) :]} {version}"
    return f"{first_line}\r\nHost: {HOST}\r\n{rest}Connection: close\r\n\r\n".encode()


def injection_problems(response: RawResponse) -> List[str]:
    """Everything in the header block that an injected or split header line would show."""
    problems = []
    for line in response.header_lines:
        if line[:1] in (b" ", b"\t"):
            problems.append(f"continuation line {line!r}")
        if b"\r" in line or b"\n" in line:
            problems.append(f"bare CR or LF in {line!r}")
    if b"x-injected" in response.names():
        problems.append("an X-Injected header line")
    for value in response.values("Access-Control-Allow-Origin"):
        if not SERIALIZED_ORIGIN.fullmatch(value):
            problems.append(f"Access-Control-Allow-Origin {value!r} is not an origin")
    return problems


@pytest.mark.parametrize("fold", list(FOLDS))
def test_an_obs_folded_header_never_injects_or_splits_a_header(
    server: RunningServer, fold: str
) -> None:
    response = raw_exchange(server.port, folded_request(fold))
    assert injection_problems(response) == []
    # Either the server refuses the request (gunicorn: 400), or it hands the app a value that
    # is not an origin (unfolded to white space, or with the CR LF kept): no CORS headers then.
    assert response.values("Access-Control-Allow-Origin") == []
    assert not [name for name in response.names() if name.startswith(b"access-control-")]
    if fold.startswith("preflight"):
        assert response.status in (400, 403)
    else:
        assert response.status in (200, 400)


def test_the_obs_fold_check_catches_a_careless_reflector(server: RunningServer) -> None:
    """The control: the same request to an app that reflects Origin unchecked is caught."""
    response = raw_exchange(server.port, folded_request("origin-space", prefix="/naive"))
    if response.status == 400:
        return  # the server refused the folded line itself: nothing to reflect
    assert response.status == 200
    assert injection_problems(response) != []


# --- streaming, wsgi.file_wrapper ----------------------------------------------------------


def test_a_streamed_body_arrives_chunk_by_chunk(server: RunningServer, work_dir: Path) -> None:
    gate = f"gate-{server.name}-{uuid.uuid4().hex}"
    connection = http.client.HTTPConnection(HOST, server.port, timeout=READ_TIMEOUT)
    try:
        connection.request("GET", stream_path(gate), headers={"Origin": ALLOWED})
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Access-Control-Allow-Origin") == ALLOWED
        assert response.getheader("Vary") == "Origin"
        # The app yields its second chunk only after the gate opens, and the gate opens only
        # once the first chunk is here: it was not buffered anywhere on the way.
        assert response.readline() == b"first\n"
        open_gate(work_dir, gate)
        assert response.read() == b"second after the gate opened\nlast\n"
    finally:
        connection.close()


def test_a_file_wrapper_body_is_passed_through(server: RunningServer) -> None:
    reply = send(server.port, "GET", "/api/file", {"Origin": ALLOWED})
    assert reply.status == 200
    assert reply.body == FILE_BODY
    assert reply.get("X-Same-Body") == "yes"  # the middleware returned the app's very object
    assert reply.all("Access-Control-Allow-Origin") == [ALLOWED]
    assert reply.all("Vary") == ["Origin"]


def _server_file_wrappers() -> Dict[str, Callable[..., Any]]:
    from wsgiref.util import FileWrapper

    from gunicorn.http.wsgi import FileWrapper as GunicornFileWrapper
    from waitress.buffers import ReadOnlyFileBasedBuffer

    return {
        "gunicorn": GunicornFileWrapper,
        "waitress": ReadOnlyFileBasedBuffer,
        "wsgiref": FileWrapper,
    }


@pytest.mark.parametrize("wrapper_name", sorted(_server_file_wrappers()))
@pytest.mark.parametrize("origin", [ALLOWED, WILDCARD_ALLOWED, REFUSED, None])
@pytest.mark.parametrize("intercept_exceptions", [False, True])
@pytest.mark.parametrize("path", ["/api/file", "/uncovered/file"])
def test_the_middleware_returns_the_apps_file_wrapper_itself(
    tmp_path: Path,
    wrapper_name: str,
    origin: Optional[str],
    intercept_exceptions: bool,
    path: str,
) -> None:
    wrapper = _server_file_wrappers()[wrapper_name]
    (tmp_path / FILE_NAME).write_bytes(FILE_BODY)
    middleware = make_middleware(InnerApp(tmp_path), intercept_exceptions=intercept_exceptions)
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "wsgi.file_wrapper": wrapper,
    }
    if origin is not None:
        environ["HTTP_ORIGIN"] = origin
    started: List[Any] = []
    result = middleware(environ, lambda status, headers, exc_info=None: started.append(headers))
    try:
        assert result is environ[RETURNED_KEY]
        assert type(result) is wrapper
        acao = [value for name, value in started[0] if name == "Access-Control-Allow-Origin"]
        allowed = path.startswith("/api/") and origin not in (REFUSED, None)
        assert acao == ([origin] if allowed else [])
    finally:
        result.close()  # type: ignore[attr-defined]
