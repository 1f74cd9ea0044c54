"""Option names, defaults and the validators that turn raw option values into clean ones.

Every validator records problems in a :class:`~wsgi_cors.errors.Problems`
collector instead of raising, so one :class:`~wsgi_cors.errors.ConfigError`
can list every mistake at once.
"""

from __future__ import annotations

import difflib
import http
import re
from datetime import timedelta
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .errors import Problems
from .tokens import FORBIDDEN_METHODS, is_token

#: The default ``methods``: Flask-CORS's list, in its order.
ALL_METHODS: Tuple[str, ...] = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE")

#: Every option with its default. Per-resource overrides take the same names.
DEFAULTS: Mapping[str, Any] = {
    "origins": "*",
    "methods": ALL_METHODS,
    "allow_headers": "*",
    "expose_headers": None,
    "supports_credentials": False,
    "max_age": None,
    "send_wildcard": True,
    "always_send": True,
    "vary_header": True,
    "allow_private_network": False,
    "resources": None,
    "automatic_options": True,
    "intercept_exceptions": False,
    "preflight_status": 204,
    "allow_null_with_credentials": False,
}

BOOLEAN_OPTIONS = (
    "supports_credentials",
    "send_wildcard",
    "always_send",
    "vary_header",
    "allow_private_network",
    "automatic_options",
    "intercept_exceptions",
    "allow_null_with_credentials",
)


def check_option_names(options: Mapping[str, Any], problems: Problems, where: str = "") -> None:
    """Record every unknown option name, suggesting the closest known one."""
    for name in options:
        if name in DEFAULTS and not (where and name == "resources"):
            continue
        label = f"{where}{name}"
        if where and name == "resources":
            problems.add(label, "resources cannot be nested; move this mapping to the top level")
            continue
        close = difflib.get_close_matches(name, list(DEFAULTS), n=1, cutoff=0.6)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else ("known options are " + ", ".join(sorted(DEFAULTS)))
        )
        problems.add(label, f"unknown option; {hint}")


def check_bool(value: Any, option: str, problems: Problems) -> bool:
    """Accept only a real ``bool``: the string ``"false"`` is a classic silent bug."""
    if isinstance(value, bool):
        return value
    problems.add(option, f"expected True or False, got {value!r} ({type(value).__name__})")
    return False


def split_names(value: Any, option: str, problems: Problems) -> Optional[List[str]]:
    """Turn a comma-separated string or an iterable of strings into a list of names."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple, set, frozenset)):
        names = []
        for item in value:
            if isinstance(item, str):
                names.append(item.strip())
            else:
                problems.add(option, f"entry {item!r} is a {type(item).__name__}, not a string")
        return names
    problems.add(
        option,
        f"expected a string or a list of strings, got {type(value).__name__}",
    )
    return None


def check_methods(value: Any, option: str, problems: Problems) -> Tuple[bool, Tuple[str, ...]]:
    """Validate ``methods``: returns ``(any_method, upper-cased method names)``."""
    if value == "*":
        return True, ()
    names = split_names(value, option, problems)
    if names is None:
        return False, ()
    methods: Dict[str, None] = {}
    for name in names:
        if not is_token(name):
            problems.add(option, f"{name!r} is not a valid HTTP method name (an RFC 9110 token)")
            continue
        upper = name.upper()
        if upper in FORBIDDEN_METHODS:
            problems.add(option, f"{upper} must never be allowed cross-origin; remove it")
            continue
        if upper == "*":
            problems.add(option, "'*' must be the whole value (methods='*'), not a list entry")
            continue
        methods[upper] = None
    if not names:
        problems.add(option, "is empty, so every preflight would fail; list at least one method")
    return False, tuple(methods)


def check_header_names(
    value: Any, option: str, problems: Problems, *, allow_patterns: bool
) -> Tuple[bool, Tuple[str, ...], Tuple[re.Pattern[str], ...]]:
    """Validate a header-name list: returns ``(wildcard, names, patterns)``."""
    if value is None:
        return False, (), ()
    if value == "*":
        return True, (), ()
    patterns: List[re.Pattern[str]] = []
    if allow_patterns and isinstance(value, re.Pattern):
        value = [value]
    if allow_patterns and isinstance(value, (list, tuple, set, frozenset)):
        patterns = [item for item in value if isinstance(item, re.Pattern)]
        value = [item for item in value if not isinstance(item, re.Pattern)]
    names = split_names(value, option, problems)
    if names is None:
        return False, (), ()
    unique: Dict[str, str] = {}
    for name in names:
        if name == "*":
            problems.add(option, "'*' must be the whole value, not a list entry")
        elif not is_token(name):
            problems.add(
                option,
                f"{name!r} is not a valid header name (an RFC 9110 token: no spaces, "
                "colons or commas)",
            )
        else:
            unique.setdefault(name.lower(), name)
    return False, tuple(unique.values()), tuple(patterns)


def check_max_age(value: Any, option: str, problems: Problems) -> Optional[str]:
    """Validate ``max_age`` (seconds as an int, or a ``timedelta``) and render it."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds != int(seconds):
            problems.add(option, f"{value!r} is not a whole number of seconds")
            return None
        value = int(seconds)
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(
            option,
            f"expected whole seconds as an int or a datetime.timedelta, got {value!r}",
        )
        return None
    if value < 0:
        problems.add(option, f"{value} is negative; use 0 to disable preflight caching")
        return None
    return str(value)


def check_preflight_status(value: Any, option: str, problems: Problems) -> str:
    """Validate ``preflight_status`` (a 2xx code) and render its status line."""
    if isinstance(value, int) and not isinstance(value, bool) and 200 <= value <= 299:
        try:
            return f"{value} {http.HTTPStatus(value).phrase}"
        except ValueError:  # a 2xx code without a registered name: any 2xx is ok for browsers
            return f"{value} Success"
    problems.add(
        option,
        f"{value!r} is not a 2xx status; browsers fail any other preflight status, use 204 or 200",
    )
    return "204 No Content"
