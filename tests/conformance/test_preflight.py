"""Preflights: when they are answered, what the answer says, and what a refusal looks like
(``automatic_options``; ``preflight_status``)."""

from __future__ import annotations

import re

import pytest

from wsgi_cors import ALL_METHODS

from conformance.common import STRICT
from conformance.expected import DEFAULT_METHODS, PREFLIGHT_VARY, REFUSED_PREFLIGHT_BODY
from conftest import ALLOWED, OTHER, preflight_headers
from shells import Downstream, Shell


def test_preflight_succeeds_even_when_the_app_would_answer_401(shell: Shell) -> None:
    app = Downstream(status=401)
    response = shell.wrap(app, **STRICT).options("/", preflight_headers())
    assert response.status == 204
    assert response.header("Access-Control-Allow-Credentials") == "true"
    assert app.calls == 0


@pytest.mark.parametrize("requested", ["x-custom", "authorization", "authorization,x-custom"])
def test_star_headers_are_reflected_by_name(shell: Shell, requested: str) -> None:
    options = {"origins": [ALLOWED], "supports_credentials": True, "allow_headers": "*"}
    response = shell.wrap(Downstream(), **options).options(
        "/", preflight_headers(headers=requested)
    )
    allowed = response.header("Access-Control-Allow-Headers")
    assert allowed == requested.replace(",", ", ")
    assert "*" not in allowed


def test_authorization_is_named_even_without_credentials(shell: Shell) -> None:
    response = shell.wrap(Downstream()).options("/", preflight_headers(headers="authorization"))
    assert response.header("Access-Control-Allow-Headers") == "authorization"


def test_request_headers_list_is_parsed_leniently_and_validated(shell: Shell) -> None:
    response = shell.wrap(Downstream(), **STRICT).options(
        "/", preflight_headers(headers="X-Custom , content-type")
    )
    assert response.status == 204
    assert response.header("Access-Control-Allow-Headers") == "X-Custom, Content-Type"


@pytest.mark.parametrize("joined", ["x-custom,content-type", "x-custom, content-type", ""])
def test_server_joined_and_empty_header_lists_are_accepted(shell: Shell, joined: str) -> None:
    response = shell.wrap(Downstream(), **STRICT).options("/", preflight_headers(headers=joined))
    assert response.status == 204


def test_preflight_lists_the_configured_methods(shell: Shell) -> None:
    response = shell.wrap(Downstream(), **STRICT).options("/", preflight_headers(method="PUT"))
    assert response.header("Access-Control-Allow-Methods") == "GET, POST, PUT, DELETE"


def test_disallowed_method_is_refused_with_403_and_no_cors_headers(shell: Shell) -> None:
    app = Downstream()
    response = shell.wrap(app, **STRICT).options("/", preflight_headers(method="PATCH"))
    assert response.status == 403
    assert response.cors_headers() == []
    assert app.calls == 0


@pytest.mark.parametrize("method", ["patch", "put", "OS", "ET", "", "PUT, DELETE"])
def test_methods_are_case_sensitive_whole_tokens(shell: Shell, method: str) -> None:
    options = {**STRICT, "methods": ["GET", "PUT", "PATCH", "POST"]}
    response = shell.wrap(Downstream(), **options).options("/", preflight_headers(method=method))
    assert response.status == 403
    assert response.cors_headers() == []


def test_configured_methods_are_emitted_upper_case(shell: Shell) -> None:
    response = shell.wrap(Downstream(), methods="get, patch").options(
        "/", preflight_headers(method="PATCH")
    )
    assert response.header("Access-Control-Allow-Methods") == "GET, PATCH"


def test_star_methods_without_credentials_answers_star(shell: Shell) -> None:
    response = shell.wrap(Downstream(), methods="*").options(
        "/", preflight_headers(method="PROPFIND")
    )
    assert response.header("Access-Control-Allow-Methods") == "*"


def test_star_methods_with_credentials_reflects_the_validated_method(shell: Shell) -> None:
    options = {"origins": [ALLOWED], "supports_credentials": True, "methods": "*"}
    client = shell.wrap(Downstream(), **options)
    response = client.options("/", preflight_headers(method="PROPFIND"))
    assert response.header("Access-Control-Allow-Methods") == "PROPFIND"
    assert client.options("/", preflight_headers(method="BAD METHOD")).status == 403


def test_header_names_compare_case_insensitively(shell: Shell) -> None:
    client = shell.wrap(Downstream(), **{**STRICT, "allow_headers": ["X-Custom"]})
    response = client.options("/", preflight_headers(headers="x-custom"))
    assert response.status == 204
    assert response.header("Access-Control-Allow-Headers") == "X-Custom"


def test_unlisted_request_header_refuses_the_preflight(shell: Shell) -> None:
    client = shell.wrap(Downstream(), **STRICT)
    assert client.options("/", preflight_headers(headers="x-other")).status == 403


def test_allow_headers_patterns_are_full_matched_and_reflected(shell: Shell) -> None:
    options = {"allow_headers": [re.compile(r"x-app-[a-z]+"), "Content-Type"]}
    client = shell.wrap(Downstream(), **options)
    response = client.options("/", preflight_headers(headers="content-type,x-app-id"))
    assert response.header("Access-Control-Allow-Headers") == "content-type, x-app-id"
    assert client.options("/", preflight_headers(headers="x-app-id2")).status == 403


def test_preflight_carries_allow_origin_and_credentials(shell: Shell) -> None:
    response = shell.wrap(Downstream(), **STRICT).options("/", preflight_headers())
    assert response.header("Access-Control-Allow-Origin") == ALLOWED
    assert response.header("Access-Control-Allow-Credentials") == "true"


def test_preflight_is_ok_even_where_the_app_would_404(shell: Shell) -> None:
    app = Downstream(status=404)
    response = shell.wrap(app, **STRICT).options("/no/such/route", preflight_headers())
    assert response.status == 204


def test_preflight_status_200_sends_an_empty_body_with_length(shell: Shell) -> None:
    response = shell.wrap(Downstream(), preflight_status=200).options("/", preflight_headers())
    assert response.status == 200
    assert response.header("Content-Length") == "0"
    assert response.body == b""


def test_refused_preflight_body_never_echoes_request_data(shell: Shell) -> None:
    hostile = "https://evil.example.net"
    response = shell.wrap(Downstream(), **STRICT).options(
        "/", preflight_headers(origin=hostile, headers="x-evil")
    )
    assert response.status == 403
    assert b"evil" not in response.body
    assert response.body == REFUSED_PREFLIGHT_BODY
    assert response.header_values("Vary") == [PREFLIGHT_VARY]


def test_lists_use_comma_space_and_single_value_headers_appear_once(shell: Shell) -> None:
    response = shell.wrap(Downstream(), **STRICT).options(
        "/", preflight_headers(headers="x-custom")
    )
    for name in (
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Credentials",
        "Access-Control-Max-Age",
        "Access-Control-Allow-Methods",
    ):
        assert len(response.header_values(name)) == 1
    assert ", " in response.header("Access-Control-Allow-Methods")


def test_default_methods_are_flask_cors_all_methods(shell: Shell) -> None:
    response = shell.wrap(Downstream()).options("/", preflight_headers(method="PATCH"))
    assert response.header("Access-Control-Allow-Methods") == DEFAULT_METHODS
    assert ", ".join(ALL_METHODS) == DEFAULT_METHODS


# --- automatic_options ------------------------------------------------------------------------


def test_automatic_options_false_hands_the_preflight_to_the_app_and_decorates_it(
    shell: Shell,
) -> None:
    app = Downstream(status=200)
    response = shell.wrap(app, **STRICT, automatic_options=False).options(
        "/", preflight_headers(headers="x-custom")
    )
    assert app.calls == 1
    assert app.seen[0].method == "OPTIONS"
    assert response.body == b"hello"
    assert response.header("Access-Control-Allow-Origin") == ALLOWED
    assert response.header("Access-Control-Allow-Methods") == "GET, POST, PUT, DELETE"
    assert response.header("Access-Control-Max-Age") == "600"


def test_automatic_options_false_refused_preflight_gets_no_cors_headers(shell: Shell) -> None:
    app = Downstream(status=200)
    response = shell.wrap(app, **STRICT, automatic_options=False).options(
        "/", preflight_headers(origin=OTHER)
    )
    assert app.calls == 1
    assert response.cors_headers() == []
