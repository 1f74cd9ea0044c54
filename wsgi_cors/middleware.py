"""``CORSMiddleware``: the WSGI shell around the precomputed policies.

Per request it reads ``PATH_INFO``, ``HTTP_ORIGIN`` and, for preflights, the
``Access-Control-Request-*`` headers; picks the resource; and either answers
the preflight itself or calls the app through a ``start_response`` shim that
adds the precomputed CORS headers. The app's body iterable is returned as is.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Callable, Iterable, List, Optional, Tuple, Union

from .options import ALL_METHODS
from .policy import REFUSED_PREFLIGHT_BODY, Header, Policy, PreflightAnswer
from .resources import ResourceTable, build_resource_table
from .response import MERGED_NAMES, add_cors_headers

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger("wsgi_cors")

#: An inner layer that already decided CORS for a request (the Flask
#: ``cross_origin`` decorator) sets this environ key (to True); the middleware
#: then passes that response through untouched.
HANDLED_ENVIRON_KEY = "wsgi_cors.handled"

_MERGE_NAME_LENGTHS = frozenset(len(name) for name in MERGED_NAMES)
_ERROR_BODY = b"Internal Server Error\n"
_ERROR_HEADERS = (
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", str(len(_ERROR_BODY))),
)


def answer_preflight(
    policy: Policy, environ: WSGIEnvironment, origin: str, request_method: str
) -> PreflightAnswer:
    """Ask ``policy`` about the preflight in ``environ``.

    (``CORSMiddleware`` makes the same call inline, to save a call per preflight.)
    """
    return policy.preflight(
        origin,
        request_method,
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
        environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"),
    )


def cors_for_request(policy: Policy, environ: WSGIEnvironment) -> Tuple[Header, ...]:
    """The headers ``policy`` adds to the response to ``environ`` (CORS headers, then ``Vary``).

    For layers that decorate a response the app already made (the Flask
    decorator and blueprints); the middleware itself answers preflights.
    """
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and environ.get("REQUEST_METHOD") == "OPTIONS":
        request_method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        if request_method is not None:
            answer = answer_preflight(policy, environ, origin, request_method)
            return answer.headers + policy.preflight_vary_headers
    return policy.actual_headers(origin)


class CORSMiddleware:
    """Add CORS to any WSGI application.

    Preflights (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``)
    on a covered path are answered here without calling ``app``: allowed ones
    with ``preflight_status`` and the CORS headers, refused ones with 403 and
    none. Every other request goes to ``app``, and the CORS headers are added to
    whatever status it sends. All options are validated here, once; a bad
    configuration raises one :class:`~wsgi_cors.ConfigError` listing every
    problem. See the README for each option.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        origins: Any = "*",
        methods: Union[str, Iterable[str]] = ALL_METHODS,
        allow_headers: Any = "*",
        expose_headers: Union[str, Iterable[str], None] = None,
        supports_credentials: bool = False,
        max_age: Union[int, timedelta, None] = None,
        send_wildcard: bool = True,
        always_send: bool = True,
        vary_header: bool = True,
        allow_private_network: bool = False,
        resources: Optional[Any] = None,
        automatic_options: bool = True,
        intercept_exceptions: bool = False,
        preflight_status: int = 204,
        allow_null_with_credentials: bool = False,
        **unknown_options: Any,
    ) -> None:
        self.app = app
        options = {
            "origins": origins,
            "methods": methods,
            "allow_headers": allow_headers,
            "expose_headers": expose_headers,
            "supports_credentials": supports_credentials,
            "max_age": max_age,
            "send_wildcard": send_wildcard,
            "always_send": always_send,
            "vary_header": vary_header,
            "allow_private_network": allow_private_network,
            "resources": resources,
            "automatic_options": automatic_options,
            "intercept_exceptions": intercept_exceptions,
            "preflight_status": preflight_status,
            "allow_null_with_credentials": allow_null_with_credentials,
            **unknown_options,
        }
        base, table = build_resource_table(options)
        #: The policy built from the top-level options (every path when ``resources`` is None).
        self.policy: Policy = base
        #: The per-path resource table.
        self.resources: ResourceTable = table
        #: The one policy of every path, if there is only one (no per-path lookup then).
        self._only_policy: Optional[Policy] = table.only_policy

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        policy = self._only_policy or self.resources.select(environ.get("PATH_INFO", ""))
        if policy is None:
            return self.app(environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and environ.get("REQUEST_METHOD") == "OPTIONS":
            request_method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
            if request_method is not None:
                return self._preflight(policy, environ, start_response, origin, request_method)
        added = policy.actual_by_origin[origin]
        if policy.intercept_exceptions:
            return self._call_app(policy, environ, start_response, added)
        if not added:
            return self.app(environ, start_response)

        # The common case, inlined: no exception handling, nothing tracked, and
        # add_cors_headers' common case (the app sets neither Vary nor ACAO) too.
        def cors_start_response(
            status: str, headers: List[Header], exc_info: Optional[OptExcInfo] = None
        ) -> Callable[[bytes], object]:
            if HANDLED_ENVIRON_KEY in environ:
                return start_response(status, headers, exc_info)
            for name, _ in headers:
                if len(name) in _MERGE_NAME_LENGTHS and name.lower() in MERGED_NAMES:
                    return start_response(status, add_cors_headers(headers, added), exc_info)
            return start_response(status, [*headers, *added], exc_info)

        return self.app(environ, cors_start_response)

    def _preflight(
        self,
        policy: Policy,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        origin: str,
        request_method: str,
    ) -> Iterable[bytes]:
        answer = policy.preflight(
            origin,
            request_method,
            environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
            environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"),
        )
        if not policy.automatic_options or (
            self._may_hand_preflights_to_app
            and self._hands_preflight_to_app(policy, environ, request_method)
        ):
            added = answer.headers + policy.preflight_vary_headers
            return self._call_app(policy, environ, start_response, added)
        if answer.allowed:
            start_response(policy.preflight_status, list(answer.response_headers))
            return []
        start_response("403 Forbidden", list(policy.refused_preflight_headers))
        return [REFUSED_PREFLIGHT_BODY]

    #: Whether :meth:`_hands_preflight_to_app` can ever return True (a subclass sets it).
    _may_hand_preflights_to_app = False

    def _hands_preflight_to_app(
        self, policy: Policy, environ: WSGIEnvironment, request_method: str
    ) -> bool:
        """Whether the app, not the middleware, answers this preflight (policy aside)."""
        return False

    def _call_app(
        self,
        policy: Policy,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        added: Tuple[Header, ...],
    ) -> Iterable[bytes]:
        """Call the app through a shim adding ``added``; with ``intercept_exceptions``, turn an
        exception raised before ``start_response`` into a 500 that carries them."""
        started = False

        def cors_start_response(
            status: str, headers: List[Header], exc_info: Optional[OptExcInfo] = None
        ) -> Callable[[bytes], object]:
            nonlocal started
            started = True
            if HANDLED_ENVIRON_KEY in environ:
                return start_response(status, headers, exc_info)
            return start_response(status, add_cors_headers(headers, added), exc_info)

        if not policy.intercept_exceptions:
            return self.app(environ, cors_start_response)
        try:
            return self.app(environ, cors_start_response)
        except Exception:
            if started:
                raise
            logger.exception(
                "unhandled exception in the wrapped application for %r; answering 500 with "
                "CORS headers",
                environ.get("PATH_INFO", ""),
            )
            cors_start_response("500 Internal Server Error", list(_ERROR_HEADERS))
            return [_ERROR_BODY]
