"""``wsgi-cors check`` end to end, over real HTTP on 127.0.0.1.

A :class:`CannedServer` answers each test's own path with a hand-written
preflight response and actual response, and records every request, so each
test asserts both the verdict (exit status, the rule that blocked it, the
failing step) and what went over the wire: the preflight exactly as Chromium
sends it, nothing after a failed preflight, no probe with ``--no-probe``. The
last part runs the tool against the real :class:`wsgi_cors.CORSMiddleware`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import pytest
from browser.conftest import PERMISSIVE_OPTIONS, strict_options
from check_servers import (
    CannedServer,
    Received,
    Reply,
    Route,
    SilentServer,
    WSGIAppServer,
    refused_port,
)

from wsgi_cors import CORSMiddleware
from wsgi_cors.check import PROBE_ORIGIN, Report, build_page_request, run_check
from wsgi_cors.cli import main

REPO = Path(__file__).resolve().parent.parent

ORIGIN = "https://app.example.com"
OTHER = "https://other.example.com"

Header = Tuple[str, str]
Answer = Any  # a Reply, or a function of the Received request that returns one


def acao(value: str = ORIGIN) -> Header:
    return ("Access-Control-Allow-Origin", value)


def acac(value: str = "true") -> Header:
    return ("Access-Control-Allow-Credentials", value)


def acam(value: str) -> Header:
    return ("Access-Control-Allow-Methods", value)


def acah(value: str) -> Header:
    return ("Access-Control-Allow-Headers", value)


MAX_AGE = ("Access-Control-Max-Age", "600")
#: A preflight answer that allows a credentialed PUT with X-Custom from ORIGIN.
GOOD_PREFLIGHT = (acao(), acac(), acam("GET, PUT"), acah("X-Custom"), MAX_AGE)
GOOD_ACTUAL = (acao(), acac(), ("Content-Type", "text/plain"))
GOOD_PREFLIGHT_REPLY = Reply(204, GOOD_PREFLIGHT)
GOOD_ACTUAL_REPLY = Reply(200, GOOD_ACTUAL)
#: The request most preflight rows make.
PUT_CUSTOM = ("--method", "PUT", "-H", "X-Custom: 1")


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def canned() -> Iterator[CannedServer]:
    server = CannedServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def canned_b() -> Iterator[CannedServer]:
    """A second server: another origin, for cross-origin redirects."""
    server = CannedServer()
    yield server
    server.close()


def new_path(prefix: str = "/") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def serve(
    server: CannedServer,
    preflight: Answer = GOOD_PREFLIGHT_REPLY,
    actual: Answer = GOOD_ACTUAL_REPLY,
    path: Optional[str] = None,
) -> str:
    """Route a fresh path (or ``path``) of ``server``; return its path."""
    path = path or new_path()
    server.routes[path] = Route(preflight, actual)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Tuple[int, str, str]:
    """``wsgi-cors check ARGV`` in-process: exit status, stdout, stderr."""
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Tuple[int, Dict[str, Any]]:
    code, out, err = run(capsys, *argv, "--json")
    assert err == ""
    data: Dict[str, Any] = json.loads(out)
    assert code == (0 if data["allowed"] else 1)
    assert data["verdict"] == ("ALLOWED" if data["allowed"] else "BLOCKED")
    return code, data


def failed_steps(data: Dict[str, Any]) -> List[Tuple[str, str, str]]:
    """(stage title, rule, detail) of every failed step in the JSON report's stages."""
    return [
        (stage["title"], step["rule"], step["detail"])
        for stage in data["stages"]
        for step in stage["steps"]
        if not step["ok"]
    ]


def titles(data: Dict[str, Any]) -> List[str]:
    return [stage["title"] for stage in data["stages"]]


def warning_rules(data: Dict[str, Any]) -> List[str]:
    return [warning["rule"] for warning in data["warnings"]]


def methods(requests: Sequence[Received]) -> List[str]:
    return [request.method for request in requests]


def assert_blocked(
    data: Dict[str, Any], code: int, rule: str, stage: str, words: str = ""
) -> Tuple[str, str, str]:
    """BLOCKED, exit 1, by ``rule``; the first failed step is in ``stage`` and names it."""
    assert code == 1
    assert data["verdict"] == "BLOCKED"
    assert data["blocked_by"] == rule
    failures = failed_steps(data)
    assert failures, data
    title, failed_rule, detail = failures[0]
    assert title == stage
    assert failed_rule == rule
    assert words in detail
    return failures[0]


def assert_allowed(data: Dict[str, Any], code: int) -> None:
    assert code == 0
    assert data["verdict"] == "ALLOWED"
    assert data["blocked_by"] is None
    assert failed_steps(data) == []


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


def _without(headers: Sequence[Header], name: str) -> Tuple[Header, ...]:
    return tuple(header for header in headers if header[0].lower() != name.lower())


def _with(headers: Sequence[Header], *replacements: Header) -> Tuple[Header, ...]:
    names = {name.lower() for name, _ in replacements}
    return (*(h for h in headers if h[0].lower() not in names), *replacements)


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
        _without(GOOD_PREFLIGHT, "Access-Control-Allow-Origin"),
        PUT_CUSTOM,
        "acao-missing",
        "",
    ),
    ("acao-mismatch", 204, _with(GOOD_PREFLIGHT, acao(OTHER)), PUT_CUSTOM, "acao-mismatch", ""),
    (
        "acao-star-credentials",
        204,
        _with(GOOD_PREFLIGHT, acao("*")),
        (*PUT_CUSTOM, "--credentials"),
        "acao-wildcard-with-credentials",
        "",
    ),
    (
        "acac-missing",
        204,
        _without(GOOD_PREFLIGHT, "Access-Control-Allow-Credentials"),
        (*PUT_CUSTOM, "--credentials"),
        "acac-missing",
        "",
    ),
    (
        "acac-True",
        204,
        _with(GOOD_PREFLIGHT, acac("True")),
        (*PUT_CUSTOM, "--credentials"),
        "acac-not-true",
        "'True'",
    ),
    (
        "method-not-listed",
        204,
        _with(GOOD_PREFLIGHT, acam("GET, POST")),
        ("--method", "DELETE"),
        "method-not-allowed",
        "does not list DELETE",
    ),
    (
        "acam-missing",
        204,
        _without(GOOD_PREFLIGHT, "Access-Control-Allow-Methods"),
        PUT_CUSTOM,
        "method-not-allowed",
        "none",
    ),
    (
        "method-lower-case",
        204,
        _with(GOOD_PREFLIGHT, acam("get, put")),
        PUT_CUSTOM,
        "method-case",
        "another case",
    ),
    (
        "patch-for-PATCH",
        204,
        _with(GOOD_PREFLIGHT, acam("PATCH")),
        ("--method", "patch"),
        "method-case",
        "another case",
    ),
    (
        "acam-malformed",
        204,
        _with(GOOD_PREFLIGHT, acam("GET, Bad method")),
        PUT_CUSTOM,
        "acam-malformed",
        "'Bad method'",
    ),
    (
        "acam-malformed-for-get",
        204,
        _with(GOOD_PREFLIGHT, acam("Bad method")),
        ("-H", "X-Custom: 1"),
        "acam-malformed",
        "'Bad method'",
    ),
    (
        "acam-star-credentials",
        204,
        _with(GOOD_PREFLIGHT, acam("*")),
        (*PUT_CUSTOM, "--credentials"),
        "acam-wildcard-with-credentials",
        "'*'",
    ),
    (
        "header-not-listed",
        204,
        _with(GOOD_PREFLIGHT, acah("X-Other")),
        PUT_CUSTOM,
        "header-not-allowed",
        "does not list x-custom",
    ),
    (
        "acah-missing",
        204,
        _without(GOOD_PREFLIGHT, "Access-Control-Allow-Headers"),
        PUT_CUSTOM,
        "header-not-allowed",
        "none",
    ),
    (
        "acah-star-credentials",
        204,
        _with(GOOD_PREFLIGHT, acah("*")),
        (*PUT_CUSTOM, "--credentials"),
        "acah-wildcard-with-credentials",
        "'*'",
    ),
    (
        "authorization-under-star",
        204,
        _with(_without(GOOD_PREFLIGHT, "Access-Control-Allow-Credentials"), acah("*")),
        ("--method", "PUT", "-H", "Authorization: Bearer t"),
        "authorization-not-covered-by-wildcard",
        "never covers authorization",
    ),
    (
        "acah-malformed",
        204,
        _with(GOOD_PREFLIGHT, acah("X-Custom, header name with space")),
        PUT_CUSTOM,
        "acah-malformed",
        "'header name with space'",
    ),
    (
        "acah-malformed-for-put-alone",
        204,
        _with(GOOD_PREFLIGHT, acah("a:b")),
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
        (204, _with(GOOD_PREFLIGHT, acam("*")), ("--method", "PATCH", "-H", "X-Custom: 1")),
        (204, _with(GOOD_PREFLIGHT, acah("x-CUSTOM")), PUT_CUSTOM),
        (204, _with(GOOD_PREFLIGHT, acah("*")), PUT_CUSTOM),
        (
            204,
            _with(GOOD_PREFLIGHT, acah("*, Authorization")),
            ("--method", "PUT", "-H", "Authorization: Bearer t"),
        ),
        (
            204,
            (*_without(GOOD_PREFLIGHT, "Access-Control-Allow-Methods"), acam("GET"), acam("PUT")),
            PUT_CUSTOM,
        ),
        (204, _with(GOOD_PREFLIGHT, acam("get")), ("-H", "X-Custom: 1")),
        (204, _with(GOOD_PREFLIGHT, acao("*")), PUT_CUSTOM),
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


# --- what goes over the wire -----------------------------------------------------------------


def test_the_preflight_is_exactly_what_chromium_sends(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    allow = acah("authorization, content-type, x-a, x-b")
    path = serve(canned, preflight=Reply(204, _with(GOOD_PREFLIGHT, allow)))
    code, data = run_json(
        capsys,
        canned.url(path),
        "--origin",
        ORIGIN,
        "--no-probe",
        "--credentials",
        "--method",
        "put",
        "-H",
        "X-B: 1",
        "-H",
        "X-A: 2",
        "-H",
        "Content-Type: application/json",
        "-H",
        "x-a: 3",
        "-H",
        "Accept-Language: en-US",
        "-H",
        "Authorization: Bearer token",
        "-H",
        "Cookie: session=1",
    )
    assert_allowed(data, code)
    assert data["request"]["dropped_headers"] == ["Cookie"]
    preflight, actual = canned.seen(path)
    assert preflight.method == "OPTIONS"
    assert preflight.get("Origin") == ORIGIN
    assert preflight.get("Access-Control-Request-Method") == "PUT"
    assert preflight.get("Access-Control-Request-Headers") == "authorization,content-type,x-a,x-b"
    assert preflight.get("Accept") == "*/*"
    for name in ("Cookie", "Authorization", "X-A", "X-B", "Content-Type", "Accept-Language"):
        assert preflight.values(name) == [], name
    assert actual.method == "PUT"
    assert actual.get("Origin") == ORIGIN
    assert actual.get("Authorization") == "Bearer token"
    assert actual.values("X-A") == ["2", "3"]
    assert actual.get("Accept-Language") == "en-US"
    assert actual.values("Cookie") == []
    assert actual.values("Access-Control-Request-Method") == []


def test_a_lower_case_method_is_sent_as_written(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned, preflight=Reply(204, _with(GOOD_PREFLIGHT, acam("patch"))))
    code, data = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", "--method", "patch"
    )
    assert_allowed(data, code)
    preflight, actual = canned.seen(path)
    assert preflight.get("Access-Control-Request-Method") == "patch"
    assert actual.method == "patch"


@pytest.mark.parametrize(
    "arguments",
    [
        (),
        ("--method", "HEAD"),
        ("--method", "post", "-H", "Content-Type: text/plain;charset=utf-8"),
        ("-H", "Accept: application/json", "-H", "Accept-Language: de-CH"),
        ("-H", "Range: bytes=0-"),
        ("--method", "POST", "-H", "Content-Type: multipart/form-data; boundary=x"),
        ("-H", "Cookie: a=b", "-H", "Sec-Fetch-Mode: cors"),
    ],
    ids=["get", "head", "post-text-plain", "accept", "range", "post-form", "forbidden-dropped"],
)
def test_no_preflight_for_a_simple_request(
    capsys: pytest.CaptureFixture[str], canned: CannedServer, arguments: Tuple[str, ...]
) -> None:
    path = serve(canned, preflight=Reply(500, ()))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *arguments)
    assert_allowed(data, code)
    assert data["request"]["needs_preflight"] is False
    assert titles(data) == ["Request"]
    seen = canned.seen(path)
    assert len(seen) == 1
    assert seen[0].method == data["request"]["method"]
    assert seen[0].get("Origin") == ORIGIN


@pytest.mark.parametrize(
    ("arguments", "listed"),
    [
        (("--method", "POST", "-H", "Content-Type: application/json"), "content-type"),
        (("-H", "Range: bytes=-5"), "range"),
        (("-H", "Accept: text/{x}"), "accept"),
        (("-H", "X-Requested-With: XMLHttpRequest"), "x-requested-with"),
    ],
)
def test_an_unsafe_header_value_or_name_is_preflighted(
    capsys: pytest.CaptureFixture[str],
    canned: CannedServer,
    arguments: Tuple[str, ...],
    listed: str,
) -> None:
    path = serve(canned, preflight=Reply(204, (acao(), acah(listed), MAX_AGE)))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *arguments)
    assert_allowed(data, code)
    seen = canned.seen(path)
    assert methods(seen) == ["OPTIONS", data["request"]["method"]]
    assert seen[0].get("Access-Control-Request-Headers") == listed


def test_the_page_accept_header_replaces_the_default(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned)
    code, _ = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", "-H", "Accept: application/json"
    )
    assert code == 0
    assert canned.seen(path)[0].values("Accept") == ["application/json"]


def test_preflight_only_never_sends_the_request(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned, actual=Reply(200, ()))  # the request itself would fail
    code, data = run_json(
        capsys,
        canned.url(path),
        "--origin",
        ORIGIN,
        "--preflight-only",
        "--credentials",
        *PUT_CUSTOM,
    )
    assert_allowed(data, code)
    assert titles(data) == ["Preflight", "Request: not sent (--preflight-only)"]
    assert any("not checked" in note for note in data["notes"])
    # Probes are preflights too: nothing but OPTIONS reached the server.
    assert set(methods(canned.seen(path))) == {"OPTIONS"}


def test_preflight_only_with_a_failing_preflight_blocks(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned, preflight=Reply(204, _with(GOOD_PREFLIGHT, acam("GET"))))
    code, data = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--preflight-only", "--no-probe", *PUT_CUSTOM
    )
    assert_blocked(data, code, "method-not-allowed", "Preflight")
    assert methods(canned.seen(path)) == ["OPTIONS"]


def test_preflight_only_for_a_simple_request_does_not_claim_allowed(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned, actual=Reply(200, ()))
    code, _, _ = run(capsys, canned.url(path), "--origin", ORIGIN, "--preflight-only", "--no-probe")
    assert canned.seen(path) == []
    assert code != 0


@pytest.mark.parametrize("status", [401, 404, 405, 500])
def test_a_routing_or_auth_status_is_not_diagnosed_as_a_cors_refusal(
    capsys: pytest.CaptureFixture[str], canned: CannedServer, status: int
) -> None:
    path = serve(canned, preflight=Reply(status, (("Content-Type", "text/plain"),)))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *PUT_CUSTOM)
    assert code == 1
    assert data["blocked_by"] == "preflight-status"
    assert data["diagnosis"] == []
    assert methods(canned.seen(path)) == ["OPTIONS"]


def test_a_same_origin_url_needs_no_cors(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned, actual=Reply(200, ()))
    code, data = run_json(capsys, canned.url(path), "--origin", canned.origin, *PUT_CUSTOM)
    assert code == 0
    (stage,) = data["stages"]
    assert [step["check"] for step in stage["steps"]] == ["same origin"]
    assert methods(canned.seen(path)) == ["PUT"]  # sent without a preflight or a CORS check


# --- redirects of the actual request ----------------------------------------------------------


def test_a_same_origin_redirect_is_checked_per_hop(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    target = serve(canned)
    path = serve(canned, actual=Reply(302, (acao(), ("Location", target))))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe")
    assert_allowed(data, code)
    assert titles(data) == ["Request", "Request (after redirect 1)"]
    (hop,) = canned.seen(target)
    assert hop.get("Origin") == ORIGIN  # same-origin hop: not tainted
    redirect_step = data["stages"][0]["steps"][-1]
    assert redirect_step["check"] == "redirect"
    assert redirect_step["ok"] is True


def test_a_redirect_without_acao_blocks_before_it_is_followed(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    target = serve(canned)
    path = serve(canned, actual=Reply(302, (("Location", target),)))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe")
    assert_blocked(data, code, "acao-missing", "Request")
    assert titles(data) == ["Request"]
    assert canned.seen(target) == []


def test_a_failing_second_hop_blocks(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    target = serve(canned, actual=Reply(200, (acao(OTHER),)))
    path = serve(canned, actual=Reply(307, (acao(), ("Location", target))))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe")
    assert_blocked(data, code, "acao-mismatch", "Request (after redirect 1)")
    assert len(canned.seen(target)) == 1


@pytest.mark.parametrize(
    ("target_acao", "allowed", "rule"),
    [("*", True, None), ("null", True, None), (ORIGIN, False, "acao-mismatch")],
)
def test_a_cross_origin_hop_after_another_origin_sends_origin_null(
    capsys: pytest.CaptureFixture[str],
    canned: CannedServer,
    canned_b: CannedServer,
    target_acao: str,
    allowed: bool,
    rule: Optional[str],
) -> None:
    target = serve(canned_b, actual=Reply(200, (acao(target_acao),)))
    path = serve(canned, actual=Reply(302, (acao(), ("Location", canned_b.url(target)))))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe")
    (hop,) = canned_b.seen(target)
    assert hop.get("Origin") == "null"
    assert canned.seen(path)[0].get("Origin") == ORIGIN
    assert data["allowed"] is allowed
    assert data["blocked_by"] == rule
    assert code == (0 if allowed else 1)
    assert "Origin: null" in data["stages"][0]["steps"][-1]["detail"]


def test_a_cross_origin_hop_drops_authorization(
    capsys: pytest.CaptureFixture[str], canned: CannedServer, canned_b: CannedServer
) -> None:
    target = serve(canned_b, preflight=Reply(500, ()), actual=Reply(200, (acao("*"),)))
    path = serve(
        canned,
        preflight=Reply(204, (acao(), acah("authorization"), MAX_AGE)),
        actual=Reply(307, (acao(), ("Location", canned_b.url(target)))),
    )
    code, data = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", "-H", "Authorization: Bearer t"
    )
    assert_allowed(data, code)
    assert methods(canned.seen(path)) == ["OPTIONS", "GET"]
    assert canned.seen(path)[1].get("Authorization") == "Bearer t"
    # Without Authorization the second hop is a simple GET: no preflight there.
    (hop,) = canned_b.seen(target)
    assert hop.method == "GET"
    assert hop.values("Authorization") == []
    assert hop.get("Origin") == "null"


def test_a_redirected_put_is_preflighted_again_with_origin_null(
    capsys: pytest.CaptureFixture[str], canned: CannedServer, canned_b: CannedServer
) -> None:
    target = serve(
        canned_b,
        preflight=Reply(204, (acao("null"), acam("PUT"), acah("x-custom"), MAX_AGE)),
        actual=Reply(200, (acao("null"),)),
    )
    path = serve(canned, actual=Reply(307, (acao(), ("Location", canned_b.url(target)))))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *PUT_CUSTOM)
    assert_allowed(data, code)
    assert titles(data) == [
        "Preflight",
        "Request",
        "Preflight (after redirect 1)",
        "Request (after redirect 1)",
    ]
    preflight, actual = canned_b.seen(target)
    assert preflight.method == "OPTIONS"
    assert preflight.get("Origin") == "null"
    assert preflight.get("Access-Control-Request-Method") == "PUT"
    assert preflight.get("Access-Control-Request-Headers") == "x-custom"
    assert actual.method == "PUT"
    assert actual.get("Origin") == "null"


@pytest.mark.parametrize(
    ("status", "arguments", "after"),
    [
        (303, ("--method", "PUT"), "GET"),
        (301, ("--method", "POST", "-H", "Content-Type: application/json"), "GET"),
        (302, ("--method", "POST", "-H", "Content-Type: application/json"), "GET"),
        (307, ("--method", "POST", "-H", "Content-Type: text/plain"), "POST"),
        (308, ("--method", "POST", "-H", "Content-Type: text/plain"), "POST"),
    ],
)
def test_redirect_method_rewriting(
    capsys: pytest.CaptureFixture[str],
    canned: CannedServer,
    status: int,
    arguments: Tuple[str, ...],
    after: str,
) -> None:
    target = serve(canned, preflight=Reply(500, ()))
    preflight = Reply(204, (acao(), acam("PUT"), acah("content-type"), MAX_AGE))
    path = serve(canned, preflight=preflight, actual=Reply(status, (acao(), ("Location", target))))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *arguments)
    assert_allowed(data, code)
    (hop,) = canned.seen(target)  # no preflight at the target: a simple request now
    assert hop.method == after
    if after == "GET":
        assert hop.values("Content-Type") == []


def _redirect_chain(length: int) -> Callable[[Received], Reply]:
    """``?n`` redirects to ``?n+1`` until ``length``, then answers 200."""

    def answer(request: Received) -> Reply:
        step = int(request.query or 0)
        if step < length:
            return Reply(302, (acao(), ("Location", f"{request.path}?{step + 1}")))
        return Reply(200, (acao(),))

    return answer


@pytest.mark.parametrize(("length", "allowed"), [(20, True), (21, False)])
def test_at_most_20_redirects_are_followed(
    capsys: pytest.CaptureFixture[str], canned: CannedServer, length: int, allowed: bool
) -> None:
    path = serve(canned, actual=_redirect_chain(length))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe")
    assert len(canned.seen(path)) == 21
    assert data["allowed"] is allowed
    if not allowed:
        assert_blocked(data, code, "redirect-failed", "Request (after redirect 20)", "20")


def test_a_redirect_to_another_scheme_fails(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned, actual=Reply(302, (acao(), ("Location", "ftp://example.com/x"))))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe")
    assert_blocked(data, code, "redirect-failed", "Request", "ftp://example.com/x")


@pytest.mark.parametrize("location", ["http://127.0.0.1:99999/x", "http://[::1/x"])
def test_a_redirect_to_an_unparsable_location_fails(
    capsys: pytest.CaptureFixture[str], canned: CannedServer, location: str
) -> None:
    path = serve(canned, actual=Reply(302, (acao(), ("Location", location))))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe")
    assert_blocked(data, code, "redirect-failed", "Request")


def test_a_same_origin_url_redirecting_cross_origin_is_checked(
    capsys: pytest.CaptureFixture[str], canned: CannedServer, canned_b: CannedServer
) -> None:
    target = serve(canned_b, actual=Reply(200, ()))
    path = serve(canned, actual=Reply(302, (("Location", canned_b.url(target)),)))
    code, data = run_json(capsys, canned.url(path), "--origin", canned.origin, "--no-probe")
    assert [request.get("Origin") for request in canned_b.seen(target)] == [canned.origin]
    assert code == 1
    assert data["blocked_by"] == "acao-missing"


# --- exposed headers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expose", "extra", "readable", "hidden"),
    [
        (None, (), {"content-type", "content-length"}, {"x-total", "x-secret", "set-cookie"}),
        (
            "x-TOTAL",
            (),
            {"content-type", "content-length", "x-total"},
            {"x-secret", "set-cookie"},
        ),
        (
            "*",
            (),
            {
                "content-type",
                "content-length",
                "x-total",
                "x-secret",
                "access-control-allow-origin",
            },
            {"set-cookie"},
        ),
        (
            "*",
            ("--credentials",),
            {"content-type", "content-length"},
            {"x-total", "x-secret", "set-cookie"},
        ),
    ],
    ids=["none", "listed", "star", "star-with-credentials"],
)
def test_readable_and_hidden_response_headers(
    capsys: pytest.CaptureFixture[str],
    canned: CannedServer,
    expose: Optional[str],
    extra: Tuple[str, ...],
    readable: Set[str],
    hidden: Set[str],
) -> None:
    headers = [
        acao(),
        acac(),
        ("Content-Type", "text/plain"),
        ("X-Total", "3"),
        ("X-Secret", "s"),
        ("Set-Cookie", "session=1"),
    ]
    if expose is not None:
        headers.append(("Access-Control-Expose-Headers", expose))
    path = serve(canned, actual=Reply(200, tuple(headers)))
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *extra)
    assert_allowed(data, code)
    shown = {name.lower() for name in data["readable_headers"]}
    assert readable <= shown
    assert not hidden & shown
    assert hidden <= {name.lower() for name in data["hidden_headers"]}
    assert "set-cookie" not in shown

    code, out, _ = run(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *extra)
    assert code == 0
    assert "X-Secret" in out  # the text report names the hidden (or readable) header


# --- warnings and probes ----------------------------------------------------------------------


def _reflecting(*extra: Header, allow: Optional[Sequence[str]] = None) -> Callable[..., Reply]:
    """Echo the request's Origin (any, or only those in ``allow``) with ``extra`` headers."""

    def answer(request: Received) -> Reply:
        origin = request.get("Origin")
        if origin is None or (allow is not None and origin not in allow):
            return Reply(200, (("Content-Type", "text/plain"),))
        return Reply(200, (acao(origin), *extra))

    return answer


def _reflecting_preflight(*extra: Header) -> Callable[..., Reply]:
    def answer(request: Received) -> Reply:
        return Reply(204, (acao(request.get("Origin") or ""), *extra))

    return answer


@pytest.mark.parametrize(
    ("preflight", "warned"),
    [
        ((acao(), acam("PUT")), True),
        ((acao(), acam("PUT"), ("Access-Control-Max-Age", "abc")), True),
        ((acao(), acam("PUT"), ("Access-Control-Max-Age", "-1")), True),
        ((acao(), acam("PUT"), MAX_AGE, MAX_AGE), True),
        ((acao(), acam("PUT"), MAX_AGE), False),
        ((acao(), acam("PUT"), ("Access-Control-Max-Age", "0")), False),
    ],
    ids=["absent", "not-a-number", "negative", "twice", "600", "0"],
)
def test_no_max_age_warning(
    capsys: pytest.CaptureFixture[str],
    canned: CannedServer,
    preflight: Tuple[Header, ...],
    warned: bool,
) -> None:
    path = serve(canned, preflight=Reply(204, preflight), actual=Reply(200, (acao(),)))
    code, data = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", "--method", "PUT"
    )
    assert code == 0
    assert warning_rules(data) == (["no-max-age"] if warned else [])


def test_a_max_age_above_chromiums_cap_is_noted(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    preflight = Reply(204, (acao(), acam("PUT"), ("Access-Control-Max-Age", "86400")))
    path = serve(canned, preflight=preflight, actual=Reply(200, (acao(),)))
    code, data = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", "--method", "PUT"
    )
    assert code == 0
    assert warning_rules(data) == []
    assert any("7200" in note for note in data["notes"])


def test_no_max_age_warning_when_blocked(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned, preflight=Reply(204, (acao(), acam("PUT"))), actual=Reply(200, ()))
    code, data = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", "--method", "PUT"
    )
    assert code == 1
    assert warning_rules(data) == []


@pytest.mark.parametrize(
    ("answer", "warnings"),
    [
        (_reflecting(), ["null-origin-allowed", "vary-origin-missing"]),
        (_reflecting(("Vary", "Origin")), ["null-origin-allowed"]),
        (_reflecting(("Vary", "Accept-Encoding, origin")), ["null-origin-allowed"]),
        (_reflecting(allow=[ORIGIN]), ["vary-origin-missing"]),
        (_reflecting(("Vary", "*"), allow=[ORIGIN]), []),
        (Reply(200, (acao(),)), []),  # a static ACAO needs no Vary
        (
            _reflecting(acac(), ("Vary", "Origin")),
            ["any-origin-with-credentials", "null-origin-allowed"],
        ),
        (_reflecting(("Vary", "Origin"), allow=[ORIGIN, "null"]), ["null-origin-allowed"]),
        (Reply(200, (acao("*"),)), []),
    ],
    ids=[
        "reflect-any",
        "reflect-any-vary",
        "reflect-any-vary-list",
        "reflect-allow-list-no-vary",
        "reflect-allow-list-vary-star",
        "static-origin",
        "reflect-any-credentials",
        "allows-null",
        "star",
    ],
)
def test_probe_warnings(
    capsys: pytest.CaptureFixture[str],
    canned: CannedServer,
    answer: Any,
    warnings: List[str],
) -> None:
    path = serve(canned, actual=answer)
    code, data = run_json(capsys, canned.url(path), "--origin", ORIGIN)
    assert code == 0
    assert sorted(warning_rules(data)) == warnings
    origins = [request.get("Origin") for request in canned.seen(path)]
    assert origins == [ORIGIN, PROBE_ORIGIN, "null"]
    assert methods(canned.seen(path)) == ["GET", "GET", "GET"]
    for warning in data["warnings"]:
        assert warning["message"]
        assert warning["fix"]


def test_probes_of_a_preflighted_request_are_preflights(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    preflight = _reflecting_preflight(acac(), acam("PUT"), acah("x-custom"), MAX_AGE)
    path = serve(canned, preflight=preflight, actual=_reflecting(acac(), ("Vary", "Origin")))
    code, data = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--credentials", *PUT_CUSTOM
    )
    assert code == 0
    assert "any-origin-with-credentials" in warning_rules(data)
    seen = canned.seen(path)
    assert [(request.method, request.get("Origin")) for request in seen] == [
        ("OPTIONS", ORIGIN),
        ("PUT", ORIGIN),
        ("OPTIONS", PROBE_ORIGIN),
        ("OPTIONS", "null"),
    ]
    assert seen[2].get("Access-Control-Request-Method") == "PUT"
    assert seen[2].get("Access-Control-Request-Headers") == "x-custom"


def test_no_probe_sends_no_probe(capsys: pytest.CaptureFixture[str], canned: CannedServer) -> None:
    path = serve(canned, actual=_reflecting(acac()))
    code, data = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--credentials", "--no-probe"
    )
    assert code == 0
    assert warning_rules(data) == []
    assert [request.get("Origin") for request in canned.seen(path)] == [ORIGIN]


# --- output ---------------------------------------------------------------------------------


def test_json_report(capsys: pytest.CaptureFixture[str], canned: CannedServer) -> None:
    path = serve(canned, preflight=Reply(204, _with(GOOD_PREFLIGHT, acah("X-Other"))))
    code, data = run_json(
        capsys, canned.url(path), "--origin", ORIGIN, "--credentials", "--no-probe", *PUT_CUSTOM
    )
    assert code == 1
    assert set(data) >= {"verdict", "allowed", "blocked_by", "stages", "warnings", "request"}
    assert data["verdict"] == "BLOCKED"
    assert data["blocked_by"] == "header-not-allowed"
    assert data["request"] == {
        "url": canned.url(path),
        "origin": ORIGIN,
        "method": "PUT",
        "headers": [["X-Custom", "1"]],
        "dropped_headers": [],
        "credentials": True,
        "needs_preflight": True,
    }
    preflight = data["stages"][0]
    assert preflight["ok"] is False
    assert preflight["exchange"]["request"]["method"] == "OPTIONS"
    assert ["Origin", ORIGIN] in preflight["exchange"]["request"]["headers"]
    assert preflight["exchange"]["response"]["status"] == 204
    failed = [step for step in preflight["steps"] if not step["ok"]]
    assert len(failed) == 1
    assert failed[0]["rule"] == "header-not-allowed"
    assert failed[0]["explanation"]
    assert "x-custom" in failed[0]["fix"]
    assert "x-custom" in failed[0]["wsgi_cors_fix"]
    assert data["warnings"] == []


def test_text_report(capsys: pytest.CaptureFixture[str], canned: CannedServer) -> None:
    path = serve(canned, preflight=Reply(204, _with(GOOD_PREFLIGHT, acam("put"))))
    code, out, err = run(capsys, canned.url(path), "--origin", ORIGIN, "--no-probe", *PUT_CUSTOM)
    assert code == 1
    assert err == ""
    first = out.splitlines()[0]
    assert first.startswith("BLOCKED")
    assert f"PUT {canned.url(path)}" in first
    assert ORIGIN in first
    assert "[method-case]" in out
    assert "FAIL" in out
    assert "PASS" in out

    allowed = serve(canned)
    code, out, _ = run(capsys, canned.url(allowed), "--origin", ORIGIN, "--no-probe")
    assert code == 0
    assert out.startswith("ALLOWED")
    assert "FAIL" not in out


# --- errors ---------------------------------------------------------------------------------


def _assert_one_line_error(err: str, words: str) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("wsgi-cors check: ")
    assert words in err


def test_connection_refused_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{refused_port()}/x"
    code, out, err = run(capsys, url, "--origin", ORIGIN)
    assert code == 2
    assert out == ""
    _assert_one_line_error(err, "connection refused")


def test_a_server_that_never_answers_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    silent = SilentServer()
    try:
        code, out, err = run(capsys, silent.url("/x"), "--origin", ORIGIN, "--timeout", "0.5")
    finally:
        silent.close()
    assert code == 2
    assert out == ""
    _assert_one_line_error(err, "no answer within 0.5 s")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("http://127.0.0.1:1/x", "--origin", ORIGIN + "/"), "did you mean"),
        (("http://127.0.0.1:1/x", "--origin", "HTTPS://APP.EXAMPLE.COM"), "did you mean"),
        (("http://127.0.0.1:1/x", "--origin", ORIGIN + ":443"), "default port"),
        (("ftp://127.0.0.1/x", "--origin", ORIGIN), "not an http:// or https:// URL"),
        (("http://u:p@127.0.0.1/x", "--origin", ORIGIN), "credentials"),
        (("http://127.0.0.1:1/x", "--origin", ORIGIN, "--method", "CONNECT"), "forbidden"),
        (("http://127.0.0.1:1/x", "--origin", ORIGIN, "-H", "X Bad: 1"), "header name"),
        (("http://127.0.0.1:1/x", "--origin", ORIGIN, "-H", "X-A: 1\r\nX-B: 2"), "CR, LF"),
        (("http://127.0.0.1:1/x", "--origin", ORIGIN, "-H", "X-P: 5 \u20ac"), "byte strings"),
        (("http://[::1/x", "--origin", ORIGIN), "does not parse"),
    ],
)
def test_usage_errors_are_exit_2(
    capsys: pytest.CaptureFixture[str], argv: Tuple[str, ...], words: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    _assert_one_line_error(err, words)
    assert err.startswith("wsgi-cors check: error: ")


@pytest.mark.parametrize(
    "argv",
    [
        ("http://127.0.0.1:1/x",),  # --origin is required
        ("http://127.0.0.1:1/x", "--origin", ORIGIN, "--timeout", "0"),
        ("http://127.0.0.1:1/x", "--origin", ORIGIN, "--timeout", "soon"),
        ("http://127.0.0.1:1/x", "--origin", ORIGIN, "-X", "PUT"),
    ],
)
def test_argument_errors_are_exit_2(
    capsys: pytest.CaptureFixture[str], argv: Tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check", *argv])
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_non_ascii_path_is_percent_encoded(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    path = serve(canned, path="/caf%C3%A9")
    code, _, err = run(capsys, canned.origin + "/caf\u00e9", "--origin", ORIGIN, "--no-probe")
    assert "Traceback" not in err
    assert code == 0
    assert len(canned.seen(path)) == 1


# --- as a program ---------------------------------------------------------------------------


def _program(argv: List[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)


def test_python_m_wsgi_cors_check(canned: CannedServer) -> None:
    path = serve(canned, preflight=Reply(204, _with(GOOD_PREFLIGHT, acam("GET"))))
    url = canned.url(path)
    allowed = _program([sys.executable, "-m", "wsgi_cors", "check", url, "--origin", ORIGIN])
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.startswith("ALLOWED")
    blocked = _program(
        [
            sys.executable,
            "-m",
            "wsgi_cors",
            "check",
            url,
            "--origin",
            ORIGIN,
            "--json",
            "--method",
            "PUT",
        ]
    )
    assert blocked.returncode == 1, blocked.stderr
    assert json.loads(blocked.stdout)["blocked_by"] == "method-not-allowed"


def test_python_m_wsgi_cors_check_network_and_usage_errors() -> None:
    url = f"http://127.0.0.1:{refused_port()}/x"
    refused = _program([sys.executable, "-m", "wsgi_cors", "check", url, "--origin", ORIGIN])
    assert refused.returncode == 2
    assert refused.stdout == ""
    _assert_one_line_error(refused.stderr, "connection refused")
    usage = _program([sys.executable, "-m", "wsgi_cors", "check", url, "--origin", ORIGIN + "/"])
    assert usage.returncode == 2
    _assert_one_line_error(usage.stderr, "did you mean")


def test_wsgi_cors_console_script(canned: CannedServer) -> None:
    script = shutil.which("wsgi-cors")
    if script is None:
        pytest.skip("the wsgi-cors console script is not on PATH")
    path = serve(canned, actual=Reply(200, ()))
    result = _program([script, "check", canned.url(path), "--origin", ORIGIN, "--no-probe"])
    assert result.returncode == 1, result.stderr
    assert "[acao-missing]" in result.stdout


# --- against the real middleware --------------------------------------------------------------


def api(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
    """The app behind the middleware: one answer for every method and path."""
    body = b'{"ok": true}'
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("X-Total", "3"),
            ("X-Secret", "s"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


@pytest.fixture(scope="module")
def middleware() -> Iterator[Dict[str, WSGIAppServer]]:
    with_patch = strict_options(ORIGIN)
    with_patch["methods"] = [*with_patch["methods"], "PATCH"]
    configurations = {
        "strict": strict_options(ORIGIN),
        "permissive": PERMISSIVE_OPTIONS,
        "patch": with_patch,
    }
    servers: Dict[str, WSGIAppServer] = {}
    try:
        for name, options in configurations.items():
            servers[name] = WSGIAppServer(CORSMiddleware(api, **options))
        yield servers
    finally:
        for server in servers.values():
            server.close()


def check(
    server: WSGIAppServer,
    method: str = "GET",
    headers: Sequence[Header] = (),
    credentials: bool = False,
    origin: str = ORIGIN,
) -> Report:
    request = build_page_request(server.url("/api/items"), origin, method, headers, credentials)
    return run_check(request, timeout=10, probe=False)


def _diagnosis(report: Report) -> List[Tuple[str, bool, Optional[str]]]:
    return [(step.check, step.ok, step.rule) for step in report.diagnosis]


def test_middleware_allows_a_simple_get(middleware: Dict[str, WSGIAppServer]) -> None:
    report = check(middleware["strict"])
    assert report.allowed
    assert report.verdict == "ALLOWED"
    assert report.blocked_by is None
    assert [stage.title for stage in report.stages] == ["Request"]
    assert "X-Total" in report.readable_headers  # expose_headers
    assert "X-Secret" in report.hidden_headers


def test_middleware_allows_a_credentialed_put_with_x_custom(
    middleware: Dict[str, WSGIAppServer],
) -> None:
    report = check(middleware["strict"], "PUT", [("X-Custom", "1")], credentials=True)
    assert report.allowed, report.failures
    assert [stage.title for stage in report.stages] == ["Preflight", "Request"]
    assert report.warnings == []  # max_age=600, Vary: Origin


def test_middleware_refuses_an_origin(middleware: Dict[str, WSGIAppServer]) -> None:
    simple = check(middleware["strict"], origin=OTHER)
    assert simple.verdict == "BLOCKED"
    assert simple.blocked_by is not None
    assert simple.blocked_by.rule == "acao-missing"
    assert simple.stages[0].title == "Request"

    preflighted = check(middleware["strict"], "PUT", origin=OTHER)
    assert preflighted.blocked_by is not None
    assert preflighted.blocked_by.rule == "acao-missing"
    assert _diagnosis(preflighted) == [("origin", False, "acao-missing")]


def test_middleware_refuses_a_method(middleware: Dict[str, WSGIAppServer]) -> None:
    report = check(middleware["strict"], "PATCH", [("X-Custom", "1")])
    assert not report.allowed
    assert report.stages[0].exchange is not None
    assert report.stages[0].exchange.status == 403
    assert report.blocked_by is not None
    assert report.blocked_by.rule == "method-not-allowed"
    assert _diagnosis(report) == [
        ("origin", True, None),
        ("method", False, "method-not-allowed"),
        ("header x-custom", True, None),
    ]


def test_middleware_refuses_a_header(middleware: Dict[str, WSGIAppServer]) -> None:
    report = check(middleware["strict"], "PUT", [("X-Custom", "1"), ("X-Other", "2")])
    assert report.blocked_by is not None
    assert report.blocked_by.rule == "header-not-allowed"
    assert report.blocked_by.check == "header x-other"
    assert _diagnosis(report) == [
        ("origin", True, None),
        ("method", True, None),
        ("header x-custom", True, None),
        ("header x-other", False, "header-not-allowed"),
    ]


def test_middleware_and_a_lower_case_patch(middleware: Dict[str, WSGIAppServer]) -> None:
    report = check(middleware["patch"], "patch")
    assert report.blocked_by is not None
    assert report.blocked_by.rule == "method-case"
    assert "PATCH" in report.blocked_by.detail
    assert check(middleware["patch"], "PATCH").allowed


def test_middleware_permissive_names_authorization(
    middleware: Dict[str, WSGIAppServer],
) -> None:
    report = check(middleware["permissive"], "GET", [("Authorization", "Bearer t")])
    assert report.allowed, report.failures
    exchange = report.stages[0].exchange
    assert exchange is not None
    allowed = exchange.get("Access-Control-Allow-Headers") or ""
    assert "authorization" in [name.strip().lower() for name in allowed.split(",")]


def test_middleware_permissive_with_credentials_fails(
    middleware: Dict[str, WSGIAppServer],
) -> None:
    report = check(middleware["permissive"], credentials=True)
    assert report.blocked_by is not None
    assert report.blocked_by.rule == "acao-wildcard-with-credentials"


def test_middleware_through_the_cli(
    capsys: pytest.CaptureFixture[str], middleware: Dict[str, WSGIAppServer]
) -> None:
    url = middleware["strict"].url("/api/items")
    code, data = run_json(capsys, url, "--origin", ORIGIN, "--credentials", *PUT_CUSTOM)
    assert_allowed(data, code)
    assert data["warnings"] == []  # the probes find nothing risky in the strict config
    code, data = run_json(capsys, url, "--origin", ORIGIN, "--method", "PATCH", "--no-probe")
    assert code == 1
    assert data["blocked_by"] == "method-not-allowed"
    assert [step["rule"] for step in data["diagnosis"] if not step["ok"]] == ["method-not-allowed"]
