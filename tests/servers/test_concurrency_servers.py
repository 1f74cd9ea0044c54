"""Concurrency on the memoized paths, in process and under a threaded gunicorn worker.

``tests/wsgi/test_concurrency.py`` covers exact origins shared by a few threads. Here the decisions
that are remembered at run time are hammered: origins allowed by a wildcard or a regex (the
per-policy ``actual_by_origin`` memo) and allowed preflights (the preflight memo). Both are
bounded and emptied when full, so thousands of distinct origins from many threads go through
the clearing again and again while other threads read and fill them; every response must still
carry its own request's origin and headers, and nothing of another request's.
"""

from __future__ import annotations

import http.client
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple

import pytest

from wsgi_cors import CORSMiddleware
from wsgi_cors.core.policy import MEMO_SIZE

from conformance.expected import PREFLIGHT_VARY
from servers.harness import HOST, run_server
from servers.server_apps import ALLOWED, ITEMS_BODY, REFUSED

pytestmark = pytest.mark.servers

Header = Tuple[str, str]

# --- in process ---------------------------------------------------------------------------

THREADS = 16
ROUNDS = 160
APP_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", "2")]
EXACT = "https://app.example.com"
EXPOSE = {"/api/x": "X-Api", "/v2/x": "X-V2"}


def plain_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", list(APP_HEADERS))
    return [b"ok"]


def build_middleware() -> CORSMiddleware:
    """Two policies (two pairs of memos), each with an exact origin, a wildcard and a regex."""
    return CORSMiddleware(
        plain_app,
        origins=[EXACT, "https://*.example.com", re.compile(r"https://[a-z0-9-]+\.example\.io")],
        supports_credentials=True,
        methods=["GET", "PUT"],
        allow_headers="*",
        resources={
            "/api/*": {"expose_headers": ["X-Api"]},
            "/v2/*": {"expose_headers": ["X-V2"]},
        },
    )


class Call:
    """One in-process request and what the middleware started."""

    def __init__(self, middleware: CORSMiddleware, environ: Dict[str, Any]) -> None:
        self.started: List[Tuple[str, List[Header]]] = []
        body = middleware(environ, self._start_response)
        self.body = b"".join(body)
        self.status, self.headers = self.started[0]

    def _start_response(self, status: str, headers: List[Header], exc_info: Any = None) -> Any:
        self.started.append((status, headers))
        return None

    def values(self, name: str) -> List[str]:
        return [value for key, value in self.headers if key == name]


def actual(path: str, origin: Optional[str]) -> Dict[str, Any]:
    environ: Dict[str, Any] = {"REQUEST_METHOD": "GET", "PATH_INFO": path}
    if origin is not None:
        environ["HTTP_ORIGIN"] = origin
    return environ


def preflight(path: str, origin: str, method: str, headers: str) -> Dict[str, Any]:
    return {
        "REQUEST_METHOD": "OPTIONS",
        "PATH_INFO": path,
        "HTTP_ORIGIN": origin,
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": method,
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": headers,
    }


def check_actual(call: Call, path: str, origin: Optional[str], allowed: bool) -> List[str]:
    """What is wrong with an actual response: the whole header list is predictable."""
    cors: List[Header] = []
    if allowed:
        assert origin is not None
        cors = [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Expose-Headers", EXPOSE[path]),
        ]
    expected = [*APP_HEADERS, *cors, ("Vary", "Origin")]
    if call.status != "200 OK" or call.headers != expected or call.body != b"ok":
        return [f"GET {path} from {origin!r}: {call.status} {call.headers}"]
    return []


def check_preflight(call: Call, origin: str, headers: Optional[str]) -> List[str]:
    """``headers`` is the expected Access-Control-Allow-Headers, or None for a refusal."""
    if headers is None:
        ok = call.status == "403 Forbidden" and not [
            name for name, _ in call.headers if name.startswith("Access-Control-")
        ]
    else:
        ok = (
            call.status == "204 No Content"
            and call.values("Access-Control-Allow-Origin") == [origin]
            and call.values("Access-Control-Allow-Headers") == [headers]
            and call.values("Access-Control-Allow-Methods") == ["GET, PUT"]
            and call.values("Access-Control-Allow-Credentials") == ["true"]
            and call.values("Vary") == [PREFLIGHT_VARY]
        )
    return [] if ok else [f"preflight from {origin!r}: {call.status} {call.headers}"]


def hammer(middleware: CORSMiddleware, thread: int) -> List[str]:
    """One thread's requests: memoized origins (each asked twice), refusals, exact, none."""
    problems: List[str] = []
    for round_number in range(ROUNDS):
        n = round_number // 2  # every distinct origin comes twice: once decided, once remembered
        path = "/api/x" if (thread + n) % 2 else "/v2/x"
        wildcard = f"https://t{thread}-{n}.example.com"
        regex = f"https://r{thread}-{n}.example.io"
        for origin, allowed in (
            (wildcard, True),
            (regex, True),
            (f"{wildcard}.evil.net", False),
            (f"https://T{thread}-{n}.example.com", False),  # not a serialised origin
            ("https://example.com", False),  # the wildcard never covers the apex
            (EXACT, True),
            (None, False),
        ):
            call = Call(middleware, actual(path, origin))
            problems += check_actual(call, path, origin, allowed)
        # Preflights: the names asked for are this thread's own, and must come back as such.
        asked = f"x-t{thread}-{n}, content-type"
        for origin, method, headers, answer in (
            (f"https://p{thread}-{n}.example.com", "PUT", asked, asked),
            (regex, "PUT", asked, asked),
            (wildcard, "PATCH", asked, None),
            (f"{wildcard}.evil.net", "PUT", asked, None),
            (REFUSED, "GET", "", None),
        ):
            call = Call(middleware, preflight(path, origin, method, headers))
            problems += check_preflight(call, origin, answer)
    return problems


@pytest.fixture
def fast_thread_switches() -> Iterator[None]:
    """Switch threads every 10 µs instead of 5 ms, so memo reads, fills and clears interleave."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


@pytest.mark.usefixtures("fast_thread_switches")
def test_memoized_origins_and_preflights_never_cross_talk_across_threads() -> None:
    middleware = build_middleware()
    start = threading.Barrier(THREADS)

    def worker(thread: int) -> List[str]:
        start.wait()
        return hammer(middleware, thread)

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS), timeout=120))
    problems = [problem for result in results for problem in result]
    assert problems[:10] == []

    # Far more distinct allowed origins than a memo holds: every memo was emptied many times.
    # (per thread: ROUNDS // 2 values of n, half of them on each path, two origins each)
    distinct_per_policy = THREADS * (ROUNDS // 2) // 2 * 2
    assert distinct_per_policy > 2 * MEMO_SIZE
    for path in EXPOSE:
        policy = middleware.resources.select(path)
        assert policy is not None
        # Bounded (a fill that raced a clear may add one entry per thread) ...
        assert len(policy.actual_by_origin) <= 2 + MEMO_SIZE + THREADS
        assert len(policy._preflight_memo) <= MEMO_SIZE + THREADS
        # ... and the exact origin and the no-origin answer survive every clearing.
        assert dict.__contains__(policy.actual_by_origin, EXACT)
        assert dict.__contains__(policy.actual_by_origin, None)


# --- gunicorn gthread ---------------------------------------------------------------------

CLIENTS = 16
REQUESTS_PER_CLIENT = 200
#: Bounds: one request, and the whole run (a stuck run fails instead of hanging).
REQUEST_TIMEOUT = 10.0
RUN_DEADLINE = 120.0

Request = Tuple[str, str, Dict[str, str], Optional[str]]


def client_request(client: int, index: int) -> Request:
    """(method, path, headers, origin the response must allow or None) for one request."""
    kind = index % 6
    wildcard = f"https://c{client}-{index}.example.org"  # distinct: fills the server's memos
    if kind == 0:
        return "GET", "/api/items", {"Origin": ALLOWED}, ALLOWED
    if kind in (1, 3):
        return "GET", "/api/items", {"Origin": wildcard}, wildcard
    if kind == 2:
        origin = REFUSED if index % 12 == 2 else f"{wildcard}.evil.net"
        return "GET", "/api/items", {"Origin": origin}, None
    method = "PUT" if kind == 4 else ("PATCH" if index % 12 == 5 else "PUT")
    origin = wildcard if kind == 4 or index % 12 == 5 else f"{wildcard}.evil.net"
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    return "OPTIONS", "/api/items", headers, origin if kind == 4 else None


def check_reply(request: Request, status: int, headers: List[Header], body: bytes) -> List[str]:
    method, _, sent, allowed = request

    def values(name: str) -> List[str]:
        return [value for key, value in headers if key.lower() == name.lower()]

    problems = []
    acao = values("Access-Control-Allow-Origin")
    if status >= 500:
        problems.append(f"{status}")
    if allowed is not None and acao != [allowed]:
        problems.append(f"ACAO {acao} for allowed {allowed}")
    if allowed is None and acao:
        problems.append(f"ACAO {acao} for refused {sent['Origin']}")
    if values("Access-Control-Allow-Credentials") != (["true"] if allowed else []):
        problems.append("credentials header wrong")
    if method == "GET" and (status != 200 or body != ITEMS_BODY):
        problems.append(f"GET answered {status} {body[:60]!r}")
    if method == "OPTIONS" and status != (204 if allowed else 403):
        problems.append(f"preflight answered {status}")
    return [f"{method} {sent['Origin']}: {problem}" for problem in problems]


def run_client(port: int, client: int, deadline: float, threads_seen: Set[str]) -> List[str]:
    """One keep-alive connection's worth of requests; a dropped connection is an error."""
    problems: List[str] = []
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        for index in range(REQUESTS_PER_CLIENT):
            if time.monotonic() > deadline:
                problems.append(f"client {client}: deadline passed at request {index}")
                break
            request = client_request(client, index)
            method, path, headers, _ = request
            try:
                connection.request(method, path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                problems.append(f"client {client} request {index}: {error!r}")
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
                continue
            reply_headers = response.getheaders()
            problems += check_reply(request, response.status, reply_headers, body)
            threads_seen.update(value for key, value in reply_headers if key == "X-Thread")
    finally:
        connection.close()
    return problems


def test_a_gthread_worker_under_load_never_mixes_origins(tmp_path: Path) -> None:
    gthread = ["--worker-class", "gthread", "--threads", "8", "--keep-alive", "30"]
    with run_server(
        "gunicorn", "servers.server_apps:make_app", {"work_dir": str(tmp_path)}, tmp_path, gthread
    ) as server:
        deadline = time.monotonic() + RUN_DEADLINE
        threads_seen: Set[str] = set()
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [
                pool.submit(run_client, server.port, client, deadline, threads_seen)
                for client in range(CLIENTS)
            ]
            problems = [problem for future in futures for problem in future.result()]
        output = server.output()
    assert problems[:10] == []
    assert len(problems) == 0
    # The requests were spread over the worker's threads, which share one middleware.
    assert len(threads_seen) > 1
    assert "Traceback" not in output
    assert "[ERROR]" not in output
