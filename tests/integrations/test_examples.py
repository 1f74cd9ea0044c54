"""The examples run as their docstrings say, so they cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_quickstart_prints_a_successful_preflight_and_a_refused_origin() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    out = result.stdout
    assert "preflight for PUT with Authorization: 204 No Content" in out
    assert "Access-Control-Allow-Headers: Content-Type, Authorization" in out
    refused = out.split("GET from a refused origin")[1]
    assert "Access-Control-Allow-Origin" not in refused
    assert "Vary: Origin" in refused
