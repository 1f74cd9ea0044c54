"""Single-option rules: each turns one raw option value into its normalised form.

Every function returns ``(normalised, problems)``; a problem's path is relative
to the option (``()`` for the whole value, ``(2,)`` for its third entry). The
cross-option rules are in :mod:`wsgi_cors.core.config`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Dict, List, Optional, Pattern, Tuple, Union

from .http import FORBIDDEN_METHODS, is_token
from .problems import OptionPath, Problem

Checked = Tuple[object, List[Problem]]

_LISTS = (list, tuple, set, frozenset)


def _entries(value: object) -> Optional[List[Tuple[Tuple[int, ...], object]]]:
    """A comma-separated string or a collection as ``(path, entry)`` pairs, or None."""
    if isinstance(value, str):
        return [((), part.strip()) for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [((index,), item) for index, item in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        return [((index,), item) for index, item in enumerate(sorted(value, key=repr))]
    return None


def compile_regex(
    source: str,
    path: OptionPath,
    problems: List[Problem],
    flags: int = 0,
    shown: Optional[str] = None,
) -> Optional[Pattern[str]]:
    """``re.compile(source, flags)``, or None with a ``regex-invalid`` problem at ``path``.

    Front ends compile the patterns users write as text. Hostile or mistaken patterns raise
    more than ``re.error`` (a huge repeat count overflows, one of 4,301 digits is a ``ValueError``,
    deep nesting recurses),
    and each is a configuration problem, never a crash. ``shown`` is the text to quote (the
    user's, when ``source`` wraps it), cut at 200 characters.
    """
    try:
        return re.compile(source, flags)
    except (re.error, ValueError, OverflowError, RecursionError) as error:
        quoted = source if shown is None else shown
        quoted = quoted if len(quoted) <= 200 else quoted[:200] + "..."
        problems.append(
            Problem(
                path,
                "regex-invalid",
                f"{quoted!r} is not a valid regular expression ({error})",
            )
        )
        return None


def check_bool(value: object) -> Checked:
    """Accept only a real ``bool``: the string ``"false"`` is a classic silent bug."""
    if isinstance(value, bool):
        return value, []
    return False, [
        Problem(
            (),
            "not-a-boolean",
            f"expected True or False, got {value!r} ({type(value).__name__})",
        )
    ]


def _not_a_list(value: object, what: str) -> Problem:
    return Problem(
        (), "wrong-type", f"expected {what}, got {type(value).__name__}", "pass a list of strings"
    )


def check_methods(value: object) -> Checked:
    """``methods``: ``"*"``, or a tuple of unique upper-case method names."""
    if value == "*":
        return "*", []
    entries = _entries(value)
    if entries is None:
        return (), [_not_a_list(value, "'*', a comma-separated string or a list of methods")]
    problems: List[Problem] = []
    methods: Dict[str, None] = {}
    for at, entry in entries:
        if not isinstance(entry, str):
            problems.append(
                Problem(at, "wrong-type", f"entry {entry!r} is a {type(entry).__name__}, not a str")
            )
            continue
        name = entry.strip()
        upper = name.upper()
        if name == "*":
            problems.append(
                Problem(at, "star-in-list", "'*' is one entry of a list", "write methods='*' alone")
            )
        elif not is_token(name):
            problems.append(
                Problem(
                    at,
                    "method-invalid",
                    f"{name!r} is not a valid HTTP method name (an RFC 9110 token)",
                )
            )
        elif upper in FORBIDDEN_METHODS:
            problems.append(
                Problem(
                    at,
                    "method-forbidden",
                    f"{upper} must never be allowed cross-origin",
                    "remove it",
                )
            )
        else:
            methods[upper] = None
    if not entries:
        problems.append(
            Problem(
                (),
                "methods-empty",
                "is empty, so every preflight would fail",
                "list at least one method",
            )
        )
    return tuple(methods), problems


HeaderEntry = Union[str, Pattern[str]]


def check_header_names(value: object, *, allow_patterns: bool) -> Checked:
    """``allow_headers`` or ``expose_headers``: ``"*"``, or a tuple of unique names.

    Names keep the case they were given and are unique case-insensitively;
    with ``allow_patterns``, compiled ``re.Pattern`` entries are kept too.
    """
    if value is None:
        return (), []
    if value == "*":
        return "*", []
    if allow_patterns and isinstance(value, re.Pattern):
        value = [value]
    entries = _entries(value)
    if entries is None:
        what = "'*', a comma-separated string or a list of header names"
        if allow_patterns:
            what += " and compiled re.Pattern objects"
        return (), [_not_a_list(value, what)]
    problems: List[Problem] = []
    unique: Dict[object, HeaderEntry] = {}
    for at, entry in entries:
        if allow_patterns and isinstance(entry, re.Pattern):
            if isinstance(entry.pattern, str):
                unique.setdefault(entry, entry)
            else:
                problems.append(
                    Problem(at, "bytes-pattern", f"{entry!r} is a bytes pattern", "compile a str")
                )
            continue
        if not isinstance(entry, str):
            problems.append(
                Problem(at, "wrong-type", f"entry {entry!r} is a {type(entry).__name__}, not a str")
            )
            continue
        name = entry.strip()
        if name == "*":
            problems.append(
                Problem(
                    at,
                    "star-in-list",
                    "'*' must be the whole value, not a list entry",
                    "write '*' alone, or list the names",
                )
            )
        elif not is_token(name):
            problems.append(
                Problem(
                    at,
                    "header-invalid",
                    f"{name!r} is not a valid header name (an RFC 9110 token: no spaces, colons "
                    "or commas)",
                )
            )
        else:
            unique.setdefault(name.lower(), name)
    return tuple(unique.values()), problems


def check_max_age(value: object) -> Checked:
    """``max_age``: None, or whole seconds (an ``int`` or a ``timedelta``) as an ``int``."""
    if value is None:
        return None, []
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds != int(seconds):
            return None, [
                Problem(
                    (),
                    "max-age-invalid",
                    f"{value!r} is not a whole number of seconds",
                    "round it to whole seconds",
                )
            ]
        value = int(seconds)
    if isinstance(value, bool) or not isinstance(value, int):
        return None, [
            Problem(
                (),
                "wrong-type",
                f"expected whole seconds as an int or a datetime.timedelta, got {value!r}",
            )
        ]
    if value < 0:
        return None, [
            Problem(
                (),
                "max-age-invalid",
                f"{value} is negative",
                "use 0 to disable preflight caching, or None to send no Access-Control-Max-Age",
            )
        ]
    return value, []


def check_preflight_status(value: object) -> Checked:
    """``preflight_status``: a 2xx ``int``."""
    if isinstance(value, int) and not isinstance(value, bool) and 200 <= value <= 299:
        return value, []
    return 204, [
        Problem(
            (),
            "status-not-2xx",
            f"{value!r} is not a 2xx status; browsers fail any other preflight status",
            "use 204 or 200",
        )
    ]
