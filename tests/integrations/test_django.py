"""Django: the ``mysite/wsgi.py`` of ``docs/getting-started.md``, in a real minimal Django project.

The project (settings, URL conf and views) is written to a temporary directory, and its
``wsgi.py`` is the page's block, byte for byte. The tests drive that WSGI application with
WebTest in this process, and serve the project with gunicorn in a subprocess.
"""

from __future__ import annotations

import importlib
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Iterator, List, Tuple
from wsgiref.validate import validator

import pytest
from webtest import TestApp

from conftest import ALLOWED, OTHER, header_values, preflight_headers
from servers.test_gunicorn import docs_argv, docs_block, free_port, preflight, send, serving

Calls = List[Tuple[str, str]]

GUNICORN_DJANGO = "gunicorn mysite.wsgi --bind 127.0.0.1:8000 --workers 2"

SETTINGS = """\
SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS: list = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
USE_TZ = True
"""

URLS = """\
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.urls import path
from django.views.decorators.vary import vary_on_headers

CALLS = []


@vary_on_headers("Accept-Language")
def items(request):
    CALLS.append(("items", request.method))
    return JsonResponse(["apple", "pear"], safe=False)


def private(request):
    # Answers 401 to everything, OPTIONS included, as an authentication layer would.
    CALLS.append(("private", request.method))
    return HttpResponse("log in first", status=401)


def fails(request):
    return HttpResponseServerError("database unavailable")


def raises(request):
    raise RuntimeError("a bug in a view")


def health(request):
    return HttpResponse("ok")


urlpatterns = [
    path("api/items", items),
    path("api/private", private),
    path("api/fails", fails),
    path("api/raises", raises),
    path("health", health),
]
"""


def write_project(root: Path) -> Path:
    """A minimal Django project whose wsgi.py is the page's."""
    package = root / "mysite"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "settings.py").write_text(SETTINGS, encoding="utf-8")
    (package / "urls.py").write_text(URLS, encoding="utf-8")
    wsgi = docs_block("# mysite/wsgi.py", "python")
    (package / "wsgi.py").write_text(wsgi, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("django_project"))


@pytest.fixture(scope="module")
def django_app(project: Path) -> Iterator[TestApp]:
    """The page's ``application``, imported from the project, in a WebTest client.

    Django settings are process-wide: the first user configures them from
    ``mysite.settings``; if something else configured Django first, the project's
    settings are applied with ``override_settings`` for this module.
    """
    from django.conf import settings
    from django.test.utils import override_settings

    saved_env = os.environ.get("DJANGO_SETTINGS_MODULE")
    sys.path.insert(0, str(project))
    with ExitStack() as stack:
        if settings.configured:
            stack.enter_context(
                override_settings(
                    DEBUG=False,
                    ALLOWED_HOSTS=["localhost"],
                    ROOT_URLCONF="mysite.urls",
                    MIDDLEWARE=[],
                )
            )
        else:
            os.environ["DJANGO_SETTINGS_MODULE"] = "mysite.settings"
        try:
            wsgi = importlib.import_module("mysite.wsgi")
            yield TestApp(validator(wsgi.application))
        finally:
            sys.path.remove(str(project))
            if saved_env is None:
                os.environ.pop("DJANGO_SETTINGS_MODULE", None)
            else:
                os.environ["DJANGO_SETTINGS_MODULE"] = saved_env
            for name in [name for name in sys.modules if name.split(".")[0] == "mysite"]:
                del sys.modules[name]


@pytest.fixture
def calls(django_app: TestApp) -> Calls:
    recorded: Calls = importlib.import_module("mysite.urls").CALLS
    recorded.clear()
    return recorded


def test_a_preflight_is_answered_without_reaching_django(django_app: TestApp, calls: Calls) -> None:
    answer = django_app.options(
        "/api/private", headers=preflight_headers(method="PUT", headers="authorization")
    )
    assert answer.status_int == 204
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert answer.headers["Access-Control-Allow-Headers"] == "Content-Type, Authorization"
    assert calls == []
    # Without the middleware answering it, Django's view would have refused it.
    assert django_app.options("/api/private", status=401).text == "log in first"
    assert calls == [("private", "OPTIONS")]


def test_an_actual_request_gets_the_cors_headers_and_keeps_djangos_vary(
    django_app: TestApp, calls: Calls
) -> None:
    response = django_app.get("/api/items", headers={"Origin": ALLOWED})
    assert response.json == ["apple", "pear"]
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert header_values(response, "Vary") == ["Accept-Language, Origin"]
    assert calls == [("items", "GET")]


def test_djangos_401_carries_the_cors_headers(django_app: TestApp) -> None:
    response = django_app.get("/api/private", headers={"Origin": ALLOWED}, status=401)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_500_returned_by_a_view_carries_the_cors_headers(django_app: TestApp) -> None:
    response = django_app.get("/api/fails", headers={"Origin": ALLOWED}, status=500)
    assert response.text == "database unavailable"
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_an_exception_django_turns_into_a_500_carries_the_cors_headers(
    django_app: TestApp,
) -> None:
    response = django_app.get("/api/raises", headers={"Origin": ALLOWED}, status=500)
    assert "Server Error (500)" in response.text  # Django's page, DEBUG = False
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert header_values(response, "Vary") == ["Origin"]


def test_djangos_404_carries_the_cors_headers(django_app: TestApp) -> None:
    response = django_app.get("/api/missing", headers={"Origin": ALLOWED}, status=404)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_refused_origin_still_reaches_django_without_cors_headers(
    django_app: TestApp, calls: Calls
) -> None:
    response = django_app.get("/api/items", headers={"Origin": OTHER})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert header_values(response, "Vary") == ["Accept-Language, Origin"]
    assert calls == [("items", "GET")]
    refused = django_app.options("/api/items", headers=preflight_headers(origin=OTHER), status=403)
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_paths_outside_the_resources_are_untouched(django_app: TestApp) -> None:
    response = django_app.get("/health", headers={"Origin": ALLOWED})
    assert response.text == "ok"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert header_values(response, "Vary") == []


@pytest.mark.servers
def test_gunicorn_serves_the_documented_wsgi_py(project: Path, tmp_path: Path) -> None:
    port = free_port()
    argv = docs_argv(GUNICORN_DJANGO, port)
    with serving(argv, port, tmp_path / "gunicorn.log", cwd=project):
        answer = preflight(port, "/api/private", ALLOWED, "DELETE", "content-type")
        assert answer.status == 204
        assert answer.get("Access-Control-Allow-Origin") == ALLOWED
        actual = send(port, "GET", "/api/items", {"Origin": ALLOWED})
        assert actual.status == 200
        assert actual.get("Access-Control-Allow-Credentials") == "true"
        crashed = send(port, "GET", "/api/raises", {"Origin": ALLOWED})
        assert crashed.status == 500
        assert crashed.get("Access-Control-Allow-Origin") == ALLOWED
