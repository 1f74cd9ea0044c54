"""The documentation's build scripts (``docs/tables.py``, ``docs/hooks.py``) loaded as modules:
``docs/`` is not a package, and MkDocs loads them by path too."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1] / "docs"


def load_docs_module(name: str) -> Any:
    """``docs/<name>.py``, freshly executed."""
    spec = importlib.util.spec_from_file_location(f"wsgi_cors_docs_{name}", DOCS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
