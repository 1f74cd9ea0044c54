"""The reference tables of the documentation, rendered from the code that defines them.

The options table comes from :class:`wsgi_cors.CORSConfig`'s fields (name,
default, documentation); the problem-codes table from
:data:`wsgi_cors.CODES`; the Django system checks from ``CHECK_IDS``. Nothing else keeps
these lists: the site's hook (``docs/hooks.py``) puts them into the pages when the site is
built.

    python docs/tables.py options    # print the options table (Markdown)
    python docs/tables.py codes      # print the problem-codes table
    python docs/tables.py django-checks  # the Django drop-in's system check ids
"""

from __future__ import annotations

import argparse
from typing import Callable, Dict

from wsgi_cors import ALL_METHODS, CODES
from wsgi_cors.compat.django_cors_headers import CHECK_IDS, WARNING_MEANINGS
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


def django_checks_table() -> str:
    """The Django drop-in's system check ids, what each reports, and what it replaces."""
    rows = ["| id | reports | replaces |", "|---|---|---|"]
    rows += [
        f"| `{check_id}` | {CODES[code]} | {replaces or 'new'} |"
        for code, (check_id, replaces) in sorted(CHECK_IDS.items(), key=lambda item: item[1][0])
    ]
    rows += [
        f"| `{check_id}` | {meaning} | new |" for check_id, meaning in WARNING_MEANINGS.items()
    ]
    return "\n".join(rows)


TABLES: Dict[str, Callable[[], str]] = {
    "options": options_table,
    "codes": codes_table,
    "django-checks": django_checks_table,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", choices=sorted(TABLES), help="the table to print")
    args = parser.parse_args()
    print(TABLES[args.table]())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
