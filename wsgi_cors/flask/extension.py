"""``CORS``: the Flask-CORS compatible extension, installing the WSGI shell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Union

from flask import Blueprint, Flask, Response
from werkzeug.exceptions import HTTPException

from ..compat.flask_cors import FLASK_DEFAULTS, build_config, config_options
from ..core.codec import WSGI_CODEC
from ..core.engine import Engine
from ..core.resources import wsgi_path
from ..wsgi import CORSMiddleware
from .responses import DECORATED_VIEWS, already_handled, apply_engine

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


def decorated_view_answers(flask_app: Flask, environ: WSGIEnvironment) -> bool:
    """Whether this preflight's route is a ``cross_origin`` view, which answers it itself."""
    if not DECORATED_VIEWS:
        return False
    try:
        endpoint, _ = flask_app.url_map.bind_to_environ(environ).match(
            method=environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        )
    except (HTTPException, LookupError, ValueError):
        return False
    view = flask_app.view_functions.get(str(endpoint))
    return view is not None and view in DECORATED_VIEWS


class CORS:
    """Flask-CORS's ``CORS`` extension, backed by :class:`~wsgi_cors.CORSMiddleware`.

    ``CORS(app, **options)`` or ``CORS(**options).init_app(app, **more)``, for
    any number of apps or blueprints. Options resolve as in Flask-CORS:
    defaults < ``app.config["CORS_*"]`` < constructor < ``init_app`` <
    per-resource options, and are validated here: a mistake raises one
    :class:`~wsgi_cors.ConfigError` naming the keyword or the ``CORS_*`` key
    you wrote. On an app, the middleware is installed on ``app.wsgi_app``, so
    preflights are answered before routing and ``before_request`` hooks. On a
    blueprint, its ``after_request`` hook applies the same policy to the
    blueprint's responses.
    """

    def __init__(self, app: Union[Flask, Blueprint, None] = None, **kwargs: Any) -> None:
        self._options = kwargs
        if app is not None:
            self.init_app(app, **kwargs)

    def init_app(self, app: Union[Flask, Blueprint], **kwargs: Any) -> None:
        """Install CORS on ``app`` (a Flask app or a blueprint)."""
        config: Dict[str, Any] = config_options(app.config) if isinstance(app, Flask) else {}
        given = {**self._options, **kwargs}
        options = {**FLASK_DEFAULTS, **config, **given}
        # The extension answers every preflight, as Flask-CORS does: automatic_options is
        # validated, then left to cross_origin, the only place Flask-CORS reads it.
        flask_config = build_config(options, from_app_config=set(config) - set(given))
        if isinstance(app, Flask):
            flask_app = app
            app.wsgi_app = CORSMiddleware(  # type: ignore[method-assign]
                app.wsgi_app,
                config=flask_config.config,
                app_answers_preflight=lambda environ: decorated_view_answers(flask_app, environ),
            )
            app.extensions["wsgi_cors"] = self
            return
        engine = Engine(flask_config.config, WSGI_CODEC, wsgi_path)

        def add_cors(response: Response) -> Response:
            if not already_handled():
                apply_engine(engine, response)
            return response

        app.after_request(add_cors)
