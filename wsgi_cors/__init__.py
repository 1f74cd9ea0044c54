"""wsgi_cors: a strict, precomputed CORS middleware for any WSGI application."""

from ._version import __version__
from .errors import ConfigError
from .middleware import CORSMiddleware
from .options import ALL_METHODS

__all__ = ["ALL_METHODS", "CORSMiddleware", "ConfigError", "__version__"]
