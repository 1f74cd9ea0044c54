"""The apps the load test serves: bare and wrapped, for WSGI (gunicorn) and ASGI (uvicorn).

All of them answer every request with the same trivial response; the wrapped ones add the
benchmark policy of ``scenarios.py``. ``load_test.py`` serves them as ``gunicorn --chdir
benchmarks load_app:bare`` and ``load_app:wrapped`` (``CORSMiddleware``), or ``uvicorn
--app-dir benchmarks load_app:asgi_bare`` and ``load_app:asgi_wrapped``
(``wsgi_cors.asgi.CORSMiddleware``).

The references ``load_test.py --reference`` can put in the bare app's place:
``bare_cors_headers`` and ``asgi_bare_cors_headers`` answer with the very headers the wrapped app
adds to a GET from the allowed Origin, precomputed and written into their own response (what
the server spends writing those headers, without any CORS work); ``floor`` and ``asgi_floor``
are the trivial apps behind the floor shims of ``floor.py``.
"""

from __future__ import annotations

from typing import Any, List, MutableMapping, Tuple

from floor import ASGIFloorCORS, FloorCORS, bytes_origins
from harness import ASGIApp, Environ, StartResponse, WSGIApp
from scenarios import ALLOWED_ORIGIN, ALLOWED_ORIGINS, OriginPolicy
from stacks import (
    asgi_floor_headers,
    floor_allowed,
    floor_headers,
    trivial_app,
    trivial_asgi_app,
    wsgi_cors_options,
)

from wsgi_cors import CORSMiddleware
from wsgi_cors.asgi import CORSMiddleware as ASGICORSMiddleware

_POLICY = OriginPolicy("exact", exact=ALLOWED_ORIGINS)
_OPTIONS = wsgi_cors_options(_POLICY)

bare: WSGIApp = trivial_app
wrapped: WSGIApp = CORSMiddleware(trivial_app, **_OPTIONS)

asgi_bare: ASGIApp = trivial_asgi_app
asgi_wrapped: ASGIApp = ASGICORSMiddleware(trivial_asgi_app, **_OPTIONS)

_WSGI_ADDED: List[Tuple[str, str]] = list(
    wrapped.resources.only_policy.actual_by_origin[ALLOWED_ORIGIN]  # type: ignore[union-attr]
)
_ASGI_ADDED: List[Tuple[bytes, bytes]] = list(
    asgi_wrapped.resources.only_policy.actual_by_origin[ALLOWED_ORIGIN]  # type: ignore[union-attr]
)


def bare_cors_headers(environ: Environ, start_response: StartResponse) -> List[bytes]:
    """:func:`stacks.trivial_app` with the wrapped app's CORS headers for an allowed GET."""
    start_response(
        "200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2"), *_WSGI_ADDED]
    )
    return [b"ok"]


async def asgi_bare_cors_headers(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    """:func:`stacks.trivial_asgi_app` with the wrapped app's CORS headers for an allowed GET."""
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2"), *_ASGI_ADDED],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


floor: WSGIApp = FloorCORS(trivial_app, floor_allowed(_POLICY), *floor_headers())
asgi_floor: ASGIApp = ASGIFloorCORS(
    trivial_asgi_app, bytes_origins(floor_allowed(_POLICY)), *asgi_floor_headers()
)
