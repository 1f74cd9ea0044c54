"""Flask-CORS options, defaults and ``CORS_*`` config, translated onto the core's options.

Flask-CORS treats a string as a regular expression when it contains one of
``* \\ ] ? $ ^ [ ( )``. This module keeps that convention but compiles such
strings once and makes origins match whole strings, and turns Flask-CORS's
``resources`` (dict, list, string or pattern, with its 6.0.1 ordering) into
the core's ordered resource mapping.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..errors import Problems
from ..options import DEFAULTS
from ..origins import canonicalize_origin

logger = logging.getLogger("wsgi_cors.flask")

#: Flask-CORS 6.x defaults: the core's, with Flask-CORS's own where they differ, and
#: ``preflight_status`` 200, like Flask's automatic ``OPTIONS`` response.
FLASK_DEFAULTS: Mapping[str, Any] = {
    **DEFAULTS,
    "send_wildcard": False,
    "intercept_exceptions": True,
    "resources": r"/*",
    "preflight_status": 200,
}

_REGEX_HINTS = frozenset("*\\]?$^[()")


def probably_regex(value: str) -> bool:
    """Flask-CORS's test for "this string is a regular expression"."""
    return not _REGEX_HINTS.isdisjoint(value)


def config_options(config: Mapping[str, Any]) -> Dict[str, Any]:
    """The options set through ``CORS_*`` keys of a Flask config; ``None`` values are skipped."""
    options: Dict[str, Any] = {}
    for key, value in config.items():
        if not key.startswith("CORS_") or value is None:
            continue
        name = key[5:].lower()
        if name in FLASK_DEFAULTS:
            options[name] = value
        else:
            logger.warning(
                "app.config[%r] is not a wsgi_cors option and is ignored; known keys are %s",
                key,
                ", ".join("CORS_" + n.upper() for n in FLASK_DEFAULTS),
            )
    return options


def to_core_options(options: Mapping[str, Any], problems: Problems) -> Dict[str, Any]:
    """Translate one set of Flask-CORS options (without ``resources``) to core options."""
    core = dict(options)
    core.pop("resources", None)
    if "origins" in core:
        core["origins"] = _translate_origins(core["origins"], problems)
    if "allow_headers" in core:
        core["allow_headers"] = _translate_allow_headers(core["allow_headers"], problems)
    if isinstance(core.get("max_age"), str) and core["max_age"].strip().isdigit():
        core["max_age"] = int(core["max_age"])
    return core


def to_core_resources(resources: Any, problems: Problems) -> Optional[Dict[Any, Dict[str, Any]]]:
    """Translate Flask-CORS ``resources`` to the core's ordered ``{pattern: overrides}``.

    Literal paths stay exact paths. Every other pattern becomes a compiled
    regular expression matched from the start of the path, as Flask-CORS's
    ``re.match`` does, except that ``"/api/*"`` covers ``/api`` and what is
    below it but no longer ``/apiary``. The dict form is ordered as Flask-CORS
    6.0.1 orders it (literals, compiled patterns, string patterns; more ``/``
    first, then longer first); the list form keeps its order.
    """
    items: List[Tuple[Any, Any]]
    if isinstance(resources, Mapping):
        items = sorted(resources.items(), key=_flask_cors_order)
    elif isinstance(resources, (str, re.Pattern)):
        items = [(resources, {})]
    elif isinstance(resources, (list, tuple)):
        items = [(pattern, {}) for pattern in resources]
    else:
        problems.add(
            "resources",
            f"unexpected value {resources!r}; use a dict {{pattern: options}}, a list of "
            "patterns, a string or a compiled pattern",
        )
        return None
    translated: Dict[Any, Dict[str, Any]] = {}
    for pattern, overrides in items:
        key = _translate_path_pattern(pattern, problems)
        if key is None:
            continue
        if not isinstance(overrides, Mapping):
            problems.add(f"resources[{pattern!r}]", "expected a dict of options")
            continue
        translated[key] = to_core_options(overrides, problems)
    return translated


def _flask_cors_order(item: Tuple[Any, Any]) -> Tuple[int, int, int]:
    pattern = item[0]
    if isinstance(pattern, re.Pattern):
        group, text = 1, str(pattern.pattern)
    else:
        text = "/*" if pattern == "*" else str(pattern)
        group = 2 if probably_regex(text) else 0
    return group, -text.count("/"), -len(text)


_PREFIX_GLOB = re.compile(r"(/[^*\\\]?$^\[()]*?)/\*")


def _translate_path_pattern(pattern: Any, problems: Problems) -> Any:
    where = f"resources[{pattern!r}]"
    if isinstance(pattern, re.Pattern):
        return re.compile(f"(?:{pattern.pattern}).*", pattern.flags | re.DOTALL)
    if not isinstance(pattern, str):
        problems.add(where, "a path pattern must be a string or a compiled re.Pattern")
        return None
    if pattern in ("*", "/*", "/.*", ".*"):
        return "/*"
    if not probably_regex(pattern):
        return pattern
    glob = _PREFIX_GLOB.fullmatch(pattern)
    if glob is not None and glob.group(1) != "/":
        return re.compile(re.escape(glob.group(1)) + r"(?:/.*)?", re.DOTALL)
    try:
        return re.compile(f"(?:{pattern}).*", re.DOTALL)
    except re.error as error:
        problems.add(where, f"is not a valid regular expression ({error})")
        return None


def _entries(value: Any) -> Optional[List[Any]]:
    if isinstance(value, (str, re.Pattern)) or callable(value):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return None


def _translate_origins(value: Any, problems: Problems) -> Any:
    entries = _entries(value)
    if entries is None:
        return value
    translated: List[Any] = []
    for entry in entries:
        if isinstance(entry, str) and entry in ("*", ".*"):
            translated.append("*")
        elif isinstance(entry, str) and probably_regex(entry):
            if canonicalize_origin(entry)[2] is None:
                translated.append(entry)
                continue
            try:
                translated.append(re.compile(entry, re.IGNORECASE))
            except re.error as error:
                problems.add("origins", f"{entry!r} is not a valid regular expression ({error})")
        else:
            translated.append(entry)
    return "*" if translated == ["*"] else translated


def _translate_allow_headers(value: Any, problems: Problems) -> Any:
    entries = _entries(value)
    if entries is None or "*" in entries or ".*" in entries:
        return "*" if entries is not None else value
    translated: List[Any] = []
    for entry in entries:
        if isinstance(entry, re.Pattern):
            translated.append(re.compile(entry.pattern, entry.flags | re.IGNORECASE))
        elif isinstance(entry, str) and probably_regex(entry):
            try:
                translated.append(re.compile(entry, re.IGNORECASE))
            except re.error as error:
                problems.add(
                    "allow_headers", f"{entry!r} is not a valid regular expression ({error})"
                )
        else:
            translated.append(entry)
    return translated
