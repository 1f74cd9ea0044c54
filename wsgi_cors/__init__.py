"""wsgi_cors: a strict, precomputed CORS layer for any WSGI application."""

from ._version import __version__
from .core.config import CORSConfig
from .core.options import ALL_METHODS, CORSOptions, ResourceOptions
from .core.problems import CODES, ConfigError, Problem
from .wsgi import ALREADY_HANDLED_KEY, CORSMiddleware

__all__ = [
    "ALL_METHODS",
    "ALREADY_HANDLED_KEY",
    "CODES",
    "CORSConfig",
    "CORSMiddleware",
    "CORSOptions",
    "ConfigError",
    "Problem",
    "ResourceOptions",
    "__version__",
]
