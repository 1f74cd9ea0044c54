"""``cross_origin``: Flask-CORS's per-view decorator, deciding with the engine."""

from __future__ import annotations

import functools
import logging
import weakref
from typing import Any, Callable, Dict, TypeVar

from flask import Flask, current_app, make_response, request

from ..compat.flask_cors import DECORATOR_CALL, FLASK_DEFAULTS, build_config, config_options
from ..core.codec import WSGI_CODEC, StrHeader
from ..core.engine import Engine
from ..core.resources import wsgi_path
from .responses import DECORATED_VIEWS, apply_engine

logger = logging.getLogger("wsgi_cors.flask")

View = TypeVar("View", bound=Callable[..., Any])


def cross_origin(*args: Any, **kwargs: Any) -> Callable[[View], View]:
    """Decorate a view with its own CORS options (Flask-CORS's ``cross_origin``).

    Put it below ``@app.route``. Options are Flask-CORS's; they are validated
    here, at decoration, and the policy is built once per app on first use
    (defaults < ``app.config["CORS_*"]`` < these kwargs). With
    ``automatic_options=True`` (the default) the view answers ``OPTIONS`` with
    Flask's default options response plus the preflight headers, without
    running the view. The decorator's decision wins over a ``CORS`` extension
    on the same app, for preflights too::

        @app.route("/widgets")
        @cross_origin(origins=["https://widgets.example.com"], max_age=600)
        def widgets():
            ...
    """
    if "resources" in kwargs:
        logger.warning("cross_origin ignores the 'resources' option, as Flask-CORS does")
        kwargs = {key: value for key, value in kwargs.items() if key != "resources"}
    checked = build_config(
        {**FLASK_DEFAULTS, **kwargs},
        with_resources=False,
        keywords=kwargs,
        call=DECORATOR_CALL,
    )
    automatic_options = checked.automatic_options
    engines: weakref.WeakKeyDictionary[Flask, Engine[StrHeader, str]] = weakref.WeakKeyDictionary()

    def engine_for(app: Flask) -> Engine[StrHeader, str]:
        engine = engines.get(app)
        if engine is None:
            config: Dict[str, Any] = config_options(app.config)
            resolved = build_config(
                {**FLASK_DEFAULTS, **config, **kwargs},
                from_app_config=set(config) - set(kwargs),
                with_resources=False,
                keywords=kwargs,
                call=DECORATOR_CALL,
            )
            engine = engines[app] = Engine(resolved.config, WSGI_CODEC, wsgi_path)
        return engine

    def decorator(view: View) -> View:
        if automatic_options:
            methods = set(getattr(view, "required_methods", ()))
            methods.add("OPTIONS")
            view.required_methods = methods  # type: ignore[attr-defined]
            view.provide_automatic_options = False  # type: ignore[attr-defined]

        @functools.wraps(view)
        def wrapped(*view_args: Any, **view_kwargs: Any) -> Any:
            app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
            if automatic_options and request.method == "OPTIONS":
                response = app.make_default_options_response()
            else:
                response = make_response(app.ensure_sync(view)(*view_args, **view_kwargs))
            apply_engine(engine_for(app), response)
            return response

        DECORATED_VIEWS.add(wrapped)
        return wrapped  # type: ignore[return-value]

    return decorator
