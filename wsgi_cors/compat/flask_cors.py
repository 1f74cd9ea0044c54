"""Flask-CORS's options, defaults and ``CORS_*`` config keys, translated onto ``CORSConfig``.

Flask-CORS treats a string as a regular expression when it contains one of
``* \\ ] ? $ ^ [ ( )``. This module keeps that convention but compiles such
strings once and makes origins match whole strings, and turns Flask-CORS's
``resources`` (dict, list, string or pattern, with its 6.0.1 ordering) into
the core's ordered resource mapping. Problems are reported in the words the
user wrote: ``max_age`` for a keyword argument, ``app.config['CORS_MAX_AGE']``
for a config key, ``resources['/api/*']['origins']`` for a resource.

Two Flask-CORS options mean something else in the core, and are validated
(they must be True or False) and then translated:

* ``intercept_exceptions`` (Flask-CORS: add CORS headers to the 500 responses
  of unhandled exceptions). Every response Flask sends carries the headers
  here, so ``True`` is what happens anyway; ``False`` cannot be honoured and
  logs a warning. The core's own ``intercept_exceptions`` stays off: Flask
  turns exceptions into responses itself.
* ``automatic_options``: the ``CORS`` extension ignores it, as Flask-CORS does
  (preflights are always answered); ``cross_origin`` honours it.
"""

from __future__ import annotations

import logging
import re
import weakref
from dataclasses import replace
from typing import AbstractSet, Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple

from ..core.config import DEFAULTS, OPTION_NAMES, CORSConfig, unknown_option_problems
from ..core.origins import canonicalize_origin
from ..core.problems import ConfigError, OptionPath, Problem, keyword_path
from ..core.validate import check_bool, compile_regex
from . import reflected_name

logger = logging.getLogger("wsgi_cors.flask")

#: Flask-CORS 6.x defaults: the core's, with Flask-CORS's own where they differ, and
#: ``preflight_status`` 200, like Flask's automatic ``OPTIONS`` response.
FLASK_DEFAULTS: Mapping[str, Any] = {
    **DEFAULTS,
    "send_wildcard": False,
    "intercept_exceptions": True,
    "resources": r"/*",
    "preflight_status": 200,
    "lenient_preflights": True,
}

#: The prefix of Flask-CORS's config keys: ``CORS_ORIGINS`` sets ``origins``.
CONFIG_PREFIX = "CORS_"

#: Options whose Flask-CORS meaning the adapter translates instead of passing on.
_TRANSLATED_FLAGS = ("intercept_exceptions", "automatic_options")

_REGEX_HINTS = frozenset("*\\]?$^[()")


def probably_regex(value: str) -> bool:
    """Flask-CORS's test for "this string is a regular expression"."""
    return not _REGEX_HINTS.isdisjoint(value)


def config_key(option: str) -> str:
    """The ``app.config`` key of an option: ``max_age`` -> ``CORS_MAX_AGE``."""
    return CONFIG_PREFIX + option.upper()


def config_options(config: Mapping[str, Any]) -> Dict[str, Any]:
    """The options set through ``CORS_*`` keys of a Flask config; ``None`` values are skipped.

    A ``CORS_*`` key that names no option is logged as a warning and ignored,
    as Flask-CORS ignores it.
    """
    options: Dict[str, Any] = {}
    warned = _warned_config_keys(config)
    for key, value in config.items():
        if not key.startswith(CONFIG_PREFIX) or value is None:
            continue
        name = key[len(CONFIG_PREFIX) :].lower()
        if name in FLASK_DEFAULTS:
            options[name] = value
        elif key not in warned:
            warned.add(key)
            logger.warning(
                "app.config[%r] is not a wsgi_cors option and is ignored; known keys are %s",
                key,
                ", ".join(config_key(n) for n in FLASK_DEFAULTS),
            )
    return options


#: The unknown ``CORS_*`` keys already warned about, per config (by id, with a weak
#: reference to tell a reused id): the extension and the decorator both read one config.
_WARNED: Dict[int, Tuple[weakref.ref[Any], Set[str]]] = {}


def _warned_config_keys(config: Mapping[str, Any]) -> Set[str]:
    entry = _WARNED.get(id(config))
    if entry is not None and entry[0]() is config:
        return entry[1]
    try:
        reference = weakref.ref(config, lambda _: _WARNED.pop(key, None))
    except TypeError:  # a plain dict: not remembered
        return set()
    key = id(config)
    keys: Set[str] = set()
    _WARNED[key] = (reference, keys)
    return keys


#: A ``CORS(...)`` call with its keywords left as ``{}``, for hints that show the fixed call.
EXTENSION_CALL = "CORS(app, {})"
DECORATOR_CALL = "@cross_origin({})"

_EXAMPLE_ORIGINS = ["https://app.example.com"]


class FlaskConfig(NamedTuple):
    """A Flask-CORS configuration translated and validated."""

    config: CORSConfig
    #: The user's ``intercept_exceptions`` (validated).
    intercept_exceptions: bool
    #: The user's ``automatic_options`` (validated).
    automatic_options: bool


def build_config(
    options: Mapping[str, Any],
    *,
    from_app_config: AbstractSet[str] = frozenset(),
    with_resources: bool = True,
    keywords: Optional[Mapping[str, Any]] = None,
    call: str = EXTENSION_CALL,
) -> FlaskConfig:
    """Translate resolved Flask-CORS ``options`` and validate them through the core.

    ``from_app_config`` names the options whose value came from ``app.config``
    (so problems name the ``CORS_*`` key); ``keywords`` are the keyword
    arguments the user passed to ``call`` (``"CORS(app, {})"``), so a hint can
    show the fixed line as they would write it. Raises one
    :class:`~wsgi_cors.ConfigError` in the user's words.
    """
    problems = unknown_option_problems(options, OPTION_NAMES)
    core: Dict[str, Any] = {name: value for name, value in options.items() if name in DEFAULTS}
    patterns: Dict[object, object] = {}
    flags = {name: _flag(core.pop(name, True), (name,), problems) for name in _TRANSLATED_FLAGS}
    _translate_policy_options(core, (), problems)
    if with_resources:
        core["resources"] = _translate_resources(core.get("resources"), patterns, problems)
    else:
        core["resources"] = None
    config: Optional[CORSConfig] = None
    try:
        config = CORSConfig.from_mapping(core)
    except ConfigError as error:
        problems += error.problems
    if problems or config is None:
        given = dict(keywords or {})
        raise ConfigError(
            [_blame_credentials(problem, given, from_app_config) for problem in problems],
            describe_path=lambda path: _flask_path(path, patterns, from_app_config),
            word_hint=lambda problem: _flask_hint(problem, given, from_app_config, call),
        )
    if not flags["intercept_exceptions"]:
        logger.warning(
            "intercept_exceptions=False is not honoured: wsgi_cors adds CORS headers to every "
            "response Flask sends, 500 responses included"
        )
    return FlaskConfig(config, flags["intercept_exceptions"], flags["automatic_options"])


def combine_configs(configs: Sequence[CORSConfig]) -> CORSConfig:
    """One configuration holding the resources of several ``CORS(app)`` calls on one app.

    Each resource keeps its own call's complete options. The core orders the
    patterns most specific first (exact paths, patterns, longer prefixes, the
    catch-all); for the same pattern, the later call wins, as Flask-CORS runs
    the later call's hook first.
    """
    if len(configs) == 1:
        return configs[0]
    resources: Dict[Any, Dict[str, object]] = {}
    for config in reversed(configs):
        for pattern, resource in config.resource_configs:
            if pattern not in resources:
                options = resource.options()
                del options["resources"]
                resources[pattern] = options
    return CORSConfig.from_mapping({"resources": resources})


def _blame_credentials(
    problem: Problem, given: Mapping[str, Any], from_app_config: AbstractSet[str]
) -> Problem:
    """Credentials with the default ``"*"``: the problem is the option the user wrote."""
    if (
        problem.code == "credentials-with-any-origin"
        and problem.path == ("origins",)
        and "origins" not in given
        and "origins" not in from_app_config
    ):
        return replace(problem, path=("supports_credentials",))
    return problem


def _flask_hint(
    problem: Problem, given: Mapping[str, Any], from_app_config: AbstractSet[str], call: str
) -> Optional[str]:
    """A hint worded as the user's own code: the fixed call, or the ``CORS_*`` line to add."""
    if problem.code != "credentials-with-any-origin" or problem.path[:1] == ("resources",):
        return None
    credentials_from_config = "supports_credentials" in from_app_config
    if credentials_from_config and "origins" not in given:
        line = f"{config_key('origins')} = {_EXAMPLE_ORIGINS!r}".replace("'", '"')
        where = "in app.config"
    else:
        arguments = {name: value for name, value in given.items() if name != "origins"}
        written = ", ".join(f"{name}={value!r}" for name, value in arguments.items())
        origins = f"origins={_EXAMPLE_ORIGINS!r}".replace("'", '"')
        line = call.format(", ".join(filter(None, [written, origins])))
        where = "in your code"
    return (
        f"list the origins that may send credentials: {line} ({where}), or pass a predicate "
        "(origins=lambda origin: ...) if you really mean to decide for any origin"
    )


def _flag(value: Any, path: OptionPath, problems: List[Problem]) -> bool:
    flag, found = check_bool(value)
    problems += (problem.at(*path) for problem in found)
    return bool(flag)


def _flask_path(
    path: OptionPath, patterns: Mapping[object, object], from_app_config: AbstractSet[str]
) -> str:
    """A problem's path in the words the user wrote: a keyword, a config key, a resource."""
    if len(path) >= 2 and path[0] == "resources":
        original = patterns.get(path[1], path[1])
        step = original if isinstance(original, (str, int, re.Pattern)) else repr(original)
        return keyword_path(("resources", step, *path[2:]))
    if path and path[0] in from_app_config:
        rest = keyword_path(path)[len(str(path[0])) :]
        return f"app.config[{config_key(str(path[0]))!r}]{rest}"
    return keyword_path(path)


def _translate_policy_options(
    options: Dict[str, Any], prefix: OptionPath, problems: List[Problem]
) -> None:
    """Translate one set of Flask-CORS options (without ``resources``) in place."""
    if "origins" in options:
        options["origins"] = _translate_origins(options["origins"], (*prefix, "origins"), problems)
    if "allow_headers" in options:
        options["allow_headers"] = _translate_allow_headers(
            options["allow_headers"], (*prefix, "allow_headers"), problems
        )
    if isinstance(options.get("max_age"), str) and options["max_age"].strip().isdigit():
        options["max_age"] = int(options["max_age"])
    expose = options.get("expose_headers")
    if isinstance(expose, (list, tuple, set, frozenset)) and all(
        isinstance(name, str) for name in expose
    ):
        # Flask-CORS lists the exposed names sorted, whatever order they were given in.
        options["expose_headers"] = sorted(expose)


def _translate_resources(
    resources: Any, patterns: Dict[object, object], problems: List[Problem]
) -> Optional[Dict[Any, Dict[str, Any]]]:
    """Translate Flask-CORS ``resources`` to the core's ordered ``{pattern: overrides}``.

    Literal paths stay exact paths. Every other pattern becomes a compiled
    regular expression matched from the start of the path, as Flask-CORS's
    ``re.match`` does, except that ``"/api/*"`` covers ``/api`` and what is
    below it but no longer ``/apiary``. The dict form is ordered as Flask-CORS
    6.0.1 orders it (literals, compiled patterns, string patterns; more ``/``
    first, then longer first); the list form keeps its order. ``patterns``
    records which pattern the user wrote for each translated key.
    """
    items: List[Tuple[Any, Any]]
    if isinstance(resources, Mapping):
        items = sorted(resources.items(), key=_flask_cors_order)
    elif isinstance(resources, (str, re.Pattern)):
        items = [(resources, {})]
    elif isinstance(resources, (list, tuple)):
        items = [(pattern, {}) for pattern in resources]
    else:
        problems.append(
            Problem(
                ("resources",),
                "resources-invalid",
                f"unexpected value {resources!r}",
                "use a dict {pattern: options}, a list of patterns, a string or a compiled pattern",
            )
        )
        return None
    translated: Dict[Any, Dict[str, Any]] = {}
    for pattern, overrides in items:
        where: OptionPath = ("resources", pattern)
        key = _translate_path_pattern(pattern, where, problems)
        if key is None:
            continue
        patterns[key] = pattern
        if not isinstance(overrides, Mapping):
            problems.append(Problem(where, "resources-invalid", "expected a dict of options"))
            continue
        core = dict(overrides)
        for name in _TRANSLATED_FLAGS:
            if name in core:
                _flag(core.pop(name), (*where, name), problems)
        _translate_policy_options(core, where, problems)
        translated[key] = core
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


def _translate_path_pattern(pattern: Any, where: OptionPath, problems: List[Problem]) -> Any:
    if isinstance(pattern, re.Pattern):
        return re.compile(f"(?:{pattern.pattern}).*", pattern.flags | re.DOTALL)
    if not isinstance(pattern, str):
        problems.append(
            Problem(where, "wrong-type", "a path pattern must be a string or a compiled re.Pattern")
        )
        return None
    if pattern in ("*", "/*", "/.*", ".*"):
        return "/*"
    if not probably_regex(pattern):
        return pattern
    glob = _PREFIX_GLOB.fullmatch(pattern)
    if glob is not None and glob.group(1) != "/":
        return re.compile(re.escape(glob.group(1)) + r"(?:/.*)?", re.DOTALL)
    return compile_regex(f"(?:{pattern}).*", where, problems, re.DOTALL, shown=pattern)


def _entries(value: Any) -> Optional[List[Any]]:
    if isinstance(value, (str, re.Pattern)) or callable(value):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return None


def _translate_origins(value: Any, path: OptionPath, problems: List[Problem]) -> Any:
    entries = _entries(value)
    if entries is None:
        return value
    listed = not isinstance(value, (str, re.Pattern)) and not callable(value)
    translated: List[Any] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str) and entry in ("*", ".*"):
            translated.append("*")
        elif isinstance(entry, str) and probably_regex(entry):
            if canonicalize_origin(entry)[1] is None:
                translated.append(entry)
                continue
            at = (*path, index) if listed else path
            pattern = compile_regex(entry, at, problems, re.IGNORECASE)
            if pattern is not None:
                translated.append(pattern)
        else:
            translated.append(entry)
    return "*" if translated == ["*"] else translated


def _translate_allow_headers(value: Any, path: OptionPath, problems: List[Problem]) -> Any:
    entries = _entries(value)
    if entries is None or "*" in entries or ".*" in entries:
        return "*" if entries is not None else value
    listed = not isinstance(value, (str, re.Pattern))
    translated: List[Any] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, re.Pattern):
            translated.append(re.compile(entry.pattern, entry.flags | re.IGNORECASE))
        elif isinstance(entry, str) and probably_regex(entry):
            at = (*path, index) if listed else path
            pattern = compile_regex(entry, at, problems, re.IGNORECASE)
            if pattern is not None:
                translated.append(pattern)
        else:
            translated.append(reflected_name(entry))
    return translated
