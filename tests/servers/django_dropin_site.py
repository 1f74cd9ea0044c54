"""A small Django project in one module for ``wsgi_cors.django.CorsMiddleware`` on real servers.

Its settings are the README's (``"wsgi_cors.django.CorsMiddleware"`` above ``CommonMiddleware``
in ``MIDDLEWARE``, ``"wsgi_cors.django"`` in ``INSTALLED_APPS``, django-cors-headers'
``CORS_*`` settings), so that gunicorn serves :func:`make_wsgi` and uvicorn :func:`make_asgi`
(``DJANGO_SETTINGS_MODULE=servers.django_dropin_site``), and the browser suite serves the same
URL conf and views in its own process with :func:`settings_for` applied by
``override_settings``. Unlike ``servers.asgi_django_site``, no ASGI middleware is wrapped
around Django: the CORS headers come from ``settings.MIDDLEWARE`` alone.

Every view's response carries ``X-View: <name>``, so a response that lacks it (a preflight the
middleware answered, Django's 404) shows on the wire that no view ran. The routes:

* ``/api/items/<key>``: echoes the request as JSON (method, key, origin, the ``session``
  cookie, ``X-Custom``, the request class), with ``X-Total`` (exposed) and ``X-Secret`` (not);
  it answers every method, OPTIONS included, so a preflight that reached it would show;
* ``/api/async/<key>``: the same from an ``async def`` view;
* ``/api/login/<key>``: sets the cookie ``session=<key>``;
* ``/api/boom``: raises :class:`ViewBugError` (Django answers its own 500);
* ``/api/stream`` and ``/api/astream``: :data:`STREAM_CHUNKS` from a ``StreamingHttpResponse``,
  from a sync iterator and from an async one;
* ``/public/items/<key>``: outside ``CORS_URLS_REGEX``.
"""

from __future__ import annotations

import json
import os
from typing import Any, AsyncIterator, Dict, Iterator, List

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path

from wsgi_cors.compat.django_cors_headers import DEFAULT_HEADERS

ALLOWED = "https://app.example.com"
REFUSED = "https://evil.example.net"
#: The header every view's response carries (a response without it came from no view).
VIEW_HEADER = "X-View"
#: django-cors-headers' default allowed headers, plus the app's own ``x-custom``.
ALLOW_HEADERS = [*DEFAULT_HEADERS, "x-custom"]
EXPOSE_HEADERS = ["X-Total"]
MAX_AGE = 600
#: 200 numbered chunks of 1 KiB: a body that a server would have to stream in pieces.
STREAM_CHUNKS = [f"{index:04d}".encode() * 256 for index in range(200)]

# --- settings ------------------------------------------------------------------------------

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS = ["wsgi_cors.django"]
MIDDLEWARE = [
    "wsgi_cors.django.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]
USE_TZ = True
#: Errors (the 500's traceback) go to the server's output, not to mail.
LOGGING_CONFIG = None

CORS_ALLOWED_ORIGINS = [ALLOWED]
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_HEADERS = ALLOW_HEADERS
CORS_EXPOSE_HEADERS = EXPOSE_HEADERS
CORS_PREFLIGHT_MAX_AGE = MAX_AGE


def settings_for(origins: List[str]) -> Dict[str, Any]:
    """This project's request-time settings, allowing ``origins``, for ``override_settings``."""
    return {
        "DEBUG": DEBUG,
        "ALLOWED_HOSTS": ALLOWED_HOSTS,
        "ROOT_URLCONF": ROOT_URLCONF,
        "MIDDLEWARE": MIDDLEWARE,
        "CORS_ALLOWED_ORIGINS": origins,
        "CORS_ALLOW_CREDENTIALS": CORS_ALLOW_CREDENTIALS,
        "CORS_URLS_REGEX": CORS_URLS_REGEX,
        "CORS_ALLOW_HEADERS": CORS_ALLOW_HEADERS,
        "CORS_EXPOSE_HEADERS": CORS_EXPOSE_HEADERS,
        "CORS_PREFLIGHT_MAX_AGE": CORS_PREFLIGHT_MAX_AGE,
    }


# --- the servers' entry points ---------------------------------------------------------------


def make_wsgi() -> Any:
    """Django's WSGI application for this project (gunicorn: ``...:make_wsgi()``)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = __name__
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def make_asgi() -> Any:
    """Django's ASGI application for this project (uvicorn: ``--factory ...:make_asgi``)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = __name__
    from django.core.asgi import get_asgi_application

    return get_asgi_application()


# --- views ---------------------------------------------------------------------------------


class ViewBugError(RuntimeError):
    """What ``/api/boom`` raises."""


def _echo(request: HttpRequest, key: str, view: str) -> HttpResponse:
    echo = {
        "method": request.method,
        "key": key,
        "origin": request.headers.get("Origin"),
        "cookie": request.COOKIES.get("session"),
        "custom": request.headers.get("X-Custom"),
        "body": request.body.decode(),
        "request": type(request).__name__,
    }
    response = HttpResponse(json.dumps(echo), content_type="application/json")
    response[VIEW_HEADER] = view
    response["X-Total"] = "42"
    response["X-Secret"] = "hidden"
    return response


def items(request: HttpRequest, key: str) -> HttpResponse:
    return _echo(request, key, "items")


async def items_async(request: HttpRequest, key: str) -> HttpResponse:
    return _echo(request, key, "async")


def login(request: HttpRequest, key: str) -> HttpResponse:
    response = HttpResponse(b"logged in", content_type="text/plain")
    response[VIEW_HEADER] = "login"
    response.set_cookie("session", key, samesite="Lax", httponly=True)
    return response


def boom(request: HttpRequest) -> HttpResponse:
    raise ViewBugError("a bug in a Django view")


def _streaming(chunks: Any, view: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/plain")
    response[VIEW_HEADER] = view
    return response


def stream(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[bytes]:
        yield from STREAM_CHUNKS

    return _streaming(chunks(), "stream")


async def astream(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for chunk in STREAM_CHUNKS:
            yield chunk

    return _streaming(chunks(), "astream")


def public(request: HttpRequest, key: str) -> HttpResponse:
    return _echo(request, key, "public")


urlpatterns = [
    path("api/items/<str:key>", items),
    path("api/async/<str:key>", items_async),
    path("api/login/<str:key>", login),
    path("api/boom", boom),
    path("api/stream", stream),
    path("api/astream", astream),
    path("public/items/<str:key>", public),
]
