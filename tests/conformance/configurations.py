"""Hypothesis strategies for whole configurations (top-level options and resources) and
scenarios (a configuration, a request aimed at it or near it, an app)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from hypothesis import assume
from hypothesis import strategies as st

from conformance.generation import (
    ACRH_NAMES,
    ACRH_SEPARATOR,
    APP_SPECS,
    INDEX,
    METHOD_NAMES,
    PATHS,
    VALID_ENTRIES,
    AppSpec,
    app_specs,
    mutate_origin,
    requests,
)
from conformance.oracle import (
    Origins,
    Request,
    Scenario,
    configured_methods,
    header_config,
    is_resource_catch_all,
    merged,
    policy_options,
    requested_names,
    resource_choices,
    wsgi_form,
)

# --- Configurations ---------------------------------------------------------------------------

ORIGINS = st.one_of(
    st.just("*"),
    st.builds(
        Origins,
        st.lists(st.sampled_from(VALID_ENTRIES), min_size=1, max_size=4, unique=True).map(tuple),
        st.sampled_from(["list", "tuple"]),
    ),
    st.builds(lambda entry: Origins((entry,), "single"), st.sampled_from(VALID_ENTRIES)),
)
METHOD_POOL = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PURGE", "get"]
METHOD_POOL += ["patch", "Put", "X-Custom-Verb"]
METHODS = st.one_of(
    st.just("*"),
    st.lists(st.sampled_from(METHOD_POOL), min_size=1, max_size=4),
    st.lists(st.sampled_from(METHOD_POOL), min_size=1, max_size=4).map(", ".join),
)
HEADER_NAME_POOL = ["Content-Type", "X-Custom", "x-custom", "Authorization", "X-Requested-With"]
HEADER_NAME_POOL += ["x-a", "X-B", " X-Padded "]
HEADER_PATTERNS = [
    re.compile(r"x-[a-z]+"),
    re.compile(r"X-TOKEN-\d+"),
    re.compile(r"x-trace-\d+", re.IGNORECASE),
    re.compile(r"x-(?:a|b)"),
]
#: allow_headers as plain names: the list is sent and every requested name is checked.
HEADER_LISTS = st.one_of(
    st.lists(st.sampled_from(HEADER_NAME_POOL), min_size=1, max_size=4),
    st.lists(st.sampled_from(HEADER_NAME_POOL), min_size=1, max_size=4).map(", ".join),
)
ALLOW_HEADERS = st.one_of(
    st.just("*"),
    st.lists(st.sampled_from(HEADER_NAME_POOL + HEADER_PATTERNS), max_size=4),
    st.lists(st.sampled_from(HEADER_NAME_POOL), min_size=1, max_size=4).map(", ".join),
    st.sampled_from(HEADER_PATTERNS),
)
EXPOSE_POOL = ["X-Total-Count", "x-total-count", "ETag", "X-Request-Id"]
EXPOSE_HEADERS = st.one_of(
    st.none(),
    st.just("*"),
    st.lists(st.sampled_from(EXPOSE_POOL), min_size=1, max_size=3),
    st.lists(st.sampled_from(EXPOSE_POOL), min_size=1, max_size=3).map(", ".join),
)
MAX_AGES = st.one_of(
    st.none(),
    st.integers(0, 10**6),
    st.sampled_from([timedelta(minutes=10), timedelta(0), timedelta(days=2)]),
)
#: Only codes with a standard reason phrase: see test_preflight_status_accepts_every_2xx_code.
PREFLIGHT_STATUSES = st.sampled_from([200, 204, 206, 207, 226])
BOOLEAN_NAMES = [
    "supports_credentials",
    "send_wildcard",
    "always_send",
    "vary_header",
    "allow_private_network",
    "automatic_options",
    "intercept_exceptions",
    "allow_null_with_credentials",
]
OPTION_STRATEGIES: Dict[str, st.SearchStrategy[Any]] = {
    "origins": ORIGINS,
    "methods": METHODS,
    "allow_headers": ALLOW_HEADERS,
    "expose_headers": EXPOSE_HEADERS,
    "max_age": MAX_AGES,
    "preflight_status": PREFLIGHT_STATUSES,
    **{name: st.booleans() for name in BOOLEAN_NAMES},
}
OPTIONS = st.fixed_dictionaries({}, optional=OPTION_STRATEGIES)

RESOURCE_PATTERNS: List[Any] = [
    "*",
    "/*",
    "/health",
    "/api/*",
    "/api/v1/*",
    "/api/v1/items/7",
    "/API/*",
    "/caf\u00e9/*",
    "/caf\u00e9",
    "/a/*",
    "/a/b/*",
    "/%2e%2e",
    "/a%20b",
    "/v1.0/*",
    re.compile(r"/api/v1/items/\d+"),
    re.compile(r"/a.*"),
    re.compile(r"/ab.*"),
    re.compile(r"/files/[^/]+"),
    re.compile(r"/case/.*", re.IGNORECASE),
]
#: Patterns that overlap, so that precedence decides: nested prefixes, an exact path inside a
#: prefix, regexes covering prefixes and each other, case and encoding variants.
RESOURCE_FAMILIES = [
    RESOURCE_PATTERNS,
    ["/api/*", "/api/v1/*", "/api/v1/items/*", "/a/*", "/a/b/*", "/a/b/c", "*"],
    ["/api/*", "/api/v1/*", "/api/v1/items/7", re.compile(r"/api/v1/items/\d+"), "/API/*", "*"],
    ["/a/*", "/a/b/*", re.compile(r"/a.*"), re.compile(r"/ab.*"), "/a%20b", "/*"],
    ["/caf\u00e9/*", "/caf\u00e9", "/%2e%2e", "/v1.0/*", re.compile(r"/case/.*", re.IGNORECASE)],
]
RESOURCE_PATTERN_LISTS = st.one_of(
    *[
        st.lists(st.sampled_from(family), min_size=1, max_size=5, unique=True)
        for family in RESOURCE_FAMILIES
    ]
).filter(lambda patterns: not ("*" in patterns and "/*" in patterns))


def make_valid(target: Dict[str, Any], effective: Dict[str, Any]) -> None:
    """Override ``target`` so that ``effective`` (its merged view) breaks no documented rule."""
    if effective["supports_credentials"] and (
        effective["origins"] == "*" or effective["expose_headers"] == "*"
    ):
        target["supports_credentials"] = False
        return
    origins = effective["origins"]
    if (
        effective["supports_credentials"]
        and origins != "*"
        and any(entry.canonical == "null" for entry in origins.entries)
        and not effective["allow_null_with_credentials"]
    ):
        target["allow_null_with_credentials"] = True


OVERRIDES = st.one_of(st.just({}), OPTIONS)


@st.composite
def configurations(
    draw: st.DrawFn, resources: Optional[bool] = None
) -> Tuple[Dict[str, Any], Optional[Tuple[Tuple[Any, Dict[str, Any]], ...]]]:
    """A valid configuration: top-level options and, maybe, resources."""
    top = dict(draw(OPTIONS))
    if "origins" not in top and draw(INDEX) % 4:
        top["origins"] = draw(ORIGINS)  # the default "*" stays a quarter of the time
    make_valid(top, merged(top))
    if resources is None:
        resources = draw(INDEX) % 3 == 0
    if not resources:
        return top, None
    patterns = draw(RESOURCE_PATTERN_LISTS)
    table = []
    for pattern in patterns:
        overrides = dict(draw(OVERRIDES))
        make_valid(overrides, merged(top, overrides))
        table.append((pattern, overrides))
    return top, tuple(table)


#: Origins any "*" policy allows (a list policy draws from its entries' examples).
ANY_GOOD_ORIGIN = st.sampled_from(["https://example.com", "http://localhost:3000", "https://a.b.c"])
#: A requested header name each allow_headers pattern allows (X-TOKEN-\d+ never does: the
#: names are lower-cased first).
PATTERN_EXAMPLES = {"x-[a-z]+": "x-foo", "X-TOKEN-\\d+": "x-token-1", "x-trace-\\d+": "X-Trace-7"}


def pick(draw: st.DrawFn, items: Sequence[Any]) -> Any:
    return items[draw(INDEX) % len(items)]


def allowed_request(draw: st.DrawFn, options: Dict[str, Any], request: Request) -> Request:
    """The request with an Origin, a method and header names the policy allows."""
    origin: str = draw(ANY_GOOD_ORIGIN)
    if options["origins"] != "*":
        examples = [example for e in options["origins"].entries for example in e.examples]
        origin = pick(draw, examples) if examples else origin
    if not request.is_preflight():
        return Request(request.method, request.path, origin, request.acrm, request.acrh)
    acrm = pick(draw, METHOD_NAMES if options["methods"] == "*" else configured_methods(options))
    any_name, names, patterns = header_config(options)
    pool = (
        ACRH_NAMES
        if any_name
        else names + [PATTERN_EXAMPLES.get(p.pattern, "x-a") for p in patterns]
    )
    chosen = [pick(draw, pool) for _ in range(draw(INDEX) % 4)] if pool else []
    acrh = ",".join(chosen) if chosen or draw(INDEX) % 2 else None
    return Request("OPTIONS", request.path, origin, acrm, acrh)


PERTURBATIONS = st.sampled_from(
    [
        "none",
        "origin",
        "method-case",
        "method-unlisted",
        "header-unlisted",
        "header-non-token",
        "header-case",
        "header-separators",
        "header-huge",
        "private-network",
    ]
)
HUGE_HEADER_LISTS = [
    "x-" + "a" * 5000,
    "," * 70_000,
    ", " * 3000,
    ",".join(["x-custom"] * 600),
    " " * 5000 + "x-a",
]


def _latin1_or(original: str, changed: str) -> str:
    """``changed`` if a server could deliver it (latin-1), else ``original``: changing the case
    of a latin-1 character can leave latin-1 (``"ÿ".title()`` is ``"Ÿ"``, U+0178)."""
    return changed if all(ord(character) < 256 for character in changed) else original


def perturb(draw: st.DrawFn, options: Dict[str, Any], request: Request) -> Request:
    """One near miss of an allowed request: the origin mutated, the method in another case
    or not listed, one header not allowed (anywhere in the list) or not a token, or a
    private-network request; or a variation that must still be allowed (header case and
    separators)."""
    how = draw(PERTURBATIONS)
    origin, acrm, acrh, acrpn = request.origin, request.acrm, request.acrh, request.acrpn
    names = requested_names(acrh) or []
    if how == "origin" and origin is not None:
        origin = mutate_origin(draw, origin)
    elif how == "method-case" and acrm:
        acrm = _latin1_or(acrm, acrm.lower() if draw(INDEX) % 2 else acrm.title())
    elif how == "method-unlisted" and acrm is not None:
        listed = [] if options["methods"] == "*" else configured_methods(options)
        unlisted = [m for m in [*METHOD_NAMES, "PURGE", "X-CUSTOM-VERB"] if m not in listed]
        # methods="*" allows any token, so only a non-token is a near miss there
        acrm = pick(draw, unlisted) if listed and unlisted else "BAD METHOD"
    elif how in ("header-unlisted", "header-non-token") and acrm is not None:
        bad = "x-not-allowed-anywhere" if how == "header-unlisted" else "bad header"
        names.insert(draw(INDEX) % (len(names) + 1), bad)
        acrh = ",".join(names)
    elif how == "header-case" and acrh:
        acrh = _latin1_or(acrh, acrh.upper() if draw(INDEX) % 2 else acrh.title())
    elif how == "header-separators" and acrh:
        acrh = ""
        for index, element in enumerate([*names, "", names[0] if names else " "]):
            acrh += (draw(ACRH_SEPARATOR) if index else "") + element
    elif how == "header-huge" and acrm is not None:
        acrh = pick(draw, HUGE_HEADER_LISTS)
    elif how == "private-network":
        acrpn = "true"
    return Request(request.method, request.path, origin, acrm, acrh, acrpn)


def aimed(draw: st.DrawFn, options: Dict[str, Any], request: Request) -> Request:
    """The request, aimed at what the policy allows, with maybe one near miss."""
    return perturb(draw, options, allowed_request(draw, options, request))


@st.composite
def scenarios(
    draw: st.DrawFn, shape: Optional[str] = None, apps: st.SearchStrategy[AppSpec] = APP_SPECS
) -> Scenario:
    top, resources = draw(configurations())
    scenario = Scenario(top, resources, draw(requests(shape)), draw(apps))
    if resources is not None:  # a path the docs leave to either resource is not drawn
        assume(len(resource_choices(resources, scenario.request.path or "")) == 1)
    options = policy_options(scenario)
    if options is not None and draw(INDEX) % 2:
        scenario = Scenario(top, resources, aimed(draw, options, scenario.request), scenario.app)
    return scenario


def recording_probe(index: int, seen: List[int]) -> Callable[[str], bool]:
    def probe(origin: str) -> bool:
        seen.append(index)
        return True

    probe.__name__ = f"probe_{index}"
    return probe


PROBE_ORIGIN = "https://probe.example"


def near_paths(pattern: Any) -> List[str]:
    """Paths on and around one resource pattern: its own, case-changed, undecoded,
    percent-encoded, one character short or long, below it."""
    if isinstance(pattern, re.Pattern) or is_resource_catch_all(pattern):
        return []
    stem = pattern[:-1] if pattern.endswith("/*") else pattern
    wsgi = wsgi_form(stem)
    return [
        wsgi,
        wsgi + "x",
        wsgi + "x/y",
        wsgi + "/",
        wsgi[:-1],
        wsgi.upper(),
        wsgi.lower(),
        stem,
        wsgi.replace("e", "%65"),
        wsgi.replace("/", "//"),
        wsgi + "../admin",
    ]


#: Paths on and around each regex resource pattern.
NEAR_REGEX_PATHS = [
    "/api/v1/items/7",
    "/api/v1/items/123",
    "/api/v1/items/",
    "/api/v1/items/7x",
    wsgi_form("/api/v1/items/\u0667"),  # an Arabic-Indic digit, as its UTF-8 bytes
    "/a",
    "/ab",
    "/abc",
    "/A",
    "/files/x",
    "/files/x/y",
    "/files/",
    "/FILES/x",
    "/CASE/x",
    "/Case/",
    "/case",
]


@st.composite
def resource_cases(draw: st.DrawFn) -> Tuple[Dict[str, Any], Any, Optional[str]]:
    """A configuration with resources, and a path on or near one of its patterns."""
    top, resources = draw(configurations(resources=True))
    assert resources is not None
    near = [path for pattern, _ in resources for path in near_paths(pattern)]
    if draw(INDEX) % 4 == 0:
        path = draw(PATHS)
    elif near and draw(INDEX) % 3:
        path = pick(draw, near)
    else:
        path = pick(draw, NEAR_REGEX_PATHS)
    return top, resources, path


RESOURCE_CASES = resource_cases()
RESOURCE_APPS = app_specs(st.sampled_from(["normal", "lazy", "exc_info"]))
