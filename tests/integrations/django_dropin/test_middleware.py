"""``wsgi_cors.django.CorsMiddleware`` in ``settings.MIDDLEWARE``, through Django's test clients.

Each test sets the ``CORS_*`` settings it needs with ``override_settings``, as a project's own
tests do; the middleware must see every change without re-validating on each request.
"""

from __future__ import annotations

import asyncio
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Coroutine, Dict, Iterator

import pytest

pytest.importorskip("django")

from . import site

site.configure()

from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.test import AsyncClient, Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

import wsgi_cors.django.middleware as middleware_module  # noqa: E402
from wsgi_cors.django import check_request_enabled  # noqa: E402

ALLOWED, OTHER = site.ALLOWED, site.OTHER
ACAO = "Access-Control-Allow-Origin"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
PREFLIGHT_VARY = "origin, access-control-request-method, access-control-request-headers"


@pytest.fixture
def settings_of() -> Iterator[Any]:
    """``settings_of(**cors)``: the base settings plus ``cors``, for the rest of the test."""
    stack = []

    def apply(**cors: Any) -> None:
        override = override_settings(**{**site.BASE, **cors})
        override.enable()
        stack.append(override)

    apply()
    yield apply
    for override in reversed(stack):
        override.disable()


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coroutine`` to completion on a loop of its own, in another thread: the browser
    tests may leave an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def client() -> Client:
    return Client(raise_request_exception=False)


def preflight(origin: str = ALLOWED, method: str = "PUT", **headers: str) -> Dict[str, str]:
    return {
        "HTTP_ORIGIN": origin,
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": method,
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }


# --- actual requests --------------------------------------------------------------------------


def test_an_allowed_origin_gets_its_origin_and_vary(settings_of: Any) -> None:
    response = client().get("/api/items", HTTP_ORIGIN=ALLOWED)
    assert response.status_code == 200
    assert response[ACAO] == ALLOWED
    assert response["Vary"] == "origin"
    assert "Access-Control-Allow-Credentials" not in response


def test_a_refused_origin_and_no_origin_get_only_vary(settings_of: Any) -> None:
    for extra in ({"HTTP_ORIGIN": OTHER}, {}):
        response = client().get("/api/items", **extra)
        assert ACAO not in response
        assert response["Vary"] == "origin"


def test_errors_redirects_and_404s_below_the_middleware_carry_the_headers(
    settings_of: Any,
) -> None:
    for path, status in (("/api/boom", 500), ("/missing", 404), ("/slash", 301)):
        response = client().get(path, HTTP_ORIGIN=ALLOWED)
        assert response.status_code == status
        assert response[ACAO] == ALLOWED


def test_the_views_vary_is_merged_and_a_stream_is_left_streaming(settings_of: Any) -> None:
    response = client().get("/api/vary", HTTP_ORIGIN=ALLOWED)
    assert response["Vary"] == "Accept-Encoding, origin"
    streamed = client().get("/api/stream", HTTP_ORIGIN=ALLOWED)
    assert streamed.streaming
    assert b"".join(streamed.streaming_content) == b"ab"
    assert streamed[ACAO] == ALLOWED


def test_credentials_and_exposed_headers(settings_of: Any) -> None:
    settings_of(CORS_ALLOW_CREDENTIALS=True, CORS_EXPOSE_HEADERS=["X-Total", "X-Page"])
    response = client().get("/api/items", HTTP_ORIGIN=ALLOWED)
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert response["Access-Control-Expose-Headers"] == "X-Total, X-Page"
    refused = client().get("/api/items", HTTP_ORIGIN=OTHER)
    assert "Access-Control-Allow-Credentials" not in refused


def test_a_views_own_cors_header_wins_and_is_reported_once(
    settings_of: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(middleware_module, "_other_layer_reported", False)
    with caplog.at_level(logging.WARNING, logger="wsgi_cors.django"):
        for _ in range(2):
            response = client().get("/api/own", HTTP_ORIGIN=ALLOWED)
            assert response[ACAO] == "https://mine.example.com"
    reports = [record for record in caplog.records if "another CORS layer" in record.message]
    assert len(reports) == 1
    assert "/api/own" in reports[0].getMessage()


# --- preflights -----------------------------------------------------------------------------


def test_a_preflight_is_answered_before_views_and_other_middleware(settings_of: Any) -> None:
    for path in ("/api/items", "/missing", "/slash"):  # no view, and an APPEND_SLASH redirect
        response = client().options(path, **preflight(ACCESS_CONTROL_REQUEST_HEADERS="x-csrftoken"))
        assert response.status_code == 200
        assert response.content == b""
        assert response[ACAO] == ALLOWED
        assert response[ACAM] == "DELETE, GET, OPTIONS, PATCH, POST, PUT"
        assert response[ACAH] == (
            "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with"
        )
        assert response["Access-Control-Max-Age"] == "86400"
        assert response["Vary"] == PREFLIGHT_VARY


def test_a_refused_preflight_is_a_200_with_only_vary(settings_of: Any) -> None:
    response = client().options("/api/items", **preflight(OTHER))
    assert response.status_code == 200
    assert ACAO not in response
    assert response["Vary"] == PREFLIGHT_VARY


def test_an_empty_request_method_is_still_answered(settings_of: Any) -> None:
    response = client().options("/api/items", **preflight(method=""))
    assert response.status_code == 200
    assert response[ACAO] == ALLOWED
    assert ACAM not in response


def test_max_age_zero_sends_no_max_age(settings_of: Any) -> None:
    settings_of(CORS_PREFLIGHT_MAX_AGE=0)
    assert "Access-Control-Max-Age" not in client().options("/api/items", **preflight())


def test_a_lone_star_in_allow_headers_reflects_the_requested_names(settings_of: Any) -> None:
    settings_of(CORS_ALLOW_HEADERS=["*"])
    response = client().options(
        "/api/items", **preflight(ACCESS_CONTROL_REQUEST_HEADERS="X-Trace, authorization")
    )
    assert response[ACAH] == "X-Trace, authorization"


def test_private_network_is_answered_on_preflights_only_when_enabled(settings_of: Any) -> None:
    asked = preflight(ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK="true")
    assert "Access-Control-Allow-Private-Network" not in client().options("/api/items", **asked)
    settings_of(CORS_ALLOW_PRIVATE_NETWORK=True)
    response = client().options("/api/items", **asked)
    assert response["Access-Control-Allow-Private-Network"] == "true"


# --- settings -------------------------------------------------------------------------------


def test_override_settings_takes_effect_on_the_next_request(settings_of: Any) -> None:
    assert ACAO not in client().get("/api/items", HTTP_ORIGIN=OTHER)
    settings_of(CORS_ALLOWED_ORIGINS=[OTHER])
    assert client().get("/api/items", HTTP_ORIGIN=OTHER)[ACAO] == OTHER
    settings_of(CORS_ALLOW_ALL_ORIGINS=True)
    assert client().get("/api/items", HTTP_ORIGIN="https://any.example")[ACAO] == "*"
    assert ACAO not in client().get("/api/items")  # no Origin, no ACAO, as before


def test_the_settings_are_read_once_not_per_request(
    settings_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client().get("/api/items", HTTP_ORIGIN=ALLOWED)
    built = []
    real = middleware_module._State

    def counting() -> Any:
        built.append(1)
        return real()

    monkeypatch.setattr(middleware_module, "_State", counting)
    for _ in range(5):
        client().get("/api/items", HTTP_ORIGIN=ALLOWED)
    assert built == []
    settings_of(CORS_ALLOWED_ORIGINS=[OTHER])
    for _ in range(5):
        client().get("/api/items", HTTP_ORIGIN=OTHER)
    assert built == [1]


def test_old_setting_names_work_and_the_new_name_wins(settings_of: Any) -> None:
    settings_of(CORS_ALLOWED_ORIGINS=None)
    with override_settings(CORS_ORIGIN_WHITELIST=[OTHER]):
        del_new = override_settings()
        del_new.enable()
        try:
            from django.conf import settings

            del settings.CORS_ALLOWED_ORIGINS
            middleware_module._state = None
            assert client().get("/api/items", HTTP_ORIGIN=OTHER)[ACAO] == OTHER
        finally:
            del_new.disable()
    settings_of(CORS_ALLOW_ALL_ORIGINS=False, CORS_ORIGIN_ALLOW_ALL=True)
    assert ACAO not in client().get("/api/items", HTTP_ORIGIN=OTHER)


def test_regexes_are_matched_in_full(settings_of: Any) -> None:
    settings_of(
        CORS_ALLOWED_ORIGINS=[], CORS_ALLOWED_ORIGIN_REGEXES=[r"^https://\w+\.example\.org"]
    )
    assert client().get("/api/items", HTTP_ORIGIN="https://a.example.org")[ACAO]
    evil = client().get("/api/items", HTTP_ORIGIN="https://a.example.org.evil.net")
    assert ACAO not in evil


def test_urls_regex_is_matched_from_the_start_of_path_info(settings_of: Any) -> None:
    settings_of(CORS_URLS_REGEX=r"^/api/")
    assert client().get("/api/items", HTTP_ORIGIN=ALLOWED)[ACAO] == ALLOWED
    outside = client().get("/public/items", HTTP_ORIGIN=ALLOWED)
    assert ACAO not in outside
    assert "Vary" not in outside
    answered_by_view = client().options("/public/items", **preflight())
    assert ACAO not in answered_by_view


def test_a_listed_file_origin_is_ignored_and_the_rest_still_applies(settings_of: Any) -> None:
    settings_of(CORS_ALLOWED_ORIGINS=["file://", ALLOWED])
    assert ACAO not in client().get("/api/items", HTTP_ORIGIN="file://")
    assert client().get("/api/items", HTTP_ORIGIN=ALLOWED)[ACAO] == ALLOWED


def test_invalid_settings_fail_at_start_up_and_name_the_setting(settings_of: Any) -> None:
    settings_of(CORS_ALLOW_ALL_ORIGINS=True, CORS_ALLOW_CREDENTIALS=True)
    with pytest.raises(ImproperlyConfigured) as caught:
        middleware_module.CorsMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    text = str(caught.value)
    assert "CORS_ALLOW_ALL_ORIGINS" in text
    assert "CORS_ALLOWED_ORIGINS = ['https://app.example.com']" in text


def test_a_string_where_a_list_is_meant_is_refused_with_the_list_to_write(
    settings_of: Any,
) -> None:
    settings_of(CORS_ALLOW_METHODS="GET, POST")
    with pytest.raises(ImproperlyConfigured, match=re.escape("write a list: ['GET', 'POST']")):
        client().get("/api/items", HTTP_ORIGIN=ALLOWED)


# --- the signal -----------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[Dict[str, Any]]:
    calls: Dict[str, Any] = {"count": 0, "answer": True, "paths": []}

    def handler(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
        calls["count"] += 1
        calls["paths"].append(request.path_info)
        return bool(calls["answer"])

    check_request_enabled.connect(handler)
    yield calls
    check_request_enabled.disconnect(handler)


def test_a_receiver_allows_an_origin_the_settings_refuse(
    settings_of: Any, receiver: Dict[str, Any]
) -> None:
    assert client().get("/api/items", HTTP_ORIGIN=OTHER)[ACAO] == OTHER
    assert client().options("/api/items", **preflight(OTHER))[ACAO] == OTHER
    assert receiver["count"] == 2
    client().get("/api/items", HTTP_ORIGIN=ALLOWED)  # listed: the signal is not sent
    client().get("/api/items")  # no Origin: not sent either
    assert receiver["count"] == 2
    receiver["answer"] = False
    assert ACAO not in client().get("/api/items", HTTP_ORIGIN=OTHER)


def test_a_receiver_enables_a_path_outside_urls_regex(
    settings_of: Any, receiver: Dict[str, Any]
) -> None:
    settings_of(CORS_URLS_REGEX=r"^/api/")
    assert client().get("/public/items", HTTP_ORIGIN=ALLOWED)[ACAO] == ALLOWED
    assert receiver["paths"] == ["/public/items"]


def test_the_signal_is_sent_with_asend_under_asgi(
    settings_of: Any, receiver: Dict[str, Any]
) -> None:
    async def run() -> Any:
        return await AsyncClient().get("/api/async", headers={"Origin": OTHER})

    response = run_async(run())
    assert response[ACAO] == OTHER
    assert receiver["count"] == 1


def test_a_receiver_that_touches_the_database_works_in_an_async_deployment(
    settings_of: Any,
) -> None:
    """Django guards every database call with ``async_unsafe``; the same guard on a receiver
    raises ``SynchronousOnlyOperation`` if the signal is sent synchronously from the event loop
    (as django-cors-headers sends it)."""
    from django.utils.asyncio import async_unsafe

    @async_unsafe
    def database_receiver(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
        return True

    check_request_enabled.connect(database_receiver)
    try:

        async def run() -> Any:
            return await AsyncClient().get("/api/async", headers={"Origin": OTHER})

        response = run_async(run())
    finally:
        check_request_enabled.disconnect(database_receiver)
    assert response.status_code == 200
    assert response[ACAO] == OTHER


# --- async ------------------------------------------------------------------------------------


def test_async_views_and_preflights_under_the_async_client(settings_of: Any) -> None:
    async def run() -> Any:
        client = AsyncClient()
        get = await client.get("/api/async", headers={"Origin": ALLOWED})
        options = await client.options(
            "/api/async", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "PUT"}
        )
        return get, options

    get, options = run_async(run())
    assert get.json()["async"] is True
    assert get[ACAO] == ALLOWED
    assert options.status_code == 200
    assert options[ACAM] == "DELETE, GET, OPTIONS, PATCH, POST, PUT"


def test_the_middleware_declares_both_modes() -> None:
    from wsgi_cors.django import CorsMiddleware

    assert CorsMiddleware.sync_capable
    assert CorsMiddleware.async_capable

    async def view(request: HttpRequest) -> Any:
        return None

    assert asyncio.iscoroutinefunction(CorsMiddleware(view)) or hasattr(
        CorsMiddleware(view), "_is_coroutine"
    )


def test_the_documented_settings_enable_cors_through_the_test_client() -> None:
    from servers.test_gunicorn import docs_block

    namespace: Dict[str, Any] = {}
    exec(docs_block("# mysite/settings.py", "python"), namespace)
    assert "wsgi_cors.django" in namespace["INSTALLED_APPS"]
    assert namespace["MIDDLEWARE"][0] == "wsgi_cors.django.CorsMiddleware"
    cors = {name: value for name, value in namespace.items() if name.startswith("CORS_")}
    with override_settings(**{**site.BASE, **cors, "MIDDLEWARE": namespace["MIDDLEWARE"]}):
        origin = cors["CORS_ALLOWED_ORIGINS"][0]
        response = client().get("/api/items", HTTP_ORIGIN=origin)
        assert response[ACAO] == origin
        assert response["Vary"] == "origin"
        assert ACAO not in client().get("/api/items", HTTP_ORIGIN=OTHER)
        preflight_answer = client().options("/api/items", **preflight(origin))
        assert preflight_answer.status_code == 200
        assert preflight_answer[ACAO] == origin
