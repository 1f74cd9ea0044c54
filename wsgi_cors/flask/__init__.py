"""A drop-in replacement for the Flask-CORS extension, built on :class:`~wsgi_cors.CORSMiddleware`.

Change ``from flask_cors import CORS, cross_origin`` to
``from wsgi_cors.flask import CORS, cross_origin``. The options, defaults and
``CORS_*`` config keys are Flask-CORS's; what differs is listed in
``docs/migrating/flask-cors.md``.
"""

from .._version import __version__
from ..core.options import ALL_METHODS
from .decorator import cross_origin
from .extension import CORS

__all__ = ["ALL_METHODS", "CORS", "__version__", "cross_origin"]
