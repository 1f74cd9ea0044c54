"""``CORS``: the Flask-CORS compatible extension, installing the core middleware."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Union

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException

from ..errors import Problems
from ..middleware import CORSMiddleware
from ..policy import Policy
from ..resources import build_resource_table
from .options import FLASK_DEFAULTS, config_options, to_core_options, to_core_resources
from .responses import already_handled, apply_policy

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

#: Set on a view function by ``cross_origin``: its own options decide CORS.
DECORATED_ATTRIBUTE = "_wsgi_cors_decorated"

_decorated_views = 0


def mark_decorated(view: object) -> None:
    """Mark ``view`` as deciding CORS itself (``cross_origin``)."""
    global _decorated_views
    setattr(view, DECORATED_ATTRIBUTE, True)
    _decorated_views += 1


def core_options(options: Dict[str, Any]) -> Dict[str, Any]:
    """Translate resolved Flask-CORS options (with ``resources``) into core options.

    Raises :class:`~wsgi_cors.ConfigError` for a problem found while translating;
    the core reports everything else when the middleware is built.
    """
    problems = Problems()
    core = to_core_options(options, problems)
    core["resources"] = to_core_resources(options["resources"], problems)
    # Flask itself turns a view's exception into a 500 response, which the shim
    # decorates; when Flask propagates instead (testing, debug), so do we, as
    # Flask-CORS does.
    core["intercept_exceptions"] = False
    problems.raise_if_any()
    return core


class FlaskCORSMiddleware(CORSMiddleware):
    """The core middleware, handing preflights of ``cross_origin`` views to Flask."""

    def __init__(self, app: WSGIApplication, *, flask_app: Flask, **options: Any) -> None:
        super().__init__(app, **options)
        self.flask_app = flask_app

    _may_hand_preflights_to_app = True

    def _hands_preflight_to_app(
        self, policy: Policy, environ: WSGIEnvironment, request_method: str
    ) -> bool:
        """Preflights of ``cross_origin`` views go to Flask, where the decorator answers them."""
        if not _decorated_views:
            return False
        try:
            endpoint, _ = self.flask_app.url_map.bind_to_environ(environ).match(
                method=request_method
            )
        except (HTTPException, LookupError, ValueError):
            return False
        view = self.flask_app.view_functions.get(str(endpoint))
        return bool(getattr(view, DECORATED_ATTRIBUTE, False))


class CORS:
    """Flask-CORS's ``CORS`` extension, backed by :class:`~wsgi_cors.CORSMiddleware`.

    ``CORS(app, **options)`` or ``CORS(**options).init_app(app, **more)``, for
    any number of apps or blueprints. Options resolve as in Flask-CORS:
    defaults < ``app.config["CORS_*"]`` < constructor < ``init_app`` <
    per-resource options. On an app, the core middleware is installed on
    ``app.wsgi_app``, so preflights are answered before routing and
    ``before_request`` hooks. On a blueprint, its ``after_request`` hook applies
    the same policy to the blueprint's responses.
    """

    def __init__(self, app: Union[Flask, Blueprint, None] = None, **kwargs: Any) -> None:
        self._options = kwargs
        if app is not None:
            self.init_app(app, **kwargs)

    def init_app(self, app: Union[Flask, Blueprint], **kwargs: Any) -> None:
        """Install CORS on ``app`` (a Flask app or a blueprint)."""
        config = config_options(app.config) if isinstance(app, Flask) else {}
        options = {**FLASK_DEFAULTS, **config, **self._options, **kwargs}
        core = core_options(options)
        if isinstance(app, Flask):
            app.wsgi_app = FlaskCORSMiddleware(  # type: ignore[method-assign]
                app.wsgi_app, flask_app=app, **{**core, "automatic_options": True}
            )
            app.extensions["wsgi_cors"] = self
            return
        _, table = build_resource_table({**core, "automatic_options": True})

        def add_cors(response: Response) -> Response:
            if not already_handled():
                policy = table.select(request.environ.get("PATH_INFO", ""))
                if policy is not None:
                    apply_policy(policy, response)
            return response

        app.after_request(add_cors)


def resolve_for_decorator(app: Optional[Flask], kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Options of a ``cross_origin`` view: defaults < app config < decorator kwargs."""
    config = config_options(app.config) if app is not None else {}
    options = {**FLASK_DEFAULTS, **config, **kwargs}
    options["resources"] = None
    problems = Problems()
    core = to_core_options(options, problems)
    core["resources"] = None
    core["intercept_exceptions"] = False
    problems.raise_if_any()
    return core
