"""The ASGI layer of ``cors(app)``: the shell, rebuilt when the ``QUART_CORS_*`` config changes.

:class:`QuartCORSMiddleware` wraps ``app.asgi_app``. For each HTTP request it
takes the shell (:class:`wsgi_cors.asgi.CORSMiddleware`) of the app's current
config, so preflights are answered before Quart's routing, ``before_request``
hooks and 404s. Preflights that a Quart-side layer decides (a ``route_cors``
view, a ``cors_exempt`` view, a blueprint with ``cors(blueprint)``) are handed
to Quart through the shell's ``app_answers_preflight`` hook. WebSockets and
lifespan pass through: WebSocket origins are checked by a Quart hook, which
knows about ``cors_exempt``.
"""

from __future__ import annotations

import logging
from typing import Optional

from quart import Quart
from werkzeug.exceptions import HTTPException

from ..asgi import ASGIApp, CORSMiddleware, Receive, Scope, Send, own_path
from ..core.config import CORSConfig
from ..core.problems import ConfigError
from .decorators import ROUTE_CORS_ATTRIBUTE, is_exempt
from .source import PolicySource

logger = logging.getLogger("wsgi_cors.quart")

_ERROR_BODY = b"Internal Server Error\n"
_ERROR_HEADERS = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(_ERROR_BODY)).encode("ascii")),
]
#: Blueprint ``after_request`` functions that ``cors(blueprint)`` registered.
BLUEPRINT_HOOK_ATTRIBUTE = "_wsgi_cors_blueprint_hook"


class QuartCORSMiddleware:
    """The ASGI shell for one Quart app, following the app's ``QUART_CORS_*`` config.

    ``source`` may be replaced (a second ``cors(app)`` call): the later call
    wins, as in Quart-CORS. An invalid configuration answers every HTTP
    request with 500 (the :class:`~wsgi_cors.ConfigError` is logged once per
    config change) instead of raising into the server.
    """

    def __init__(self, app: ASGIApp, quart_app: Quart, source: PolicySource) -> None:
        self.app = app
        self.quart_app = quart_app
        self.source = source
        self._config: Optional[CORSConfig] = None
        self._shell: Optional[CORSMiddleware] = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            shell = self.current_shell()
        except ConfigError:
            await send({"type": "http.response.start", "status": 500, "headers": _ERROR_HEADERS})
            await send({"type": "http.response.body", "body": _ERROR_BODY})
            return
        await shell(scope, receive, send)

    def current_shell(self) -> CORSMiddleware:
        """The shell for the app's config as it is now (raises ConfigError if invalid)."""
        config = self.source.config(self.quart_app)
        if self._shell is None or config is not self._config:
            self._shell = CORSMiddleware(
                self.app, config=config, app_answers_preflight=self.quart_answers_preflight
            )
            self._config = config
        return self._shell

    def quart_answers_preflight(self, scope: Scope) -> bool:
        """Whether the view that Quart routes this ``OPTIONS`` to decides CORS itself."""
        app = self.quart_app
        try:
            adapter = app.url_map.bind(
                _host(scope),
                script_name=scope.get("root_path") or None,
                url_scheme=scope.get("scheme", "http"),
            )
            rule, _ = adapter.match(own_path(scope), method="OPTIONS", return_rule=True)
        except (HTTPException, LookupError, ValueError):
            return False
        endpoint = rule.endpoint
        view = app.view_functions.get(endpoint) if isinstance(endpoint, str) else None
        if view is None:
            return False
        if is_exempt(view):
            return True
        if getattr(view, ROUTE_CORS_ATTRIBUTE, False):
            # The wrapper runs for OPTIONS only when Quart's automatic answer is off for it.
            return "OPTIONS" in (rule.methods or ()) and not getattr(
                rule, "provide_automatic_options", False
            )
        return _blueprint_decides(app, endpoint)


def _host(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return str(value.decode("latin-1"))
    server = scope.get("server")
    return str(server[0]) if server else "localhost"


def _blueprint_decides(app: Quart, endpoint: str) -> bool:
    """Whether a blueprint around ``endpoint`` has a ``cors(blueprint)`` hook."""
    name = endpoint.rpartition(".")[0]
    while name:
        for hook in app.after_request_funcs.get(name, ()):
            if getattr(hook, BLUEPRINT_HOOK_ATTRIBUTE, False):
                return True
        name = name.rpartition(".")[0]
    return False
