"""Quart-CORS's options, defaults and ``QUART_CORS_*`` config keys, translated onto ``CORSConfig``.

No Quart import: this module only turns Quart-CORS's seven options into the
core's, validates them through :class:`~wsgi_cors.CORSConfig`, and reports
every problem in the words the user wrote (``max_age`` for a keyword,
``app.config['QUART_CORS_MAX_AGE']`` for a config key, ``allow_origin[1]``
for one entry of a list).

The option names map onto the core's like this:

==========================  =========================
Quart-CORS                  core
==========================  =========================
``allow_origin``            ``origins``
``allow_credentials``       ``supports_credentials``
``allow_methods``           ``methods``
``allow_headers``           ``allow_headers``
``expose_headers``          ``expose_headers``
``max_age``                 ``max_age``
``send_origin_wildcard``    ``send_wildcard``
==========================  =========================

Values are read as Quart-CORS documents them, with its traps closed:

* a keyword given a plain string means one entry (``allow_origin="https://a.example"``);
  a ``QUART_CORS_*`` config key given a plain string (other than ``"*"``) is an error,
  because Quart-CORS silently splits it into characters;
* ``"*"`` anywhere in ``allow_methods`` or ``allow_headers`` means "any", as in
  Quart-CORS; in ``allow_origin`` it must stand alone;
* empty names in ``expose_headers`` (Quart-CORS's default ``[""]``) are dropped;
* ``max_age`` takes a ``timedelta``, whole seconds as an ``int`` or ``float``, or a
  string of digits;
* ``None`` means "not given" (fall back to config, then the default); an explicit
  ``False`` is honoured.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import AbstractSet, Any, Dict, List, Mapping, Optional, Tuple

from ..core.config import CORSConfig
from ..core.problems import ConfigError, OptionPath, Problem, keyword_path
from . import reflected_name

logger = logging.getLogger("wsgi_cors.quart")

#: Quart-CORS 0.8's option names, in its order.
OPTION_NAMES: Tuple[str, ...] = (
    "allow_credentials",
    "allow_headers",
    "allow_methods",
    "allow_origin",
    "expose_headers",
    "max_age",
    "send_origin_wildcard",
)

#: Quart-CORS 0.8's defaults, by option name (``expose_headers`` ``[""]`` means none).
QUART_DEFAULTS: Mapping[str, Any] = {
    "allow_credentials": False,
    "allow_headers": ["*"],
    "allow_methods": ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"],
    "allow_origin": ["*"],
    "expose_headers": [""],
    "max_age": None,
    "send_origin_wildcard": True,
}

#: The prefix of Quart-CORS's config keys: ``QUART_CORS_MAX_AGE`` sets ``max_age``.
CONFIG_PREFIX = "QUART_CORS_"

#: Quart-CORS's name -> the core's name.
CORE_NAMES: Mapping[str, str] = {
    "allow_credentials": "supports_credentials",
    "allow_headers": "allow_headers",
    "allow_methods": "methods",
    "allow_origin": "origins",
    "expose_headers": "expose_headers",
    "max_age": "max_age",
    "send_origin_wildcard": "send_wildcard",
}
_QUART_NAMES = {core: quart for quart, core in CORE_NAMES.items()}
_LIST_OPTIONS = ("allow_origin", "allow_methods", "allow_headers", "expose_headers")
#: Options a Quart-CORS user cannot set, fixed to what Quart-CORS does: preflights
#: answered 200 like Quart's automatic OPTIONS response, with what is allowed when they ask
#: for more (not refused), exceptions left to Quart, and no Access-Control-Allow-Origin for a
#: request without Origin (even under "*").
_FIXED: Mapping[str, Any] = {
    "preflight_status": 200,
    "lenient_preflights": True,
    "intercept_exceptions": False,
    "always_send": False,
}


def config_key(option: str) -> str:
    """The ``app.config`` key of an option: ``max_age`` -> ``QUART_CORS_MAX_AGE``."""
    return CONFIG_PREFIX + option.upper()


#: Every ``QUART_CORS_*`` key, in option order.
CONFIG_KEYS: Tuple[str, ...] = tuple(config_key(name) for name in OPTION_NAMES)

#: Quart-CORS's ``DEFAULTS``: the defaults keyed by config key (``QUART_CORS_MAX_AGE``).
CONFIG_DEFAULTS: Mapping[str, Any] = {
    config_key(name): QUART_DEFAULTS[name] for name in OPTION_NAMES
}


def config_options(config: Mapping[str, Any]) -> Dict[str, Any]:
    """The options set through ``QUART_CORS_*`` keys of a Quart config (``None``: not set).

    A ``QUART_CORS_*`` key that names no option is logged as a warning and
    ignored, as Quart-CORS ignores it.
    """
    options: Dict[str, Any] = {}
    for key, value in config.items():
        if not isinstance(key, str) or not key.startswith(CONFIG_PREFIX) or value is None:
            continue
        name = key[len(CONFIG_PREFIX) :].lower()
        if name in QUART_DEFAULTS:
            options[name] = value
        else:
            logger.warning(
                "app.config[%r] is not a Quart-CORS option and is ignored; known keys are %s",
                key,
                ", ".join(CONFIG_KEYS),
            )
    return options


def config_snapshot(config: Mapping[str, Any]) -> Tuple[Any, ...]:
    """The values of the ``QUART_CORS_*`` keys (missing: None), to notice a change cheaply."""
    return tuple(config.get(key) for key in CONFIG_KEYS)


def given_options(**options: Any) -> Dict[str, Any]:
    """The keyword options actually given: ``None`` means "not given", as in Quart-CORS."""
    return {name: value for name, value in options.items() if value is not None}


def resolve(keywords: Mapping[str, Any], config: Mapping[str, Any]) -> CORSConfig:
    """The configuration of defaults < ``QUART_CORS_*`` config keys < ``keywords``.

    ``keywords`` holds only the options given (see :func:`given_options`).
    Raises one :class:`~wsgi_cors.ConfigError` naming each problem as written.
    """
    from_config = config_options(config)
    return build_config(
        {**QUART_DEFAULTS, **from_config, **keywords},
        from_app_config=set(from_config) - set(keywords),
    )


def check_keywords(keywords: Mapping[str, Any]) -> None:
    """Validate keyword options on their own, before any app config is known.

    Every value is checked, and so are rules between the keywords given
    (``allow_credentials=True`` with ``allow_origin="*"``); an option not given
    cannot conflict, since the app's config may still set it. Raises one
    :class:`~wsgi_cors.ConfigError`.
    """
    fillers = {"allow_credentials": False, "allow_origin": ["https://placeholder.invalid"]}
    build_config({**QUART_DEFAULTS, **fillers, **keywords})


def build_config(
    options: Mapping[str, Any], *, from_app_config: AbstractSet[str] = frozenset()
) -> CORSConfig:
    """Translate complete Quart-CORS ``options`` and validate them through the core.

    ``from_app_config`` names the options whose value came from ``app.config``
    (so problems name the ``QUART_CORS_*`` key).
    """
    problems: List[Problem] = []
    single: set[str] = set()
    core: Dict[str, Any] = dict(_FIXED)
    for name, value in options.items():
        if name not in QUART_DEFAULTS:
            problems.append(
                Problem((name,), "unknown-option", f"Quart-CORS has no option {name!r}")
            )
            continue
        if name in _LIST_OPTIONS and isinstance(value, (str, re.Pattern)):
            if name in from_app_config and value != "*":
                problems.append(_string_for_list(name, value))
                continue
            single.add(name)
            value = [value]
        core[CORE_NAMES[name]] = _translate(name, value)
    config: Optional[CORSConfig] = None
    try:
        config = CORSConfig.from_mapping(core)
    except ConfigError as error:
        problems += (_reworded(problem) for problem in error.problems)
    if problems or config is None:
        raise ConfigError(
            problems,
            describe_path=lambda path: _quart_path(path, from_app_config, single),
            word_message=_quart_message,
            word_hint=_quart_hint,
        )
    return config


def _translate(name: str, value: Any) -> Any:
    """One option's value in the core's terms (validation is the core's job)."""
    if name in ("allow_methods", "allow_headers") and _is_collection(value) and "*" in value:
        return "*"
    if name == "allow_origin" and _is_collection(value) and list(value) == ["*"]:
        return "*"
    if name == "allow_headers" and _is_collection(value):
        # Quart-CORS answers with the allowed requested names, not with its list.
        return [reflected_name(entry) for entry in value]
    if name == "expose_headers" and _is_collection(value):
        return [entry for entry in value if entry != ""]
    if name == "max_age":
        return _seconds(value)
    return value


def _is_collection(value: Any) -> bool:
    return isinstance(value, (list, tuple, set, frozenset))


def _seconds(value: Any) -> Any:
    """``max_age`` as the core takes it: whole seconds as an int (a timedelta stays one)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _string_for_list(name: str, value: Any) -> Problem:
    entries = [part.strip() for part in str(value).split(",") if part.strip()]
    return Problem(
        (name,),
        "wrong-type",
        f"expected a list, got the string {value!r} (Quart-CORS would split it into characters)",
        f"write a list: {entries!r}",
    )


def _reworded(problem: Problem) -> Problem:
    """A core problem with its path in Quart-CORS's option names (the path is data)."""
    path = problem.path
    if path and isinstance(path[0], str) and path[0] in _QUART_NAMES:
        path = (_QUART_NAMES[path[0]], *path[1:])
    return replace(problem, path=path)


#: The core problems whose texts name options, worded with Quart-CORS's names (by code).
_QUART_WORDS: Mapping[str, Tuple[str, str]] = {
    "credentials-with-any-origin": (
        "'*' cannot be combined with allow_credentials=True: browsers reject "
        "'Access-Control-Allow-Origin: *' with credentials, and reflecting every origin would "
        "let any site act as the user",
        "list the trusted origins (allow_origin=['https://app.example.com']), or pass a "
        "predicate (allow_origin=lambda origin: ...) if you really mean to decide for any "
        "origin",
    ),
    "null-with-credentials": (
        "'null' together with allow_credentials=True lets any site read responses with the "
        "user's cookies: every page can send 'Origin: null' from a sandboxed iframe",
        "remove 'null' from allow_origin",
    ),
    "expose-star-with-credentials": (
        "expose_headers='*' exposes nothing on credentialed requests (browsers read it as a "
        "header named '*')",
        "list the response headers to expose",
    ),
}


def _quart_message(problem: Problem) -> Optional[str]:
    words = _QUART_WORDS.get(problem.code)
    return words[0] if words else None


def _quart_hint(problem: Problem) -> Optional[str]:
    words = _QUART_WORDS.get(problem.code)
    if words:
        return words[1]
    if problem.code == "star-in-list" and problem.path:
        return f"write {problem.path[0]}='*' alone, or list the names"
    return None


def _quart_path(
    path: OptionPath, from_app_config: AbstractSet[str], single: AbstractSet[str]
) -> str:
    """A problem's path as the user wrote it: a keyword, or a ``QUART_CORS_*`` key."""
    if not path:
        return "options"
    name = str(path[0])
    rest = path[1:]
    if name in single and rest[:1] == (0,):
        rest = rest[1:]  # the user wrote one string, not a list
    shown = keyword_path((name, *rest))
    if name in from_app_config:
        return f"app.config[{config_key(name)!r}]{shown[len(name) :]}"
    return shown
