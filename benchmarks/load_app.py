"""The two WSGI apps the load test serves: ``bare`` and ``wrapped`` (``CORSMiddleware``).

Both answer every request with the same trivial response; ``wrapped`` adds the benchmark
policy of ``scenarios.py``. Served by ``load_test.py`` as ``gunicorn --chdir benchmarks
load_app:bare`` and ``load_app:wrapped``.
"""

from __future__ import annotations

from harness import WSGIApp
from scenarios import ALLOWED_ORIGINS, OriginPolicy
from stacks import trivial_app, wsgi_cors_options

from wsgi_cors import CORSMiddleware

bare: WSGIApp = trivial_app
wrapped: WSGIApp = CORSMiddleware(
    trivial_app, **wsgi_cors_options(OriginPolicy("exact", exact=ALLOWED_ORIGINS))
)
