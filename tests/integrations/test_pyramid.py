"""Pyramid: ``config.make_wsgi_app()`` wrapped in ``CORSMiddleware``, and ``cors.*`` settings.

Real Pyramid apps (``Configurator``, ``add_route``, ``add_view``) driven with WebTest.
``tests/servers/test_gunicorn.py`` serves ``examples/pyramid.ini`` with gunicorn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional
from wsgiref.validate import validator

import pytest
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPForbidden
from pyramid.paster import get_app
from pyramid.request import Request
from pyramid.response import Response
from pyramid.router import Router
from webtest import TestApp

from wsgi_cors import ConfigError, CORSMiddleware
from wsgi_cors.pyramid import middleware_from_settings

from conftest import ALLOWED, OTHER, header_values, preflight_headers

REPO = Path(__file__).resolve().parents[2]


class Views:
    """The views of the test app; ``calls`` records which ran."""

    def __init__(self) -> None:
        self.calls: List[str] = []

    def items(self, request: Request) -> Any:
        self.calls.append(f"items {request.method}")
        return ["apple", "pear"]

    def admin(self, request: Request) -> Any:
        self.calls.append(f"admin {request.method}")
        raise HTTPForbidden()

    def boom(self, request: Request) -> Any:
        raise RuntimeError("a bug in a view")

    def error_view(self, context: Exception, request: Request) -> Response:
        return Response("something went wrong", status=500)


def make_pyramid_app(
    views: Views, settings: Optional[Dict[str, Any]] = None, error_view: bool = False
) -> Router:
    with Configurator(settings=settings) as config:
        config.add_route("items", "/api/items")
        config.add_view(views.items, route_name="items", renderer="json", request_method="GET")
        config.add_route("admin", "/api/admin")
        config.add_view(views.admin, route_name="admin")
        config.add_route("boom", "/api/boom")
        config.add_view(views.boom, route_name="boom")
        config.add_route("health", "/health")
        config.add_view(lambda request: Response("ok"), route_name="health")
        if error_view:
            config.add_exception_view(views.error_view, context=RuntimeError)
        return config.make_wsgi_app()


@pytest.fixture
def views() -> Views:
    return Views()


@pytest.fixture
def app(views: Views) -> TestApp:
    return TestApp(
        validator(
            CORSMiddleware(
                make_pyramid_app(views),
                origins=[ALLOWED],
                supports_credentials=True,
                max_age=600,
                resources={"/api/*": {}},
            )
        )
    )


def test_a_preflight_is_answered_before_pyramid_routing(app: TestApp, views: Views) -> None:
    answer = app.options("/api/items", headers=preflight_headers(method="PUT"))
    assert answer.status_int == 204
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert answer.headers["Access-Control-Max-Age"] == "600"
    assert views.calls == []
    # The items view only takes GET: Pyramid itself would answer OPTIONS with 404.
    assert app.options("/api/items", status=404)


def test_a_view_response_gets_the_cors_headers(app: TestApp, views: Views) -> None:
    response = app.get("/api/items", headers={"Origin": ALLOWED})
    assert response.json == ["apple", "pear"]
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert header_values(response, "Vary") == ["Origin"]
    assert views.calls == ["items GET"]


def test_an_http_exception_gets_the_cors_headers(app: TestApp) -> None:
    response = app.get("/api/admin", headers={"Origin": ALLOWED}, status=403)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    missing = app.get("/api/missing", headers={"Origin": ALLOWED}, status=404)
    assert missing.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_refused_origin_and_an_uncovered_path(app: TestApp) -> None:
    refused = app.get("/api/items", headers={"Origin": OTHER})
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert header_values(refused, "Vary") == ["Origin"]
    outside = app.get("/health", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in outside.headers


def test_an_exception_view_500_gets_the_cors_headers(views: Views) -> None:
    app = TestApp(CORSMiddleware(make_pyramid_app(views, error_view=True), origins=[ALLOWED]))
    response = app.get("/api/boom", headers={"Origin": ALLOWED}, status=500)
    assert response.text == "something went wrong"
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_an_unhandled_exception_needs_intercept_exceptions(views: Views) -> None:
    plain = TestApp(CORSMiddleware(make_pyramid_app(views), origins=[ALLOWED]))
    with pytest.raises(RuntimeError, match="a bug in a view"):
        plain.get("/api/boom", headers={"Origin": ALLOWED})
    intercepting = TestApp(
        CORSMiddleware(make_pyramid_app(views), origins=[ALLOWED], intercept_exceptions=True)
    )
    response = intercepting.get("/api/boom", headers={"Origin": ALLOWED}, status=500)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


# --- cors.* settings ----------------------------------------------------------------------

SETTINGS = {
    "pyramid.reload_templates": "false",
    "sqlalchemy.url": "sqlite://",
    "cors.origins": r"https://app.example.com regex:https://[a-z]+\.example\.com",
    "cors.supports_credentials": "true",
    "cors.max_age": "120",
    "cors.resources": "/api/*",
}


def test_middleware_from_settings_reads_the_cors_keys(views: Views) -> None:
    router = make_pyramid_app(views, settings=SETTINGS)
    middleware = middleware_from_settings(router, router.registry.settings)
    app = TestApp(validator(middleware))
    answer = app.options("/api/items", headers=preflight_headers(origin="https://shop.example.com"))
    assert answer.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert answer.headers["Access-Control-Max-Age"] == "120"
    assert "Access-Control-Allow-Origin" not in app.get("/health").headers
    assert views.calls == []


def test_another_prefix(views: Views) -> None:
    settings = {"api_cors.origins": ALLOWED, "cors.origins": "this is not read"}
    app = TestApp(middleware_from_settings(make_pyramid_app(views), settings, prefix="api_cors."))
    assert (
        app.get("/health", headers={"Origin": ALLOWED}).headers["Access-Control-Allow-Origin"]
        == ALLOWED
    )


def test_settings_errors_name_the_settings_key(views: Views) -> None:
    settings = {
        **SETTINGS,
        "cors.supports_credentials": "maybe",
        "cors.max_ages": "5",
        "cors.resource./api/*.origins": "https://app.example.com/",
        "cors.resource./api/*.orgins": "*",
    }
    with pytest.raises(ConfigError) as caught:
        middleware_from_settings(make_pyramid_app(views), settings)
    assert list(caught.value.lines) == [
        "cors.supports_credentials: 'maybe' is not a boolean; use true or false",
        "cors.max_ages: unknown key; did you mean 'cors.max_age'?",
        "cors.resource./api/*.orgins: unknown key; did you mean 'cors.resource./api/*.origins'?",
        "cors.resource./api/*.origins: 'https://app.example.com/' ends with a slash; browsers "
        "never send one; write 'https://app.example.com'",
    ]


def test_cors_origins_is_required(views: Views) -> None:
    with pytest.raises(ConfigError, match=r"cors\.origins: is missing; .*cors\.origins = \*"):
        middleware_from_settings(make_pyramid_app(views), {"sqlalchemy.url": "sqlite://"})


def test_the_example_ini_loads_with_pyramid_paster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO))  # the ini uses call:examples.pyramid_app:main
    app = TestApp(get_app(str(REPO / "examples" / "pyramid.ini")))
    answer = app.options("/api/account", headers=preflight_headers(headers="authorization"))
    assert answer.headers["Access-Control-Allow-Headers"] == "Authorization"
    assert answer.headers["Access-Control-Max-Age"] == "600"
    denied = app.get("/api/account", headers={"Origin": ALLOWED}, status=401)
    assert denied.headers["Access-Control-Allow-Credentials"] == "true"
    allowed = app.get("/api/account", headers={"Origin": ALLOWED, "Authorization": "Bearer x"})
    assert allowed.json == {"user": "alice"}
