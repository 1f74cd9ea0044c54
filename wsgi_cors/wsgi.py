"""``CORSMiddleware``: the WSGI shell around the engine.

Per request it reads ``PATH_INFO``, ``HTTP_ORIGIN`` and, for preflights, the
``Access-Control-Request-*`` headers; picks the resource; and either answers
the preflight itself or calls the app through a ``start_response`` shim that
adds headers rendered at construction. The app's body iterable is returned as
is: never read, wrapped or buffered.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, Iterable, List, Optional

from .core.codec import WSGI_CODEC, StrHeader
from .core.config import CORSConfig
from .core.engine import Engine
from .core.policy import Policy
from .core.problems import ConfigError, Problem
from .core.resources import ResourceTable, wsgi_path
from .core.vary import STR_FORMS, add_cors_headers

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from typing_extensions import Unpack

    from .core.options import CORSOptions

logger = logging.getLogger("wsgi_cors")

#: An inner layer that decided CORS for a request itself (a per-view decorator, say) sets
#: ``environ[ALREADY_HANDLED_KEY] = True``; the middleware then leaves that response alone.
ALREADY_HANDLED_KEY = "wsgi_cors.already_handled"

WSGIPolicy = Policy[StrHeader, str]

_ERROR_BODY = b"Internal Server Error\n"
_ERROR_HEADERS = (
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", str(len(_ERROR_BODY))),
)


class CORSMiddleware:
    """Add CORS to any WSGI application.

    ``CORSMiddleware(app, **options)`` takes the options below as keyword
    arguments, or one ready ``config=CORSConfig(...)``. They are validated here,
    once: a bad configuration raises one :class:`~wsgi_cors.ConfigError`
    listing every problem and its fix. Example (Flask: wrap ``app.wsgi_app``)::

        from wsgi_cors import CORSMiddleware

        application = CORSMiddleware(
            application,
            origins=["https://app.example.com", "https://*.example.com"],
            supports_credentials=True,
            allow_headers=["Content-Type", "Authorization"],
            max_age=600,
            resources={"/api/*": {}},
        )

    Options, with their defaults (the full reference, generated from
    :class:`~wsgi_cors.CORSConfig`, is the documentation's options page,
    ``docs/options.md``):

    origins="*"
        Who may read responses: ``"*"``, or exact origins, ``https://*.example.com``
        and ``http://localhost:*`` wildcards, compiled patterns (full-matched),
        predicates, ``"null"``.
    methods=ALL_METHODS
        Methods a preflight may ask for (``GET, HEAD, POST, OPTIONS, PUT, PATCH,
        DELETE``), or ``"*"``.
    allow_headers="*"
        Request headers a preflight may ask for: ``"*"``, names, compiled patterns.
    expose_headers=()
        Response headers the page may read.
    supports_credentials=False
        Send ``Access-Control-Allow-Credentials: true``; refused with ``origins="*"``.
    max_age=None
        Seconds (or a ``timedelta``) browsers may cache a preflight answer.
    send_wildcard=True
        Under ``origins="*"``: send ``*`` (``False``: reflect the Origin).
    always_send=True
        Under ``origins="*"``: send ``*`` to requests without an Origin too.
    vary_header=True
        Add ``Vary: Origin`` wherever the answer depends on the Origin.
    allow_private_network=False
        Answer private-network preflights from allowed origins.
    resources=None
        ``{path_pattern: {overrides}}``; ``None`` covers every path.
    automatic_options=True
        Answer preflights here (``False``: the app answers, the headers are added).
    intercept_exceptions=False
        Turn an exception raised before the response starts into a 500 with CORS headers.
    preflight_status=204
        The status of an allowed preflight (any 2xx).
    lenient_preflights=False
        Answer a preflight asking too much with what is allowed, not a 403.
    allow_null_with_credentials=False
        Allow ``"null"`` in ``origins`` together with credentials.

    Preflights (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``)
    on a covered path are answered here without calling ``app``: allowed ones
    with ``preflight_status`` and the CORS headers, refused ones with 403 and
    none. Every other request goes to ``app``, and the CORS headers are added to
    whatever status it sends.

    ``app_answers_preflight(environ)`` is for an inner layer that answers some
    preflights itself (a per-view decorator): for a preflight it returns True
    for, the middleware calls ``app`` and leaves the response to that layer,
    unless it does not mark the request handled (see
    :data:`ALREADY_HANDLED_KEY`), in which case the preflight's headers are
    added to the app's answer.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        config: Optional[CORSConfig] = None,
        app_answers_preflight: Optional[Callable[[WSGIEnvironment], bool]] = None,
        **options: Unpack[CORSOptions],
    ) -> None:
        if config is not None and options:
            raise ConfigError(
                [
                    Problem(
                        (),
                        "config-and-options",
                        f"config= was given together with {', '.join(sorted(options))}",
                        "put every option in the CORSConfig, or pass only keyword options",
                    )
                ]
            )
        self.app = app
        #: The validated, normalised configuration.
        self.config: CORSConfig = config if config is not None else CORSConfig.from_mapping(options)
        self.engine: Engine[StrHeader, str] = Engine(self.config, WSGI_CODEC, wsgi_path)
        #: The per-path resource table.
        self.resources: ResourceTable[StrHeader, str] = self.engine.table
        self.app_answers_preflight = app_answers_preflight
        self._only_policy = self.resources.only_policy
        #: Whether the "another CORS layer is active" warning was logged.
        self._other_layer_reported = False

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        policy = self._only_policy or self.resources.select(environ.get("PATH_INFO", ""))
        if policy is None:
            return self.app(environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        intercept = policy.intercept_exceptions
        # A preflight is OPTIONS with Origin and Access-Control-Request-Method; the header test
        # comes first, as it is cheaper than reading REQUEST_METHOD and fails for most requests.
        if (
            origin is None
            or "HTTP_ACCESS_CONTROL_REQUEST_METHOD" not in environ
            or environ.get("REQUEST_METHOD") != "OPTIONS"
        ):
            added = policy.actual_by_origin[origin]
            if not added and not intercept:
                return self.app(environ, start_response)
        else:
            answer = policy.preflight(
                origin,
                environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"],
                environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
                environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"),
            )
            if policy.automatic_options and (
                self.app_answers_preflight is None or not self.app_answers_preflight(environ)
            ):
                start_response(answer.status, list(answer.response_headers))
                return [answer.body] if answer.body else []
            added = answer.headers

        # The one start_response shim, defined here because a call to a factory costs 10 % of
        # a request (measured with benchmarks/bench_overhead.py).
        def cors_start_response(
            status: str, headers: List[StrHeader], exc_info: Optional[OptExcInfo] = None
        ) -> Callable[[bytes], object]:
            if ALREADY_HANDLED_KEY in environ:
                return start_response(status, headers, exc_info)
            # Only a response that sets Vary or Access-Control-Allow-Origin itself needs the
            # merge; finding one costs a length test per header.
            for name, _ in headers:
                if len(name) in _MERGED_LENGTHS and name.lower() in _MERGED_NAMES:
                    if not self._other_layer_reported:
                        self._report_other_layer(headers, environ)
                    merged = add_cors_headers(headers, added, STR_FORMS)
                    return start_response(status, merged, exc_info)
            return start_response(status, [*headers, *added], exc_info)

        if intercept:
            return self._call_app_intercepting(environ, cors_start_response)
        return self.app(environ, cors_start_response)

    def _report_other_layer(self, headers: List[StrHeader], environ: WSGIEnvironment) -> None:
        """Warn (once per middleware) that the app sets Access-Control-Allow-Origin itself."""
        if any(name.lower() == STR_FORMS.allow_origin for name, _ in headers):
            self._other_layer_reported = True
            logger.warning(
                "another CORS layer is active: the app set Access-Control-Allow-Origin itself "
                "for %r, so its CORS headers won and wsgi_cors added only Vary; remove the "
                "other layer (such as flask_cors or corsheaders) or wsgi_cors (logged once)",
                environ.get("PATH_INFO", ""),
            )

    def _call_app_intercepting(
        self, environ: WSGIEnvironment, cors_start_response: StartResponse
    ) -> Iterable[bytes]:
        """Call the app; turn an exception raised before it starts its response into a 500
        that carries the CORS headers (``intercept_exceptions``)."""
        started: List[bool] = []

        def tracking_start_response(
            status: str, headers: List[StrHeader], exc_info: Optional[OptExcInfo] = None
        ) -> Callable[[bytes], object]:
            started.append(True)
            return cors_start_response(status, headers, exc_info)

        try:
            return self.app(environ, tracking_start_response)
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


_MERGED_NAMES = frozenset({STR_FORMS.vary, STR_FORMS.allow_origin})
_MERGED_LENGTHS = frozenset(len(name) for name in _MERGED_NAMES)
