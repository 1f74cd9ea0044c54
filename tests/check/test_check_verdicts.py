"""``wsgi-cors check`` end to end over 127.0.0.1: the CORS check of the actual response and of the preflight.

See ``tests/check/helpers.py``: a CannedServer answers each test's own path with hand-written
responses and records every request."""

from __future__ import annotations

from typing import Tuple

import pytest

from wsgi_cors.check import PROBE_ORIGIN

from check.check_servers import (
    CannedServer,
    Reply,
)
from check.helpers import (
    GOOD_PREFLIGHT,
    MAX_AGE,
    ORIGIN,
    OTHER,
    PUT_CUSTOM,
    Header,
    acac,
    acah,
    acam,
    acao,
    assert_allowed,
    assert_blocked,
    methods,
    new_path,
    replaced,
    run_json,
    serve,
    titles,
    without,
)

pytestmark = pytest.mark.servers

# --- the CORS check of the actual response --------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "extra", "rule", "words"),
    [
        ((), (), "acao-missing", ""),
        ((acao(), acao()), (), "acao-multiple", "2 header lines"),
        ((acao("*"), acao("*")), (), "acao-multiple", "2 header lines"),
        ((acao(ORIGIN + "/"),), (), "acao-mismatch", "trailing slash"),
        ((acao("https://APP.example.com"),), (), "acao-mismatch", "case"),
        ((acao(ORIGIN + ":443"),), (), "acao-mismatch", "explicit default port"),
        ((acao(OTHER),), (), "acao-mismatch", "another origin"),
        ((acao(f"{ORIGIN}, {OTHER}"),), (), "acao-mismatch", "it is a list"),
        ((acao(f"{ORIGIN}, *"),), (), "acao-mismatch", "it is a list"),
        ((acao("null"),), (), "acao-mismatch", "'null' matches only"),
        ((acao(""),), (), "acao-mismatch", ""),
        ((acao("*"), acac()), ("--credentials",), "acao-wildcard-with-credentials", "'*'"),
        ((acao(),), ("--credentials",), "acac-missing", ""),
        ((acao(), acac("True")), ("--credentials",), "acac-not-true", "'True'"),
        ((acao(), acac(), acac()), ("--credentials",), "acac-not-true", "'true, true'"),
    ],
    ids=[
        "acao-missing",
        "acao-twice",
        "acao-star-twice",
        "acao-trailing-slash",
        "acao-uppercase",
        "acao-default-port",
        "acao-other-origin",
        "acao-list",
        "acao-origin-and-star",
        "acao-null",
        "acao-empty",
        "acao-star-with-credentials",
        "acac-missing",
        "acac-True",
        "acac-twice",
    ],
)
def test_actual_response_fails_the_cors_check(
    capsys: pytest.CaptureFixture[str],
    canned: CannedServer,
    headers: Tuple[Header, ...],
    extra: Tuple[str, ...],
    rule: str,
    words: str,
) -> None:
    path = serve(canned, actual=Reply(200, headers))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *extra)
    assert_blocked(data, code, rule, "Request", words)
    assert methods(canned.seen(path)) == ["GET"]  # a simple request: no preflight
    assert data["readable_headers"] == []


@pytest.mark.parametrize(
    ("headers", "extra"),
    [
        ((acao(),), ()),
        ((acao("*"),), ()),
        ((acao("*"), acac("True")), ()),  # without credentials ACAC is ignored
        ((acao(), acac()), ("--credentials",)),
        ((("access-control-allow-origin", f" {ORIGIN} "), acac()), ("--credentials",)),
    ],
    ids=["origin", "star", "star-acac-ignored", "credentials", "lower-case-name-and-spaces"],
)
def test_actual_response_passes_the_cors_check(
    capsys: pytest.CaptureFixture[str],
    canned: CannedServer,
    headers: Tuple[Header, ...],
    extra: Tuple[str, ...],
) -> None:
    path = serve(canned, actual=Reply(200, headers))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *extra)
    assert_allowed(data, code)
    assert titles(data) == ["Request"]
    assert methods(canned.seen(path)) == ["GET"]


def test_port_80_on_an_https_origin_is_another_origin(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned, actual=Reply(200, (acao(ORIGIN + ":80"),)))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe")
    assert_blocked(data, code, "acao-mismatch", "Request", "another origin")


@pytest.mark.parametrize(("value", "allowed"), [("null", True), ("*", True), (ORIGIN, False)])
def test_a_page_with_origin_null(
    capsys: pytest.CaptureFixture[str], canned: CannedServer, value: str, allowed: bool
) -> None:
    preflight = Reply(204, (acao(value), acam("PUT"), MAX_AGE))
    path = serve(canned, preflight=preflight, actual=Reply(200, (acao(value),)))
    code, data = run_json(capsys, canned.url(path), "--origin", "null", "--method", "PUT")
    assert code == (0 if allowed else 1)
    assert data["blocked_by"] == (None if allowed else "acao-mismatch")
    origins = [request.get("Origin") for request in canned.seen(path)]
    # Every request says Origin: null; the probe from null is skipped (it is the page's own),
    # and the made-up origin's probe is a preflight either way.
    assert origins == (["null", "null", PROBE_ORIGIN] if allowed else ["null", PROBE_ORIGIN])


# --- the preflight --------------------------------------------------------------------------


PREFLIGHT_FAILURES = [
    # (id, status, preflight headers, arguments, rule, words in the failing step's detail)
    ("status-400", 400, GOOD_PREFLIGHT, PUT_CUSTOM, "preflight-status", "400"),
    ("status-403", 403, GOOD_PREFLIGHT, PUT_CUSTOM, "preflight-status", "403"),
    ("status-404", 404, GOOD_PREFLIGHT, PUT_CUSTOM, "preflight-status", "404"),
    ("status-405", 405, GOOD_PREFLIGHT, PUT_CUSTOM, "preflight-status", "405"),
    ("status-500", 500, GOOD_PREFLIGHT, PUT_CUSTOM, "preflight-status", "500"),
    (
        "acao-missing",
        204,
        without(GOOD_PREFLIGHT, "Access-Control-Allow-Origin"),
        PUT_CUSTOM,
        "acao-missing",
        "",
    ),
    ("acao-mismatch", 204, replaced(GOOD_PREFLIGHT, acao(OTHER)), PUT_CUSTOM, "acao-mismatch", ""),
    (
        "acao-star-credentials",
        204,
        replaced(GOOD_PREFLIGHT, acao("*")),
        (*PUT_CUSTOM, "--credentials"),
        "acao-wildcard-with-credentials",
        "",
    ),
    (
        "acac-missing",
        204,
        without(GOOD_PREFLIGHT, "Access-Control-Allow-Credentials"),
        (*PUT_CUSTOM, "--credentials"),
        "acac-missing",
        "",
    ),
    (
        "acac-True",
        204,
        replaced(GOOD_PREFLIGHT, acac("True")),
        (*PUT_CUSTOM, "--credentials"),
        "acac-not-true",
        "'True'",
    ),
    (
        "method-not-listed",
        204,
        replaced(GOOD_PREFLIGHT, acam("GET, POST")),
        ("--method", "DELETE"),
        "method-not-allowed",
        "does not list DELETE",
    ),
    (
        "acam-missing",
        204,
        without(GOOD_PREFLIGHT, "Access-Control-Allow-Methods"),
        PUT_CUSTOM,
        "method-not-allowed",
        "none",
    ),
    (
        "method-lower-case",
        204,
        replaced(GOOD_PREFLIGHT, acam("get, put")),
        PUT_CUSTOM,
        "method-case",
        "another case",
    ),
    (
        "patch-for-PATCH",
        204,
        replaced(GOOD_PREFLIGHT, acam("PATCH")),
        ("--method", "patch"),
        "method-case",
        "another case",
    ),
    (
        "acam-malformed",
        204,
        replaced(GOOD_PREFLIGHT, acam("GET, Bad method")),
        PUT_CUSTOM,
        "acam-malformed",
        "'Bad method'",
    ),
    (
        "acam-malformed-for-get",
        204,
        replaced(GOOD_PREFLIGHT, acam("Bad method")),
        ("-H", "X-Custom: 1"),
        "acam-malformed",
        "'Bad method'",
    ),
    (
        "acam-star-credentials",
        204,
        replaced(GOOD_PREFLIGHT, acam("*")),
        (*PUT_CUSTOM, "--credentials"),
        "acam-wildcard-with-credentials",
        "'*'",
    ),
    (
        "header-not-listed",
        204,
        replaced(GOOD_PREFLIGHT, acah("X-Other")),
        PUT_CUSTOM,
        "header-not-allowed",
        "does not list x-custom",
    ),
    (
        "acah-missing",
        204,
        without(GOOD_PREFLIGHT, "Access-Control-Allow-Headers"),
        PUT_CUSTOM,
        "header-not-allowed",
        "none",
    ),
    (
        "acah-star-credentials",
        204,
        replaced(GOOD_PREFLIGHT, acah("*")),
        (*PUT_CUSTOM, "--credentials"),
        "acah-wildcard-with-credentials",
        "'*'",
    ),
    (
        "authorization-under-star",
        204,
        replaced(without(GOOD_PREFLIGHT, "Access-Control-Allow-Credentials"), acah("*")),
        ("--method", "PUT", "-H", "Authorization: Bearer t"),
        "authorization-not-covered-by-wildcard",
        "never covers authorization",
    ),
    (
        "acah-malformed",
        204,
        replaced(GOOD_PREFLIGHT, acah("X-Custom, header name with space")),
        PUT_CUSTOM,
        "acah-malformed",
        "'header name with space'",
    ),
    (
        "acah-malformed-for-put-alone",
        204,
        replaced(GOOD_PREFLIGHT, acah("a:b")),
        ("--method", "PUT"),
        "acah-malformed",
        "'a:b'",
    ),
]


@pytest.mark.parametrize(
    ("status", "headers", "arguments", "rule", "words"),
    [row[1:] for row in PREFLIGHT_FAILURES],
    ids=[row[0] for row in PREFLIGHT_FAILURES],
)
def test_failed_preflight_blocks_and_the_request_is_never_sent(
    capsys: pytest.CaptureFixture[str],
    canned: CannedServer,
    status: int,
    headers: Tuple[Header, ...],
    arguments: Tuple[str, ...],
    rule: str,
    words: str,
) -> None:
    path = serve(canned, preflight=Reply(status, headers))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *arguments)
    assert_blocked(data, code, rule, "Preflight", words)
    assert titles(data) == ["Preflight", "Request: not sent"]
    assert data["stages"][1]["exchange"] is None
    assert data["stages"][0]["exchange"]["response"]["status"] == status
    # Only preflights reached the server (a diagnosis may add more, never the request itself).
    seen = canned.seen(path)
    assert seen
    assert all(request.is_preflight for request in seen), methods(seen)
    if any(name.lower() == "access-control-allow-origin" for name, _ in headers):
        assert len(seen) == 1  # the answer had CORS headers: no diagnosis was needed
        assert data["diagnosis"] == []


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_preflight_redirect_fails_and_is_not_followed(
    capsys: pytest.CaptureFixture[str], canned: CannedServer, status: int
) -> None:
    target = new_path("/moved-")
    serve(canned, path=target)
    path = serve(canned, preflight=Reply(status, (*GOOD_PREFLIGHT, ("Location", target))))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *PUT_CUSTOM)
    assert_blocked(data, code, "preflight-redirect", "Preflight", f"{status} redirect to {target}")
    assert canned.seen(target) == []
    assert methods(canned.seen(path)) == ["OPTIONS"]


def test_a_bare_preflight_redirect_is_blamed_on_the_redirect(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    target = new_path("/moved-")
    serve(canned, path=target)
    path = serve(canned, preflight=Reply(301, (("Location", target),)))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *PUT_CUSTOM)
    assert canned.seen(target) == []
    assert code == 1
    assert data["blocked_by"] == "preflight-redirect"


def test_preflight_without_any_cors_header_is_diagnosed(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    # The server refuses every preflight with 403 and no CORS headers: even GET is refused.
    path = serve(canned, preflight=Reply(403, (("Content-Type", "text/plain"),)))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *PUT_CUSTOM)
    assert code == 1
    assert data["blocked_by"] == "acao-missing"
    assert [step["rule"] for step in data["stages"][0]["steps"] if not step["ok"]][:2] == [
        "preflight-status",
        "acao-missing",
    ]
    assert [(step["check"], step["rule"]) for step in data["diagnosis"]] == [
        ("origin", "acao-missing")
    ]
    seen = canned.seen(path)
    assert methods(seen) == ["OPTIONS", "OPTIONS"]
    assert seen[1].get("Access-Control-Request-Method") == "GET"
    assert seen[1].get("Access-Control-Request-Headers") is None


@pytest.mark.parametrize(
    ("status", "headers", "arguments"),
    [
        (200, GOOD_PREFLIGHT, PUT_CUSTOM),
        (204, GOOD_PREFLIGHT, PUT_CUSTOM),
        (206, GOOD_PREFLIGHT, PUT_CUSTOM),
        (299, GOOD_PREFLIGHT, PUT_CUSTOM),
        (204, GOOD_PREFLIGHT, (*PUT_CUSTOM, "--credentials")),
        (204, replaced(GOOD_PREFLIGHT, acam("*")), ("--method", "PATCH", "-H", "X-Custom: 1")),
        (204, replaced(GOOD_PREFLIGHT, acah("x-CUSTOM")), PUT_CUSTOM),
        (204, replaced(GOOD_PREFLIGHT, acah("*")), PUT_CUSTOM),
        (
            204,
            replaced(GOOD_PREFLIGHT, acah("*, Authorization")),
            ("--method", "PUT", "-H", "Authorization: Bearer t"),
        ),
        (
            204,
            (*without(GOOD_PREFLIGHT, "Access-Control-Allow-Methods"), acam("GET"), acam("PUT")),
            PUT_CUSTOM,
        ),
        (204, replaced(GOOD_PREFLIGHT, acam("get")), ("-H", "X-Custom: 1")),
        (204, replaced(GOOD_PREFLIGHT, acao("*")), PUT_CUSTOM),
    ],
    ids=[
        "200",
        "204",
        "206",
        "299",
        "credentials",
        "acam-star",
        "acah-any-case",
        "acah-star",
        "acah-star-and-authorization",
        "acam-two-lines",
        "acam-irrelevant-for-get",
        "acao-star",
    ],
)
def test_passing_preflight_then_the_request(
    capsys: pytest.CaptureFixture[str],
    canned: CannedServer,
    status: int,
    headers: Tuple[Header, ...],
    arguments: Tuple[str, ...],
) -> None:
    path = serve(canned, preflight=Reply(status, headers))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *arguments)
    assert_allowed(data, code)
    assert titles(data) == ["Preflight", "Request"]
    method = data["request"]["method"]
    assert methods(canned.seen(path)) == ["OPTIONS", method]


def test_actual_response_failing_after_a_good_preflight_was_sent(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned, actual=Reply(200, (acac(),)))
    code, data = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", "--credentials", *PUT_CUSTOM
    )
    assert_blocked(data, code, "acao-missing", "Request")
    assert [stage["ok"] for stage in data["stages"]] == [True, False]
    # The browser blocks the response, but the server did execute the PUT.
    seen = canned.seen(path)
    assert methods(seen) == ["OPTIONS", "PUT"]
    assert seen[1].get("X-Custom") == "1"
