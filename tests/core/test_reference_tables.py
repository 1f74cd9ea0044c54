"""The options reference and the problem codes of the site are generated from the code.

``docs/options.md`` holds placeholders that ``docs/hooks.py`` fills from ``CORSConfig``'s fields
(``docs/tables.py``) when the site is built. These tests fail when the page and the code drift
apart: a placeholder removed, a row written by hand, an option missing or with another default
or text than its field, a code missing. ``test_the_site_builds_strictly`` builds the whole site
as CI does (``mkdocs build --strict``) when MkDocs is installed (the ``docs`` extra).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from docs_modules import load_docs_module

from wsgi_cors import ALL_METHODS, CODES, CORSConfig, CORSMiddleware
from wsgi_cors.core.config import DEFAULTS, OPTION_DOCS, OPTION_NAMES

ROOT = Path(__file__).resolve().parents[2]
OPTIONS_PAGE = ROOT / "docs" / "options.md"


def _rendered() -> str:
    return str(
        load_docs_module("hooks").render_page(
            OPTIONS_PAGE.read_text(encoding="utf-8"), "options.md"
        )
    )


def _rows(text: str, first_column: str) -> Dict[str, List[str]]:
    """The rows of the table whose header starts with ``| first_column |``, by first cell."""
    lines = text.splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"| {first_column} |")))
    rows: Dict[str, List[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_the_page_generates_its_tables_and_writes_none_by_hand() -> None:
    source = OPTIONS_PAGE.read_text(encoding="utf-8")
    assert source.count("<!-- options-table -->") == 1
    assert source.count("<!-- codes-table -->") == 1
    assert not re.search(r"^\| `", source, re.MULTILINE), "a table row written by hand"


def test_the_options_are_the_fields_of_corsconfig() -> None:
    fields = [field for field in dataclasses.fields(CORSConfig) if "doc" in field.metadata]
    assert [field.name for field in fields] == list(OPTION_NAMES)
    assert {field.name: field.default for field in fields} == dict(DEFAULTS)
    assert {field.name: field.metadata["doc"] for field in fields} == dict(OPTION_DOCS)


def test_the_options_reference_shows_every_field_with_its_default_and_doc() -> None:
    rows = _rows(_rendered(), "option")
    assert list(rows) == list(OPTION_NAMES)
    for field in dataclasses.fields(CORSConfig):
        if "doc" not in field.metadata:
            continue
        default, meaning = rows[field.name]
        shown = "ALL_METHODS" if field.default == ALL_METHODS else repr(field.default)
        assert default.strip("`").replace('"', "'") == shown.replace('"', "'"), field.name
        doc = field.metadata["doc"].replace("](#", "](origins-and-resources.md#")
        assert meaning == doc, field.name


def test_the_problem_codes_are_every_code() -> None:
    rows = _rows(_rendered(), "code")
    assert {code: cells[0] for code, cells in rows.items()} == dict(CODES)


def test_the_tables_script_prints_the_same_tables() -> None:
    tables = load_docs_module("tables")
    for name in ("options", "codes"):
        result = subprocess.run(
            [sys.executable, str(ROOT / "docs" / "tables.py"), name],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert result.stdout == tables.TABLES[name]() + "\n"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        pytest.skip("MkDocs is not installed: pip install -e '.[docs]'")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    options = (tmp_path / "options" / "index.html").read_text(encoding="utf-8")
    for name in OPTION_NAMES:
        assert f"<code>{name}</code>" in options, name


def test_the_middleware_docstring_lists_every_option_with_its_default() -> None:
    """``help(wsgi_cors.CORSMiddleware)`` shows ``name=default`` for each option, in order."""
    doc = inspect.getdoc(CORSMiddleware)
    assert doc is not None
    listed = re.findall(r"^([a-z_]+)=(.+)$", doc, re.MULTILINE)
    assert [name for name, _ in listed] == list(OPTION_NAMES)
    for name, default in listed:
        expected = "ALL_METHODS" if DEFAULTS[name] == ALL_METHODS else repr(DEFAULTS[name])
        assert default.replace('"', "'") == expected, name
