"""The floors: the cheapest CORS work CPython can do, as hand-written WSGI and ASGI shims.

They are what the benchmarks compare every middleware against, not something to deploy. What the
WSGI one, :class:`FloorCORS`, does per request:

- one membership test of the Origin (``""`` when the request has none) in ``allowed``;
- allowed Origin, ``OPTIONS`` with ``Access-Control-Request-Method``: answers ``204`` itself
  with the precomputed preflight headers plus ``Access-Control-Allow-Origin``, without calling
  the app;
- allowed Origin, anything else: calls the app and appends ``Access-Control-Allow-Origin`` and
  the precomputed actual-response headers to the header list the app gives ``start_response``;
- refused Origin, or no Origin: calls the app and appends ``Vary: Origin`` to its header list.
  The answer would have carried CORS headers for another Origin, so a shared cache must not
  hand this response to that Origin (the Fetch standard's rule), which is what a correct
  middleware with an origin-dependent policy must add too. ``origin_dependent=False`` is for a
  policy that answers every Origin alike (a constant ``*``): the app then gets the caller's
  ``start_response`` untouched. Every scenario of this suite is origin-dependent.

The ``Vary: Origin`` of allowed responses is part of the precomputed lists the caller passes
(``stacks.floor_headers`` puts it in both); the floor adds nothing else of its own.

What it leaves out, and a real middleware cannot: it validates nothing (neither its
configuration nor the request), reads ``Access-Control-Request-Method`` only to see that it is
present and never reads ``Access-Control-Request-Headers``, so it grants every preflight from
an allowed origin whatever it asks for; it never merges with a ``Vary`` the app already sent
(it appends a second line); it mutates the app's header list in place; and it logs nothing.

``allowed`` is any container: a ``frozenset`` for exact origins (one C-level set lookup), or
:class:`SuffixOrigins` / :class:`RegexOrigins` where a set cannot express the policy.

:class:`ASGIFloorCORS` does the same work for an ASGI 3 app, in ASGI's terms:

- a scope whose ``type`` is not ``"http"`` (``lifespan``, ``websocket``) goes to the app as it is;
- the Origin is the value of the first ``origin`` line of ``scope["headers"]``, kept as bytes
  (``b""`` when there is none), found by a plain loop that stops at it; the membership test is
  against a container of ``bytes`` origins (:func:`bytes_origins` wraps a ``str`` one), so no
  decoding happens;
- allowed Origin, ``method`` ``OPTIONS`` and an ``access-control-request-method`` line (a second
  loop, run only then): it sends ``http.response.start`` with ``204`` and the precomputed
  preflight headers plus ``access-control-allow-origin``, and an empty ``http.response.body``,
  without calling the app;
- allowed Origin, anything else: calls the app with a wrapped ``send`` that appends
  ``access-control-allow-origin`` and the precomputed actual-response headers to the header
  list of ``http.response.start``; refused or absent Origin: the wrapped ``send`` appends
  ``vary: origin`` there (``origin_dependent=False`` passes the caller's ``send`` instead).
  Every other message goes through as it is.

Its messages are new dicts with new header lists each time (a server or an outer middleware may
change a message, as Starlette's ``GZipMiddleware`` does), and it reads the app's ``headers``
as a list and mutates it in place, like the WSGI floor. It leaves out what the WSGI floor leaves
out, and also: it does not join repeated ``origin`` lines, does not look at ``root_path`` or
the path, and has no ``intercept_exceptions``-style error answer.
"""

from __future__ import annotations

import re
from typing import (
    Any,
    Awaitable,
    Callable,
    Container,
    Dict,
    Iterable,
    List,
    MutableMapping,
    Sequence,
    Tuple,
)

Header = Tuple[str, str]
VARY_ORIGIN: Header = ("Vary", "Origin")
Environ = Dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
BytesHeader = Tuple[bytes, bytes]
ASGI_VARY_ORIGIN: BytesHeader = (b"vary", b"origin")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SuffixOrigins:
    """Origins of one scheme below one domain: the cheapest wildcard-subdomain test."""

    __slots__ = ("prefix", "suffix")

    def __init__(self, scheme: str, domain: str) -> None:
        self.prefix = scheme + "://"
        self.suffix = "." + domain

    def __contains__(self, origin: object) -> bool:
        return (
            isinstance(origin, str)
            and origin.endswith(self.suffix)
            and origin.startswith(self.prefix)
        )


class RegexOrigins:
    """Origins matching any of several patterns, combined into one compiled alternation."""

    __slots__ = ("pattern",)

    def __init__(self, patterns: Sequence[str]) -> None:
        self.pattern = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))

    def __contains__(self, origin: object) -> bool:
        return isinstance(origin, str) and self.pattern.fullmatch(origin) is not None


class FloorCORS:
    """A set lookup and a header append; see the module docstring for what it leaves out."""

    def __init__(
        self,
        app: WSGIApp,
        allowed: Container[str],
        actual_tail: Sequence[Header],
        preflight_headers: Sequence[Header],
        origin_dependent: bool = True,
    ) -> None:
        self.app = app
        self.allowed = allowed
        self.actual_tail = tuple(actual_tail)
        self.preflight_headers = tuple(preflight_headers)
        self.origin_dependent = origin_dependent

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN", "")
        if origin not in self.allowed:
            if not self.origin_dependent:
                return self.app(environ, start_response)

            def add_vary(status: str, headers: List[Header], exc_info: Any = None) -> Any:
                headers.append(VARY_ORIGIN)
                return start_response(status, headers, exc_info)

            return self.app(environ, add_vary)
        acao = ("Access-Control-Allow-Origin", origin)
        if environ["REQUEST_METHOD"] == "OPTIONS" and (
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        ):
            start_response("204 No Content", [*self.preflight_headers, acao])
            return []
        tail = self.actual_tail

        def add_cors(status: str, headers: List[Header], exc_info: Any = None) -> Any:
            headers.append(acao)
            headers.extend(tail)
            return start_response(status, headers, exc_info)

        return self.app(environ, add_cors)


class BytesOrigins:
    """A ``str`` origin container seen through ``bytes`` (latin-1), for :class:`ASGIFloorCORS`.

    Only :class:`SuffixOrigins` and :class:`RegexOrigins` need it; exact origins are given to
    the ASGI floor as a ``frozenset`` of ``bytes`` (see :func:`bytes_origins`).
    """

    __slots__ = ("origins",)

    def __init__(self, origins: Container[str]) -> None:
        self.origins = origins

    def __contains__(self, origin: object) -> bool:
        return isinstance(origin, bytes) and origin.decode("latin-1") in self.origins


def bytes_origins(allowed: Container[str]) -> Container[bytes]:
    """``allowed`` for the ASGI floor: a ``frozenset`` of ``bytes``, or a decoding wrapper."""
    if isinstance(allowed, frozenset):
        return frozenset(origin.encode("latin-1") for origin in allowed)
    return BytesOrigins(allowed)


class ASGIFloorCORS:
    """The ASGI floor: a set lookup and a header append; see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        allowed: Container[bytes],
        actual_tail: Sequence[BytesHeader],
        preflight_headers: Sequence[BytesHeader],
        origin_dependent: bool = True,
    ) -> None:
        self.app = app
        self.allowed = allowed
        self.actual_tail = tuple(actual_tail)
        self.preflight_headers = tuple(preflight_headers)
        self.origin_dependent = origin_dependent

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        origin = b""
        for name, value in headers:
            if name == b"origin":
                origin = value
                break
        if origin not in self.allowed:
            if not self.origin_dependent:
                await self.app(scope, receive, send)
                return

            async def add_vary(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"].append(ASGI_VARY_ORIGIN)
                await send(message)

            await self.app(scope, receive, add_vary)
            return
        acao = (b"access-control-allow-origin", origin)
        if scope["method"] == "OPTIONS":
            for name, _ in headers:
                if name == b"access-control-request-method":
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 204,
                            "headers": [*self.preflight_headers, acao],
                        }
                    )
                    await send({"type": "http.response.body", "body": b""})
                    return
        tail = self.actual_tail

        async def add_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                app_headers = message["headers"]
                app_headers.append(acao)
                app_headers.extend(tail)
            await send(message)

        await self.app(scope, receive, add_cors)
