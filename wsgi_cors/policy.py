"""The immutable, precomputed CORS policy of one resource, and its decisions.

:func:`build_policy` validates options once; a :class:`Policy` then answers
per request with tuples of ``(name, value)`` headers that were rendered at
construction, adding only the request's own (validated) origin or header names.
The middleware, the Flask adapter and the CLI all ask the same two questions:
:meth:`Policy.actual_headers` and :meth:`Policy.preflight`.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Mapping, NamedTuple, Optional, Tuple

from .errors import Problems
from .options import (
    BOOLEAN_OPTIONS,
    check_bool,
    check_header_names,
    check_max_age,
    check_methods,
    check_preflight_status,
)
from .origins import OriginMatcher, build_origin_matcher
from .tokens import (
    MAX_WILDCARD_REQUEST_HEADERS_LENGTH,
    is_token,
    parse_request_headers,
    request_headers_length_limit,
)

logger = logging.getLogger("wsgi_cors")

Header = Tuple[str, str]
Headers = Tuple[Header, ...]

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACAPN = "Access-Control-Allow-Private-Network"

#: ``Vary`` of every preflight answer: it depends on all three request headers.
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


#: Body of a refused preflight: fixed, so it never echoes request data.
REFUSED_PREFLIGHT_BODY = b"CORS preflight refused\n"

#: Most decisions remembered per policy (the memo is emptied when it is full).
MEMO_SIZE = 512
#: Longest request (Origin, method, Access-Control-Request-* values together) whose
#: decision is remembered, so a memo never holds more than MEMO_SIZE of these.
MEMO_MAX_INPUT = 512
#: Longest method reflected under ``methods="*"``; no real method comes close.
MAX_METHOD_LENGTH = 64


class _ActualHeaders(Dict[Optional[str], Headers]):
    """Origin -> the headers of an actual response; a missing origin is decided on lookup."""

    __slots__ = ("_decide",)

    def __init__(self, decide: Callable[[Optional[str]], Headers]) -> None:
        super().__init__()
        self._decide = decide

    def __missing__(self, origin: Optional[str]) -> Headers:
        return self._decide(origin)


class PreflightAnswer(NamedTuple):
    """What to answer a preflight.

    ``headers`` are the CORS headers (for a layer that adds them to a response
    of its own); ``response_headers`` the whole header list of the answer the
    middleware sends itself; ``reason`` names what a refused one refused
    (``origin``, ``method``, ``headers`` or ``private-network``).
    """

    allowed: bool
    headers: Headers
    reason: str
    response_headers: Headers = ()


class Policy:
    """The CORS policy of one resource, with every constant header precomputed."""

    __slots__ = (
        "_acah",
        "_acam",
        "_actual_tail",
        "_any_method_acam",
        "_exact_actual",
        "_memo_limit",
        "_memoize",
        "_no_origin_actual",
        "_preflight_memo",
        "_preflight_tail",
        "_vary_actual",
        "_wildcard_actual",
        "actual_by_origin",
        "allow_private_network",
        "allowed_header_names",
        "any_header",
        "any_method",
        "automatic_options",
        "header_patterns",
        "intercept_exceptions",
        "matcher",
        "methods",
        "preflight_response_tail",
        "preflight_status",
        "preflight_vary_headers",
        "reflect_headers",
        "refused_preflight_headers",
        "request_headers_limit",
        "star_without_origin",
        "supports_credentials",
        "wildcard_origin",
    )

    def __init__(self, options: Mapping[str, Any], problems: Problems, where: str = "") -> None:
        def label(option: str) -> str:
            return where + option

        flags = {name: check_bool(options[name], label(name), problems) for name in BOOLEAN_OPTIONS}
        credentials = flags["supports_credentials"]
        self.supports_credentials = credentials
        self.automatic_options = flags["automatic_options"]
        self.intercept_exceptions = flags["intercept_exceptions"]
        self.allow_private_network = flags["allow_private_network"]

        self.matcher: OriginMatcher = build_origin_matcher(
            options["origins"], problems, label("origins")
        )
        if self.matcher.any_origin and credentials:
            problems.add(
                label("origins"),
                "'*' cannot be combined with supports_credentials=True: browsers reject "
                "'Access-Control-Allow-Origin: *' with credentials, and reflecting every origin "
                "would let any site act as the user. List the trusted origins "
                "(origins=['https://app.example.com']), or pass a predicate "
                "(origins=lambda origin: ...) if you really mean to decide for any origin",
            )
        if (
            "null" in self.matcher.exact
            and credentials
            and not flags["allow_null_with_credentials"]
        ):
            problems.add(
                label("origins"),
                "'null' together with supports_credentials=True lets any site read responses "
                "with the user's cookies: every page can send 'Origin: null' from a sandboxed "
                "iframe. Remove 'null', or pass allow_null_with_credentials=True if you accept "
                "that",
            )
        #: ``ACAO: *`` for every request, whatever its Origin (no credentials).
        self.wildcard_origin = self.matcher.any_origin and flags["send_wildcard"]
        #: ``origins="*"`` reflecting: a request without Origin still gets ``*``.
        self.star_without_origin = (
            self.matcher.any_origin and not self.wildcard_origin and flags["always_send"]
        )
        vary = flags["vary_header"]

        any_method, methods = check_methods(options["methods"], label("methods"), problems)
        self.any_method = any_method
        self.methods = frozenset(methods)
        #: ``Access-Control-Allow-Methods`` listing the configured methods.
        self._acam: Header = (ACAM, ", ".join(methods))
        #: With ``methods="*"``: the constant ``*`` answer, or None to reflect (credentials).
        self._any_method_acam: Optional[Header] = None if credentials else (ACAM, "*")

        header_wildcard, header_names, header_patterns = check_header_names(
            options["allow_headers"], label("allow_headers"), problems, allow_patterns=True
        )
        self.any_header = header_wildcard
        self.allowed_header_names = frozenset(name.lower() for name in header_names)
        self.header_patterns = header_patterns
        self.reflect_headers = header_wildcard or bool(header_patterns)
        self.request_headers_limit = (
            MAX_WILDCARD_REQUEST_HEADERS_LENGTH
            if self.reflect_headers
            else request_headers_length_limit(header_names)
        )
        self._acah: Optional[Header] = (
            (ACAH, ", ".join(header_names)) if header_names and not self.reflect_headers else None
        )

        expose_wildcard, expose_names, _ = check_header_names(
            options["expose_headers"], label("expose_headers"), problems, allow_patterns=False
        )
        if expose_wildcard and credentials:
            problems.add(
                label("expose_headers"),
                "'*' exposes nothing on credentialed requests (browsers read it as a header "
                "named '*'); list the response headers to expose",
            )
        expose: Optional[Header] = None
        if expose_wildcard:
            expose = (ACEH, "*")
        elif expose_names:
            expose = (ACEH, ", ".join(expose_names))

        max_age = check_max_age(options["max_age"], label("max_age"), problems)
        self.preflight_status = check_preflight_status(
            options["preflight_status"], label("preflight_status"), problems
        )
        vary_header: Headers = (("Vary", PREFLIGHT_VARY),) if vary else ()
        #: The ``Vary`` header added to a preflight answer, if any.
        self.preflight_vary_headers = vary_header
        #: Appended to an allowed preflight answered by the middleware.
        self.preflight_response_tail: Headers = vary_header + (
            ()
            if self.preflight_status.startswith("204")
            else (("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "0"))
        )
        #: The whole header list of a refused preflight: no CORS headers at all.
        self.refused_preflight_headers: Headers = (
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(REFUSED_PREFLIGHT_BODY))),
            *vary_header,
        )

        credentials_header: Headers = ((ACAC, "true"),) if credentials else ()
        self._actual_tail: Headers = credentials_header + ((expose,) if expose else ())
        self._wildcard_actual: Headers = ((ACAO, "*"), *self._actual_tail)
        self._preflight_tail: Headers = credentials_header + (
            ((ACMA, max_age),) if max_age is not None else ()
        )
        # What actual_headers returns, rendered now: the CORS headers, then Vary (an answer
        # that depends on Origin varies on it, allowed, refused or without an Origin alike).
        self._vary_actual: Headers = (
            (("Vary", "Origin"),) if vary and not self.wildcard_origin else ()
        )
        self._no_origin_actual: Headers = (
            self._wildcard_actual
            if self.wildcard_origin
            else (self._wildcard_actual if self.star_without_origin else ()) + self._vary_actual
        )
        #: Allowed origin -> its headers: every exact origin now, others as they are seen.
        self._exact_actual: Dict[Optional[str], Headers] = {
            origin: self._allowed_actual(origin) for origin in self.matcher.exact
        }
        self._exact_actual[None] = self._no_origin_actual
        #: ``actual_by_origin[origin]`` is :meth:`actual_headers`: exact origins and
        #: no origin are rendered now, others decided (and remembered) when first seen.
        self.actual_by_origin: _ActualHeaders = _ActualHeaders(self._decide_actual)
        self.actual_by_origin.update(self._exact_actual)
        self._memo_limit = len(self._exact_actual) + MEMO_SIZE
        #: Remember decisions only if they cannot change: no origin predicates.
        self._memoize = not self.matcher.predicates
        #: (origin, method, request headers, private network) -> an allowed answer.
        self._preflight_memo: Dict[
            Tuple[str, str, Optional[str], Optional[str]], PreflightAnswer
        ] = {}

    def _allowed_actual(self, origin: str) -> Headers:
        return ((ACAO, origin), *self._actual_tail, *self._vary_actual)

    def actual_headers(self, origin: Optional[str]) -> Headers:
        """The headers to add to a non-preflight response to a request with this ``Origin``.

        The CORS headers, then the ``Vary`` header (if the policy varies) whose
        tokens are to be merged into the app's own ``Vary``. Exact origins were
        rendered at construction; an origin allowed by a wildcard or a regex is
        rendered once and remembered (never one allowed by a predicate).
        """
        return self.actual_by_origin[origin]

    def _decide_actual(self, origin: Optional[str]) -> Headers:
        """:meth:`actual_headers` for an origin not rendered yet."""
        if self.wildcard_origin:
            return self._wildcard_actual
        if origin is None:
            return self._no_origin_actual
        if self.matcher.allows(origin):
            headers = self._allowed_actual(origin)
            if self._memoize and len(origin) <= MEMO_MAX_INPUT:
                memo = self.actual_by_origin
                if len(memo) >= self._memo_limit:
                    memo.clear()  # forget the remembered ones, keep the exact origins
                    memo.update(self._exact_actual)
                memo[origin] = headers
            return headers
        logger.debug("CORS request refused: origin %r is not allowed", origin)
        return self._vary_actual

    def preflight(
        self,
        origin: str,
        request_method: str,
        request_headers: Optional[str],
        request_private_network: Optional[str],
    ) -> PreflightAnswer:
        """Decide a preflight from its ``Origin`` and ``Access-Control-Request-*`` headers.

        An allowed answer is remembered (when its inputs are short and no
        predicate decides origins), so a browser's repeated preflight costs one
        dictionary lookup.
        """
        memoize = (
            self._memoize
            and len(origin)
            + len(request_method)
            + len(request_headers or "")
            + len(request_private_network or "")
            <= MEMO_MAX_INPUT
        )
        if memoize:
            key = (origin, request_method, request_headers, request_private_network)
            remembered = self._preflight_memo.get(key)
            if remembered is not None:
                return remembered
        answer = self._decide_preflight(
            origin, request_method, request_headers, request_private_network
        )
        if memoize and answer.allowed:
            memo = self._preflight_memo
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            memo[key] = answer
        return answer

    def _decide_preflight(
        self,
        origin: str,
        request_method: str,
        request_headers: Optional[str],
        request_private_network: Optional[str],
    ) -> PreflightAnswer:
        if self.wildcard_origin:
            acao: Header = (ACAO, "*")
        elif self.matcher.allows(origin):
            acao = (ACAO, origin)
        else:
            return _refuse("origin", "origin %.200r is not allowed", origin)

        if self.any_method:
            if len(request_method) > MAX_METHOD_LENGTH or not is_token(request_method):
                return _refuse("method", "method %.200r is not a method name", request_method)
            acam = self._any_method_acam or (ACAM, request_method)
        elif request_method in self.methods:
            acam = self._acam
        else:
            return _refuse(
                "method",
                "method %.200r is not allowed (methods are compared case-sensitively)",
                request_method,
            )

        acah = self._acah
        if request_headers:
            names = parse_request_headers(request_headers, self.request_headers_limit)
            if names is None:
                return _refuse(
                    "headers",
                    "Access-Control-Request-Headers %.200r is malformed or too long",
                    request_headers,
                )
            if self.reflect_headers:
                for name in names:
                    if not self._header_allowed(name):
                        return _refuse("headers", "request header %r is not allowed", name)
                if names:
                    acah = (ACAH, ", ".join(names))
            else:
                for name in names:
                    if name not in self.allowed_header_names:
                        return _refuse("headers", "request header %r is not allowed", name)

        headers: Headers = (acao, acam)
        if acah is not None:
            headers += (acah,)
        if request_private_network is not None and request_private_network.lower() == "true":
            if not self.allow_private_network:
                return _refuse(
                    "private-network",
                    "private network access was requested but allow_private_network is False",
                )
            headers += ((ACAPN, "true"),)
        headers += self._preflight_tail
        return PreflightAnswer(True, headers, "", headers + self.preflight_response_tail)

    def _header_allowed(self, name: str) -> bool:
        if self.any_header:
            return True
        if name in self.allowed_header_names:
            return True
        return any(pattern.fullmatch(name) for pattern in self.header_patterns)


#: The refusals, one per reason, built once.
_REFUSALS = {
    reason: PreflightAnswer(False, (), reason)
    for reason in ("origin", "method", "headers", "private-network")
}


def _refuse(reason: str, message: str, *args: object) -> PreflightAnswer:
    """The refusal for ``reason`` (what was refused: origin, method, headers, private-network).

    The log message is formatted only if DEBUG is on, and request values in it
    are ``repr``-escaped and cut to 200 characters.
    """
    logger.debug("CORS preflight refused: " + message, *args)
    return _REFUSALS[reason]
