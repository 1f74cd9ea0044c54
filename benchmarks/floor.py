"""The floor: the cheapest CORS work CPython can do, as a hand-written WSGI shim.

It is what the benchmarks compare every middleware against, not something to deploy. Per
request it does one membership test of the Origin and, for an allowed origin, either answers a
preflight with a precomputed header list plus ``Access-Control-Allow-Origin``, or appends that
header and the precomputed rest to the app's header list. It never validates anything, never
reads ``Access-Control-Request-Method`` or ``-Headers`` beyond checking the first is present,
mutates the app's header list, and adds no ``Vary`` to refused or Origin-less responses.

``allowed`` is any container: a ``frozenset`` for exact origins (one C-level set lookup), or
:class:`SuffixOrigins` / :class:`RegexOrigins` where a set cannot express the policy.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Container, Dict, Iterable, List, Sequence, Tuple

Header = Tuple[str, str]
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
    ) -> None:
        self.app = app
        self.allowed = allowed
        self.actual_tail = tuple(actual_tail)
        self.preflight_headers = tuple(preflight_headers)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN", "")
        if origin not in self.allowed:
            return self.app(environ, start_response)
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
