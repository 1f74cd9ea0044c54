"""``CORS``: the Flask-CORS compatible extension, installing the WSGI shell.

Precedence, as in Flask-CORS: a ``cross_origin`` view decides for itself, then
the innermost blueprint with ``CORS(blueprint)`` whose resources cover the
path, then the app's ``CORS(app)`` policies. Every ``CORS(app)`` call on one
app adds its resources to one table (one middleware), most specific pattern
first, a later call winning for the same pattern. The middleware answers the
app's preflights itself, and hands to Flask those that a decorated view or a
blueprint decides (``app_answers_preflight``).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union, cast

from flask import Blueprint, Flask, Response
from werkzeug.exceptions import HTTPException

from ..compat.flask_cors import FLASK_DEFAULTS, build_config, combine_configs, config_options
from ..core.codec import WSGI_CODEC, StrHeader
from ..core.config import CORSConfig
from ..core.engine import Engine
from ..core.resources import wsgi_path
from ..wsgi import CORSMiddleware
from .responses import DECORATED_VIEWS, already_handled, apply_engine

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

#: The engines of ``CORS(blueprint)`` calls, innermost call last, by blueprint.
BLUEPRINT_ENGINES: weakref.WeakKeyDictionary[Blueprint, List[Engine[StrHeader, str]]] = (
    weakref.WeakKeyDictionary()
)

_STATE_KEY = "wsgi_cors.flask"


def flask_decides_preflight(flask_app: Flask, environ: WSGIEnvironment) -> bool:
    """Whether Flask decides this preflight: its route is a ``cross_origin`` view, or belongs
    to a blueprint with ``CORS(blueprint)`` whose resources cover the path."""
    if not DECORATED_VIEWS and not BLUEPRINT_ENGINES:
        return False
    try:
        endpoint, _ = flask_app.url_map.bind_to_environ(environ).match(
            method=environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        )
    except (HTTPException, LookupError, ValueError):
        return False
    view = flask_app.view_functions.get(str(endpoint))
    if view is not None and view in DECORATED_VIEWS:
        return True
    path = environ.get("PATH_INFO", "")
    name = str(endpoint).rpartition(".")[0]
    while name:  # the blueprint of the endpoint, then each parent: request.blueprints
        blueprint = flask_app.blueprints.get(name)
        engines = BLUEPRINT_ENGINES.get(cast(Blueprint, blueprint)) if blueprint else None
        if engines and any(engine.policy_for(path) is not None for engine in engines):
            return True
        name = name.rpartition(".")[0]
    return False


class _AppState:
    """One app's ``CORS(app)`` configurations and the middleware that combines them."""

    def __init__(self) -> None:
        self.configs: List[CORSConfig] = []
        self.middleware: Optional[CORSMiddleware] = None


class CORS:
    """Flask-CORS's ``CORS`` extension, backed by :class:`~wsgi_cors.CORSMiddleware`.

    ``CORS(app, **options)`` or ``CORS(**options).init_app(app, **more)``, for
    any number of apps or blueprints. Options resolve as in Flask-CORS:
    defaults < ``app.config["CORS_*"]`` < constructor < ``init_app`` <
    per-resource options, and are validated here: a mistake raises one
    :class:`~wsgi_cors.ConfigError` naming the keyword or the ``CORS_*`` key
    you wrote. On an app, the middleware is installed on ``app.wsgi_app``, so
    preflights are answered before routing and ``before_request`` hooks;
    calling ``CORS(app, ...)`` again adds its resources to the same table. On a
    blueprint, its ``after_request`` hook applies the blueprint's policy to the
    blueprint's responses, preflights included: it wins over the app's.

    The options and defaults are Flask-CORS's (``origins="*"``,
    ``send_wildcard=False``, ``supports_credentials=False``, ``resources=r"/*"``,
    ...); what differs from Flask-CORS is in ``docs/migrating/flask-cors.md``::

        from wsgi_cors.flask import CORS

        CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}},
             supports_credentials=True)
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
        flask_config = build_config(
            options,
            from_app_config=set(config) - set(given),
            keywords=given,
            call="CORS(app, {})" if isinstance(app, Flask) else "CORS(blueprint, {})",
        )
        if isinstance(app, Flask):
            self._install(app, flask_config.config)
            return
        engine = Engine(flask_config.config, WSGI_CODEC, wsgi_path)
        BLUEPRINT_ENGINES.setdefault(app, []).append(engine)

        def add_cors(response: Response) -> Response:
            if not already_handled():
                apply_engine(engine, response)
            return response

        app.after_request(add_cors)

    def _install(self, app: Flask, config: CORSConfig) -> None:
        state = app.extensions.get(_STATE_KEY)
        if not isinstance(state, _AppState):
            state = app.extensions[_STATE_KEY] = _AppState()
        state.configs.append(config)
        combined = combine_configs(state.configs)
        inner: WSGIApplication = app.wsgi_app
        if state.middleware is not None and inner is state.middleware:
            # Our middleware is still the outermost layer: rebuild it with the combined table.
            inner = state.middleware.app
        state.middleware = CORSMiddleware(
            inner,
            config=combined,
            app_answers_preflight=lambda environ: flask_decides_preflight(app, environ),
        )
        app.wsgi_app = state.middleware  # type: ignore[method-assign]
        app.extensions["wsgi_cors"] = self
