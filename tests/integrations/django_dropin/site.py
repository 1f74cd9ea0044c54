"""A one-page Django project for the drop-in's tests: its URL conf, views and base settings.

Django's settings are process-wide; :func:`configure` sets them up once (or keeps whatever
another test module configured) and every test applies what it needs with
``override_settings``.
"""

from __future__ import annotations

from typing import Any, Dict

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path

ALLOWED = "https://app.example.com"
OTHER = "https://other.example.com"

BASE: Dict[str, Any] = {
    "ROOT_URLCONF": __name__,
    "MIDDLEWARE": [
        "wsgi_cors.django.CorsMiddleware",
        "django.middleware.common.CommonMiddleware",
    ],
    "ALLOWED_HOSTS": ["testserver", "localhost", "127.0.0.1"],
    "CORS_ALLOWED_ORIGINS": [ALLOWED],
}


def configure() -> None:
    """Configure Django once per process (a no-op when it is configured already)."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="tests-only",
            INSTALLED_APPS=["django.contrib.contenttypes", "wsgi_cors.django"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            USE_TZ=True,
            **BASE,
        )
    django.setup()


def hello(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"method": request.method, "path": request.path})


async def hello_async(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"method": request.method, "async": True})


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


def vary_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    response["Vary"] = "Accept-Encoding"
    return response


def own_cors(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    response["Access-Control-Allow-Origin"] = "https://mine.example.com"
    return response


def stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(iter([b"a", b"b"]))


urlpatterns = [
    path("api/items", hello),
    path("api/async", hello_async),
    path("api/boom", boom),
    path("api/vary", vary_view),
    path("api/own", own_cors),
    path("api/stream", stream),
    path("slash/", hello),
    path("public/items", hello),
]
