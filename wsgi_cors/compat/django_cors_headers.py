"""django-cors-headers' ``CORS_*`` settings, translated onto ``CORSConfig``.

No Django import: :func:`read_settings` takes any ``getattr``-like function (the
middleware passes ``django.conf.settings``), and :func:`translate` turns what it
read into a :class:`~wsgi_cors.CORSConfig`, or one
:class:`~wsgi_cors.ConfigError` whose lines name each setting as the user wrote
it (``CORS_ALLOWED_ORIGINS[1]``, ``CORS_ORIGIN_WHITELIST`` when the old name is
the one set).

The settings mean what django-cors-headers 4.x documents, with these readings:

* ``CORS_URLS_REGEX`` is matched from the start of ``request.path_info`` (as
  ``re.match`` does), and paths with empty, ``.`` or ``..`` segments are never
  covered (the core's fail-closed rule);
* ``CORS_ALLOWED_ORIGIN_REGEXES`` are matched against the whole origin
  (django-cors-headers matched a prefix, so ``^https://a\\.example\\.com`` also
  allowed ``https://a.example.com.evil.net``);
* ``CORS_ALLOW_ALL_ORIGINS`` sends ``*``; together with
  ``CORS_ALLOW_CREDENTIALS`` it is an error (django-cors-headers reflected every
  origin, ``null`` included, with credentials);
* ``CORS_PREFLIGHT_MAX_AGE = 0`` sends no ``Access-Control-Max-Age``, as there;
* ``"file://"`` in ``CORS_ALLOWED_ORIGINS`` (the ``Origin`` old Android browsers sent
  from local files) is ignored, with a check warning: it is not an origin, and today's
  browsers send ``null`` from local files;
* a preflight is answered ``200`` with an empty body and what is allowed (the
  core's ``lenient_preflights``), a refused one with only ``Vary``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Pattern, Tuple

from ..core.config import CORSConfig
from ..core.problems import ConfigError, OptionPath, Problem, python_literal
from ..core.validate import compile_regex

#: django-cors-headers' default ``CORS_ALLOW_HEADERS`` (``corsheaders.defaults.default_headers``).
DEFAULT_HEADERS: Tuple[str, ...] = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
)
#: django-cors-headers' default ``CORS_ALLOW_METHODS`` (``corsheaders.defaults.default_methods``).
DEFAULT_METHODS: Tuple[str, ...] = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
#: What old Android browsers sent as the ``Origin`` of a local file; never a valid origin.
FILE_ORIGIN = "file://"
#: ``CORS_URLS_REGEX``'s default: every path.
EVERY_URL = r"^.*$"


@dataclass(frozen=True)
class Setting:
    """One django-cors-headers setting: its name, its old name (if any), and its default."""

    name: str
    default: Any
    alias: Optional[str] = None


#: Every setting, by the short key this module uses for it.
SETTINGS: Mapping[str, Setting] = {
    "origins": Setting("CORS_ALLOWED_ORIGINS", (), "CORS_ORIGIN_WHITELIST"),
    "regexes": Setting("CORS_ALLOWED_ORIGIN_REGEXES", (), "CORS_ORIGIN_REGEX_WHITELIST"),
    "allow_all": Setting("CORS_ALLOW_ALL_ORIGINS", False, "CORS_ORIGIN_ALLOW_ALL"),
    "urls": Setting("CORS_URLS_REGEX", EVERY_URL),
    "methods": Setting("CORS_ALLOW_METHODS", DEFAULT_METHODS),
    "headers": Setting("CORS_ALLOW_HEADERS", DEFAULT_HEADERS),
    "expose": Setting("CORS_EXPOSE_HEADERS", ()),
    "max_age": Setting("CORS_PREFLIGHT_MAX_AGE", 86400),
    "credentials": Setting("CORS_ALLOW_CREDENTIALS", False),
    "private_network": Setting("CORS_ALLOW_PRIVATE_NETWORK", False),
}
#: Settings django-cors-headers removed, with what to do instead.
REMOVED_SETTINGS: Mapping[str, str] = {
    "CORS_MODEL": "connect a receiver to wsgi_cors.django.check_request_enabled instead",
    "CORS_REPLACE_HTTPS_REFERER": "list the origins in Django's CSRF_TRUSTED_ORIGINS instead",
}
#: Every ``CORS_*`` name this module knows (current, old and removed).
KNOWN_NAMES: Tuple[str, ...] = (
    *(setting.name for setting in SETTINGS.values()),
    *(setting.alias for setting in SETTINGS.values() if setting.alias),
    *REMOVED_SETTINGS,
)
_SEQUENCE_SETTINGS = ("origins", "regexes", "methods", "headers", "expose")
#: Fixed for every Django project: what django-cors-headers does.
_FIXED: Mapping[str, Any] = {
    "preflight_status": 200,
    "lenient_preflights": True,
    "always_send": False,
    "intercept_exceptions": False,  # Django turns exceptions into responses below the middleware
}
#: The core option each short key becomes.
_CORE_NAMES: Mapping[str, str] = {
    "methods": "methods",
    "headers": "allow_headers",
    "expose": "expose_headers",
    "max_age": "max_age",
    "credentials": "supports_credentials",
    "private_network": "allow_private_network",
}
_MISSING = object()


@dataclass(frozen=True)
class DjangoSettings:
    """What was read: each short key's value, and the setting name it came from."""

    values: Mapping[str, Any]
    names: Mapping[str, str]
    #: ``CORS_*`` names that are set but mean nothing (misspelled, or removed).
    unknown: Tuple[str, ...] = ()


def read_settings(get: Callable[[str, Any], Any], names: Tuple[str, ...] = ()) -> DjangoSettings:
    """Read every setting with ``get(name, default)`` (``getattr`` on Django's settings works).

    The old name is used only when the new one is not set, as in django-cors-headers.
    ``names`` are the names the settings object holds (``dir(settings)``), to find
    misspelled and removed ``CORS_*`` settings.
    """
    values: Dict[str, Any] = {}
    used: Dict[str, str] = {}
    for key, setting in SETTINGS.items():
        value = get(setting.name, _MISSING)
        used[key] = setting.name
        if value is _MISSING and setting.alias is not None:
            value = get(setting.alias, _MISSING)
            if value is not _MISSING:
                used[key] = setting.alias
        values[key] = setting.default if value is _MISSING else value
    known = set(KNOWN_NAMES) - set(REMOVED_SETTINGS)
    unknown = tuple(name for name in names if name.startswith("CORS_") and name not in known)
    return DjangoSettings(values, used, unknown)


@dataclass(frozen=True)
class Translation:
    """A valid configuration: the core's config, with ``CORS_URLS_REGEX`` as its resources."""

    config: CORSConfig
    #: The same configuration for every path (what ``check_request_enabled`` enables).
    every_path: CORSConfig


def translate(settings: DjangoSettings) -> Translation:
    """The core configuration of ``settings``; one ``ConfigError`` lists every problem."""
    values = settings.values
    problems: List[Problem] = [
        Problem((name,), "setting-removed", f"{name} is no longer supported", hint)
        for name, hint in REMOVED_SETTINGS.items()
        if name in settings.unknown
    ]
    for key in _SEQUENCE_SETTINGS:
        if isinstance(values[key], (str, bytes)):
            problems.append(_string_for_list(key, values[key]))
    core: Dict[str, Any] = dict(_FIXED)
    origins, origin_sources = _origins(values, problems)
    core["origins"] = origins
    for key, name in _CORE_NAMES.items():
        value = values[key]
        if (
            key in ("methods", "headers")
            and isinstance(value, (list, tuple))
            and list(value) == ["*"]
        ):
            value = "*"  # what a browser reads a lone "*" as (django-cors-headers sent it as is)
        core[name] = value
    if values["max_age"] == 0 and not isinstance(values["max_age"], bool):
        core["max_age"] = None  # django-cors-headers sends no Max-Age for 0
    resources = _resources(values["urls"], problems)
    every_path: Optional[CORSConfig] = None
    config: Optional[CORSConfig] = None
    if not any(problem.path[:1] == ("origins",) for problem in problems if problem.path):
        try:
            every_path = CORSConfig.from_mapping(core)
            config = (
                every_path
                if resources is None
                else CORSConfig.from_mapping({**core, "resources": resources})
            )
        except ConfigError as error:
            problems += error.problems
    if problems or config is None or every_path is None:
        raise ConfigError(
            problems,
            describe_path=lambda path: setting_path(path, settings.names, origin_sources),
            word_message=_django_message,
            word_hint=_django_hint,
        )
    return Translation(config, every_path)


def _string_for_list(key: str, value: Any) -> Problem:
    entries = [part.strip() for part in str(value).split(",") if part.strip()]
    return Problem(
        (key,),
        "wrong-type",
        f"expected a list or tuple, got the string {value!r} (django-cors-headers would "
        "read it one character at a time)",
        f"write a list: {entries!r}",
    )


def _origins(values: Mapping[str, Any], problems: List[Problem]) -> Tuple[Any, List[OptionPath]]:
    """The core's ``origins`` and, for each entry, the path of the setting it came from."""
    if values["allow_all"] is True:
        return "*", [("allow_all",)]
    if values["allow_all"] is not False:
        problems.append(
            Problem(
                ("allow_all",),
                "not-a-boolean",
                f"expected True or False, got {values['allow_all']!r}",
            )
        )
    entries: List[Any] = []
    sources: List[OptionPath] = []
    for key in ("origins", "regexes"):
        value = values[key]
        if isinstance(value, (str, bytes)):
            continue  # reported as a string where a list is meant
        try:
            items = list(value)
        except TypeError:
            problems.append(
                Problem((key,), "wrong-type", f"expected a list or tuple, got {value!r}")
            )
            continue
        for index, entry in enumerate(items):
            if key == "origins" and entry == FILE_ORIGIN:
                continue
            translated = _origin_entry(key, index, entry, problems)
            if translated is not None:  # None: reported already
                sources.append((key, index))
                entries.append(translated)
    # No origin listed is valid here (only check_request_enabled may allow some).
    return (entries or allows_no_origin), sources


def allows_no_origin(origin: str) -> bool:
    """The origins of a project that lists none: no origin is allowed by the settings."""
    return False


def _origin_entry(key: str, index: int, entry: Any, problems: List[Problem]) -> Any:
    if key == "origins":
        return entry
    if isinstance(entry, re.Pattern):
        return entry
    if not isinstance(entry, str):
        problems.append(
            Problem(
                (key, index),
                "wrong-type",
                f"expected a regular expression (a string or re.compile(...)), got {entry!r}",
            )
        )
        return None
    return compile_regex(entry, (key, index), problems)


def _resources(value: Any, problems: List[Problem]) -> Optional[Dict[Pattern[str], Any]]:
    """``CORS_URLS_REGEX`` as the core's resources (None: every path)."""
    if value == EVERY_URL:
        return None
    if isinstance(value, re.Pattern):
        pattern, flags = value.pattern, value.flags
    elif isinstance(value, str):
        pattern, flags = value, 0
    else:
        problems.append(
            Problem(("urls",), "wrong-type", f"expected a regular expression, got {value!r}")
        )
        return None
    if not isinstance(pattern, str):
        problems.append(Problem(("urls",), "bytes-pattern", "a bytes pattern cannot match paths"))
        return None
    # re.match(pattern, path) is a full match of the pattern followed by anything.
    compiled = compile_regex(f"(?:{pattern})(?s:.*)", ("urls",), problems, flags, shown=pattern)
    return None if compiled is None else {compiled: {}}


_KEY_OF_CORE = {core: key for key, core in _CORE_NAMES.items()}


def setting_path(
    path: OptionPath, names: Mapping[str, str], origin_sources: List[OptionPath]
) -> str:
    """A problem's path as the user wrote it: ``CORS_ALLOWED_ORIGINS[1]``."""
    if not path:
        return "CORS settings"
    first, rest = path[0], path[1:]
    if first == "origins":
        if rest and isinstance(rest[0], int) and rest[0] < len(origin_sources):
            first, rest = origin_sources[rest[0]][0], (*origin_sources[rest[0]][1:], *rest[1:])
        elif origin_sources[:1] == [("allow_all",)]:
            first = "allow_all"
        else:
            first = "origins"
    elif first == "resources":
        first, rest = "urls", ()
    elif isinstance(first, str) and first in _KEY_OF_CORE:
        first = _KEY_OF_CORE[first]
    name = names.get(str(first), str(first)) if isinstance(first, str) else str(first)
    return name + "".join(f"[{python_literal(step)}]" for step in rest)


#: Core problems whose texts name options, worded with the Django settings (by code).
_DJANGO_WORDS: Mapping[str, Tuple[str, str]] = {
    "credentials-with-any-origin": (
        "CORS_ALLOW_ALL_ORIGINS = True cannot be combined with CORS_ALLOW_CREDENTIALS = True: "
        "browsers reject 'Access-Control-Allow-Origin: *' with credentials, and reflecting every "
        "origin (what django-cors-headers did) lets any site act as the logged-in user",
        "list the trusted origins: CORS_ALLOWED_ORIGINS = ['https://app.example.com']; to "
        "decide per request, connect a receiver to wsgi_cors.django.check_request_enabled",
    ),
    "null-with-credentials": (
        "'null' together with CORS_ALLOW_CREDENTIALS = True lets any site read responses with "
        "the user's cookies: every page can send 'Origin: null' from a sandboxed iframe",
        "remove 'null' from CORS_ALLOWED_ORIGINS",
    ),
    "origin-star-with-others": (
        "'*' among the listed origins would allow every origin",
        "write CORS_ALLOW_ALL_ORIGINS = True to allow every origin, or list only the origins "
        "you trust",
    ),
    "expose-star-with-credentials": (
        "'*' in CORS_EXPOSE_HEADERS exposes nothing on credentialed requests (browsers read it "
        "as a header named '*')",
        "list the response headers to expose",
    ),
}


def _django_message(problem: Problem) -> Optional[str]:
    words = _DJANGO_WORDS.get(problem.code)
    return words[0] if words else None


def _django_hint(problem: Problem) -> Optional[str]:
    words = _DJANGO_WORDS.get(problem.code)
    if words:
        return words[1]
    if problem.code == "unknown-option" and problem.suggestion:
        return f"did you mean {problem.suggestion}?"
    return None


def unknown_setting_problems(settings: DjangoSettings) -> List[Problem]:
    """A problem for each ``CORS_*`` setting that means nothing, with the closest name."""
    problems = []
    for name in settings.unknown:
        if name in REMOVED_SETTINGS:
            continue
        close = difflib.get_close_matches(name, KNOWN_NAMES, n=1)
        problems.append(
            Problem(
                (name,),
                "unknown-option",
                f"{name} is not a django-cors-headers setting and is ignored",
                f"did you mean {close[0]}?" if close else "remove it",
                close[0] if close else None,
            )
        )
    return problems


#: System check ids, by problem code: ``(id, the django-cors-headers ids it replaces)``.
#: Errors for what the middleware refuses to start with, warnings for what it ignores.
CHECK_IDS: Mapping[str, Tuple[str, str]] = {
    "wrong-type": ("wsgi_cors.E001", "corsheaders.E001, E002, E006, E007, E008, E009"),
    "not-a-boolean": ("wsgi_cors.E002", "corsheaders.E003, E005, E015"),
    "max-age-invalid": ("wsgi_cors.E003", "corsheaders.E004"),
    "origin-no-scheme": ("wsgi_cors.E004", "corsheaders.E013"),
    "origin-has-path": ("wsgi_cors.E005", "corsheaders.E014"),
    "origin-invalid": ("wsgi_cors.E006", "corsheaders.E013"),
    "origin-bad-port": ("wsgi_cors.E007", ""),
    "origin-non-ascii-host": ("wsgi_cors.E008", ""),
    "origin-looks-like-regex": ("wsgi_cors.E009", ""),
    "origin-bad-wildcard": ("wsgi_cors.E010", ""),
    "origin-star-with-others": ("wsgi_cors.E011", "corsheaders.E013"),
    "credentials-with-any-origin": ("wsgi_cors.E012", ""),
    "null-with-credentials": ("wsgi_cors.E013", ""),
    "expose-star-with-credentials": ("wsgi_cors.E014", ""),
    "method-invalid": ("wsgi_cors.E015", ""),
    "method-forbidden": ("wsgi_cors.E016", ""),
    "header-invalid": ("wsgi_cors.E017", ""),
    "star-in-list": ("wsgi_cors.E018", ""),
    "regex-invalid": ("wsgi_cors.E019", ""),
    "bytes-pattern": ("wsgi_cors.E020", ""),
    "methods-empty": ("wsgi_cors.E021", ""),
    "setting-removed": ("wsgi_cors.E022", "corsheaders.E012, E013"),
    "origins-empty": ("wsgi_cors.E023", ""),
    "unknown-option": ("wsgi_cors.W001", ""),
}
#: A regular expression that django-cors-headers matched as a prefix, now matched in full.
PREFIX_REGEX_ID = "wsgi_cors.W002"
#: ``"file://"`` in the allowed origins: ignored.
FILE_ORIGIN_ID = "wsgi_cors.W003"
#: What the two warnings that are not problem codes mean.
WARNING_MEANINGS: Mapping[str, str] = {
    PREFIX_REGEX_ID: "An origin regular expression that does not end with `$`: django-cors-headers "
    "matched it from the start only, wsgi_cors matches the whole origin.",
    FILE_ORIGIN_ID: '`"file://"` in `CORS_ALLOWED_ORIGINS`: ignored (it is not an origin; browsers '
    "send `null` from local files).",
}
