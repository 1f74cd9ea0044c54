"""A single-file Django project whose WSGI application is wrapped in ``CORSMiddleware``.

In a regular project the wrapping goes in ``mysite/wsgi.py`` (see docs/getting-started.md).
Run it (serves http://127.0.0.1:8001 with ``wsgiref``; ``--port`` picks another port)::

    python examples/django_app.py --port 8001
"""

from __future__ import annotations

import argparse
from wsgiref.simple_server import make_server

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from wsgi_cors import CORSMiddleware

settings.configure(
    DEBUG=False,
    SECRET_KEY="example-only-not-secret",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
)


@require_GET
def items(request: HttpRequest) -> HttpResponse:
    return JsonResponse(["apple", "pear"], safe=False)


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug: Django answers 500, and the page can still read it")


urlpatterns = [path("api/items", items), path("api/broken", broken)]

application = CORSMiddleware(
    get_wsgi_application(),
    origins=["https://app.example.com"],
    supports_credentials=True,
    resources={"/api/*": {}},
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    port = parser.parse_args().port
    with make_server("127.0.0.1", port, application) as server:
        print(f"Serving on http://127.0.0.1:{port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
