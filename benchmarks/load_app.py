"""The apps the load test serves: bare and wrapped, for WSGI (gunicorn) and ASGI (uvicorn).

All of them answer every request with the same trivial response; the wrapped ones add the
benchmark policy of ``scenarios.py``. ``load_test.py`` serves them as ``gunicorn --chdir
benchmarks load_app:bare`` and ``load_app:wrapped`` (``CORSMiddleware``), or ``uvicorn
--app-dir benchmarks load_app:asgi_bare`` and ``load_app:asgi_wrapped``
(``wsgi_cors.asgi.CORSMiddleware``).
"""

from __future__ import annotations

from harness import ASGIApp, WSGIApp
from scenarios import ALLOWED_ORIGINS, OriginPolicy
from stacks import trivial_app, trivial_asgi_app, wsgi_cors_options

from wsgi_cors import CORSMiddleware
from wsgi_cors.asgi import CORSMiddleware as ASGICORSMiddleware

_OPTIONS = wsgi_cors_options(OriginPolicy("exact", exact=ALLOWED_ORIGINS))

bare: WSGIApp = trivial_app
wrapped: WSGIApp = CORSMiddleware(trivial_app, **_OPTIONS)

asgi_bare: ASGIApp = trivial_asgi_app
asgi_wrapped: ASGIApp = ASGICORSMiddleware(trivial_asgi_app, **_OPTIONS)
