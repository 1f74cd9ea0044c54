"""The README's options and problem-codes tables are rendered from the code (docs/tables.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from wsgi_cors import CODES
from wsgi_cors.core.config import OPTION_NAMES

ROOT = Path(__file__).resolve().parents[2]


def _tables() -> object:
    spec = importlib.util.spec_from_file_location("docs_tables", ROOT / "docs" / "tables.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_tables_are_up_to_date() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _tables().render(readme) == readme, "run: python docs/tables.py --write"  # type: ignore[attr-defined]


def test_every_option_and_every_code_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in OPTION_NAMES:
        assert f"| `{name}` |" in readme, name
    for code in CODES:
        assert f"| `{code}` |" in readme, code
