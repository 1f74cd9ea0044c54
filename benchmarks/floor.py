"""The floor: the cheapest CORS work CPython can do, as a hand-written WSGI shim.

It is what the benchmarks compare every middleware against, not something to deploy. What it
does per request:

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
"""

from __future__ import annotations

import re
from typing import Any, Callable, Container, Dict, Iterable, List, Sequence, Tuple

Header = Tuple[str, str]
VARY_ORIGIN: Header = ("Vary", "Origin")
Environ = Dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


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
