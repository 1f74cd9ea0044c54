"""Actual (non-preflight) requests: recognising them, and what their answers carry.

What the standard asks of a server for them (which requests count, what every answer carries,
credentials, exposed headers) and the exception options. Test names keep the rule numbers
(``r1`` ...) that group them.
"""

from __future__ import annotations

import pytest

from conformance.common import STRICT
from conftest import ALLOWED, OTHER, preflight_headers
from shells import Downstream, Shell

# --- A. Recognising requests -------------------------------------------------------------


def test_request_without_origin_passes_through_with_only_vary_added(shell: Shell) -> None:
    app = Downstream(headers=[("Content-Type", "text/plain"), ("X-App", "1")])
    response = shell.wrap(app, **STRICT).get("/")
    assert app.calls == 1
    assert response.body == b"hello"
    assert response.cors_headers() == []
    assert response.header("X-App") == "1"
    assert response.header_values("Vary") == ["Origin"]


def test_wildcard_config_sends_constant_star_even_without_origin(shell: Shell) -> None:
    response = shell.wrap(Downstream()).get("/")
    assert response.header_values("Access-Control-Allow-Origin") == ["*"]
    assert response.header_values("Vary") == []


def test_options_without_request_method_reaches_the_app(shell: Shell) -> None:
    app = Downstream()
    response = shell.wrap(app, **STRICT).options("/", {"Origin": ALLOWED})
    assert app.calls == 1
    assert response.header("Access-Control-Allow-Origin") == ALLOWED
    assert not response.has("Access-Control-Allow-Methods")


def test_preflight_is_answered_without_calling_the_app(shell: Shell) -> None:
    app = Downstream()
    response = shell.wrap(app, **STRICT).options("/", preflight_headers())
    assert app.calls == 0
    assert response.status == 204
    assert response.body == b""


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_every_simple_request_gets_cors_headers(shell: Shell, method: str) -> None:
    app = Downstream()
    headers = {"Origin": ALLOWED, "Content-Type": "text/plain"}
    body = b"x" if method == "POST" else b""
    response = shell.wrap(app, **STRICT).request(method, "/", headers, body)
    assert app.seen[0].method == method
    assert response.header("Access-Control-Allow-Origin") == ALLOWED
    assert response.header("Access-Control-Allow-Credentials") == "true"


def test_disallowed_origin_still_reaches_the_app_once_untouched(shell: Shell) -> None:
    app = Downstream(status=201)
    response = shell.wrap(app, **STRICT).request(
        "POST", "/", {"Origin": OTHER, "Content-Type": "text/plain"}, b"data"
    )
    assert app.calls == 1
    assert app.seen[0].header("Origin") == OTHER
    assert response.status == 201
    assert response.body == b"hello"
    assert response.cors_headers() == []


def test_credentials_reflect_the_origin_never_star(shell: Shell) -> None:
    response = shell.wrap(Downstream(), **STRICT).get("/", {"Origin": ALLOWED})
    assert response.header("Access-Control-Allow-Origin") == ALLOWED
    assert response.header("Access-Control-Allow-Credentials") == "true"


def test_actual_put_response_carries_cors_headers(shell: Shell) -> None:
    response = shell.wrap(Downstream(), **STRICT).request("PUT", "/", {"Origin": ALLOWED}, b"{}")
    assert response.header("Access-Control-Allow-Origin") == ALLOWED
    assert response.header("Access-Control-Allow-Credentials") == "true"


# --- E. Non-preflight responses ------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 404, 500])
def test_every_status_gets_cors_headers(shell: Shell, status: int) -> None:
    app = Downstream(
        status=status,
        headers=[("Content-Type", "text/plain"), ("Location", "https://app.example.com/x")],
    )
    response = shell.wrap(app, **STRICT).get("/", {"Origin": ALLOWED})
    assert response.status == status
    assert response.header("Access-Control-Allow-Origin") == ALLOWED


def test_expose_headers_on_actual_responses_only(shell: Shell) -> None:
    client = shell.wrap(Downstream(), **STRICT)
    actual = client.get("/", {"Origin": ALLOWED})
    assert actual.header("Access-Control-Expose-Headers") == "X-Total"
    preflight = client.options("/", preflight_headers())
    assert not preflight.has("Access-Control-Expose-Headers")


def test_expose_star_without_credentials(shell: Shell) -> None:
    response = shell.wrap(Downstream(), expose_headers="*").get("/", {"Origin": ALLOWED})
    assert response.header("Access-Control-Expose-Headers") == "*"


# --- intercept_exceptions ----------------------------------------------------------------------


def test_intercept_exceptions_turns_an_early_exception_into_a_logged_cors_500(
    shell: Shell, caplog: pytest.LogCaptureFixture
) -> None:
    app = Downstream(raises=RuntimeError("database down"))
    with caplog.at_level("ERROR", logger="wsgi_cors"):
        response = shell.wrap(app, **STRICT, intercept_exceptions=True).get(
            "/", {"Origin": ALLOWED}
        )
    assert response.status == 500
    assert response.header("Access-Control-Allow-Origin") == ALLOWED
    assert b"database down" not in response.body
    assert any("database down" in (r.exc_text or "") for r in caplog.records)


def test_exceptions_propagate_by_default(shell: Shell) -> None:
    client = shell.wrap(Downstream(raises=RuntimeError("database down")), **STRICT)
    with pytest.raises(RuntimeError, match="database down"):
        client.get("/", {"Origin": ALLOWED})


def test_intercept_exceptions_reraises_once_the_response_has_started(shell: Shell) -> None:
    app = Downstream(raises_after_start=RuntimeError("late"))
    client = shell.wrap(app, intercept_exceptions=True)
    with pytest.raises(RuntimeError, match="late"):
        client.get("/", {"Origin": ALLOWED})


# --- Logging --------------------------------------------------------------------------------


def test_every_rejection_is_logged_at_debug_with_repr(
    shell: Shell, caplog: pytest.LogCaptureFixture
) -> None:
    client = shell.wrap(Downstream(), **STRICT)
    hostile = "https://evil.test\r\nX-Injected: 1"
    with caplog.at_level("DEBUG", logger="wsgi_cors"):
        client.get("/", {"Origin": hostile})
        client.options("/", {"Origin": ALLOWED, "Access-Control-Request-Method": "PATCH"})
    messages = [record.getMessage() for record in caplog.records]
    assert any("'https://evil.test\\r\\nX-Injected: 1'" in m for m in messages)
    assert any("'PATCH'" in m and "not allowed" in m for m in messages)
    assert all("\n" not in m for m in messages)
