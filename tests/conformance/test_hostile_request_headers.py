"""Hostile preflight request headers (SECURITY.md classes 2.4, 2.5, 2.6):
Access-Control-Request-Headers (rs/cors CVE-2025-47908) and Access-Control-Request-Method,
and log lines that cannot be forged. The bounded-work side: core/test_bounded_work.py."""

from __future__ import annotations

import logging
import re
from typing import Dict, List, Optional

import pytest

from conformance.expected import MAX_WILDCARD_REQUEST_HEADERS_LENGTH, request_headers_length_limit
from conformance.hostile import (
    ACAH,
    ACAM,
    ACRH_CONFIGS,
    APP,
    EVIL,
    HEADER_BREAKING_METHOD_OPTIONS,
    HEADER_BREAKING_METHODS,
    HOSTILE_ACRH,
    KIB64,
    METHOD_ROWS,
    NOT_A_TOKEN_ACRH,
    REAL_ACRH,
    Answer,
    Options,
    ask,
    assert_not_echoed,
    assert_refused_preflight,
    fixed,
)
from shells import Downstream, Shell

ACRH_LIMITS = {
    "list": request_headers_length_limit(("X-Custom", "Content-Type")),
    "star": MAX_WILDCARD_REQUEST_HEADERS_LENGTH,
}


def acrh_preflight(shell: Shell, config: str, value: str) -> Answer:
    return ask(
        shell,
        fixed(ACRH_CONFIGS[config]),
        method="OPTIONS",
        origin=APP,
        request_method="PUT",
        request_headers=value,
    )


# --- 2.4 Access-Control-Request-Headers ---------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE_ACRH)
@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_hostile_request_headers_are_refused(shell: Shell, config: str, value: str) -> None:
    answer = acrh_preflight(shell, config, value)
    assert_refused_preflight(answer)
    assert len(value) > ACRH_LIMITS[config]
    assert_not_echoed(answer, value[:64], "x-custom", "content-type")


@pytest.mark.parametrize(("value", "reflected"), REAL_ACRH)
@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_real_request_header_lists_are_accepted(
    shell: Shell, config: str, value: str, reflected: str
) -> None:
    answer = acrh_preflight(shell, config, value)
    assert answer.exchange.status == 204
    expected = "X-Custom, Content-Type" if config == "list" else reflected
    assert answer.values(ACAH) == [expected]


@pytest.mark.parametrize("value", NOT_A_TOKEN_ACRH)
@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_request_header_element_that_is_not_a_token_fails_the_preflight(
    shell: Shell, config: str, value: str
) -> None:
    answer = acrh_preflight(shell, config, value)
    assert_refused_preflight(answer)
    assert_not_echoed(answer, value, "evil", "Injected")


@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_request_headers_length_limit_is_exact(shell: Shell, config: str) -> None:
    """At the documented limit a valid list is read; one byte more is refused."""
    limit = ACRH_LIMITS[config]
    at_limit = "x-custom,content-type" + "," * (limit - len("x-custom,content-type"))
    assert len(at_limit) == limit
    assert acrh_preflight(shell, config, at_limit).exchange.status == 204
    assert_refused_preflight(acrh_preflight(shell, config, at_limit + ","))


def test_2_4_wildcard_reflects_at_most_the_limit_of_validated_names(shell: Shell) -> None:
    names = ",".join(f"x-h{i:05d}" for i in range(MAX_WILDCARD_REQUEST_HEADERS_LENGTH // 9))
    assert len(names) <= MAX_WILDCARD_REQUEST_HEADERS_LENGTH
    reflected = acrh_preflight(shell, "star", names).values(ACAH)
    assert reflected == [names.replace(",", ", ")]
    assert_refused_preflight(acrh_preflight(shell, "star", names + ",x-h99999"))


# --- 2.5 Header-breaking request methods, and log lines -------------------------------------


@pytest.mark.parametrize("request_method", HEADER_BREAKING_METHODS)
@pytest.mark.parametrize("options", HEADER_BREAKING_METHOD_OPTIONS)
def test_2_5_header_breaking_request_method_is_never_echoed(
    shell: Shell, options: Options, request_method: str
) -> None:
    answer = ask(shell, fixed(options), method="OPTIONS", origin=APP, request_method=request_method)
    assert_refused_preflight(answer)
    assert_not_echoed(answer, request_method, "Injected")


def log_lines(caplog: pytest.LogCaptureFixture) -> List[str]:
    formatter = logging.Formatter("%(levelname)s:%(name)s:%(message)s")
    lines = []
    for record in caplog.records:
        if not record.name.startswith("wsgi_cors"):
            continue
        lines.append(record.getMessage())
        plain = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        lines.append(formatter.format(plain))
    return lines


@pytest.mark.parametrize(
    ("options", "sent"),
    [
        pytest.param(
            {"origins": [APP]}, {"origin": f"{EVIL}\r\nINFO:forged:1"}, id="actual-origin-crlf"
        ),
        pytest.param(
            {"origins": [APP]},
            {"origin": f"{EVIL}\r\n INFO:forged:1", "request_method": "PUT"},
            id="preflight-origin-obs-fold",
        ),
        pytest.param(
            {"origins": ["https://*.example.com"]},
            {"origin": f"{EVIL}\n\x00INFO:forged:1", "request_method": "PUT"},
            id="preflight-origin-lf-nul",
        ),
        pytest.param(
            {"origins": [APP]},
            {"origin": APP, "request_method": "PUT\r\nINFO:forged:1"},
            id="preflight-method-crlf",
        ),
        pytest.param(
            {"origins": [APP], "allow_headers": ["X-Custom"]},
            {"origin": APP, "request_method": "PUT", "request_headers": "x\r\nINFO:forged:1"},
            id="preflight-request-headers-crlf",
        ),
        pytest.param(
            {"origins": [APP], "allow_headers": ["X-Custom"]},
            {
                "origin": APP,
                "request_method": "PUT",
                "request_headers": "x" * 190 + "\r\nINFO:forged:1" + "," * KIB64,
            },
            id="preflight-request-headers-crlf-in-excerpt",
        ),
    ],
)
def test_2_5_refusal_log_records_escape_cr_lf(
    shell: Shell, caplog: pytest.LogCaptureFixture, options: Options, sent: Dict[str, str]
) -> None:
    method = "OPTIONS" if "request_method" in sent else "GET"
    with caplog.at_level(logging.DEBUG, logger="wsgi_cors"):
        ask(shell, fixed(options), method=method, **sent)  # type: ignore[arg-type]
    lines = log_lines(caplog)
    assert any("refused" in line for line in lines)
    for line in lines:
        assert re.search(r"[\x00-\x1f\x7f]", line) is None, line
    assert all("\nINFO:forged" not in line for line in lines)


def test_2_5_exception_log_escapes_a_hostile_path(
    shell: Shell, caplog: pytest.LogCaptureFixture
) -> None:
    failing = Downstream(raises=RuntimeError("boom"))
    client = shell.wrap(failing, origins=[APP], intercept_exceptions=True)
    with caplog.at_level(logging.DEBUG, logger="wsgi_cors"):
        exchange = client.get("/x\r\nERROR:forged:1", {"Origin": APP})
    assert exchange.status == 500
    assert b"forged" not in exchange.body
    lines = log_lines(caplog)
    assert lines
    for line in lines:
        assert re.search(r"[\x00-\x1f\x7f]", line) is None, line


# --- 2.6 Case sensitivity and whole tokens: methods and header names ------------------------


@pytest.mark.parametrize(("options", "request_method", "allow_methods"), METHOD_ROWS)
def test_2_6_request_method_is_a_case_sensitive_whole_token(
    shell: Shell, options: Options, request_method: str, allow_methods: Optional[str]
) -> None:
    answer = ask(shell, fixed(options), method="OPTIONS", origin=APP, request_method=request_method)
    if allow_methods is None:
        assert_refused_preflight(answer)
        assert_not_echoed(answer, request_method)
    else:
        assert answer.exchange.status == 204
        assert answer.values(ACAM) == [allow_methods]
    if request_method != "PATCH":
        assert "PATCH" not in "".join(answer.values(ACAM))


@pytest.mark.parametrize(
    "request_headers", ["X-CUSTOM", "x-custom", "X-cUsToM", "x-CUSTOM,CONTENT-type"]
)
def test_2_6_request_header_names_compare_case_insensitively(
    shell: Shell, request_headers: str
) -> None:
    answer = acrh_preflight(shell, "list", request_headers)
    assert answer.exchange.status == 204
    assert answer.values(ACAH) == ["X-Custom, Content-Type"]


# --- 2.11 The refused preflight body ------------------------------------------------------------


@pytest.mark.parametrize(
    "asked",
    [
        pytest.param({"origin": EVIL}, id="refused-origin"),
        pytest.param({"origin": f"{EVIL}\r\nX-Injected: 1"}, id="crlf-origin"),
        pytest.param({"origin": APP, "request_method": "PATCH"}, id="refused-method"),
        pytest.param({"origin": APP, "request_method": "<script>"}, id="markup-method"),
        pytest.param({"origin": APP, "request_headers": "x-evil"}, id="refused-header"),
        pytest.param({"origin": APP, "request_headers": "<script>alert(1)</script>"}, id="markup"),
        pytest.param({"origin": APP, "private_network": "true"}, id="private-network-off"),
    ],
)
def test_2_11_refused_preflight_body_is_fixed_whatever_was_sent(
    shell: Shell, asked: Dict[str, str]
) -> None:
    sent = {"request_method": "PUT", **asked}
    answer = ask(
        shell,
        fixed({"origins": [APP], "methods": ["PUT"], "allow_headers": ["X-Custom"]}),
        method="OPTIONS",
        **sent,  # type: ignore[arg-type]
    )
    assert_refused_preflight(answer)
    assert_not_echoed(answer, *[value for value in sent.values() if value != "PUT"])
