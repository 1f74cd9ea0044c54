"""Constants and helpers shared by the ``wsgi-cors check`` tests."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

from wsgi_cors.cli import main

from check.check_servers import (
    CannedServer,
    Received,
    Reply,
    Route,
)

REPO = Path(__file__).resolve().parents[2]

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


def without(headers: Sequence[Header], name: str) -> Tuple[Header, ...]:
    return tuple(header for header in headers if header[0].lower() != name.lower())


def replaced(headers: Sequence[Header], *replacements: Header) -> Tuple[Header, ...]:
    names = {name.lower() for name, _ in replacements}
    return (*(h for h in headers if h[0].lower() not in names), *replacements)
