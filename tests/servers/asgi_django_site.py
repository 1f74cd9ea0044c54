"""A minimal Django project in one module: the settings, the URL conf and the views that
``servers.asgi_apps.make_django`` serves (``DJANGO_SETTINGS_MODULE=servers.asgi_django_site``).

The routes are those of the other frameworks (see ``servers.asgi_apps``), without the
WebSocket one: Django's own ASGI handler serves HTTP only. No Django middleware: the responses
are the views' own, plus what the CORS middleware adds.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path
from django.utils.cache import patch_vary_headers

from servers.asgi_apps import (
    APP_HEADER,
    ITEMS_BODY,
    OPTIONS_BODY,
    OTHER_BODY,
    VARY_BODY,
    AppBugError,
    digest,
    gate_name,
    stream_chunks,
    where,
)

# --- settings ------------------------------------------------------------------------------

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = __name__
INSTALLED_APPS: list = []
MIDDLEWARE: list = []
USE_TZ = True
#: The large-body test posts 5 MB; Django's default refuses more than 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024
#: Errors go to the server's output, not to mail.
LOGGING_CONFIG = None

# --- views ---------------------------------------------------------------------------------


def _response(body: bytes, content_type: str = "text/plain") -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response[APP_HEADER[0]] = APP_HEADER[1]
    return response


def items(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _response(OPTIONS_BODY)
    response = _response(ITEMS_BODY, "application/json")
    response["X-Total-Count"] = "2"
    return response


def vary(request: HttpRequest) -> HttpResponse:
    response = _response(VARY_BODY)
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def where_called(request: HttpRequest) -> HttpResponse:
    return _response(where(request.scope))  # type: ignore[attr-defined]


def error(request: HttpRequest) -> Any:
    raise AppBugError("a bug in a Django view")


def digest_body(request: HttpRequest) -> HttpResponse:
    return _response(digest(request.body))


def stream(request: HttpRequest) -> StreamingHttpResponse:
    chunks = stream_chunks(gate_name(request.META["QUERY_STRING"].encode("ascii")))
    response = StreamingHttpResponse(chunks, content_type="text/plain")
    response[APP_HEADER[0]] = APP_HEADER[1]
    return response


def other(request: HttpRequest) -> HttpResponse:
    return _response(OTHER_BODY)


urlpatterns = [
    path("api/items", items),
    path("api/vary", vary),
    path("api/where", where_called),
    path("api/error", error),
    path("api/digest", digest_body),
    path("api/stream", stream),
    path("other", other),
]
