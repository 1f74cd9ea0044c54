"""PasteDeploy filter: ``CORSMiddleware`` configured from an ini file.

Registered as the ``paste.filter_factory`` entry points ``main`` and ``cors``,
so both ``use = egg:wsgi_cors`` and ``use = egg:wsgi_cors#cors`` work::

    [filter:cors]
    use = egg:wsgi_cors
    origins = https://app.example.com regex:https://[a-z]+\\.example\\.com
    supports_credentials = true
    max_age = 600
    resources = /api/* /public/*
    resource./public/*.origins = *
    resource./public/*.supports_credentials = false

Every key is a :class:`~wsgi_cors.CORSConfig` option of the same name, and
``origins`` is required (write ``origins = *`` to allow any origin). Values are
strings:

* lists (``origins``, ``methods``, ``allow_headers``, ``expose_headers``,
  ``resources``) are separated by white space or commas, and may continue on
  indented lines; ``*`` alone is the wildcard;
* a ``regex:`` entry (in ``origins``, ``allow_headers`` and ``resources``) is
  compiled with :func:`re.compile` and always full-matched; it runs to the next
  white space, so it may contain commas (write a space as ``\\s``);
* booleans are ``true``/``false``, ``yes``/``no``, ``on``/``off``, ``1``/``0``,
  in any case;
* ``max_age`` is whole seconds and ``preflight_status`` a number;
* ``resource.<pattern>.<option>`` overrides ``<option>`` for one pattern listed
  in ``resources`` (a ``regex:`` pattern is named without its prefix, because
  ini keys cannot contain ``:`` or ``=``).

Every mistake is collected into one :class:`~wsgi_cors.ConfigError` whose
lines start with the ini key, unknown keys with a "did you mean" suggestion.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Set, Tuple, Union

from .core.config import OPTION_NAMES, OPTION_TYPES, CORSConfig
from .core.problems import ConfigError, OptionPath, Problem
from .core.validate import compile_regex
from .wsgi import CORSMiddleware

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["REGEX_PREFIX", "RESOURCE_PREFIX", "filter_factory", "load_config", "parse_options"]

#: Marks a list entry as a regular expression: ``regex:https://[a-z]+\.example\.com``.
REGEX_PREFIX = "regex:"
#: Starts a per-resource key: ``resource./public/*.origins = *``.
RESOURCE_PREFIX = "resource."

Entry = Union[str, "re.Pattern[str]"]

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
#: A whole number as an ini value; more digits than any valid setting are not read.
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")
_SEPARATOR = re.compile(r"[\s,]+")
_QUOTES = ("'", '"')


class _Invalid:
    """Marks a value that could not be parsed (its problem is already recorded)."""


_INVALID = _Invalid()


def filter_factory(
    global_conf: Mapping[str, Any], **local_conf: Any
) -> Callable[[WSGIApplication], CORSMiddleware]:
    """The ``paste.filter_factory``: parse the ``[filter:...]`` section, return ``filter(app)``.

    The options are parsed and validated here, when the ini file is loaded, so
    a mistake stops the server at start-up with one :class:`~wsgi_cors.ConfigError`.
    ``global_conf`` (the ``[DEFAULT]`` section) is not read. The keys are the
    options of :class:`~wsgi_cors.CORSMiddleware`; the value syntax is in the
    module documentation and ``docs/getting-started.md``. From Python::

        wrap = filter_factory({}, origins="https://app.example.com", max_age="600")
        application = wrap(application)
    """
    config = load_config(local_conf)

    def cors_filter(app: WSGIApplication) -> CORSMiddleware:
        return CORSMiddleware(app, config=config)

    return cors_filter


def load_config(conf: Mapping[str, Any], *, key_prefix: str = "") -> CORSConfig:
    """Parse ini strings and validate them into a :class:`~wsgi_cors.CORSConfig`.

    ``conf`` maps ini keys to values. A value that is not a string (settings
    passed from Python) is used as it is. ``key_prefix`` is prepended to the
    keys in messages (``"cors."`` for Pyramid settings). Raises one
    :class:`~wsgi_cors.ConfigError` listing every problem, each naming the ini
    key: first what could not be parsed, then what the parsed values break.
    """
    options, problems, failed = _parse(conf, key_prefix)
    try:
        config = CORSConfig.from_mapping(options)
    except ConfigError as error:
        problems += [problem for problem in error.problems if _ini_key(problem.path) not in failed]
    else:
        if not problems:
            return config
    raise ConfigError(
        problems,
        describe_path=lambda path: key_prefix + _ini_key(path),
        word_hint=lambda problem: _ini_hint(problem, key_prefix),
    )


def parse_options(conf: Mapping[str, Any], *, key_prefix: str = "") -> Dict[str, Any]:
    """Turn ini strings into ``CORSMiddleware`` keyword arguments, and validate them.

    The same parsing and errors as :func:`load_config`; returns the parsed
    options (as written, not normalised) instead of the config.
    """
    load_config(conf, key_prefix=key_prefix)
    return _parse(conf, key_prefix)[0]


def _parse(
    conf: Mapping[str, Any], key_prefix: str
) -> Tuple[Dict[str, Any], List[Problem], Set[str]]:
    """The parsed options, the parsing problems, and the ini keys that failed to parse.

    Hints that quote an ini line show it with ``key_prefix``.
    """
    problems: List[Problem] = []
    failed: Set[str] = set()
    options: Dict[str, Any] = {}
    overrides: Dict[str, Dict[str, Tuple[str, Any]]] = {}
    for key, raw in conf.items():
        if key.startswith(RESOURCE_PREFIX):
            _parse_override(key, raw, overrides, problems, failed, key_prefix)
        elif key in _PARSERS:
            value = _parse_value(key, raw, (key,), problems)
            if value is _INVALID:
                failed.add(key)
            else:
                options[key] = value
        else:
            failed.add(key)
            problems.append(_unknown_key(key, key_prefix))
    if "origins" not in conf:
        failed.add("origins")
        problems.append(
            Problem(
                ("origins",),
                "value-missing",
                "is missing",
                f"list the origins that may read responses ({key_prefix}origins = "
                f"https://app.example.com), or write {key_prefix}origins = * for any origin",
            )
        )
    resources = options.get("resources")
    if isinstance(resources, list):
        options["resources"] = _build_resources(resources, overrides, problems, failed)
    elif overrides and "resources" not in failed:
        for pattern, by_option in overrides.items():
            for key, _ in by_option.values():
                problems.append(
                    Problem(
                        (key,),
                        "resource-key-invalid",
                        "overrides a resource, but resources is not set in the ini file",
                        f"list its pattern, as in resources = {pattern}",
                    )
                )
    return options, problems, failed


def _ini_key(path: OptionPath) -> str:
    """The ini key of a problem's path: ``origins``, ``resource./api/*.origins``."""
    if not path:
        return "options"
    first = path[0]
    if first == "resources" and len(path) >= 2:
        pattern = path[1]
        name = pattern.pattern if isinstance(pattern, re.Pattern) else str(pattern)
        if len(path) == 2:
            return f"resources: entry {name!r}"
        return f"{RESOURCE_PREFIX}{name}.{path[2]}"
    return str(first)


_INI_HINTS: Mapping[str, str] = {
    "credentials-with-any-origin": "list the trusted origins "
    "({prefix}origins = https://app.example.com)",
    "null-with-credentials": "remove null, or set {prefix}allow_null_with_credentials = true "
    "if you accept that",
    "max-age-invalid": "use 0 to disable preflight caching, or delete the line to send no "
    "Access-Control-Max-Age",
}


def _ini_hint(problem: Problem, key_prefix: str) -> Optional[str]:
    """A fix in ini terms, where the core's is Python."""
    if (
        problem.code in ("origin-looks-like-regex", "path-pattern-looks-like-regex")
        and problem.suggestion is not None
    ):
        return (
            f"use {REGEX_PREFIX}{problem.suggestion} to match it as a pattern (it will be "
            "full-matched)"
        )
    hint = _INI_HINTS.get(problem.code)
    return None if hint is None else hint.format(prefix=key_prefix)


def _parse_value(option: str, raw: Any, path: OptionPath, problems: List[Problem]) -> Any:
    """Parse one option's value; non-strings pass through for the core to validate."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if not text:
        problems.append(
            Problem(path, "value-missing", "is empty", _EMPTY_HINTS.get(option, _EMPTY_HINT))
        )
        return _INVALID
    return _PARSERS[option](text, path, problems)


def _parse_override(
    key: str,
    raw: Any,
    overrides: Dict[str, Dict[str, Tuple[str, Any]]],
    problems: List[Problem],
    failed: Set[str],
    key_prefix: str,
) -> None:
    """Parse ``resource.<pattern>.<option>`` into ``overrides[pattern][option]``."""
    pattern, dot, option = key[len(RESOURCE_PREFIX) :].rpartition(".")
    if not dot or not pattern:
        failed.add(key)
        problems.append(
            Problem(
                (key,),
                "resource-key-invalid",
                "a per-resource key is resource.<pattern>.<option>",
                "as in resource./public/*.origins = * (ini keys cannot contain ':' or '=', so "
                "name a regex: pattern without its prefix)",
            )
        )
        return
    if option not in _PARSERS or option == "resources":
        failed.add(key)
        if option == "resources":
            problems.append(
                Problem(
                    (key,),
                    "resources-nested",
                    "resources cannot be nested",
                    "list every pattern in the top-level resources",
                )
            )
        else:
            problems.append(
                _unknown_key(option, f"{key_prefix}{RESOURCE_PREFIX}{pattern}.", shown=key)
            )
        return
    value = _parse_value(option, raw, (key,), problems)
    if value is _INVALID:
        failed.add(key)
        return
    overrides.setdefault(pattern, {})[option] = (key, value)


def _build_resources(
    entries: List[Entry],
    overrides: Dict[str, Dict[str, Tuple[str, Any]]],
    problems: List[Problem],
    failed: Set[str],
) -> Dict[Entry, Dict[str, Any]]:
    """Turn the ``resources`` list and the ``resource.*`` keys into the core's mapping."""
    resources: Dict[Entry, Dict[str, Any]] = {}
    by_name: Dict[str, Entry] = {}
    ambiguous: Set[str] = set()
    for entry in entries:
        name = entry if isinstance(entry, str) else entry.pattern
        if entry in resources:
            shown = name if isinstance(entry, str) else REGEX_PREFIX + name
            problems.append(
                Problem(
                    ("resources",), "value-unparsable", f"{shown!r} is listed twice", "list it once"
                )
            )
            continue
        if name in by_name:
            ambiguous.add(name)
        by_name[name] = entry
        resources[entry] = {}
    for name, options in overrides.items():
        entry_or_none = by_name.get(name)
        for option, (key, value) in options.items():
            if name in ambiguous:
                failed.add(key)
                problems.append(
                    Problem(
                        (key,),
                        "resource-key-invalid",
                        f"{name!r} is listed in resources both as a path and as regex:{name}",
                        "a key cannot tell which one it overrides, so remove one",
                    )
                )
            elif entry_or_none is None:
                failed.add(key)
                close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6)
                problems.append(
                    Problem(
                        (key,),
                        "resource-key-invalid",
                        f"{name!r} is not listed in resources",
                        f"did you mean {close[0]!r}?" if close else "add it to resources",
                    )
                )
            else:
                resources[entry_or_none][option] = value
    return resources


def _parse_list(text: str, path: OptionPath, problems: List[Problem], *, patterns: bool) -> Any:
    """Split a white-space or comma separated list; compile ``regex:`` entries."""
    entries: List[Entry] = []
    position = 0
    if text[0] in _QUOTES or (text[0] == "[" and text[-1] == "]"):
        problems.append(
            Problem(
                path,
                "value-unparsable",
                f"{text!r} looks quoted or like a Python list",
                "an ini value is plain text, entries separated by white space or commas",
            )
        )
        return _INVALID
    if text[0] == "," or text[-1] == ",":
        problems.append(
            Problem(path, "value-unparsable", f"{text!r} starts or ends with a comma", "remove it")
        )
        return _INVALID
    while position < len(text):
        separator = _SEPARATOR.match(text, position)
        if separator:
            if separator.group().count(",") > 1:
                problems.append(
                    Problem(
                        path,
                        "value-unparsable",
                        f"{text!r} has an empty entry between two commas",
                        "separate entries with one comma or white space",
                    )
                )
                return _INVALID
            position = separator.end()
            continue
        if text.startswith(REGEX_PREFIX, position):
            stop = _next_space(text, position)
            item = text[position:stop]
            if item.endswith(",") and stop < len(text):
                item = item[:-1]
        else:
            following = _SEPARATOR.search(text, position)
            stop = following.start() if following else len(text)
            item = text[position:stop]
        position = stop
        entry = _parse_entry(item, path, problems, patterns=patterns)
        if entry is not None:
            entries.append(entry)
    # With a bad entry the problem is recorded; the good ones still go to the core, so its
    # problems with them are reported in the same error.
    return entries or _INVALID


def _next_space(text: str, start: int) -> int:
    for index in range(start, len(text)):
        if text[index].isspace():
            return index
    return len(text)


def _parse_entry(
    item: str, path: OptionPath, problems: List[Problem], *, patterns: bool
) -> Optional[Entry]:
    if not item.startswith(REGEX_PREFIX):
        return item
    if not patterns:
        problems.append(
            Problem(
                path,
                "value-unparsable",
                f"{item!r}: regex: entries are allowed only in origins, allow_headers and "
                "resources",
            )
        )
        return None
    source = item[len(REGEX_PREFIX) :]
    if not source:
        problems.append(
            Problem(
                path, "value-unparsable", "an empty regex: entry", "write the pattern after regex:"
            )
        )
        return None
    return compile_regex(source, path, problems, shown=item)


def _parse_names(text: str, path: OptionPath, problems: List[Problem]) -> Any:
    entries = _parse_list(text, path, problems, patterns=False)
    return "*" if entries == ["*"] else entries


def _parse_names_or_patterns(text: str, path: OptionPath, problems: List[Problem]) -> Any:
    entries = _parse_list(text, path, problems, patterns=True)
    return "*" if entries == ["*"] else entries


def _parse_resources(text: str, path: OptionPath, problems: List[Problem]) -> Any:
    return _parse_list(text, path, problems, patterns=True)


def _parse_bool(text: str, path: OptionPath, problems: List[Problem]) -> Any:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    problems.append(
        Problem(path, "not-a-boolean", f"{text!r} is not a boolean", "use true or false")
    )
    return _INVALID


def _parse_seconds(text: str, path: OptionPath, problems: List[Problem]) -> Any:
    if _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    problems.append(
        Problem(
            path,
            "value-unparsable",
            f"{text!r} is not a whole number of seconds",
            "write the seconds, as in max_age = 600",
        )
    )
    return _INVALID


def _parse_status(text: str, path: OptionPath, problems: List[Problem]) -> Any:
    if _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    problems.append(
        Problem(path, "value-unparsable", f"{text!r} is not a status code", "use 204 or 200")
    )
    return _INVALID


Parser = Callable[[str, OptionPath, List[Problem]], Any]

#: The ini parser of each option type of CORSConfig (a new type without one fails at import).
_PARSER_BY_TYPE: Mapping[str, Parser] = {
    "OriginsOption": _parse_names_or_patterns,
    "MethodsOption": _parse_names,
    "AllowHeadersOption": _parse_names_or_patterns,
    "ExposeHeadersOption": _parse_names,
    "MaxAgeOption": _parse_seconds,
    "ResourcesOption": _parse_resources,
    "int": _parse_status,
    "bool": _parse_bool,
}
_PARSERS: Mapping[str, Parser] = {
    name: _PARSER_BY_TYPE[OPTION_TYPES[name]] for name in OPTION_NAMES
}

_EMPTY_HINT = "give a value, or delete the line to use the default"
_EMPTY_HINTS = {
    "origins": "list the origins that may read responses, or write * for any origin",
    "expose_headers": "list the response headers to expose, or delete the line to expose none",
    "max_age": "give whole seconds, or delete the line to send no Access-Control-Max-Age",
    "resources": "list path patterns, as in resources = /api/*, or delete the line to cover "
    "every path",
}


def _unknown_key(key: str, prefix: str, *, shown: Optional[str] = None) -> Problem:
    """An unknown key; ``prefix`` goes before the suggested key, ``shown`` is the key as written."""
    path: OptionPath = (shown or key,)
    if key.startswith("resources."):
        fixed = prefix + RESOURCE_PREFIX + key[len("resources.") :]
        return Problem(
            path,
            "unknown-option",
            "unknown key",
            f"did you mean {fixed!r}? (per-resource keys start with 'resource.')",
            suggestion=fixed,
        )
    close = difflib.get_close_matches(key, list(_PARSERS), n=1, cutoff=0.6)
    if close:
        return Problem(
            path,
            "unknown-option",
            "unknown key",
            f"did you mean {prefix + close[0]!r}?",
            suggestion=prefix + close[0],
        )
    return Problem(
        path, "unknown-option", "unknown key", "known keys are " + ", ".join(sorted(_PARSERS))
    )
