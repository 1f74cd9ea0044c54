"""The README's reference tables, rendered from the code that defines them.

The options table comes from :class:`wsgi_cors.CORSConfig`'s fields (name,
default, documentation); the problem-codes table from
:data:`wsgi_cors.CODES`. Nothing else keeps either list.

    python docs/tables.py            # exit 1 and show the difference if README.md is stale
    python docs/tables.py --write    # rewrite the tables in README.md
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Callable, Dict

from wsgi_cors import ALL_METHODS, CODES
from wsgi_cors.core.config import DEFAULTS, OPTION_DOCS, OPTION_NAMES

README = Path(__file__).resolve().parent.parent / "README.md"


def _default(value: object) -> str:
    if value == ALL_METHODS:
        return "`ALL_METHODS`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value!r}`"


def options_table() -> str:
    """The options, their defaults and what they do, in declaration order."""
    rows = ["| option | default | meaning |", "|---|---|---|"]
    rows += [
        f"| `{name}` | {_default(DEFAULTS[name])} | {OPTION_DOCS[name]} |" for name in OPTION_NAMES
    ]
    return "\n".join(rows)


def codes_table() -> str:
    """Every problem code and what it means."""
    rows = ["| code | meaning |", "|---|---|"]
    rows += [f"| `{code}` | {meaning} |" for code, meaning in CODES.items()]
    return "\n".join(rows)


TABLES: Dict[str, Callable[[], str]] = {"options": options_table, "codes": codes_table}


def render(text: str) -> str:
    """``text`` with every ``<!-- NAME-table:start -->`` ... ``end`` block rendered anew."""
    for name, table in TABLES.items():
        start, end = f"<!-- {name}-table:start -->", f"<!-- {name}-table:end -->"
        head, found, rest = text.partition(start)
        if not found:
            raise SystemExit(f"{README.name} has no {start} marker")
        _, found, tail = rest.partition(end)
        if not found:
            raise SystemExit(f"{README.name} has no {end} marker")
        text = f"{head}{start}\n{table()}\n{end}{tail}"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the tables in README.md")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if args.write:
        README.write_text(wanted, encoding="utf-8")
        return 0
    if wanted != current:
        sys.stdout.writelines(
            difflib.unified_diff(
                current.splitlines(True), wanted.splitlines(True), "README.md", "rendered"
            )
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
