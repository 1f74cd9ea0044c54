"""A drop-in replacement for Quart-CORS, built on the ASGI shell and the engine.

Change ``from quart_cors import cors, route_cors, websocket_cors, cors_exempt`` to
``from wsgi_cors.quart import cors, route_cors, websocket_cors, cors_exempt``.
The options, their defaults and the ``QUART_CORS_*`` config keys are Quart-CORS's;
what differs is listed in ``docs/migrating/quart-cors.md``.
"""

from .._version import __version__
from ..compat.quart_cors import CONFIG_DEFAULTS as DEFAULTS
from .decorators import QUART_CORS_EXEMPT_ATTRIBUTE, cors_exempt, route_cors, websocket_cors
from .extension import cors

__all__ = [
    "DEFAULTS",
    "QUART_CORS_EXEMPT_ATTRIBUTE",
    "__version__",
    "cors",
    "cors_exempt",
    "route_cors",
    "websocket_cors",
]
