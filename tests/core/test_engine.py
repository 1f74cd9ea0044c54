"""The sans-IO engine: decisions from a request value, rendered in each shell's header form."""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

import pytest

from wsgi_cors import CORSConfig
from wsgi_cors.core.codec import ASGI_CODEC, WSGI_CODEC
from wsgi_cors.core.engine import CORSRequest, Engine
from wsgi_cors.core.policy import REFUSED_PREFLIGHT_BODY
from wsgi_cors.core.resources import text_path, wsgi_path

ALLOWED = "https://app.example.com"
STRICT: Dict[str, Any] = {
    "origins": [ALLOWED, "https://*.example.org"],
    "supports_credentials": True,
    "methods": ["GET", "PUT"],
    "allow_headers": ["X-Custom", re.compile(r"x-trace-[a-z]+")],
    "expose_headers": ["X-Total"],
    "max_age": 600,
}


def engine(codec: Any = WSGI_CODEC, **options: Any) -> Engine[Any, Any]:
    return Engine(CORSConfig.from_mapping({**STRICT, **options}), codec)


def preflight(
    origin: str = ALLOWED,
    method: str = "PUT",
    headers: Optional[str] = None,
    private_network: Optional[str] = None,
) -> CORSRequest:
    return CORSRequest("OPTIONS", "/", origin, method, headers, private_network)


def test_actual_request_from_an_allowed_origin() -> None:
    decision = engine().decide(CORSRequest("GET", "/", ALLOWED))
    assert decision.preflight is None
    assert decision.headers == (
        ("Access-Control-Allow-Origin", ALLOWED),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Expose-Headers", "X-Total"),
        ("Vary", "Origin"),
    )


@pytest.mark.parametrize("origin", [None, "https://evil.example", "null", ALLOWED + "/"])
def test_actual_request_without_an_allowed_origin_only_varies(origin: Any) -> None:
    assert engine().decide(CORSRequest("GET", "/", origin)).headers == (("Vary", "Origin"),)


def test_allowed_preflight_answer() -> None:
    answer = engine().decide(preflight(headers="x-custom, x-trace-id")).preflight
    assert answer is not None
    assert answer.allowed
    assert answer.status == "204 No Content"
    assert answer.body == b""
    assert answer.response_headers == (
        ("Access-Control-Allow-Origin", ALLOWED),
        ("Access-Control-Allow-Methods", "GET, PUT"),
        ("Access-Control-Allow-Headers", "x-custom, x-trace-id"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Max-Age", "600"),
        ("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
    )


# The Fetch standard's steps, in order: the first that fails names the refusal.
REFUSALS = [
    (preflight(origin="https://evil.example", method="DELETE"), "origin"),
    (preflight(method="put"), "method"),
    (preflight(method="DELETE", headers="x-custom"), "method"),
    (preflight(headers="x-other"), "headers"),
    (preflight(headers="x-custom, x-other"), "headers"),
    (preflight(headers="," * 65536), "headers"),
    (preflight(headers="x-custom", private_network="true"), "private-network"),
]


@pytest.mark.parametrize(("request_value", "reason"), REFUSALS)
def test_refused_preflight_names_the_first_step_that_failed(
    request_value: CORSRequest, reason: str
) -> None:
    answer = engine().decide(request_value).preflight
    assert answer is not None
    assert not answer.allowed
    assert answer.reason == reason
    assert answer.status == "403 Forbidden"
    assert answer.body == REFUSED_PREFLIGHT_BODY
    assert not [name for name, _ in answer.response_headers if name.startswith("Access-Control")]


def test_private_network_is_answered_only_when_allowed() -> None:
    answer = engine(allow_private_network=True).decide(preflight(private_network="true")).preflight
    assert answer is not None
    assert answer.allowed
    assert ("Access-Control-Allow-Private-Network", "true") in answer.headers


def test_the_asgi_codec_renders_lower_case_bytes_and_int_statuses() -> None:
    asgi = engine(ASGI_CODEC, preflight_status=200)
    actual = asgi.decide(CORSRequest("GET", "/", "https://a.example.org"))
    assert actual.headers == (
        (b"access-control-allow-origin", b"https://a.example.org"),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-expose-headers", b"X-Total"),
        (b"vary", b"Origin"),
    )
    answer = asgi.decide(preflight()).preflight
    assert answer is not None
    assert answer.status == 200
    assert (b"content-length", b"0") in answer.response_headers
    refused = asgi.decide(preflight(method="PATCH")).preflight
    assert refused is not None
    assert refused.status == 403


def test_constant_headers_are_rendered_once_not_per_request() -> None:
    wsgi = engine()
    first = wsgi.decide(CORSRequest("GET", "/", ALLOWED)).headers
    assert wsgi.decide(CORSRequest("GET", "/", ALLOWED)).headers is first


def test_the_shell_chooses_the_path_form() -> None:
    config = CORSConfig.from_options(resources={"/café/*": {}})
    text = Engine(config, WSGI_CODEC, text_path)
    latin1 = Engine(config, WSGI_CODEC, wsgi_path)
    assert text.policy_for("/café/x") is not None
    assert text.policy_for("/caf\xc3\xa9/x") is None
    assert latin1.policy_for("/caf\xc3\xa9/x") is not None
    assert latin1.policy_for("/café/x") is None


def test_an_uncovered_path_is_decided_as_nothing() -> None:
    covered = Engine(CORSConfig.from_options(resources={"/api/*": {}}), WSGI_CODEC)
    decision = covered.decide(CORSRequest("GET", "/other", ALLOWED))
    assert decision.policy is None
    assert decision.headers == ()
    assert decision.preflight is None
