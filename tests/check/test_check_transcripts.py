"""The transcripts of ``docs/check.md`` are what ``wsgi-cors check`` prints against the demo.

Each ``$ wsgi-cors check ...`` command in a ``text`` block of the page is run
against a live demo (on free ports, written as 8100 and 8101 on the page),
and its output and exit status must match the block line for line.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import pytest

from wsgi_cors.cli import main
from wsgi_cors.demo import Demo

PAGE = Path(__file__).resolve().parents[2] / "docs" / "check.md"
PAGE_API_PORT = "8100"
PAGE_PAGE_PORT = "8101"

Transcript = Tuple[str, List[str], Optional[int]]


def transcripts() -> List[Transcript]:
    """(command, expected output lines, expected exit status or None) for each command on the page."""
    found: List[Transcript] = []
    for block in re.findall(r"```text\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S):
        lines = block.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            if not line.startswith("$ wsgi-cors check "):
                continue
            command = line[2:]
            while command.endswith("\\"):
                command = command[:-1] + lines[index].strip()
                index += 1
            output: List[str] = []
            while index < len(lines) and not lines[index].startswith("$ "):
                output.append(lines[index])
                index += 1
            status = None
            if index < len(lines) and lines[index] == "$ echo $?":
                status = int(lines[index + 1])
                index += 2
            found.append((command, output, status))
    return found


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    with Demo(api_port=0, page_port=0) as running:
        yield running


def test_the_page_has_transcripts() -> None:
    assert len(transcripts()) >= 2


@pytest.mark.parametrize(
    ("command", "expected", "status"), transcripts(), ids=lambda value: str(value)[:60]
)
def test_transcript(
    demo: Demo,
    capsys: pytest.CaptureFixture[str],
    command: str,
    expected: List[str],
    status: Optional[int],
) -> None:
    api_port = demo.api_origin.rsplit(":", 1)[1]
    page_port = demo.page_origin.rsplit(":", 1)[1]
    live = command.replace(f":{PAGE_API_PORT}", f":{api_port}").replace(
        f":{PAGE_PAGE_PORT}", f":{page_port}"
    )
    exit_status = main(shlex.split(live)[1:])
    output = capsys.readouterr().out
    output = output.replace(f":{api_port}", f":{PAGE_API_PORT}").replace(
        f":{page_port}", f":{PAGE_PAGE_PORT}"
    )
    assert output.splitlines() == expected
    if status is None:  # no "$ echo $?" on the page: the verdict line says it
        status = 0 if expected[0].startswith("ALLOWED") else 1
    assert exit_status == status
