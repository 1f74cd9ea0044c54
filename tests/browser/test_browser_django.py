"""The Django drop-in in Chromium: ``wsgi_cors.django.CorsMiddleware`` in ``settings.MIDDLEWARE``.

The project of ``servers.django_dropin_site`` (the README's settings, allowing the page's
origin) runs as Django's ASGI application in uvicorn (``ASGILoopbackServer``), on a port of its
own; the pages are the shared ones. Django's settings are process-wide: they are configured
once (``integrations.django_dropin.site.configure``) and the project's applied with
``override_settings`` for this module. Each test asserts the browser's verdict and what the
server received and answered; a response without ``X-View`` came from no view.
"""

from __future__ import annotations

from typing import Callable, Iterator

import pytest
from django.test.utils import override_settings

from .browser_harness import ASGILoopbackServer, Exchange, LoopbackServer, SharedServers, Tab
from .conftest import require_uvicorn
from integrations.django_dropin import site
from servers import django_dropin_site as project

pytestmark = pytest.mark.browser

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAH = "Access-Control-Allow-Headers"
PREFLIGHT_VARY = "origin, access-control-request-method, access-control-request-headers"


@pytest.fixture(scope="module")
def django_api(shared_servers: SharedServers) -> Iterator[LoopbackServer]:
    require_uvicorn()
    site.configure()
    with override_settings(**project.settings_for([shared_servers.page.origin])):
        from django.core.asgi import get_asgi_application

        server = ASGILoopbackServer(get_asgi_application())
        try:
            yield server
        finally:
            server.close()


def answered_by_middleware(preflight: Exchange) -> bool:
    """A preflight answered before any view: a 200 without the views' ``X-View``."""
    assert preflight.method == "OPTIONS"
    assert preflight.header("Access-Control-Request-Method") is not None
    return preflight.status_code == 200 and preflight.response_header(project.VIEW_HEADER) is None


def test_an_allowed_credentialed_fetch_is_readable(
    tab: Tab, django_api: LoopbackServer, uid: str
) -> None:
    login = tab.fetch(django_api.url(f"/api/login/{uid}"), credentials="include")
    assert login.ok, login
    assert login.body == "logged in"
    path = f"/api/items/{uid}"
    result = tab.fetch(django_api.url(path), credentials="include")
    assert result.ok, result
    assert result.status == 200
    # The cookie that the credentialed login set came back with the next credentialed fetch.
    assert result.json["cookie"] == uid
    assert result.json["origin"] == tab.origin
    assert result.headers.get("x-total") == "42"  # CORS_EXPOSE_HEADERS
    assert "x-secret" not in result.headers
    (request,) = django_api.log.for_path(path)  # a simple GET: no preflight
    assert request.header("Cookie") == f"session={uid}"
    assert request.response_header(project.VIEW_HEADER) == "items"
    assert request.response_header(ACAO) == tab.origin
    assert request.response_header(ACAC) == "true"
    assert request.response_header("Vary") == "origin"


@pytest.mark.parametrize("view", ["items", "async"])
def test_a_preflighted_put_with_an_allowed_custom_header(
    tab: Tab, django_api: LoopbackServer, uid: str, view: str
) -> None:
    path = f"/api/{view}/{uid}"
    result = tab.fetch(
        django_api.url(path),
        method="PUT",
        headers={"X-Custom": "value-1", "Content-Type": "application/json"},
        body='{"a": 1}',
        credentials="include",
    )
    assert result.ok, result
    assert result.json["method"] == "PUT"
    assert result.json["custom"] == "value-1"
    assert result.json["body"] == '{"a": 1}'
    assert result.json["request"] == "ASGIRequest"
    preflight, put = django_api.log.for_path(path)
    assert answered_by_middleware(preflight)
    assert preflight.header("Access-Control-Request-Method") == "PUT"
    assert preflight.header("Access-Control-Request-Headers") == "content-type,x-custom"
    assert preflight.response_header(ACAO) == tab.origin
    assert preflight.response_header(ACAC) == "true"
    assert "x-custom" in (preflight.response_header(ACAH) or "").split(", ")
    assert preflight.response_header("Vary") == PREFLIGHT_VARY
    assert put.method == "PUT"
    assert put.response_header(project.VIEW_HEADER) == view
    assert put.response_header(ACAO) == tab.origin


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_a_page_of_an_origin_not_allowed_is_blocked(
    open_tab: Callable[..., Tab],
    shared_servers: SharedServers,
    django_api: LoopbackServer,
    uid: str,
    method: str,
) -> None:
    tab = open_tab(shared_servers.refused_page.origin)
    path = f"/api/items/{uid}"
    url = django_api.url(path)
    reason = tab.assert_blocked(tab.fetch(url, method=method, credentials="include"), url)
    assert "No 'Access-Control-Allow-Origin' header" in reason
    (exchange,) = django_api.log.for_path(path)
    assert exchange.header("Origin") == shared_servers.refused_page.origin
    assert exchange.response_header(ACAO) is None
    assert exchange.response_header(ACAC) is None
    if method == "PUT":  # the preflight was answered (200) without CORS headers; no PUT followed
        assert "preflight" in reason
        assert answered_by_middleware(exchange)
        assert exchange.response_header("Vary") == PREFLIGHT_VARY
    else:  # a simple request reaches the view even though the page cannot read the answer
        assert exchange.method == "GET"
        assert exchange.response_header(project.VIEW_HEADER) == "items"
        assert exchange.response_header("Vary") == "origin"


def test_a_header_not_allowed_fails_the_preflight_though_it_is_a_200(
    tab: Tab, django_api: LoopbackServer, uid: str
) -> None:
    path = f"/api/items/{uid}"
    url = django_api.url(path)
    reason = tab.assert_blocked(tab.fetch(url, headers={"X-Unlisted": "1"}), url)
    refused = "Request header field x-unlisted is not allowed by Access-Control-Allow-Headers"
    assert refused in reason
    (preflight,) = django_api.log.for_path(path)  # the GET itself was never sent
    assert answered_by_middleware(preflight)
    assert preflight.header("Access-Control-Request-Headers") == "x-unlisted"
    # The origin is allowed, so the answer carries it; the header is what the browser refuses.
    assert preflight.response_header(ACAO) == tab.origin
    assert "x-unlisted" not in (preflight.response_header(ACAH) or "").lower()
