"""The reference tables of the documentation, rendered from the code that defines them.

The options table comes from :class:`wsgi_cors.CORSConfig`'s fields (name,
default, documentation); the problem-codes table from
:data:`wsgi_cors.CODES`. Nothing else keeps either list: the site's hook
(``docs/hooks.py``) puts them into ``docs/options.md`` when the site is built.

    python docs/tables.py options    # print the options table (Markdown)
    python docs/tables.py codes      # print the problem-codes table
"""

from __future__ import annotations

import argparse
from typing import Callable, Dict

from wsgi_cors import ALL_METHODS, CODES
from wsgi_cors.core.config import DEFAULTS, OPTION_DOCS, OPTION_NAMES


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", choices=sorted(TABLES), help="the table to print")
    args = parser.parse_args()
    print(TABLES[args.table]())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
