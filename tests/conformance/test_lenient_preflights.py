"""``lenient_preflights=True``: a preflight asking for more than is allowed gets the preflight
status and what is allowed, never a grant of what is not; with the default, it is refused.

The browser's verdict is the same either way (it checks each header); the lenient answers are
what Flask-CORS, Quart-CORS and django-cors-headers send, which their users' tests assert.
"""

from __future__ import annotations

import re
from typing import Any, Dict

import pytest

from shells import Downstream, Exchange, Shell

ALLOWED = "https://app.example.com"
REFUSED = "https://evil.example.net"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def wrap(shell: Shell, lenient: bool, **options: Any) -> Any:
    settings: Dict[str, Any] = {
        "origins": [ALLOWED],
        "methods": ["GET", "POST"],
        "allow_headers": ["X-Match", "X-Other"],
        "supports_credentials": True,
        "expose_headers": ["X-Total"],
        "max_age": 600,
        **options,
    }
    return shell.wrap(Downstream(), lenient_preflights=lenient, **settings)


def assert_no_grant(answer: Exchange) -> None:
    for name in ("Allow-Methods", "Allow-Headers", "Max-Age", "Allow-Private-Network"):
        assert not answer.has(f"Access-Control-{name}"), answer.headers


def test_a_refused_origin_gets_the_preflight_status_and_only_vary(shell: Shell) -> None:
    answer = wrap(shell, True).preflight(REFUSED, "POST")
    assert answer.status == 204
    assert answer.cors_headers() == []
    assert answer.header("Vary") == PREFLIGHT_VARY
    assert answer.body == b""


def test_a_refused_method_gets_the_origins_headers_without_allow_methods(shell: Shell) -> None:
    for method in ("DELETE", "", "post"):
        answer = wrap(shell, True).preflight(ALLOWED, method, "x-match")
        assert answer.status == 204
        assert answer.header("Access-Control-Allow-Origin") == ALLOWED
        assert answer.header("Access-Control-Allow-Credentials") == "true"
        assert answer.header("Access-Control-Expose-Headers") == "X-Total"
        assert_no_grant(answer)


def test_headers_not_allowed_are_left_out_of_the_reflected_list(shell: Shell) -> None:
    # A list of names is sent as it is configured; patterns reflect the allowed names.
    client = wrap(shell, True, allow_headers=[re.compile("x-match"), re.compile("x-other")])
    answer = client.preflight(ALLOWED, "POST", "X-Match, X-No-Match")
    assert answer.status == 204
    assert answer.header("Access-Control-Allow-Origin") == ALLOWED
    assert answer.header("Access-Control-Allow-Methods") == "GET, POST"
    assert answer.header("Access-Control-Allow-Headers") == "X-Match"
    assert answer.header("Access-Control-Max-Age") == "600"
    none_allowed = client.preflight(ALLOWED, "POST", "X-No-Match")
    assert none_allowed.status == 204
    assert not none_allowed.has("Access-Control-Allow-Headers")


def test_headers_not_allowed_get_the_configured_list(shell: Shell) -> None:
    answer = wrap(shell, True).preflight(ALLOWED, "POST", "X-Match, X-No-Match")
    assert answer.status == 204
    assert answer.header("Access-Control-Allow-Headers") == "X-Match, X-Other"


def test_private_network_not_allowed_is_left_out(shell: Shell) -> None:
    answer = wrap(shell, True).preflight(
        ALLOWED, "POST", None, **{"Access-Control-Request-Private-Network": "true"}
    )
    assert answer.status == 204
    assert answer.header("Access-Control-Allow-Methods") == "GET, POST"
    assert not answer.has("Access-Control-Allow-Private-Network")


@pytest.mark.parametrize(
    ("origin", "method", "request_headers"),
    [(REFUSED, "POST", None), (ALLOWED, "DELETE", None), (ALLOWED, "POST", "X-No-Match")],
)
def test_by_default_the_same_preflights_are_refused(
    shell: Shell, origin: str, method: str, request_headers: str
) -> None:
    answer = wrap(shell, False).preflight(origin, method, request_headers)
    assert answer.status == 403
    assert answer.cors_headers() == []


def test_an_allowed_preflight_is_the_same_either_way(shell: Shell) -> None:
    strict = wrap(shell, False).preflight(ALLOWED, "POST", "x-match")
    lenient = wrap(shell, True).preflight(ALLOWED, "POST", "x-match")
    assert strict.status == lenient.status == 204
    assert strict.fields() == lenient.fields()
