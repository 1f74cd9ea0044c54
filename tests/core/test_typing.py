"""The public signatures are precise: mypy --strict rejects a misspelled option or a wrong type."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy")

GOOD = """
import re
from typing import Any
from datetime import timedelta
from wsgiref.simple_server import demo_app

from wsgi_cors import CORSConfig, CORSMiddleware
from wsgi_cors.asgi import CORSMiddleware as ASGIMiddleware

CORSMiddleware(
    demo_app,
    origins=["https://a.example", re.compile(r"https://[a-z]+\\.example"), lambda o: False],
    supports_credentials=True,
    max_age=timedelta(minutes=5),
    resources={"/api/*": {"origins": "*", "supports_credentials": False}, re.compile("/x"): None},
)
CORSMiddleware(demo_app, config=CORSConfig.from_options(origins="https://a.example"))


async def asgi_app(scope: Any, receive: Any, send: Any) -> None: ...

ASGIMiddleware(asgi_app, origins=["https://a.example"], check_websocket_origin=True, max_age=600)
"""

BAD = {
    "misspelled option": "CORSMiddleware(demo_app, support_credentials=True)",
    "origins=42": "CORSMiddleware(demo_app, origins=42)",
    "max_age as text": 'CORSConfig.from_options(max_age="600")',
    "misspelled resource option": 'CORSMiddleware(demo_app, resources={"/api/*": {"orgins": "*"}})',
    "flag as text": 'CORSMiddleware(demo_app, vary_header="false")',
    "ASGI: misspelled option": "ASGIMiddleware(asgi_app, support_credentials=True)",
    "ASGI: origins=42": "ASGIMiddleware(asgi_app, origins=42)",
    "ASGI: websocket flag as text": 'ASGIMiddleware(asgi_app, check_websocket_origin="yes")',
}

HEADER = (
    "from wsgiref.simple_server import demo_app\nfrom wsgi_cors import CORSConfig, CORSMiddleware\n"
)


def mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    caller = tmp_path / "caller.py"
    caller.write_text(textwrap.dedent(source), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(caller)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_a_correct_caller_passes_mypy_strict(tmp_path: Path) -> None:
    result = mypy(tmp_path, GOOD)
    assert result.returncode == 0, result.stdout


def test_each_mistake_fails_mypy_strict(tmp_path: Path) -> None:
    source = HEADER + "\n".join(BAD.values()) + "\n"
    result = mypy(tmp_path, source)
    assert result.returncode == 1
    failing_lines = {
        int(line.split(":")[1]) for line in result.stdout.splitlines() if ": error:" in line
    }
    first = HEADER.count("\n") + 1
    assert failing_lines == set(range(first, first + len(BAD))), result.stdout
