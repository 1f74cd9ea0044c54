"""The engine is sans-IO: nothing under wsgi_cors/core imports a server interface or a framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "wsgi_cors" / "core"
FORBIDDEN = {
    "wsgiref",
    "asyncio",
    "flask",
    "quart",
    "django",
    "paste",
    "pyramid",
    "werkzeug",
    "starlette",
}


@pytest.mark.parametrize("module", sorted(CORE.glob("*.py")), ids=lambda path: path.name)
def test_core_module_imports_no_framework_or_server(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & FORBIDDEN
    assert "wsgi_cors" not in imported  # only relative imports inside the core
    assert not any(
        isinstance(node, ast.ImportFrom) and node.level == 2 for node in ast.walk(tree)
    ), "the core imports nothing from the shells or adapters"
