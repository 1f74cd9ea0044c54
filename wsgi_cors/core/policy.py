"""The precomputed CORS policy of one resource, and its decisions.

A :class:`Policy` is built from a resource's :class:`~wsgi_cors.CORSConfig`
and the codec of the shell that uses it: every constant header is rendered
once, in that shell's form. Per request it answers two questions from a few
request values, never from an environ or a scope:

* :meth:`Policy.actual_headers`: what to add to a response to a request with
  this ``Origin`` (a dict lookup; ``actual_by_origin[origin]`` is the same);
* :meth:`Policy.preflight`: the answer to a preflight, decided by the Fetch
  standard's steps in order: origin, method, request headers, private network.

Both take request values as ``str`` (WSGI) or as the ``bytes`` of an ASGI scope
(:data:`~wsgi_cors.core.codec.RequestText`); ``bytes`` are decoded as latin-1 only
when a decision is not remembered yet.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Dict, Generic, Optional, Tuple, cast

from .codec import HeaderCodec, HeaderT, RequestText, StatusT
from .config import CORSConfig
from .http import (
    ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
    ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_MAX_AGE,
    CONTENT_LENGTH,
    CONTENT_TYPE,
    MAX_METHOD_LENGTH,
    MAX_WILDCARD_REQUEST_HEADERS_LENGTH,
    ORIGIN,
    PREFLIGHT_VARY,
    VARY,
    is_token,
    parse_request_headers,
    request_headers_length_limit,
)
from .memo import BoundedMemo
from .origins import OriginMatcher

logger = logging.getLogger("wsgi_cors")

#: Body of a refused preflight: fixed, so it never echoes request data.
REFUSED_PREFLIGHT_BODY = b"CORS preflight refused\n"
#: Most decisions remembered per policy and memo (then the memo starts over).
MEMO_SIZE = 512
#: Longest request (Origin, method, Access-Control-Request-* values together) whose
#: decision is remembered, so a memo never holds more than MEMO_SIZE of these.
MEMO_MAX_INPUT = 512

#: What a refused preflight refused, in the order the steps run.
REFUSAL_REASONS = ("origin", "method", "headers", "private-network")

PreflightKey = Tuple[RequestText, RequestText, Optional[RequestText], Optional[RequestText]]


def _text(value: RequestText) -> str:
    """A request value as ``str``: ``bytes`` (from an ASGI scope) are decoded as latin-1."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


@dataclass(frozen=True)
class PreflightAnswer(Generic[HeaderT, StatusT]):
    """What to answer a preflight.

    ``headers`` are what a layer adds to a response of its own (the CORS
    headers, then the preflight ``Vary``); ``status``, ``response_headers`` and
    ``body`` make the whole answer a shell sends itself. ``reason`` names what a
    refused one refused (one of :data:`REFUSAL_REASONS`).
    """

    __slots__ = ("allowed", "body", "headers", "reason", "response_headers", "status")

    allowed: bool
    reason: str
    headers: Tuple[HeaderT, ...]
    status: StatusT
    response_headers: Tuple[HeaderT, ...]
    body: bytes


class Policy(Generic[HeaderT, StatusT]):
    """The CORS policy of one resource, every constant header rendered for one shell."""

    __slots__ = (
        "_acah",
        "_acam",
        "_actual_tail",
        "_any_method_acam",
        "_exact_allow_origin",
        "_header",
        "_memoize",
        "_preflight_memo",
        "_preflight_tail",
        "_preflight_vary",
        "_refusals",
        "_shell_preflight_tail",
        "_vary_actual",
        "_wildcard_actual",
        "actual_by_origin",
        "allow_private_network",
        "allowed_header_names",
        "any_header",
        "any_method",
        "automatic_options",
        "config",
        "header_patterns",
        "intercept_exceptions",
        "lenient",
        "matcher",
        "methods",
        "preflight_status",
        "reflect_headers",
        "request_headers_limit",
        "wildcard_origin",
    )

    def __init__(self, config: CORSConfig, codec: HeaderCodec[HeaderT, StatusT]) -> None:
        header = self._header = codec.header
        self.config = config
        self.automatic_options = config.automatic_options
        self.intercept_exceptions = config.intercept_exceptions
        self.allow_private_network = config.allow_private_network
        self._render_origin_headers(config, codec)
        self._render_method_headers(config)
        self._render_request_header_headers(config)
        self.preflight_status: StatusT = codec.status(config.preflight_status)
        preflight_vary = (header(VARY, PREFLIGHT_VARY),) if config.vary_header else ()
        self._preflight_vary = preflight_vary
        credentials = (
            (header(ACCESS_CONTROL_ALLOW_CREDENTIALS, "true"),)
            if config.supports_credentials
            else ()
        )
        max_age = config.max_age
        self._preflight_tail = credentials + (
            (header(ACCESS_CONTROL_MAX_AGE, str(max_age)),) if max_age is not None else ()
        )
        #: Appended to an allowed preflight answered by the shell.
        self._shell_preflight_tail = preflight_vary + (
            ()
            if config.preflight_status == 204
            else (header(CONTENT_TYPE, "text/plain; charset=utf-8"), header(CONTENT_LENGTH, "0"))
        )
        #: Answer what is allowed instead of refusing (``lenient_preflights``).
        self.lenient = config.lenient_preflights
        if self.lenient:
            # A refusal looks like an answer that allows nothing: the preflight status, Vary.
            refused_status = self.preflight_status
            refused_headers = self._shell_preflight_tail
            refused_body = b""
        else:
            refused_status = codec.status(403)
            refused_headers = (
                header(CONTENT_TYPE, "text/plain; charset=utf-8"),
                header(CONTENT_LENGTH, str(len(REFUSED_PREFLIGHT_BODY))),
                *preflight_vary,
            )
            refused_body = REFUSED_PREFLIGHT_BODY
        self._refusals: Dict[str, PreflightAnswer[HeaderT, StatusT]] = {
            reason: PreflightAnswer(
                False, reason, preflight_vary, refused_status, refused_headers, refused_body
            )
            for reason in REFUSAL_REASONS
        }
        self._render_actual_headers(config, codec, credentials)
        #: Remember decisions only if they cannot change: no origin predicates.
        self._memoize = not self.matcher.predicates
        self._preflight_memo: BoundedMemo[PreflightKey, PreflightAnswer[HeaderT, StatusT]] = (
            BoundedMemo(self._decide_preflight_key, MEMO_SIZE, {})
        )

    # --- Construction -------------------------------------------------------------------------

    def _render_origin_headers(
        self, config: CORSConfig, codec: HeaderCodec[HeaderT, StatusT]
    ) -> None:
        self.matcher = OriginMatcher.from_entries(config.origins)  # type: ignore[arg-type]
        #: ``ACAO: *`` for every request, whatever its Origin (no credentials).
        self.wildcard_origin = self.matcher.any_origin and config.send_wildcard

    def _render_method_headers(self, config: CORSConfig) -> None:
        methods: Tuple[str, ...] = () if config.methods == "*" else tuple(config.methods)
        self.any_method = config.methods == "*"
        self.methods = frozenset(methods)
        #: ``Access-Control-Allow-Methods`` listing the configured methods.
        self._acam = self._header(ACCESS_CONTROL_ALLOW_METHODS, ", ".join(methods))
        #: With ``methods="*"``: the constant ``*`` answer, or None to reflect (credentials).
        self._any_method_acam: Optional[HeaderT] = (
            None if config.supports_credentials else self._header(ACCESS_CONTROL_ALLOW_METHODS, "*")
        )

    def _render_request_header_headers(self, config: CORSConfig) -> None:
        allowed = config.allow_headers
        self.any_header = allowed == "*"
        # Normalised: "*" or a tuple of names and patterns.
        entries = () if self.any_header else cast(Tuple[object, ...], allowed)
        names = tuple(entry for entry in entries if isinstance(entry, str))
        self.allowed_header_names = frozenset(name.lower() for name in names)
        self.header_patterns: Tuple[re.Pattern[str], ...] = tuple(
            entry for entry in entries if isinstance(entry, re.Pattern)
        )
        self.reflect_headers = self.any_header or bool(self.header_patterns)
        self.request_headers_limit = (
            MAX_WILDCARD_REQUEST_HEADERS_LENGTH
            if self.reflect_headers
            else request_headers_length_limit(names)
        )
        self._acah: Optional[HeaderT] = (
            self._header(ACCESS_CONTROL_ALLOW_HEADERS, ", ".join(names))
            if names and not self.reflect_headers
            else None
        )

    def _render_actual_headers(
        self,
        config: CORSConfig,
        codec: HeaderCodec[HeaderT, StatusT],
        credentials: Tuple[HeaderT, ...],
    ) -> None:
        header = self._header
        expose = config.expose_headers
        exposed = (
            (header(ACCESS_CONTROL_EXPOSE_HEADERS, "*"),)
            if expose == "*"
            else ((header(ACCESS_CONTROL_EXPOSE_HEADERS, ", ".join(expose)),) if expose else ())
        )
        self._actual_tail = credentials + exposed
        star = (header(ACCESS_CONTROL_ALLOW_ORIGIN, "*"), *self._actual_tail)
        # With always_send=False even "*" goes only to requests that carry an Origin, so the
        # answer depends on the Origin there too.
        star_varies = self.wildcard_origin and not config.always_send
        # An answer that depends on the Origin varies on it: allowed, refused, or no Origin.
        self._vary_actual: Tuple[HeaderT, ...] = (
            (header(VARY, ORIGIN),)
            if config.vary_header and (star_varies or not self.wildcard_origin)
            else ()
        )
        self._wildcard_actual = star + (self._vary_actual if star_varies else ())
        if self.wildcard_origin:
            no_origin = self._vary_actual if star_varies else self._wildcard_actual
        else:
            star_without_origin = self.matcher.any_origin and config.always_send
            no_origin = (star if star_without_origin else ()) + self._vary_actual
        exact = {origin: self._allowed_actual(origin) for origin in self.matcher.exact}
        #: The prebuilt ``Access-Control-Allow-Origin`` of each exact origin, for preflights.
        self._exact_allow_origin = {origin: headers[0] for origin, headers in exact.items()}
        #: ``actual_by_origin[origin]`` is :meth:`actual_headers`: exact origins (in the form
        #: the shell reads them) and no origin are rendered now, others decided when first seen
        #: (and remembered if allowed).
        pinned: Dict[Optional[RequestText], Tuple[HeaderT, ...]] = {
            codec.request_text(origin): headers for origin, headers in exact.items()
        }
        pinned[None] = no_origin
        # Room for as many remembered origins as pinned ones, so that emptying the memo (and
        # pinning again) costs O(1) per remembered origin however many origins are listed.
        self.actual_by_origin: BoundedMemo[Optional[RequestText], Tuple[HeaderT, ...]] = (
            BoundedMemo(self._decide_actual, MEMO_SIZE + len(pinned), pinned)
        )

    def _allowed_actual(self, origin: str) -> Tuple[HeaderT, ...]:
        return (
            self._header(ACCESS_CONTROL_ALLOW_ORIGIN, origin),
            *self._actual_tail,
            *self._vary_actual,
        )

    # --- Actual requests ----------------------------------------------------------------------

    def actual_headers(self, origin: Optional[RequestText]) -> Tuple[HeaderT, ...]:
        """The headers to add to a non-preflight response to a request with this ``Origin``.

        The CORS headers, then the ``Vary`` header (if the policy varies) whose
        tokens are to be merged into the app's own ``Vary``. Exact origins were
        rendered at construction; an origin allowed by a wildcard or a regex is
        rendered once and remembered (never one allowed by a predicate).
        """
        return self.actual_by_origin[origin]

    def _decide_actual(self, value: Optional[RequestText]) -> Tuple[Tuple[HeaderT, ...], bool]:
        """:meth:`actual_headers` for an origin not rendered yet, and whether to remember it."""
        if value is None:  # pinned at construction; only reached after a subclass cleared it
            return self._vary_actual, False
        remember = self._memoize and len(value) <= MEMO_MAX_INPUT
        origin = _text(value)
        if self.wildcard_origin:
            return self._wildcard_actual, remember
        if self.matcher.allows(origin):
            return self._allowed_actual(origin), remember
        # A refusal is remembered too, unless DEBUG logging is on: then each one is logged.
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("CORS request refused: origin %.200r is not allowed", origin)
            return self._vary_actual, False
        return self._vary_actual, remember

    # --- Preflights ---------------------------------------------------------------------------

    def preflight(
        self,
        origin: RequestText,
        request_method: RequestText,
        request_headers: Optional[RequestText],
        request_private_network: Optional[RequestText],
    ) -> PreflightAnswer[HeaderT, StatusT]:
        """Decide a preflight from its ``Origin`` and ``Access-Control-Request-*`` values.

        An allowed answer is remembered when its inputs are short and no
        predicate decides origins, so a browser's repeated preflight costs one
        dictionary lookup; the length check comes before any hashing, so a
        hostile value costs no more than its refusal.
        """
        if (
            self._memoize
            and len(origin)
            + len(request_method)
            + len(request_headers or "")
            + len(request_private_network or "")
            <= MEMO_MAX_INPUT
        ):
            return self._preflight_memo[
                (origin, request_method, request_headers, request_private_network)
            ]
        return self._decide_preflight(
            _text(origin), _text(request_method), request_headers, request_private_network
        )

    def _decide_preflight_key(
        self, key: PreflightKey
    ) -> Tuple[PreflightAnswer[HeaderT, StatusT], bool]:
        origin, request_method, request_headers, request_private_network = key
        answer = self._decide_preflight(
            _text(origin), _text(request_method), request_headers, request_private_network
        )
        return answer, answer.allowed

    def _decide_preflight(
        self,
        origin: str,
        request_method: str,
        request_headers: Optional[RequestText],
        request_private_network: Optional[RequestText],
    ) -> PreflightAnswer[HeaderT, StatusT]:
        allow_origin = self._origin_step(origin)
        if allow_origin is None:
            return self._refusals["origin"]
        allow_methods = self._method_step(request_method)
        if allow_methods is None:
            if not self.lenient:
                return self._refusals["method"]
            # As for an actual request from this origin: no method, header or max-age answer.
            return self._answer("method", (allow_origin, *self._actual_tail))
        refused = ""
        allowed, allow_headers = self._request_headers_step(request_headers)
        if not allowed:
            if not self.lenient:
                return self._refusals["headers"]
            refused = "headers"
        private_network = self._private_network_step(request_private_network)
        if private_network is None:
            if not self.lenient:
                return self._refusals["private-network"]
            refused, private_network = refused or "private-network", ()
        headers = (allow_origin, allow_methods, *allow_headers, *private_network)
        return self._answer(refused, headers + self._preflight_tail)

    def _answer(
        self, refused: str, headers: Tuple[HeaderT, ...]
    ) -> PreflightAnswer[HeaderT, StatusT]:
        """An answer with ``headers`` (allowed unless ``refused`` names what was refused)."""
        return PreflightAnswer(
            not refused,
            refused,
            headers + self._preflight_vary,
            self.preflight_status,
            headers + self._shell_preflight_tail,
            b"",
        )

    def _origin_step(self, origin: str) -> Optional[HeaderT]:
        """``Access-Control-Allow-Origin`` for an allowed origin, or None."""
        exact = self._exact_allow_origin.get(origin)
        if exact is not None:
            return exact
        if self.wildcard_origin:
            return self._wildcard_actual[0]
        if self.matcher.allows(origin):
            return self._header(ACCESS_CONTROL_ALLOW_ORIGIN, origin)
        logger.debug("CORS preflight refused: origin %.200r is not allowed", origin)
        return None

    def _method_step(self, method: str) -> Optional[HeaderT]:
        """``Access-Control-Allow-Methods`` for an allowed method (case-sensitive), or None."""
        if self.any_method:
            if len(method) <= MAX_METHOD_LENGTH and is_token(method):
                return self._any_method_acam or self._header(ACCESS_CONTROL_ALLOW_METHODS, method)
            logger.debug("CORS preflight refused: method %.200r is not a method name", method)
            return None
        if method in self.methods:
            return self._acam
        logger.debug(
            "CORS preflight refused: method %.200r is not allowed (methods are compared "
            "case-sensitively)",
            method,
        )
        return None

    def _request_headers_step(
        self, value: Optional[RequestText]
    ) -> Tuple[bool, Tuple[HeaderT, ...]]:
        """Whether every requested header is allowed, and the ``Access-Control-Allow-Headers``.

        When lenient, a refusal still comes with the header: the configured list, or the
        allowed requested names when they are reflected (none when none is allowed).
        """
        listed = (self._acah,) if self._acah is not None else ()
        if not value:
            return True, listed
        # The parser checks the length first too; checking here spares a hostile value the call
        # (and an ASGI one its decoding).
        names = (
            parse_request_headers(_text(value), self.request_headers_limit)
            if len(value) <= self.request_headers_limit
            else None
        )
        if names is None:
            logger.debug(
                "CORS preflight refused: Access-Control-Request-Headers %.200r is malformed or "
                "too long",
                value,
            )
            return False, listed if self.lenient else ()
        allowed_names = [name for name in names if self._header_allowed(name.lower())]
        every_name = len(allowed_names) == len(names)
        if not every_name:
            logger.debug(
                "CORS preflight refused: request headers %r are not allowed",
                [name for name in names if name not in allowed_names],
            )
            if not self.lenient:
                return False, ()
        if self.reflect_headers:
            reflected = (
                (self._header(ACCESS_CONTROL_ALLOW_HEADERS, ", ".join(allowed_names)),)
                if allowed_names
                else ()
            )
            return every_name, reflected
        return every_name, listed

    def _header_allowed(self, name: str) -> bool:
        if self.any_header or name in self.allowed_header_names:
            return True
        return any(pattern.fullmatch(name) for pattern in self.header_patterns)

    def _private_network_step(self, value: Optional[RequestText]) -> Optional[Tuple[HeaderT, ...]]:
        """The private-network header to add (maybe none), or None to refuse."""
        if value is None or len(value) != 4 or _text(value).lower() != "true":
            return ()
        if self.allow_private_network:
            return (self._header(ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, "true"),)
        logger.debug(
            "CORS preflight refused: private network access was requested but "
            "allow_private_network is False"
        )
        return None
