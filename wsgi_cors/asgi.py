"""``CORSMiddleware`` for ASGI 3 applications: FastAPI, Starlette, Quart, Django ASGI.

The same engine, options and validation as the WSGI shell, rendered once as lower-case
``(bytes, bytes)`` headers and ``int`` statuses. Per HTTP request it reads ``Origin`` (and,
for an ``OPTIONS`` with one, the ``Access-Control-Request-*`` headers) from the scope; answers
a preflight itself, without calling the app; or calls the app with a ``send`` that adds the
CORS headers to ``http.response.start``. Every other message, in both directions, passes
through untouched, in order and unbuffered. It uses no event-loop library, so it runs under
asyncio and trio alike.

WebSockets are not covered by CORS: browsers open them to any origin and send the page's
``Origin``, and the server must check it (cross-site WebSocket hijacking). With
``check_websocket_origin=True`` a handshake from an origin the path's policy does not allow
is refused before the app runs: with a 403 response where the server supports the
``websocket.http.response`` extension, else by closing before accepting (which servers answer
with 403). A handshake without ``Origin`` is let through: browsers always send one, so it comes
from a client that CORS does not concern. So is a same-origin one, whose ``Origin`` is the
handshake's own (``http``/``https`` for ``ws``/``wss``, then its ``Host``): browsers send
``Origin`` on those too, and the page of the app itself needs no CORS entry (behind a proxy
that terminates TLS, the scheme is right only when the server trusts the proxy's headers).
"""

from __future__ import annotations

import logging
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Iterable,
    List,
    MutableMapping,
    Optional,
    Tuple,
)

from .core.codec import ASGI_CODEC, BytesHeader
from .core.config import CORSConfig
from .core.engine import Engine
from .core.policy import Policy
from .core.problems import ConfigError, Problem
from .core.resources import ResourceTable, text_path
from .core.vary import BYTES_FORMS, add_cors_headers

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .core.options import CORSOptions

__all__ = ["ALREADY_HANDLED_KEY", "CORSMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("wsgi_cors")

#: An inner layer that decided CORS for a request itself sets ``scope[ALREADY_HANDLED_KEY] =
#: True`` before it starts its response; the middleware then leaves that response alone.
ALREADY_HANDLED_KEY = "wsgi_cors.already_handled"

ASGIPolicy = Policy[BytesHeader, int]

_ORIGIN = b"origin"
_REQUEST_METHOD = b"access-control-request-method"
_REQUEST_HEADERS = b"access-control-request-headers"
_REQUEST_PRIVATE_NETWORK = b"access-control-request-private-network"
_HOST = b"host"
_ERROR_BODY = b"Internal Server Error\n"
_ERROR_HEADERS = (
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(_ERROR_BODY)).encode("ascii")),
)
_REFUSED_WEBSOCKET_BODY = b"WebSocket origin refused\n"
_REFUSED_WEBSOCKET_HEADERS = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(_REFUSED_WEBSOCKET_BODY)).encode("ascii")),
]
_MERGED_NAMES = frozenset({BYTES_FORMS.vary, BYTES_FORMS.allow_origin})
#: The spellings of those names an app may send: ASGI requires lower-case names; the
#: capitalised and upper-case forms of non-conforming apps are caught too (a set lookup per
#: header, where lower-casing each name cost a call).
_MERGED_SPELLINGS = frozenset(
    form for name in _MERGED_NAMES for form in (name, name.title(), name.upper())
)


class CORSMiddleware:
    """Add CORS to any ASGI 3 application.

    ``CORSMiddleware(app, **options)`` takes the options of :class:`~wsgi_cors.CORSConfig`
    (the same names, defaults and validation as :class:`wsgi_cors.CORSMiddleware`, whose
    ``help()`` lists them; the full reference is ``docs/options.md``), or one ready
    ``config=CORSConfig(...)``, plus ``check_websocket_origin=False``. With Starlette or
    FastAPI::

        from wsgi_cors.asgi import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            origins=["https://app.example.com"],
            supports_credentials=True,
            check_websocket_origin=True,
        )

    Any other ASGI app (Quart, Django's ``get_asgi_application()``) is wrapped directly:
    ``app.asgi_app = CORSMiddleware(app.asgi_app, origins=[...])``.

    ``check_websocket_origin=True`` refuses WebSocket handshakes from origins the path's
    policy does not allow (see the module documentation). ``app_answers_preflight(scope)`` is
    for an inner layer that answers some preflights itself: for a preflight it returns True
    for, the app is called and its answer gets the preflight's headers, unless the layer
    marked the request handled (:data:`ALREADY_HANDLED_KEY`). ``lifespan`` and any other scope
    type pass straight through.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        config: Optional[CORSConfig] = None,
        check_websocket_origin: bool = False,
        app_answers_preflight: Optional[Callable[[Scope], bool]] = None,
        **options: Unpack[CORSOptions],
    ) -> None:
        problems: List[Problem] = []
        if config is not None and options:
            problems.append(
                Problem(
                    (),
                    "config-and-options",
                    f"config= was given together with {', '.join(sorted(options))}",
                    "put every option in the CORSConfig, or pass only keyword options",
                )
            )
        if not isinstance(check_websocket_origin, bool):
            problems.append(
                Problem(
                    ("check_websocket_origin",),
                    "not-a-boolean",
                    f"expected True or False, got {check_websocket_origin!r}",
                )
            )
        if config is None:
            try:
                config = CORSConfig.from_mapping(options)
            except ConfigError as error:
                problems += error.problems
        if problems or config is None:
            raise ConfigError(problems)
        self.app = app
        #: The validated, normalised configuration.
        self.config: CORSConfig = config
        self.engine: Engine[BytesHeader, int] = Engine(config, ASGI_CODEC, text_path)
        #: The per-path resource table.
        self.resources: ResourceTable[BytesHeader, int] = self.engine.table
        self.check_websocket_origin = check_websocket_origin
        self.app_answers_preflight = app_answers_preflight
        self._only_policy = self.resources.only_policy
        #: Whether the "another CORS layer is active" warning was logged.
        self._other_layer_reported = False

    def _report_other_layer(self, headers: List[Any], scope: Scope) -> None:
        """Warn (once per middleware) that the app sets Access-Control-Allow-Origin itself."""
        if any(bytes(name).lower() == BYTES_FORMS.allow_origin for name, _ in headers):
            self._other_layer_reported = True
            logger.warning(
                "another CORS layer is active: the app set Access-Control-Allow-Origin itself "
                "for %r, so its CORS headers won and wsgi_cors added only Vary; remove the "
                "other layer or wsgi_cors (logged once)",
                scope.get("path", ""),
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The HTTP path is written out in this one coroutine, the headers read by one inline
        # loop and the response start rewritten inside cors_send: the extra coroutine and the
        # header-reading calls of the first cut cost 9 % of an allowed GET and 29 % of a
        # preflight (benchmarks/README.md, "ASGI shell").
        scope_type = scope["type"]
        if scope_type != "http":
            if scope_type == "websocket" and self.check_websocket_origin:
                policy = self._only_policy or self.resources.select(own_path(scope))
                if policy is not None and not _websocket_origin_allowed(policy, scope):
                    await _refuse_websocket(scope, receive, send)
                    return
            await self.app(scope, receive, send)
            return
        policy = self._only_policy or self.resources.select(own_path(scope))
        if policy is None:
            await self.app(scope, receive, send)
            return
        # Repeated lines are joined with "," (as _header does); the policy decodes them as
        # latin-1 only when it has to decide. A preflight is an OPTIONS with Origin and
        # Access-Control-Request-Method: for an OPTIONS, one loop reads all four headers.
        raw_origin: Optional[bytes] = None
        request_method: Optional[bytes] = None
        if scope["method"] != "OPTIONS":
            for name, value in scope["headers"]:
                if name == _ORIGIN:
                    raw_origin = value if raw_origin is None else raw_origin + b"," + value
        else:
            request_headers: Optional[bytes] = None
            private_network: Optional[bytes] = None
            for name, value in scope["headers"]:
                if name == _ORIGIN:
                    raw_origin = value if raw_origin is None else raw_origin + b"," + value
                elif name == _REQUEST_METHOD:
                    request_method = (
                        value if request_method is None else request_method + b"," + value
                    )
                elif name == _REQUEST_HEADERS:
                    request_headers = (
                        value if request_headers is None else request_headers + b"," + value
                    )
                elif name == _REQUEST_PRIVATE_NETWORK:
                    private_network = (
                        value if private_network is None else private_network + b"," + value
                    )
            if raw_origin is None:
                request_method = None  # not a preflight: CORS does not concern it
        intercept = policy.intercept_exceptions
        if request_method is None:
            # Values stay bytes: the policy's memos are keyed by them and decode only to decide.
            added = policy.actual_by_origin[raw_origin]
            if not added and not intercept:
                await self.app(scope, receive, send)
                return
        else:
            answer = policy.preflight(
                raw_origin,  # type: ignore[arg-type]  # not None when request_method is set
                request_method,
                request_headers,
                private_network,
            )
            if policy.automatic_options and (
                self.app_answers_preflight is None or not self.app_answers_preflight(scope)
            ):
                await send(
                    {
                        "type": "http.response.start",
                        "status": answer.status,
                        "headers": list(answer.response_headers),
                    }
                )
                await send({"type": "http.response.body", "body": answer.body})
                return
            added = answer.headers

        # The state rides in default arguments, not in closure cells: cells made every request
        # about 160 ns slower (benchmarks/README.md, "ASGI shell"). The app's message and header
        # list are never mutated; any start message gets the headers (a second one is a
        # protocol error that the server reports).
        async def cors_send(
            message: Message,
            send: Send = send,
            scope: Scope = scope,
            added: Tuple[BytesHeader, ...] = added,
            middleware: CORSMiddleware = self,
        ) -> None:
            if message["type"] == "http.response.start" and ALREADY_HANDLED_KEY not in scope:
                app_headers = message.get("headers", ())
                if type(app_headers) is not list:
                    app_headers = list(app_headers)  # a tuple, or an iterable readable once
                # Only a response that sets Vary or Access-Control-Allow-Origin itself needs
                # the merge.
                for name, _ in app_headers:
                    if name in _MERGED_SPELLINGS:
                        if not middleware._other_layer_reported:
                            middleware._report_other_layer(app_headers, scope)
                        headers = add_cors_headers(list(app_headers), added, BYTES_FORMS)
                        break
                else:
                    headers = [*app_headers, *added]
                message = message.copy() if type(message) is dict else dict(message)
                message["headers"] = headers
            await send(message)

        if not intercept:
            await self.app(scope, receive, cors_send)
            return
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await cors_send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except Exception:
            if started:
                raise
            logger.exception(
                "unhandled exception in the wrapped application for %r; answering 500 with "
                "CORS headers",
                scope.get("path", ""),
            )
            await cors_send(
                {"type": "http.response.start", "status": 500, "headers": list(_ERROR_HEADERS)}
            )
            await send({"type": "http.response.body", "body": _ERROR_BODY})


def own_path(scope: Scope) -> str:
    """The request's path below the application's mount point (``root_path`` removed).

    ``scope["path"]`` is already decoded; it is never decoded again. ``root_path`` is removed
    only at a ``/`` boundary, so ``/api`` mounted at ``/ap`` keeps its whole path.
    """
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :] or "/"
    return path


def _header(headers: Iterable[Tuple[bytes, bytes]], name: bytes) -> Optional[str]:
    """The value of request header ``name`` (repeated lines joined with ``,``), or None."""
    found: Optional[bytes] = None
    for key, value in headers:
        if key == name:
            found = value if found is None else found + b"," + value
    return None if found is None else found.decode("latin-1")


def _websocket_origin_allowed(policy: ASGIPolicy, scope: Scope) -> bool:
    origin = _header(scope["headers"], _ORIGIN)
    if origin is None:
        return True  # not a browser: browsers always send Origin on a WebSocket handshake
    if policy.wildcard_origin or policy.matcher.allows(origin):
        return True
    if origin == _own_origin(scope):
        return True  # same-origin: CORS lists never need to name the app's own origin
    logger.debug("WebSocket handshake refused: origin %.200r is not allowed", origin)
    return False


def _own_origin(scope: Scope) -> Optional[str]:
    """The origin a same-origin page of this handshake sends (lower case), or None without Host."""
    host = _header(scope["headers"], _HOST)
    if host is None:
        return None
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    return f"{scheme}://{host.lower()}"


async def _refuse_websocket(scope: Scope, receive: Receive, send: Send) -> None:
    """Refuse a handshake before the app runs: 403 where the server can send one, else close."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return  # the client is already gone
    if "websocket.http.response" in (scope.get("extensions") or {}):
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 403,
                "headers": list(_REFUSED_WEBSOCKET_HEADERS),
            }
        )
        await send({"type": "websocket.http.response.body", "body": _REFUSED_WEBSOCKET_BODY})
        return
    await send({"type": "websocket.close", "code": 1008})
