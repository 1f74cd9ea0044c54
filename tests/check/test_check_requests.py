"""``wsgi-cors check`` end to end over 127.0.0.1: what goes over the wire, and redirects of the actual request.

See ``tests/check/helpers.py``: a CannedServer answers each test's own path with hand-written
responses and records every request."""

from __future__ import annotations

from typing import Callable, Optional, Tuple

import pytest

from check.check_servers import (
    CannedServer,
    Received,
    Reply,
)
from check.helpers import (
    GOOD_PREFLIGHT,
    MAX_AGE,
    ORIGIN,
    OTHER,
    PUT_CUSTOM,
    acah,
    acam,
    acao,
    assert_allowed,
    assert_blocked,
    methods,
    replaced,
    run,
    run_json,
    serve,
    titles,
)

pytestmark = pytest.mark.servers

# --- what goes over the wire -----------------------------------------------------------------


def test_the_preflight_is_exactly_what_chromium_sends(
    capsys: pytest.CaptureFixture[str], canned: CannedServer
) -> None:
    allow = acah("authorization, content-type, x-a, x-b")
    path = serve(canned, preflight=Reply(204, replaced(GOOD_PREFLIGHT, allow)))
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
    path = serve(canned, preflight=Reply(204, replaced(GOOD_PREFLIGHT, acam("patch"))))
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
    path = serve(canned, preflight=Reply(204, replaced(GOOD_PREFLIGHT, acam("GET"))))
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
