"""``CORSConfig``: the one list of options, as a frozen, validated, normalised value.

Every front end (the shells' keyword arguments, the PasteDeploy ini parser,
the Flask, Pyramid and Django adapters) builds one of these, and everything
that needs the option list (defaults, which options are flags, the ini
parsers, the options reference of the docs) reads it from
:func:`dataclasses.fields` of this class.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, AbstractSet, Any, Callable, Dict, List, Mapping, Tuple

from .options import (
    ALL_METHODS,
    AllowHeadersOption,
    ExposeHeadersOption,
    MaxAgeOption,
    MethodsOption,
    OriginsOption,
    PathPattern,
    ResourcesOption,
)
from .origins import normalize_origins
from .paths import CATCH_ALL, classify_path_pattern
from .problems import ConfigError, Problem
from .validate import (
    check_bool,
    check_header_names,
    check_max_age,
    check_methods,
    check_preflight_status,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .options import CORSOptions


def _option(default: object, doc: str) -> Any:
    """A field that is an option: its default and the sentence the reference shows."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class CORSConfig:
    """A complete, validated CORS configuration.

    Build one with :meth:`from_options` (keyword arguments) or
    :meth:`from_mapping` (any mapping, such as parsed settings); calling the
    class directly works too. Every rule runs at construction and every
    problem is reported at once in one :class:`~wsgi_cors.ConfigError`.

    The fields hold the *normalised* values: origins canonicalised and
    de-duplicated in a tuple (or ``"*"``), methods upper-cased in a tuple,
    header names de-duplicated, ``max_age`` in whole seconds, ``expose_headers``
    ``()`` for none, and each resource's overrides normalised the same way.
    ``resource_configs`` gives each resource's complete configuration.

    The options, their defaults and meanings are the fields of this class
    (``help(wsgi_cors.CORSMiddleware)`` lists them; ``docs/options.md`` is the
    full reference, generated from these fields)::

        from wsgi_cors import CORSConfig, CORSMiddleware

        config = CORSConfig.from_options(origins=["https://App.example.com:443"], max_age=600)
        assert config.origins == ("https://app.example.com",)
        application = CORSMiddleware(application, config=config)
    """

    origins: OriginsOption = _option(
        "*",
        'Who may read responses: `"*"`, or one entry or a list of entries (exact origins, '
        "`https://*.example.com` and `http://localhost:*` wildcards, compiled `re.Pattern`s "
        '(full-matched), predicates, `"null"`). See [Origins](#origins).',
    )
    methods: MethodsOption = _option(
        ALL_METHODS,
        "Methods a preflight may ask for: a list or a comma-separated string, upper-cased. "
        '`"*"` allows any method (`ACAM: *`, or the requested method reflected when '
        "credentials are on; a requested method longer than 64 characters is refused). "
        "`CONNECT`, `TRACE` and `TRACK` are refused. `ALL_METHODS` is `GET, HEAD, POST, "
        "OPTIONS, PUT, PATCH, DELETE`.",
    )
    allow_headers: AllowHeadersOption = _option(
        "*",
        'Request headers a preflight may ask for: `"*"`, or names (case-insensitive) and '
        'compiled `re.Pattern`s (full-matched against lower-case names). With `"*"` or a '
        "pattern, the validated requested names are reflected (as the client spelled them) in "
        "`Access-Control-Allow-Headers`, so `Authorization` works (the standard never lets a "
        "bare `*` cover it) and it works with credentials. With a plain list, the list is sent.",
    )
    expose_headers: ExposeHeadersOption = _option(
        (),
        "Response headers the page may read, sent on actual responses (`None` or `()`: none). "
        '`"*"` is refused with credentials (browsers then treat it as a header named `*`).',
    )
    supports_credentials: bool = _option(
        False,
        "Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth). Refused together "
        'with `origins="*"`.',
    )
    max_age: MaxAgeOption = _option(
        None,
        "Seconds (an `int` or a `timedelta`) browsers may cache a preflight answer; sent on "
        "preflights only. `0` is sent (it disables caching); `None` sends nothing (browsers "
        "then use 5 s). Chromium caps it at 7200.",
    )
    send_wildcard: bool = _option(
        True,
        'With `origins="*"`: `True` sends `Access-Control-Allow-Origin: *`; `False` reflects '
        "the request's Origin (Flask-CORS's default) with `Vary: Origin`.",
    )
    always_send: bool = _option(
        True,
        'With `origins="*"`: a request without `Origin` still gets '
        "`Access-Control-Allow-Origin: *`, as Flask-CORS does. `False` sends it only to requests "
        "that carry an `Origin` (as Quart-CORS does; the answer then varies on `Origin`). An "
        "allow-list never sends an origin to a request without one.",
    )
    vary_header: bool = _option(
        True,
        "Add `Vary: Origin` to every response whose CORS headers depend on the Origin. Turning "
        "it off lets shared caches serve one origin's answer to another; leave it on.",
    )
    allow_private_network: bool = _option(
        False,
        "Answer `Access-Control-Request-Private-Network: true` on preflights from allowed "
        "origins with `Access-Control-Allow-Private-Network: true`. When off, such a preflight "
        "is refused.",
    )
    resources: ResourcesOption = _option(
        None,
        "`None` covers every path. Otherwise `{path_pattern: {option overrides}}`; see "
        "[Resources](#resources).",
    )
    automatic_options: bool = _option(
        True,
        "`True`: the middleware answers preflights. `False`: preflights go to the app and its "
        "answer gets the preflight headers.",
    )
    intercept_exceptions: bool = _option(
        False,
        "`True`: an exception that escapes the app before it starts its response is logged "
        "(logger `wsgi_cors`) and turned into a plain `500 Internal Server Error` that carries "
        "the CORS headers, so the page can read the error. Off by default so that error "
        "reporters wrapped around the middleware still see the exception. Exceptions raised "
        "while the body is produced are not caught (the middleware never wraps the body).",
    )
    preflight_status: int = _option(
        204,
        "Status of an allowed preflight; any 2xx (browsers fail every other status). Use `200` "
        "for old clients that mishandle 204.",
    )
    lenient_preflights: bool = _option(
        False,
        "How a preflight that asks for more than the policy allows is answered. `False`: "
        "refused with a `403`, a fixed body and no CORS headers, which shows plainly in the "
        "browser's network panel and in the logs (`wsgi_cors` logger, DEBUG). `True`: answered "
        "with `preflight_status` and only what is allowed, as Flask-CORS, Quart-CORS and "
        "django-cors-headers do: a refused origin gets only `Vary`; an allowed origin asking for "
        "a method that is not allowed gets its `Access-Control-Allow-Origin` (with credentials "
        "and exposed headers) but no `Access-Control-Allow-Methods`; requested headers that are "
        "not allowed are left out of the reflected `Access-Control-Allow-Headers`; private "
        "network access that is not allowed is left out. The browser refuses the request either "
        "way; the drop-ins turn this on so that their users' tests keep passing.",
    )
    allow_null_with_credentials: bool = _option(
        False,
        '`"null"` in `origins` together with `supports_credentials=True` is a configuration '
        "error unless this is `True`: any page can send `Origin: null` (a sandboxed iframe), "
        "so it would read credentialed responses.",
    )
    #: Each resource's pattern and complete configuration, in precedence order of declaration
    #: (empty when ``resources`` is None).
    resource_configs: Tuple[Tuple[PathPattern, CORSConfig], ...] = field(
        init=False, repr=False, compare=False, default=()
    )

    def __post_init__(self) -> None:
        normalized, problems = _normalize({name: getattr(self, name) for name in OPTION_NAMES})
        if problems:
            raise ConfigError(problems)
        for name, value in normalized.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_options(cls, **options: Unpack[CORSOptions]) -> CORSConfig:
        """Validate keyword options; a misspelled name is a problem with a suggestion."""
        return cls.from_mapping(options)

    @classmethod
    def from_mapping(cls, options: Mapping[str, object]) -> CORSConfig:
        """Validate a mapping of option names to values (missing options take defaults).

        Raises one :class:`~wsgi_cors.ConfigError` listing every problem,
        unknown names included (each with a "did you mean" hint).
        """
        problems = unknown_option_problems(options, OPTION_NAMES)
        normalized, found = _normalize(
            {**DEFAULTS, **{name: value for name, value in options.items() if name in DEFAULTS}}
        )
        problems += found
        if problems:
            raise ConfigError(problems)
        return cls._trusted(normalized)

    @classmethod
    def _trusted(cls, normalized: Mapping[str, object]) -> CORSConfig:
        """A config from values :func:`_normalize` produced, without validating them again."""
        config = object.__new__(cls)
        for name, value in normalized.items():
            object.__setattr__(config, name, value)
        return config

    def options(self) -> Dict[str, object]:
        """The options as a dict (``resources`` as normalised), for ``from_mapping`` or display."""
        return {name: getattr(self, name) for name in OPTION_NAMES}


_OPTION_FIELDS = tuple(f for f in fields(CORSConfig) if f.init)
#: Every option's name, in declaration order.
OPTION_NAMES: Tuple[str, ...] = tuple(f.name for f in _OPTION_FIELDS)
#: Every option's default.
DEFAULTS: Mapping[str, object] = MappingProxyType({f.name: f.default for f in _OPTION_FIELDS})
#: Every option's type, as written in the class (``"bool"``, ``"OriginsOption"``, ...).
OPTION_TYPES: Mapping[str, str] = MappingProxyType({f.name: str(f.type) for f in _OPTION_FIELDS})
#: The options that are flags (True or False).
BOOLEAN_OPTIONS: Tuple[str, ...] = tuple(
    name for name, kind in OPTION_TYPES.items() if kind == "bool"
)
#: Every option's sentence for the reference.
OPTION_DOCS: Mapping[str, str] = MappingProxyType(
    {f.name: str(f.metadata["doc"]) for f in _OPTION_FIELDS}
)

_CHECKS: Mapping[str, Callable[[object], Tuple[object, List[Problem]]]] = {
    "origins": normalize_origins,
    "methods": check_methods,
    "allow_headers": lambda value: check_header_names(value, allow_patterns=True),
    "expose_headers": lambda value: check_header_names(value, allow_patterns=False),
    "max_age": check_max_age,
    "preflight_status": check_preflight_status,
    **{name: check_bool for name in BOOLEAN_OPTIONS},
}


def unknown_option_problems(
    options: Mapping[Any, object], known: Tuple[str, ...], *, prefix: Tuple[Any, ...] = ()
) -> List[Problem]:
    """A problem for every name in ``options`` that is not in ``known``, with a suggestion."""
    problems: List[Problem] = []
    for name in options:
        if name in known:
            continue
        if name == "resources":
            problems.append(
                Problem(
                    (*prefix, name),
                    "resources-nested",
                    "resources cannot be nested",
                    "move this mapping to the top level",
                )
            )
            continue
        close = (
            difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
            if isinstance(name, str)
            else []
        )
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else "known options are " + ", ".join(sorted(known))
        )
        problems.append(
            Problem(
                (*prefix, name),
                "unknown-option",
                "unknown option",
                hint,
                suggestion=close[0] if close else None,
            )
        )
    return problems


def _normalize(values: Mapping[str, object]) -> Tuple[Dict[str, object], List[Problem]]:
    """Run every rule on complete option ``values``; returns the normalised values and problems."""
    base, problems = _normalize_policy(values)
    resources = values["resources"]
    if resources is None:
        return {**base, "resources": None, "resource_configs": ()}, problems
    if not isinstance(resources, Mapping) or not resources:
        problem = Problem(
            ("resources",),
            "resources-invalid",
            "is empty, so no path would get CORS headers"
            if isinstance(resources, Mapping)
            else f"expected None or a mapping {{path_pattern: {{option overrides}}}}, got "
            f"{type(resources).__name__}",
            "use None to cover every path"
            if isinstance(resources, Mapping)
            else "for patterns without overrides write {'/api/*': {}}",
        )
        return {**base, "resources": None, "resource_configs": ()}, [*problems, problem]
    # With resources, the top-level options are only the defaults of each resource: a problem
    # in them counts (once, under its own name) if some resource inherits it.
    inherited: Dict[Problem, None] = {}
    found: List[Problem] = []
    normalized_resources: Dict[PathPattern, Mapping[str, object]] = {}
    configs: List[Tuple[PathPattern, CORSConfig]] = []
    catch_alls = 0
    own = {name: values[name] for name in _POLICY_OPTIONS}
    for pattern, overrides in resources.items():
        where = ("resources", pattern)
        kind, _, pattern_problem = classify_path_pattern(pattern)
        if pattern_problem is not None:
            found.append(pattern_problem.at(*where))
        elif kind == CATCH_ALL:
            catch_alls += 1
            if catch_alls > 1:
                found.append(
                    Problem(
                        where,
                        "path-pattern-invalid",
                        "'*' and '/*' both cover every path",
                        "keep one",
                    )
                )
        if overrides is None:
            overrides = {}
        if not isinstance(overrides, Mapping):
            found.append(
                Problem(
                    where,
                    "resources-invalid",
                    f"expected a mapping of option overrides, got {overrides!r}",
                )
            )
            continue
        found += unknown_option_problems(overrides, _POLICY_OPTIONS, prefix=where)
        known = {name: value for name, value in overrides.items() if name in _POLICY_OPTIONS}
        merged, merged_problems = _normalize_policy({**own, **known})
        for problem in merged_problems:
            if problem.path[0] not in known:
                # A cross-option problem belongs to the option this resource overrode.
                overridden = [
                    name for name in _CROSS_OPTIONS.get(problem.code, ()) if name in known
                ]
                if overridden:
                    problem = replace(problem, path=(overridden[0], *problem.path[1:]))
                elif problem in problems:
                    inherited[problem] = None
                    continue
            found.append(problem.at(*where))
        normalized_resources[pattern] = MappingProxyType({name: merged[name] for name in known})
        resource = CORSConfig._trusted({**merged, "resources": None, "resource_configs": ()})
        configs.append((pattern, resource))
    normalized = {
        **base,
        "resources": MappingProxyType(normalized_resources),
        "resource_configs": tuple(configs),
    }
    return normalized, [*inherited, *found]


_POLICY_OPTIONS: Tuple[str, ...] = tuple(name for name in OPTION_NAMES if name != "resources")


def _normalize_policy(values: Mapping[str, object]) -> Tuple[Dict[str, object], List[Problem]]:
    """The single-option rules of every option but ``resources``, then the cross-option rules."""
    normalized: Dict[str, object] = {}
    problems: List[Problem] = []
    for name in _POLICY_OPTIONS:
        value, found = _CHECKS[name](values[name])
        normalized[name] = value
        problems += (problem.at(name) for problem in found)
    invalid = {problem.path[0] for problem in problems}
    problems += _cross_option_problems(normalized, invalid)
    return normalized, problems


#: The options each cross-option rule involves (its problem's path names the first).
_CROSS_OPTIONS: Mapping[str, Tuple[str, ...]] = {
    "credentials-with-any-origin": ("origins", "supports_credentials"),
    "null-with-credentials": ("origins", "supports_credentials", "allow_null_with_credentials"),
    "expose-star-with-credentials": ("expose_headers", "supports_credentials"),
}


def _cross_option_problems(
    values: Mapping[str, object], invalid: AbstractSet[object]
) -> List[Problem]:
    """The rules that involve two options; an option that is itself invalid is skipped."""
    problems: List[Problem] = []
    credentials = values["supports_credentials"] is True
    origins = values["origins"]
    if credentials and "origins" not in invalid:
        if origins == "*":
            problems.append(
                Problem(
                    ("origins",),
                    "credentials-with-any-origin",
                    "'*' cannot be combined with supports_credentials=True: browsers reject "
                    "'Access-Control-Allow-Origin: *' with credentials, and reflecting every "
                    "origin would let any site act as the user",
                    "list the trusted origins (origins=['https://app.example.com']), or pass a "
                    "predicate (origins=lambda origin: ...) if you really mean to decide for any "
                    "origin",
                )
            )
        elif (
            isinstance(origins, tuple)
            and "null" in origins
            and values["allow_null_with_credentials"] is not True
        ):
            problems.append(
                Problem(
                    ("origins",),
                    "null-with-credentials",
                    "'null' together with supports_credentials=True lets any site read "
                    "responses with the user's cookies: every page can send 'Origin: null' from "
                    "a sandboxed iframe",
                    "remove 'null', or pass allow_null_with_credentials=True if you accept that",
                )
            )
    if credentials and values["expose_headers"] == "*" and "expose_headers" not in invalid:
        problems.append(
            Problem(
                ("expose_headers",),
                "expose-star-with-credentials",
                "expose_headers='*' exposes nothing on credentialed requests (browsers read it "
                "as a header named '*')",
                "list the response headers to expose",
            )
        )
    return problems
