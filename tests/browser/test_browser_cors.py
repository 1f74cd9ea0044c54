"""CORSMiddleware in a real Chromium: what the page can read, and what reached the server.

Every test runs ``fetch()`` in a page of one origin against an API of another
(different ports of 127.0.0.1), asserts the browser's verdict (a readable
response, or a TypeError that the console blames on CORS), and asserts what the
API server received and answered. ``strict`` allows one origin with credentials
and explicit lists; ``permissive`` is ``"*"`` everywhere without credentials
(see ``conftest.py``). Every test that uses ``servers`` runs once per shell: the API
behind ``wsgi_cors.CORSMiddleware`` in wsgiref, then behind ``wsgi_cors.asgi``'s in uvicorn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List

import pytest

from .browser_harness import Exchange, LoopbackServer, Servers, SharedServers, Tab

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACMA = "Access-Control-Max-Age"


def is_strict(api: LoopbackServer, servers: Servers) -> bool:
    return api is servers.strict


def preflights(api: LoopbackServer, path: str) -> List[Exchange]:
    return [exchange for exchange in api.log.for_path(path) if exchange.method == "OPTIONS"]


def requests(api: LoopbackServer, path: str) -> List[Exchange]:
    """The non-preflight requests that reached the server for ``path``."""
    return [exchange for exchange in api.log.for_path(path) if exchange.method != "OPTIONS"]


def assert_answered_by_middleware(preflight: Exchange, status: int) -> None:
    """A preflight the middleware answered itself: the app never saw it."""
    assert preflight.header("Access-Control-Request-Method") is not None
    assert preflight.status_code == status
    assert not preflight.reached_app


def assert_allowed_response(exchange: Exchange, api: LoopbackServer, servers: Servers) -> None:
    """The CORS headers the middleware put on an actual response to the page."""
    if is_strict(api, servers):
        assert exchange.response_header(ACAO) == servers.page.origin
        assert exchange.response_header(ACAC) == "true"
        assert "Origin" in (exchange.response_header("Vary") or "")
    else:
        assert exchange.response_header(ACAO) == "*"
        assert exchange.response_header(ACAC) is None


# --- simple requests ---------------------------------------------------------------------------


def test_simple_get(tab: Tab, api: LoopbackServer, servers: Servers, uid: str) -> None:
    path = f"/items/{uid}"
    result = tab.fetch(api.url(path))
    assert result.ok
    assert result.status == 200
    assert result.json["method"] == "GET"
    (request,) = api.log.for_path(path)  # no preflight
    assert request.method == "GET"
    assert request.header("Origin") == tab.origin
    assert request.reached_app
    assert_allowed_response(request, api, servers)


def test_post_text_plain_is_not_preflighted(
    tab: Tab, api: LoopbackServer, servers: Servers, uid: str
) -> None:
    path = f"/items/{uid}"
    result = tab.fetch(
        api.url(path), method="POST", headers={"Content-Type": "text/plain"}, body="hello"
    )
    assert result.ok
    assert result.json["method"] == "POST"
    assert result.json["body"] == "hello"
    (request,) = api.log.for_path(path)
    assert request.method == "POST"
    assert request.app_body == "hello"
    assert_allowed_response(request, api, servers)


# --- preflighted requests ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_put_and_delete_are_preflighted(
    tab: Tab, api: LoopbackServer, servers: Servers, uid: str, method: str
) -> None:
    path = f"/items/{uid}"
    result = tab.fetch(api.url(path), method=method)
    assert result.ok
    assert result.json["method"] == method
    preflight, request = api.log.for_path(path)
    assert preflight.method == "OPTIONS"
    assert preflight.header("Access-Control-Request-Method") == method
    assert_answered_by_middleware(preflight, 204)
    expected_acam = "GET, POST, PUT, DELETE" if is_strict(api, servers) else "*"
    assert preflight.response_header(ACAM) == expected_acam
    assert request.method == method
    assert request.reached_app
    assert_allowed_response(request, api, servers)


def test_method_not_allowed(tab: Tab, api: LoopbackServer, servers: Servers, uid: str) -> None:
    path = f"/items/{uid}"
    url = api.url(path)
    result = tab.fetch(url, method="PATCH")
    if is_strict(api, servers):
        reason = tab.assert_blocked(result, url)
        assert "preflight" in reason
        (preflight,) = api.log.for_path(path)  # the PATCH itself was never sent
        assert preflight.header("Access-Control-Request-Method") == "PATCH"
        assert_answered_by_middleware(preflight, 403)
        assert preflight.response_header(ACAO) is None
    else:
        assert result.ok
        assert result.json["method"] == "PATCH"
        preflight, request = api.log.for_path(path)
        assert_answered_by_middleware(preflight, 204)
        assert preflight.response_header(ACAM) == "*"
        assert request.method == "PATCH"


@pytest.mark.parametrize(
    ("fetch_options", "left_out"),
    [({"method": "PATCH"}, ACAM), ({"method": "PUT", "headers": {"X-Unlisted": "1"}}, ACAH)],
    ids=["method", "header"],
)
def test_a_lenient_answer_is_refused_by_the_browser_all_the_same(
    tab: Tab, servers: Servers, uid: str, fetch_options: Dict[str, Any], left_out: str
) -> None:
    """``lenient_preflights=True`` answers 2xx with the origin's headers and what is allowed;
    the browser still refuses what is not, and the request itself is never sent."""
    api = servers.strict
    path = f"/lenient/{uid}"
    url = api.url(path)
    result = tab.fetch(url, **fetch_options)
    assert "preflight" in tab.assert_blocked(result, url)
    (preflight,) = api.log.for_path(path)
    assert_answered_by_middleware(preflight, 204)
    assert preflight.response_header(ACAO) == tab.origin
    if left_out == ACAM:
        assert preflight.response_header(ACAM) is None
    else:
        assert "X-Unlisted" not in (preflight.response_header(ACAH) or "")


@pytest.mark.parametrize(
    ("config", "header", "allowed"),
    [
        ("strict", "X-Custom", True),
        ("strict", "X-Unlisted", False),
        ("permissive", "X-Custom", True),
        ("permissive", "X-Unlisted", True),
    ],
)
def test_custom_request_header(
    tab: Tab, servers: Servers, uid: str, config: str, header: str, allowed: bool
) -> None:
    api = servers.api(config)
    path = f"/items/{uid}"
    url = api.url(path)
    result = tab.fetch(url, headers={header: "value-1"})
    preflight = api.log.for_path(path)[0]
    assert preflight.header("Access-Control-Request-Headers") == header.lower()
    if not allowed:
        assert "preflight" in tab.assert_blocked(result, url)
        assert_answered_by_middleware(preflight, 403)
        assert requests(api, path) == []
        return
    assert result.ok
    assert_answered_by_middleware(preflight, 204)
    acah = preflight.response_header(ACAH)
    if config == "strict":
        assert acah == "X-Custom, Content-Type, Authorization"
    else:
        assert acah == header.lower()  # "*" reflects the validated names
    (request,) = requests(api, path)
    assert request.header(header) == "value-1"


def test_json_content_type_is_preflighted(
    tab: Tab, api: LoopbackServer, servers: Servers, uid: str
) -> None:
    path = f"/items/{uid}"
    result = tab.fetch(
        api.url(path),
        method="POST",
        headers={"Content-Type": "application/json"},
        body='{"a": 1}',
    )
    assert result.ok
    assert result.json["body"] == '{"a": 1}'
    preflight, request = api.log.for_path(path)
    assert preflight.header("Access-Control-Request-Headers") == "content-type"
    assert_answered_by_middleware(preflight, 204)
    assert request.header("Content-Type") == "application/json"
    assert_allowed_response(request, api, servers)


# --- Authorization under the standard's rule (CorsNonWildcardRequestHeadersSupport) ------------


def test_authorization_works_where_a_bare_star_would_not(
    open_tab: Callable[..., Tab],
    standard_browser: Browser,
    api: LoopbackServer,
    uid: str,
) -> None:
    tab = open_tab(in_browser=standard_browser)
    path = f"/items/{uid}"
    result = tab.fetch(api.url(path), headers={"Authorization": "Bearer token-1"})
    assert result.ok
    preflight, request = api.log.for_path(path)
    assert_answered_by_middleware(preflight, 204)
    allowed = [name.strip().lower() for name in (preflight.response_header(ACAH) or "").split(",")]
    assert "authorization" in allowed  # by name, never only "*"
    assert request.header("Authorization") == "Bearer token-1"


def test_control_bare_star_does_not_cover_authorization_in_that_browser(
    open_tab: Callable[..., Tab],
    standard_browser: Browser,
    shared_servers: SharedServers,
    uid: str,
) -> None:
    """The flag is in effect: a hand-written ``Allow-Headers: *`` answer fails for Authorization."""
    tab = open_tab(in_browser=standard_browser)
    bare_star = shared_servers.bare_star  # no middleware, so no shell: this runs once
    url = bare_star.url(f"/auth/{uid}")
    reason = tab.assert_blocked(tab.fetch(url, headers={"Authorization": "Bearer t"}), url)
    assert "authorization" in reason.lower()
    custom = tab.fetch(bare_star.url(f"/custom/{uid}"), headers={"X-Custom": "1"})
    assert custom.ok  # the same "*" still covers an ordinary header


# --- credentials -------------------------------------------------------------------------------

# 127.0.0.1:P1 and 127.0.0.1:P2 are different origins but the same site, so a SameSite=Lax cookie
# set by the API is sent on the page's credentialed fetches. (A page on http://localhost would be
# cross-site: Chromium's fresh Playwright contexts block such third-party cookies, so the API would
# never see one, whatever CORS says.)


def login(tab: Tab, api: LoopbackServer, uid: str) -> Exchange:
    """Let the API set the cookie ``session=<uid>`` through a credentialed fetch."""
    path = f"/login/{uid}"
    tab.fetch(api.url(f"{path}?session={uid}"), method="POST", credentials="include")
    (exchange,) = api.log.for_path(path)
    assert exchange.response_header("Set-Cookie") is not None
    return exchange


def test_credentialed_request_with_cookie(tab: Tab, servers: Servers, uid: str) -> None:
    api = servers.strict
    login(tab, api, uid)
    path = f"/me/{uid}"
    result = tab.fetch(api.url(path), credentials="include")
    assert result.ok
    assert result.json["cookie"] == f"session={uid}"
    (request,) = api.log.for_path(path)
    assert request.header("Cookie") == f"session={uid}"
    assert request.response_header(ACAO) == tab.origin
    assert request.response_header(ACAC) == "true"


def test_credentialed_request_to_wildcard_is_blocked_but_sends_the_cookie(
    tab: Tab, servers: Servers, uid: str
) -> None:
    """``*`` cannot serve credentialed requests; the cookie still goes out (CORS is not CSRF)."""
    api = servers.permissive
    login(tab, api, uid)  # the response is hidden from the page, but the cookie is stored
    path = f"/me/{uid}"
    url = api.url(path)
    reason = tab.assert_blocked(tab.fetch(url, credentials="include"), url)
    assert "wildcard '*'" in reason
    (request,) = api.log.for_path(path)
    assert request.header("Cookie") == f"session={uid}"
    assert request.response_header(ACAO) == "*"


def test_credentialed_put(tab: Tab, servers: Servers, uid: str) -> None:
    api = servers.strict
    login(tab, api, uid)
    path = f"/items/{uid}"
    result = tab.fetch(
        api.url(path), method="PUT", headers={"X-Custom": "1"}, body="x", credentials="include"
    )
    assert result.ok
    assert result.json["cookie"] == f"session={uid}"
    preflight, request = api.log.for_path(path)
    assert_answered_by_middleware(preflight, 204)
    assert preflight.header("Cookie") is None  # preflights never carry credentials
    assert preflight.response_header(ACAC) == "true"
    assert preflight.response_header(ACAO) == tab.origin
    assert request.header("Cookie") == f"session={uid}"


def test_credentialed_put_to_wildcard_fails_at_the_preflight(
    tab: Tab, servers: Servers, uid: str
) -> None:
    api = servers.permissive
    path = f"/items/{uid}"
    url = api.url(path)
    result = tab.fetch(url, method="PUT", body="x", credentials="include")
    assert "preflight" in tab.assert_blocked(result, url)
    (preflight,) = api.log.for_path(path)  # the PUT was never sent
    assert_answered_by_middleware(preflight, 204)


# --- response headers and statuses -------------------------------------------------------------


def test_exposed_response_headers(
    tab: Tab, api: LoopbackServer, servers: Servers, uid: str
) -> None:
    path = f"/items/{uid}"
    result = tab.fetch(api.url(path))
    assert result.ok
    assert result.headers["content-type"] == "application/json"  # safelisted
    assert result.headers["x-total"] == "42"  # exposed
    if is_strict(api, servers):
        assert "x-secret" not in result.headers  # sent, but not exposed
    else:
        assert result.headers["x-secret"] == "hidden"  # "*" exposes all without credentials
    (request,) = api.log.for_path(path)
    assert request.response_header("X-Secret") == "hidden"
    expected = "X-Total" if is_strict(api, servers) else "*"
    assert request.response_header("Access-Control-Expose-Headers") == expected


@pytest.mark.parametrize("code", [404, 500])
def test_error_statuses_are_readable(
    tab: Tab, api: LoopbackServer, servers: Servers, uid: str, code: int
) -> None:
    path = f"/status/{code}/{uid}"
    result = tab.fetch(api.url(path))
    assert result.ok
    assert result.status == code
    assert result.body == f"status {code}"
    (request,) = api.log.for_path(path)
    assert_allowed_response(request, api, servers)


def test_app_raises_with_intercept_exceptions(
    tab: Tab, api: LoopbackServer, servers: Servers, uid: str
) -> None:
    path = f"/intercept/raise/{uid}"
    result = tab.fetch(api.url(path))
    assert result.ok
    assert result.status == 500
    assert result.body == "Internal Server Error\n"
    (request,) = api.log.for_path(path)
    assert request.reached_app
    assert_allowed_response(request, api, servers)


def test_app_raises_without_intercept_exceptions(tab: Tab, api: LoopbackServer, uid: str) -> None:
    path = f"/raise/{uid}"
    url = api.url(path)
    reason = tab.assert_blocked(tab.fetch(url), url)
    assert "No 'Access-Control-Allow-Origin' header" in reason
    (request,) = api.log.for_path(path)
    assert request.reached_app
    assert "RuntimeError: the app failed" in request.error  # it escaped to the server
    assert request.status == "500 Internal Server Error"  # the server's own bare 500
    assert request.response_header(ACAO) is None


# --- redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [301, 302])
def test_redirect_within_the_api(
    tab: Tab, api: LoopbackServer, servers: Servers, uid: str, code: int
) -> None:
    target = f"/items/{uid}"
    path = f"/redirect/{code}/{uid}"
    result = tab.fetch(api.url(f"{path}?to={target}"))
    assert result.ok
    assert result.redirected
    assert result.url == api.url(target)
    assert result.json["origin"] == tab.origin  # a same-origin hop keeps the page's Origin
    (redirect,) = api.log.for_path(path)
    assert redirect.status_code == code
    assert_allowed_response(redirect, api, servers)
    (request,) = api.log.for_path(target)
    assert request.header("Origin") == tab.origin


def test_cross_origin_redirect_to_wildcard_arrives_as_null(
    tab: Tab, servers: Servers, uid: str
) -> None:
    target = f"/items/{uid}"
    path = f"/redirect/302/{uid}"
    result = tab.fetch(servers.strict.url(f"{path}?to={servers.permissive.url(target)}"))
    assert result.ok
    assert result.json["origin"] == "null"
    (request,) = servers.permissive.log.for_path(target)
    assert request.header("Origin") == "null"
    assert request.response_header(ACAO) == "*"


def test_cross_origin_redirect_to_allow_list_is_blocked(
    tab: Tab, servers: Servers, uid: str
) -> None:
    """An allow-list without "null" blocks cross-origin redirect chains, as the docs say."""
    target = f"/items/{uid}"
    path = f"/redirect/302/{uid}"
    url = servers.permissive.url(f"{path}?to={servers.strict.url(target)}")
    tab.assert_blocked(tab.fetch(url), url)
    (request,) = servers.strict.log.for_path(target)
    assert request.header("Origin") == "null"
    assert request.response_header(ACAO) is None


# --- origins -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "prefix", "expected_acao"),
    [("strict", "/items", None), ("strict", "/null-ok", "null"), ("permissive", "/items", "*")],
)
def test_null_origin_from_sandboxed_iframe(
    tab: Tab,
    servers: Servers,
    uid: str,
    config: str,
    prefix: str,
    expected_acao: str,
) -> None:
    api = servers.api(config)
    path = f"{prefix}/{uid}"
    result = tab.fetch_from_sandboxed_iframe(api.url(path))
    assert result.origin == "null"
    (request,) = api.log.for_path(path)
    assert request.header("Origin") == "null"
    assert request.response_header(ACAO) == expected_acao
    if expected_acao is None:
        assert not result.ok
        assert result.error == "TypeError: Failed to fetch"
        assert "No 'Access-Control-Allow-Origin' header" in tab.cors_error(api.url(path))
    else:
        assert result.ok
        assert result.status == 200


@pytest.mark.parametrize(
    ("method", "body"),
    [("GET", None), ("POST", "from another site"), ("PUT", "x")],
)
def test_refused_origin(
    open_tab: Callable[..., Tab], servers: Servers, uid: str, method: str, body: str
) -> None:
    tab = open_tab(servers.refused_page.origin)
    api = servers.strict
    path = f"/items/{uid}"
    url = api.url(path)
    reason = tab.assert_blocked(tab.fetch(url, method=method, body=body), url)
    assert "No 'Access-Control-Allow-Origin' header" in reason
    if method == "PUT":
        (preflight,) = api.log.for_path(path)
        assert_answered_by_middleware(preflight, 403)
        return
    # A simple request reaches the app even though the page cannot read the answer.
    (request,) = api.log.for_path(path)
    assert request.header("Origin") == servers.refused_page.origin
    assert request.reached_app
    assert request.app_body == (body or "")
    assert request.response_header(ACAO) is None
    assert request.response_header("Vary") == "Origin"


def test_any_origin_is_allowed_by_wildcard(
    open_tab: Callable[..., Tab], servers: Servers, uid: str
) -> None:
    tab = open_tab(servers.refused_page.origin)
    path = f"/items/{uid}"
    result = tab.fetch(servers.permissive.url(path), method="PUT")
    assert result.ok
    assert result.json["origin"] == servers.refused_page.origin


# --- the preflight cache -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "max_age", "count"), [("/items", "600", 1), ("/nocache", "0", 2)]
)
def test_preflight_cache(
    tab: Tab, api: LoopbackServer, uid: str, prefix: str, max_age: str, count: int
) -> None:
    path = f"{prefix}/{uid}"
    for _ in range(2):
        assert tab.fetch(api.url(path), method="PUT", headers={"X-Custom": "1"}).ok
    options = preflights(api, path)
    assert len(options) == count
    assert all(preflight.response_header(ACMA) == max_age for preflight in options)
    assert len(requests(api, path)) == 2
