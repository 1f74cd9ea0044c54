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

Every key is a ``CORSMiddleware`` option of the same name, and ``origins`` is
required (write ``origins = *`` to allow any origin). Values are strings:

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

Every mistake is collected into one :class:`~wsgi_cors.ConfigError` whose lines
start with the ini key, unknown keys with a "did you mean" suggestion.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Set, Tuple, Union

from .errors import ConfigError, Problems
from .middleware import CORSMiddleware
from .options import BOOLEAN_OPTIONS, DEFAULTS

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["REGEX_PREFIX", "RESOURCE_PREFIX", "filter_factory", "parse_options"]

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
    ``global_conf`` (the ``[DEFAULT]`` section) is not read.
    """
    options = parse_options(local_conf)

    def cors_filter(app: WSGIApplication) -> CORSMiddleware:
        return CORSMiddleware(app, **options)

    return cors_filter


def parse_options(conf: Mapping[str, Any], *, key_prefix: str = "") -> Dict[str, Any]:
    """Turn ini strings into ``CORSMiddleware`` keyword arguments, and validate them.

    ``conf`` maps ini keys to values. A value that is not a string (settings
    passed from Python) is used as it is. ``key_prefix`` is prepended to the
    keys in messages (``"cors."`` for Pyramid settings). Raises one
    :class:`~wsgi_cors.ConfigError` listing every problem: the ini parsing
    problems, then the ones the core finds in the parsed options, each naming
    the ini key.
    """
    problems = Problems()
    failed: Set[str] = set()
    options: Dict[str, Any] = {}
    overrides: Dict[str, Dict[str, Tuple[str, Any]]] = {}

    def label(key: str) -> str:
        return key_prefix + key

    for key, raw in conf.items():
        if key.startswith(RESOURCE_PREFIX):
            _parse_override(key, raw, overrides, problems, failed, label)
        elif key in _PARSERS:
            value = _parse_value(key, raw, label(key), problems)
            if value is _INVALID:
                failed.add(label(key))
            else:
                options[key] = value
        else:
            failed.add(label(key))
            problems.add(label(key), _unknown_key_hint(key, key_prefix))
    if "origins" not in conf:
        failed.add(label("origins"))
        problems.add(
            label("origins"),
            "is missing; list the origins that may read responses "
            f"({label('origins')} = https://app.example.com), or write "
            f"{label('origins')} = * for any origin",
        )

    resources = options.get("resources")
    core_labels: Dict[str, str] = {name: label(name) for name in DEFAULTS}
    if isinstance(resources, list):
        options["resources"] = _build_resources(
            resources, overrides, problems, failed, label, core_labels
        )
    elif overrides and label("resources") not in failed:
        for pattern, by_option in overrides.items():
            for key, _ in by_option.values():
                problems.add(
                    label(key),
                    "overrides a resource, but resources is not set in the ini file; list its "
                    f"pattern, as in resources = {pattern}",
                )

    messages = _messages(problems)
    try:
        CORSMiddleware(_never_called, **options)
    except ConfigError as error:
        for message in error.problems:
            translated = _translate(message, core_labels)
            if translated.partition(": ")[0] not in failed:
                messages.append(translated)
    if messages:
        raise ConfigError(messages)
    return options


def _parse_value(option: str, raw: Any, label: str, problems: Problems) -> Any:
    """Parse one option's value; non-strings pass through for the core to validate."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if not text:
        problems.add(label, f"is empty; {_EMPTY_HINTS.get(option, _DEFAULT_EMPTY_HINT)}")
        return _INVALID
    return _PARSERS[option](text, label, problems)


def _parse_override(
    key: str,
    raw: Any,
    overrides: Dict[str, Dict[str, Tuple[str, Any]]],
    problems: Problems,
    failed: Set[str],
    label: Callable[[str], str],
) -> None:
    """Parse ``resource.<pattern>.<option>`` into ``overrides[pattern][option]``."""
    pattern, dot, option = key[len(RESOURCE_PREFIX) :].rpartition(".")
    if not dot or not pattern:
        failed.add(label(key))
        problems.add(
            label(key),
            "a per-resource key is resource.<pattern>.<option>, as in "
            "resource./public/*.origins = * (ini keys cannot contain ':' or '=', so name a "
            "regex: pattern without its prefix)",
        )
        return
    if option not in _PARSERS or option == "resources":
        failed.add(label(key))
        if option == "resources":
            hint = "resources cannot be nested; list every pattern in the top-level resources"
        else:
            hint = _unknown_key_hint(option, label(f"{RESOURCE_PREFIX}{pattern}."))
        problems.add(label(key), hint)
        return
    value = _parse_value(option, raw, label(key), problems)
    if value is _INVALID:
        failed.add(label(key))
        return
    overrides.setdefault(pattern, {})[option] = (key, value)


def _build_resources(
    entries: List[Entry],
    overrides: Dict[str, Dict[str, Tuple[str, Any]]],
    problems: Problems,
    failed: Set[str],
    label: Callable[[str], str],
    core_labels: Dict[str, str],
) -> Dict[Entry, Dict[str, Any]]:
    """Turn the ``resources`` list and the ``resource.*`` keys into the core's mapping.

    Records in ``core_labels`` how the core names each resource (and each
    override), so its messages can be given the ini key instead.
    """
    resources: Dict[Entry, Dict[str, Any]] = {}
    by_name: Dict[str, Entry] = {}
    ambiguous: Set[str] = set()
    for entry in entries:
        name = entry if isinstance(entry, str) else entry.pattern
        if entry in resources:
            shown = name if isinstance(entry, str) else REGEX_PREFIX + name
            problems.add(label("resources"), f"{shown!r} is listed twice; list it once")
            continue
        if name in by_name:
            ambiguous.add(name)
        by_name[name] = entry
        resources[entry] = {}
        core_labels[f"resources[{entry!r}]"] = f"{label('resources')}: entry {name!r}"
    for name, options in overrides.items():
        entry_or_none = by_name.get(name)
        for option, (key, value) in options.items():
            if name in ambiguous:
                failed.add(label(key))
                problems.add(
                    label(key),
                    f"{name!r} is listed in resources both as a path and as regex:{name}; "
                    "a key cannot tell which one it overrides, so remove one",
                )
            elif entry_or_none is None:
                failed.add(label(key))
                close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}?" if close else "add it to resources"
                problems.add(label(key), f"{name!r} is not listed in resources; {hint}")
            else:
                resources[entry_or_none][option] = value
                core_labels[f"resources[{entry_or_none!r}].{option}"] = label(key)
    # A problem in an option a resource inherits is reported under the top-level key.
    for entry in resources:
        for option in _PARSERS:
            core_labels.setdefault(f"resources[{entry!r}].{option}", label(option))
    return resources


def _parse_list(text: str, label: str, problems: Problems, *, patterns: bool) -> Any:
    """Split a white-space or comma separated list; compile ``regex:`` entries."""
    entries: List[Entry] = []
    position = 0
    if text[0] in _QUOTES or (text[0] == "[" and text[-1] == "]"):
        problems.add(
            label,
            f"{text!r} looks quoted or like a Python list; an ini value is plain text, "
            "entries separated by white space or commas",
        )
        return _INVALID
    if text[0] == "," or text[-1] == ",":
        problems.add(label, f"{text!r} starts or ends with a comma; remove it")
        return _INVALID
    while position < len(text):
        separator = _SEPARATOR.match(text, position)
        if separator:
            if separator.group().count(",") > 1:
                problems.add(
                    label,
                    f"{text!r} has an empty entry between two commas; separate entries with "
                    "one comma or white space",
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
        entry = _parse_entry(item, label, problems, patterns=patterns)
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


def _parse_entry(item: str, label: str, problems: Problems, *, patterns: bool) -> Optional[Entry]:
    if not item.startswith(REGEX_PREFIX):
        return item
    if not patterns:
        problems.add(
            label,
            f"{item!r}: regex: entries are allowed only in origins, allow_headers and resources",
        )
        return None
    source = item[len(REGEX_PREFIX) :]
    if not source:
        problems.add(label, "an empty regex: entry; write the pattern after 'regex:'")
        return None
    try:
        return re.compile(source)
    except (re.error, OverflowError, RecursionError) as error:
        shown = item if len(item) <= 200 else item[:200] + "..."
        problems.add(label, f"{shown!r} is not a valid regular expression: {error}")
        return None


def _parse_names(text: str, label: str, problems: Problems, *, patterns: bool = False) -> Any:
    entries = _parse_list(text, label, problems, patterns=patterns)
    if entries == ["*"]:
        return "*"
    return entries


def _parse_origins(text: str, label: str, problems: Problems) -> Any:
    return _parse_names(text, label, problems, patterns=True)


def _parse_allow_headers(text: str, label: str, problems: Problems) -> Any:
    return _parse_names(text, label, problems, patterns=True)


def _parse_resources(text: str, label: str, problems: Problems) -> Any:
    return _parse_list(text, label, problems, patterns=True)


def _parse_bool(text: str, label: str, problems: Problems) -> Any:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    problems.add(label, f"{text!r} is not a boolean; use true or false")
    return _INVALID


def _parse_max_age(text: str, label: str, problems: Problems) -> Any:
    if _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    problems.add(
        label,
        f"{text!r} is not a whole number of seconds; write the seconds, as in max_age = 600",
    )
    return _INVALID


def _parse_status(text: str, label: str, problems: Problems) -> Any:
    if _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    problems.add(label, f"{text!r} is not a status code; use 204 or 200")
    return _INVALID


_PARSERS: Mapping[str, Callable[[str, str, Problems], Any]] = {
    "origins": _parse_origins,
    "methods": _parse_names,
    "allow_headers": _parse_allow_headers,
    "expose_headers": _parse_names,
    "max_age": _parse_max_age,
    "resources": _parse_resources,
    "preflight_status": _parse_status,
    **{name: _parse_bool for name in BOOLEAN_OPTIONS},
}

_DEFAULT_EMPTY_HINT = "give a value, or delete the line to use the default"
_EMPTY_HINTS = {
    "origins": "list the origins that may read responses, or write * for any origin",
    "expose_headers": "list the response headers to expose, or delete the line to expose none",
    "max_age": "give whole seconds, or delete the line to send no Access-Control-Max-Age",
    "resources": "list path patterns, as in resources = /api/*, or delete the line to cover "
    "every path",
}


def _unknown_key_hint(key: str, prefix: str) -> str:
    """Say a key is unknown; ``prefix`` goes before the suggested key."""
    if key.startswith("resources."):
        fixed = prefix + RESOURCE_PREFIX + key[len("resources.") :]
        return f"unknown key; did you mean {fixed!r}? (per-resource keys start with 'resource.')"
    close = difflib.get_close_matches(key, list(_PARSERS), n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {prefix + close[0]!r}?"
    return "unknown key; known keys are " + ", ".join(sorted(_PARSERS))


_RE_COMPILE_HINT = re.compile(r"""re\.compile\(r(['"])(.*?)\1\)""")


def _translate(message: str, core_labels: Mapping[str, str]) -> str:
    """Rename the core's option label (``resources['/x'].origins``) to the ini key."""
    for core_label in sorted(core_labels, key=len, reverse=True):
        if message.startswith(core_label + ": "):
            message = core_labels[core_label] + message[len(core_label) :]
            break
    # The core's fix for a pattern is Python; in an ini file it is a regex: entry.
    return _RE_COMPILE_HINT.sub(lambda match: REGEX_PREFIX + match.group(2), message)


def _messages(problems: Problems) -> List[str]:
    try:
        problems.raise_if_any()
    except ConfigError as error:
        return error.problems
    return []


def _never_called(environ: WSGIEnvironment, start_response: StartResponse) -> List[bytes]:
    """The app of the throw-away middleware that validates the options."""
    raise AssertionError("only used to validate options")  # pragma: no cover
