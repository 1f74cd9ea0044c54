"""Quart-CORS's view decorators: ``route_cors``, ``websocket_cors`` and ``cors_exempt``."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any, Callable, Iterable, Optional, Pattern, TypeVar, Union

from quart import Quart, Response, current_app, make_response, request
from werkzeug.wrappers import Response as WerkzeugResponse

from ..compat.quart_cors import check_keywords, given_options
from .responses import apply_cors, options_response
from .source import PolicySource
from .websockets import check_websocket_origin

View = TypeVar("View", bound=Callable[..., Any])
OriginType = Union[Pattern[str], str]
AllowOrigin = Union[OriginType, Iterable[OriginType], None]
MaxAge = Union[timedelta, float, str, None]

#: The attribute ``cors_exempt`` sets on a view, as Quart-CORS names it.
QUART_CORS_EXEMPT_ATTRIBUTE = "_quart_cors_exempt"
#: The attribute ``route_cors`` sets on its wrapper: whether it answers ``OPTIONS`` itself.
ROUTE_CORS_ATTRIBUTE = "_wsgi_cors_route_cors"


def is_exempt(view: Optional[Callable[..., Any]]) -> bool:
    """Whether ``view`` was marked with :func:`cors_exempt`."""
    return bool(getattr(view, QUART_CORS_EXEMPT_ATTRIBUTE, False))


def route_cors(
    *,
    allow_credentials: Optional[bool] = None,
    allow_headers: Optional[Iterable[str]] = None,
    allow_methods: Optional[Iterable[str]] = None,
    allow_origin: AllowOrigin = None,
    expose_headers: Optional[Iterable[str]] = None,
    max_age: MaxAge = None,
    send_origin_wildcard: Optional[bool] = None,
    provide_automatic_options: bool = True,
) -> Callable[[View], View]:
    """Give one view its own CORS policy. Put it below ``@app.route``.

    Options not given (``None``) come from ``app.config["QUART_CORS_*"]``, then
    Quart-CORS's defaults; the config is read again whenever it changes (never
    frozen at the first request). The keywords are validated here, so a
    mistake raises :class:`~wsgi_cors.ConfigError` at import; a config that
    makes the whole invalid answers 500 and logs why. With
    ``provide_automatic_options=True`` the view answers ``OPTIONS`` itself
    (200, ``Allow``, the preflight headers) without running. Its decision wins
    over ``cors(app)`` and ``cors(blueprint)``, refusals included. The options
    are :func:`~wsgi_cors.quart.cors`'s::

        @app.route("/widgets")
        @route_cors(allow_origin=["https://widgets.example.com"], max_age=600)
        async def widgets():
            ...
    """
    keywords = given_options(
        allow_credentials=allow_credentials,
        allow_headers=allow_headers,
        allow_methods=allow_methods,
        allow_origin=allow_origin,
        expose_headers=expose_headers,
        max_age=max_age,
        send_origin_wildcard=send_origin_wildcard,
    )
    check_keywords(keywords)
    source = PolicySource(keywords)

    def decorator(view: View) -> View:
        if provide_automatic_options:
            methods = set(getattr(view, "required_methods", ()))
            methods.add("OPTIONS")
            view.required_methods = methods  # type: ignore[attr-defined]
            view.provide_automatic_options = False  # type: ignore[attr-defined]

        @functools.wraps(view)
        async def wrapped(*args: Any, **kwargs: Any) -> Any:
            app: Quart = current_app._get_current_object()  # type: ignore[attr-defined]
            engine = source.engine(app)
            response: Union[Response, WerkzeugResponse]
            if provide_automatic_options and request.method == "OPTIONS":
                response = await options_response()
            else:
                response = await make_response(await app.ensure_async(view)(*args, **kwargs))
            apply_cors(engine, response)
            return response

        setattr(wrapped, ROUTE_CORS_ATTRIBUTE, True)
        return wrapped  # type: ignore[return-value]

    return decorator


def websocket_cors(
    *, allow_origin: AllowOrigin = None, send_origin_wildcard: Optional[bool] = None
) -> Callable[[View], View]:
    """Check a WebSocket handshake's ``Origin`` before the handler runs. Put it below
    ``@app.websocket``.

    A refused origin gets 400, as in Quart-CORS. Without ``Origin``: allowed
    under ``"*"``, refused by an allow-list (see :mod:`wsgi_cors.quart.websockets`).
    ``send_origin_wildcard`` is accepted for Quart-CORS's signature and changes nothing::

        @app.websocket("/feed")
        @websocket_cors(allow_origin=["https://app.example.com"])
        async def feed():
            ...
    """
    keywords = given_options(allow_origin=allow_origin, send_origin_wildcard=send_origin_wildcard)
    check_keywords(keywords)
    source = PolicySource(keywords, websocket_only=True)

    def decorator(view: View) -> View:
        @functools.wraps(view)
        async def wrapped(*args: Any, **kwargs: Any) -> Any:
            check_websocket_origin(source)
            app: Quart = current_app._get_current_object()  # type: ignore[attr-defined]
            return await app.ensure_async(view)(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def cors_exempt(func: View) -> View:
    """Leave this view (HTTP or WebSocket) out of ``cors(app)`` and ``cors(blueprint)``.

    Its responses get no CORS headers, not even ``Vary``, and its WebSocket
    handshakes are not checked. ``route_cors`` and ``websocket_cors`` still apply.
    """
    setattr(func, QUART_CORS_EXEMPT_ATTRIBUTE, True)
    return func
