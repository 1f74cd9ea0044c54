"""``cors(app_or_blueprint, **options)``: Quart-CORS's entry point.

On an app it installs :class:`~wsgi_cors.quart.middleware.QuartCORSMiddleware`
on ``app.asgi_app`` (preflights answered before Quart's hooks), a first
``before_request`` function that marks ``cors_exempt`` views, and a ``before_websocket``
origin check. On a blueprint it registers an ``after_request`` hook deciding
with the engine, and the same WebSocket check.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any, Dict, Iterable, Optional, TypeVar, Union

from quart import Blueprint, Quart, current_app, request, websocket
from quart.typing import ResponseTypes

from ..compat.quart_cors import check_keywords, given_options, resolve
from .decorators import AllowOrigin, is_exempt
from .middleware import BLUEPRINT_HOOK_ATTRIBUTE, QuartCORSMiddleware
from .responses import already_handled, apply_cors, mark_handled
from .source import PolicySource
from .websockets import check_websocket_origin

AppOrBlueprint = TypeVar("AppOrBlueprint", Quart, Blueprint)

#: Where ``cors(app)`` keeps its middleware, in ``app.extensions``.
EXTENSION_KEY = "wsgi_cors.quart"


def cors(
    app_or_blueprint: AppOrBlueprint,
    *,
    allow_credentials: Optional[bool] = None,
    allow_headers: Optional[Iterable[str]] = None,
    allow_methods: Optional[Iterable[str]] = None,
    allow_origin: AllowOrigin = None,
    expose_headers: Optional[Iterable[str]] = None,
    max_age: Union[timedelta, float, str, None] = None,
    send_origin_wildcard: Optional[bool] = None,
) -> AppOrBlueprint:
    """Apply CORS to every route of a Quart app or blueprint, and return it.

    Options not given (``None``) come from ``app.config["QUART_CORS_*"]``, then
    Quart-CORS's defaults; an explicit ``False`` is honoured. They are
    validated now: on an app against its config as it is now, so
    ``cors(app, allow_credentials=True)`` without ``allow_origin`` raises
    :class:`~wsgi_cors.ConfigError`. Config changed later is read when the next
    request arrives; if it makes the whole invalid, requests get 500 and the
    problem is logged. Calling ``cors(app)`` again replaces the HTTP policy
    (the later call wins) and adds a second WebSocket check.

    The options are Quart-CORS's: ``allow_origin`` (default ``"*"``),
    ``allow_credentials`` (``False``), ``allow_methods`` (every common method),
    ``allow_headers`` (``"*"``), ``expose_headers`` (none), ``max_age`` (none),
    ``send_origin_wildcard`` (``True``). What differs from Quart-CORS is in
    ``docs/migrating/quart-cors.md``::

        from wsgi_cors.quart import cors

        app = cors(app, allow_origin=["https://app.example.com"], allow_credentials=True)
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
    if isinstance(app_or_blueprint, Quart):
        resolve(keywords, app_or_blueprint.config)
        _install_on_app(app_or_blueprint, keywords)
    else:
        _install_on_blueprint(app_or_blueprint, keywords)
    websocket_source = PolicySource(keywords, websocket_only=True)
    app_or_blueprint.before_websocket(functools.partial(_check_websocket, websocket_source))
    return app_or_blueprint


def _install_on_app(app: Quart, keywords: Dict[str, Any]) -> None:
    source = PolicySource(keywords)
    installed = app.extensions.get(EXTENSION_KEY)
    if isinstance(installed, QuartCORSMiddleware):
        installed.source = source
        return
    middleware = QuartCORSMiddleware(app.asgi_app, app, source)  # type: ignore[arg-type]
    app.asgi_app = middleware  # type: ignore[method-assign,assignment]
    app.extensions[EXTENSION_KEY] = middleware
    # First of the app's before_request functions, so an earlier hook that aborts (say, with
    # 401) cannot keep an exempt view's response from being marked. Quart 0.22 calls URL-value
    # preprocessors with the request's endpoint during WebSocket handshakes too, which fails,
    # so one cannot be used here.
    app.before_request_funcs.setdefault(None, []).insert(0, _mark_exempt)


def _install_on_blueprint(blueprint: Blueprint, keywords: Dict[str, Any]) -> None:
    source = PolicySource(keywords)

    async def add_cors(response: ResponseTypes) -> ResponseTypes:
        if already_handled():
            return response
        if is_exempt(current_app.view_functions.get(request.endpoint or "")):
            mark_handled()
            return response
        apply_cors(source.engine(current_app._get_current_object()), response)  # type: ignore[attr-defined]
        return response

    setattr(add_cors, BLUEPRINT_HOOK_ATTRIBUTE, True)
    blueprint.after_request(add_cors)


async def _mark_exempt() -> None:
    """A ``cors_exempt`` view's response gets nothing from the shell (a ``before_request``)."""
    endpoint = request.endpoint
    if endpoint is not None and is_exempt(current_app.view_functions.get(endpoint)):
        mark_handled()


async def _check_websocket(source: PolicySource) -> None:
    if is_exempt(current_app.view_functions.get(websocket.endpoint or "")):
        return
    check_websocket_origin(source)
