"""``wsgi-cors check`` end to end over 127.0.0.1: exposed headers, warnings and probes, the report, errors, the program.

See ``tests/check/helpers.py``: a CannedServer answers each test's own path with hand-written
responses and records every request."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from typing import Any, Callable, List, Optional, Sequence, Set, Tuple

import pytest

from wsgi_cors.check import PROBE_ORIGIN
from wsgi_cors.cli import main

from check.check_servers import (
    CannedServer,
    Received,
    Reply,
    SilentServer,
    refused_port,
)
from check.helpers import (
    GOOD_PREFLIGHT,
    MAX_AGE,
    ORIGIN,
    PUT_CUSTOM,
    REPO,
    Header,
    acac,
    acah,
    acam,
    acao,
    assert_allowed,
    methods,
    replaced,
    run,
    run_json,
    serve,
    warning_rules,
)

pytestmark = pytest.mark.servers

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
    path = serve(canned, preflight=Reply(204, replaced(GOOD_PREFLIGHT, acah("X-Other"))))
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
    path = serve(canned, preflight=Reply(204, replaced(GOOD_PREFLIGHT, acam("put"))))
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
    path = serve(canned, preflight=Reply(204, replaced(GOOD_PREFLIGHT, acam("GET"))))
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
