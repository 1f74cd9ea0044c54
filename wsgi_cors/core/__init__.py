"""The sans-IO CORS engine: configuration, problems, policies and decisions.

Nothing in this package imports a server interface or a framework; the WSGI
and ASGI shells and the framework adapters are built on it.
"""

from .codec import ASGI_CODEC, WSGI_CODEC, ASGICodec, HeaderCodec, WSGICodec
from .config import BOOLEAN_OPTIONS, DEFAULTS, OPTION_NAMES, CORSConfig
from .engine import CORSRequest, Decision, Engine
from .options import ALL_METHODS, CORSOptions, ResourceOptions
from .policy import Policy, PreflightAnswer
from .problems import CODES, ConfigError, Problem

__all__ = [
    "ALL_METHODS",
    "ASGI_CODEC",
    "BOOLEAN_OPTIONS",
    "CODES",
    "DEFAULTS",
    "OPTION_NAMES",
    "WSGI_CODEC",
    "ASGICodec",
    "CORSConfig",
    "CORSOptions",
    "CORSRequest",
    "ConfigError",
    "Decision",
    "Engine",
    "HeaderCodec",
    "Policy",
    "PreflightAnswer",
    "Problem",
    "ResourceOptions",
    "WSGICodec",
]
