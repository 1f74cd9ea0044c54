"""Bounded work on hostile requests, shown structurally, never timed (the classes of SECURITY.md).

The hostile tables of ``tests/conformance/hostile.py`` run here instrumented: each request
value is handed to the middleware as a :class:`Probe`, a ``str`` subclass that records every
Python-level method called on it (``split``, iteration, slicing, ...), and the origin parser
(``wsgi_cors.core.origins.SERIALIZED_ORIGIN``) is replaced by one that counts, so a test can say
"refused by the documented length rule before any split" or "the origin parser never saw
more than 2048 characters". Each request also runs plainly, as
``validator(CORSMiddleware(validator(app)))``; both runs must give the same answer. The
documented answers themselves are asserted in ``tests/conformance/``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
import re
import tracemalloc
from types import MappingProxyType
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Tuple,
    Union,
)
from wsgiref.validate import validator

import pytest
from werkzeug.routing import Map, Rule

from wsgi_cors import CORSMiddleware
from wsgi_cors.core import origins as origins_module
from wsgi_cors.core.http import MAX_WILDCARD_REQUEST_HEADERS_LENGTH, request_headers_length_limit
from wsgi_cors.core.origins import OriginMatcher

from conformance.hostile import (
    ACRH_CONFIGS,
    APP,
    CANONICAL_PATHS,
    EVIL,
    HEADER_BREAKING,
    HEADER_BREAKING_KINDS,
    HEADER_BREAKING_METHOD_OPTIONS,
    HEADER_BREAKING_METHODS,
    HOSTILE_ACRH,
    HOSTILE_PATHS,
    IDN_ROWS,
    JOINED,
    JOINED_CONFIGS,
    KIB64,
    KINDS,
    METHOD_ROWS,
    NON_CANONICAL,
    NOT_A_TOKEN_ACRH,
    NULL_LISTED,
    NULL_MISSPELLINGS,
    OVERLAPPING,
    OVERLAPPING_PATHS,
    PNA_ROWS,
    REAL_ACRH,
    REFLECTING_STAR,
    ROUTED_RESOURCES,
    SHARED_SUFFIX_KINDS,
    SHARED_SUFFIX_TRICKS,
    SUFFIX_TRICKS,
    Kind,
    Options,
    PnaRow,
    fixed,
    header_breaking_kind,
    non_canonical,
)
from conftest import call_wsgi as call
from conftest import make_environ

Header = Tuple[str, str]

#: docs/origins-and-resources.md: a wildcard, regex or predicate only sees an origin of at most this length.
MAX_ORIGIN_LENGTH = 2048
#: A refused Access-Control-Request-Headers value is quoted in the log reason up to this many
#: characters (wsgi_cors/policy.py); it is the only slice of a hostile value ever taken.
REASON_EXCERPT = 200


class Probe(str):
    """A request value that records each Python-level ``str`` method the middleware calls.

    C-level single passes (``len``, hashing, a regex match) are not visible and need not be:
    what makes a parser unbounded is splitting, iterating or slicing in Python.
    """

    calls: List[Tuple[str, Tuple[Any, ...]]]

    def __new__(cls, value: str) -> Probe:
        probe = super().__new__(cls, value)
        probe.calls = []
        return probe

    def names(self) -> List[str]:
        return [name for name, _ in self.calls]

    def slice_lengths(self) -> List[int]:
        lengths = []
        for name, args in self.calls:
            if name == "__getitem__":
                key = args[0]
                size = len(range(*key.indices(len(self)))) if isinstance(key, slice) else 1
                lengths.append(size)
        return lengths


_WATCHED = (
    "__contains__",
    "__getitem__",
    "__iter__",
    "casefold",
    "count",
    "encode",
    "endswith",
    "find",
    "index",
    "lower",
    "lstrip",
    "partition",
    "replace",
    "rfind",
    "rindex",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "startswith",
    "strip",
    "upper",
)


def _watch(name: str) -> Callable[..., Any]:
    method = getattr(str, name)

    def watched(self: Probe, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((name, args))
        return method(self, *args, **kwargs)

    watched.__name__ = name
    return watched


for _name in _WATCHED:
    setattr(Probe, _name, _watch(_name))


class CountingParser:
    """Stands in for ``wsgi_cors.origins.SERIALIZED_ORIGIN`` and records each input's length."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.inputs: List[int] = []

    def fullmatch(self, text: str) -> Optional[re.Match[str]]:
        self.inputs.append(len(text))
        return self.pattern.fullmatch(text)


@contextlib.contextmanager
def counting_origin_parser() -> Iterator[CountingParser]:
    original = origins_module.SERIALIZED_ORIGIN
    parser = CountingParser(original)
    origins_module.SERIALIZED_ORIGIN = parser  # type: ignore[assignment]
    try:
        yield parser
    finally:
        origins_module.SERIALIZED_ORIGIN = original


class App:
    """A WSGI app that counts its calls and always returns the same body object."""

    def __init__(self, headers: Optional[List[Header]] = None) -> None:
        self.headers = headers if headers is not None else [("Content-Type", "text/plain")]
        self.body = [b"app body"]
        self.calls = 0

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        self.calls += 1
        start_response("200 OK", self.headers)
        return self.body


class Answer(NamedTuple):
    status: str
    headers: List[Header]
    body: bytes
    app_calls: int

    def values(self, name: str) -> List[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


class Exchange(NamedTuple):
    answer: Answer
    probes: Dict[str, Probe]
    parser_inputs: List[int]
    predicate_calls: List[str]
    predicates: int


def exchange(
    make_options: Callable[[List[str]], Options],
    *,
    method: str = "GET",
    path: str = "/",
    **headers: Optional[str],
) -> Exchange:
    """Send one request twice (plainly, then instrumented) to fresh middlewares."""
    plain_app = App()
    plain_environ = make_environ(method=method, path=path, **headers)
    middleware = CORSMiddleware(validator(plain_app), **make_options([]))
    status, response_headers, body = call(validator(middleware), plain_environ)
    plain = Answer(status, response_headers, body, plain_app.calls)

    probes = {name: Probe(value) for name, value in headers.items() if value is not None}
    probes["path"] = Probe(path)
    environ = make_environ(
        method=method, **{name: probe for name, probe in probes.items() if name != "path"}
    )
    environ["PATH_INFO"] = probes["path"]
    predicate_calls: List[str] = []
    app = App()
    options = make_options(predicate_calls)
    entries = options.get("origins", "*")
    predicates = sum(1 for entry in entries if callable(entry)) if isinstance(entries, list) else 0
    with counting_origin_parser() as parser:
        status, response_headers, body = call(CORSMiddleware(app, **options), environ)
    instrumented = Answer(status, response_headers, body, app.calls)
    assert instrumented == plain
    return Exchange(plain, probes, parser.inputs, predicate_calls, predicates)


def assert_origin_work_is_bounded(result: Exchange) -> None:
    """The origin was never split, sliced or iterated in Python; the parser saw it at most
    once, and only within the documented 2048-character limit; each predicate at most once."""
    assert result.probes["origin"].calls == []
    assert len(result.parser_inputs) <= 1
    assert all(length <= MAX_ORIGIN_LENGTH for length in result.parser_inputs)
    assert len(result.predicate_calls) <= result.predicates


def parses_as_serialised_origin(origin: str) -> bool:
    return (
        len(origin) <= MAX_ORIGIN_LENGTH
        and origins_module.SERIALIZED_ORIGIN.fullmatch(origin) is not None
    )


def assert_hostile_origin_work_is_bounded(kind: Kind, origin: str) -> None:
    """Actual request and preflight: bounded work; a predicate never sees what does not parse."""
    for request in (
        {"origin": origin},
        {"method": "OPTIONS", "origin": origin, "request_method": "PUT"},
    ):
        result = exchange(kind.make_options, **request)  # type: ignore[arg-type]
        assert_origin_work_is_bounded(result)
        if not parses_as_serialised_origin(origin):
            assert result.predicate_calls == []
            assert result.parser_inputs in ([], [len(origin)])


# --- 2.1 Unanchored / over-broad origin matching --------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_2_1_an_allowed_origin_costs_one_parse_at_most(kind: str) -> None:
    assert_origin_work_is_bounded(exchange(KINDS[kind].make_options, origin=KINDS[kind].allowed))


@pytest.mark.parametrize("origin", SUFFIX_TRICKS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_2_1_suffix_trick_work_is_bounded(kind: str, origin: str) -> None:
    assert_hostile_origin_work_is_bounded(KINDS[kind], origin)


@pytest.mark.parametrize("template", NON_CANONICAL)
@pytest.mark.parametrize("kind", list(KINDS))
def test_2_1_non_canonical_spelling_work_is_bounded(kind: str, template: str) -> None:
    assert_hostile_origin_work_is_bounded(KINDS[kind], non_canonical(KINDS[kind], template))


@pytest.mark.parametrize("origin", SHARED_SUFFIX_TRICKS)
@pytest.mark.parametrize("kind", list(SHARED_SUFFIX_KINDS))
def test_2_1_entries_sharing_a_suffix_work_is_bounded(kind: str, origin: str) -> None:
    make_options, _ = SHARED_SUFFIX_KINDS[kind]
    assert_hostile_origin_work_is_bounded(Kind(make_options, ""), origin)


class CountingKeys(FrozenSet[str]):
    """The wildcard key set of a matcher, recording the length of each key looked up."""

    looked_up: List[int]

    def __contains__(self, key: object) -> bool:
        self.looked_up.append(len(key) if isinstance(key, str) else 0)
        return super().__contains__(key)


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("https://a.b.example.com", id="real-subdomain"),
        pytest.param("https://" + "a" * 2000 + ".example.com", id="one-long-label"),
        pytest.param(
            "https://" + "a." * 1019 + "a",
            id="2-KiB-of-one-letter-labels",
        ),
        pytest.param(
            "https://" + "a." * 1013 + "example.com",
            id="2-KiB-of-labels-ending-in-the-suffix",
        ),
    ],
)
def test_2_1_wildcard_match_work_is_linear_in_the_origin_length(origin: str) -> None:
    assert len(origin) <= MAX_ORIGIN_LENGTH
    middleware = CORSMiddleware(App(), origins=["https://*.example.com", "http://localhost:*"])
    matcher = middleware.resources.policies[0].matcher
    keys = CountingKeys(matcher.patterns)
    keys.looked_up = []
    matcher.patterns = keys
    call(middleware, make_environ(origin=origin))
    assert sum(keys.looked_up) <= 4 * len(origin) + 64


# --- 2.4 Access-Control-Request-Headers parsing (rs/cors CVE-2025-47908) ---------------------

ACRH_LIMITS = {
    "list": request_headers_length_limit(("X-Custom", "Content-Type")),
    "star": MAX_WILDCARD_REQUEST_HEADERS_LENGTH,
}


def acrh_preflight(config: str, value: str) -> Exchange:
    return exchange(
        fixed(ACRH_CONFIGS[config]),
        method="OPTIONS",
        origin=APP,
        request_method="PUT",
        request_headers=value,
    )


def assert_acrh_work_is_bounded(result: Exchange, limit: int) -> None:
    """Never iterated; split at most once and only within the documented length limit; the
    only slice is the excerpt quoted in the log reason."""
    probe = result.probes["request_headers"]
    assert set(probe.names()) <= {"split", "__getitem__"}
    assert probe.names().count("split") <= (1 if len(probe) <= limit else 0)
    assert all(length <= REASON_EXCERPT for length in probe.slice_lengths())


@pytest.mark.parametrize("value", HOSTILE_ACRH)
@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_hostile_request_headers_are_refused_before_any_split(config: str, value: str) -> None:
    result = acrh_preflight(config, value)
    assert result.answer.status == "403 Forbidden"
    assert len(value) > ACRH_LIMITS[config]
    assert "split" not in result.probes["request_headers"].names()
    assert_acrh_work_is_bounded(result, ACRH_LIMITS[config])


@pytest.mark.parametrize(("value", "reflected"), REAL_ACRH)
@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_real_request_header_lists_are_read_with_one_split(
    config: str, value: str, reflected: str
) -> None:
    result = acrh_preflight(config, value)
    assert result.answer.status == "204 No Content"
    assert_acrh_work_is_bounded(result, ACRH_LIMITS[config])
    assert result.probes["request_headers"].names() == ["split"]


@pytest.mark.parametrize("value", NOT_A_TOKEN_ACRH)
@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_request_header_element_that_is_not_a_token_work_is_bounded(
    config: str, value: str
) -> None:
    assert_acrh_work_is_bounded(acrh_preflight(config, value), ACRH_LIMITS[config])


@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_request_headers_beyond_the_limit_are_refused_unread(config: str) -> None:
    limit = ACRH_LIMITS[config]
    at_limit = "x-custom,content-type" + "," * (limit - len("x-custom,content-type"))
    assert acrh_preflight(config, at_limit).answer.status == "204 No Content"
    refused = acrh_preflight(config, at_limit + ",")
    assert refused.answer.status == "403 Forbidden"
    assert refused.probes["request_headers"].names() == []  # refused by length alone


def retained_bytes(send_one: Callable[[int], None], count: int) -> int:
    """Bytes still allocated after ``count`` requests, their request values long dropped."""
    send_one(-1)  # warm up: lazily built module state is not request data
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for index in range(count):
            send_one(index)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before


@pytest.mark.parametrize(
    ("options", "request_for"),
    [
        pytest.param(
            {},
            lambda i, big: {"origin": f"{big}{i}", "request_method": "PUT"},
            id="long-origin-under-star",
        ),
        pytest.param(
            {"origins": [APP], "methods": "*", "supports_credentials": True},
            lambda i, big: {"origin": APP, "request_method": f"X{i}{big}"},
            id="long-method-under-star-methods",
        ),
        pytest.param(
            {"origins": [APP]},
            lambda i, big: {"origin": APP, "request_method": "PUT", "private_network": f"{big}{i}"},
            id="long-private-network-value",
        ),
        pytest.param(
            {"origins": [APP], "allow_headers": "*"},
            lambda i, big: {"origin": APP, "request_method": "PUT", "request_headers": big},
            id="long-request-headers",
        ),
        pytest.param(
            {"origins": [APP]},
            lambda i, big: {"origin": f"{APP}{i}{big}", "request_method": "PUT"},
            id="long-refused-origin",
        ),
    ],
)
def test_2_4_preflight_memo_never_retains_a_long_request_value(
    options: Options, request_for: Callable[[int, str], Dict[str, str]]
) -> None:
    middleware = CORSMiddleware(App(), **options)
    big = "a" * KIB64

    def send_one(index: int) -> None:
        environ = make_environ(method="OPTIONS", **request_for(index, big))
        call(middleware, environ)

    # 32 distinct 64 KiB values: 2 MiB if remembered, a few KiB if not.
    assert retained_bytes(send_one, 32) < 256 * 1024


# --- 2.5 Header injection via CR/LF, and other unparsable origins ---------------------------


@pytest.mark.parametrize("template", HEADER_BREAKING)
@pytest.mark.parametrize("kind", HEADER_BREAKING_KINDS)
def test_2_5_header_breaking_origin_work_is_bounded(kind: str, template: str) -> None:
    chosen = header_breaking_kind(kind)
    origin = template.replace("{o}", chosen.allowed)
    assert_hostile_origin_work_is_bounded(chosen, origin)
    assert not parses_as_serialised_origin(origin)


@pytest.mark.parametrize(
    ("length", "allowed"),
    [
        pytest.param(MAX_ORIGIN_LENGTH, True, id="2048-characters"),
        pytest.param(MAX_ORIGIN_LENGTH + 1, False, id="2049-characters"),
    ],
)
def test_2_5_an_origin_beyond_the_length_limit_is_never_parsed(length: int, allowed: bool) -> None:
    origin = "https://" + "a" * (length - len("https://.example.com")) + ".example.com"
    for kind in (REFLECTING_STAR, KINDS["wildcard"], KINDS["predicate"]):
        result = exchange(kind.make_options, origin=origin)
        assert result.answer.values("Access-Control-Allow-Origin") == ([origin] if allowed else [])
        # A reflecting '*' needs no parse (any header-safe value is echoed); the others parse
        # an origin within the limit once.
        parsed = allowed and kind is not REFLECTING_STAR
        assert result.parser_inputs == ([length] if parsed else [])
        assert_origin_work_is_bounded(result)


@pytest.mark.parametrize(("options", "origin", "allowed"), IDN_ROWS)
def test_2_5_idn_origin_work_is_bounded(options: Options, origin: str, allowed: bool) -> None:
    assert_origin_work_is_bounded(exchange(fixed(options), origin=origin))


@pytest.mark.parametrize("origin", JOINED)
@pytest.mark.parametrize("config", list(JOINED_CONFIGS))
def test_2_5_origin_values_joined_by_the_server_work_is_bounded(config: str, origin: str) -> None:
    assert_hostile_origin_work_is_bounded(Kind(JOINED_CONFIGS[config], ""), origin)


@pytest.mark.parametrize("request_method", HEADER_BREAKING_METHODS)
@pytest.mark.parametrize("options", HEADER_BREAKING_METHOD_OPTIONS)
def test_2_5_header_breaking_request_method_is_never_worked_on(
    options: Options, request_method: str
) -> None:
    result = exchange(fixed(options), method="OPTIONS", origin=APP, request_method=request_method)
    assert result.answer.status == "403 Forbidden"
    assert result.probes["request_method"].calls == []


# --- 2.6 Methods are compared whole -------------------------------------------------------------


@pytest.mark.parametrize(("options", "request_method", "allow_methods"), METHOD_ROWS)
def test_2_6_request_method_is_compared_without_python_work(
    options: Options, request_method: str, allow_methods: Optional[str]
) -> None:
    result = exchange(fixed(options), method="OPTIONS", origin=APP, request_method=request_method)
    assert result.probes["request_method"].calls == []


# --- 2.7 The null origin --------------------------------------------------------------------


@pytest.mark.parametrize("origin", NULL_MISSPELLINGS)
def test_2_7_null_spelled_otherwise_work_is_bounded(origin: str) -> None:
    assert_hostile_origin_work_is_bounded(NULL_LISTED, origin)


# --- 2.8 Path matching (per-path resources) -------------------------------------------------


@pytest.mark.parametrize(("path_info", "literal"), HOSTILE_PATHS)
def test_2_8_hostile_path_selects_the_literal_match_with_bounded_work(
    path_info: str, literal: Union[str, Dict[str, Optional[str]], None]
) -> None:
    if isinstance(literal, dict):
        literal = literal["wsgi"]  # this test drives the WSGI shell
    middleware = CORSMiddleware(App(), resources=ROUTED_RESOURCES)
    by_resource = {key: middleware.resources.select(path) for key, path in CANONICAL_PATHS.items()}
    selected = middleware.resources.select(path_info)
    expected = by_resource[literal] if literal is not None else None
    assert selected is expected, "selection is not the documented literal match"

    result = exchange(fixed({"resources": ROUTED_RESOURCES}), path=path_info, origin=EVIL)
    probe = result.probes["path"]
    assert set(probe.names()) <= {"__getitem__", "__contains__", "endswith"}
    assert all(length <= len("/api/public/") for length in probe.slice_lengths())
    # one slice per distinct configured prefix length, plus the normalisation scans
    assert len(probe.calls) <= 8


OVERLAPPING_ROUTER = Map(
    [
        Rule("/", endpoint="/*"),
        Rule("/<path:rest>", endpoint="/*"),
        Rule("/api/", endpoint="/api/*"),
        Rule("/api/<path:rest>", endpoint="/api/*"),
        Rule("/api/public/", endpoint="/api/public/*"),
        Rule("/api/public/<path:rest>", endpoint="/api/public/*"),
        Rule("/api/public/health", endpoint="/api/public/health"),
    ]
)


@pytest.mark.parametrize("path_info", OVERLAPPING_PATHS)
def test_2_8_overlapping_resources_win_as_the_router_decides_in_any_declaration_order(
    path_info: str,
) -> None:
    chosen = set()
    for order in itertools.permutations(OVERLAPPING):
        middleware = CORSMiddleware(App(), resources={key: OVERLAPPING[key] for key in order})
        policy = middleware.resources.select(path_info)
        assert policy is not None
        chosen.add(next(iter(policy.matcher.exact)))
    assert len(chosen) == 1, chosen
    endpoint, _ = OVERLAPPING_ROUTER.bind("testserver").match(path_info)
    assert chosen == set(OVERLAPPING[endpoint]["origins"])


# --- 2.9 Private Network Access -------------------------------------------------------------


@pytest.mark.parametrize("row", PNA_ROWS)
def test_2_9_private_network_value_is_lower_cased_once_at_most(row: PnaRow) -> None:
    request = dict(row.request)
    method = request.pop("method", "GET")
    result = exchange(fixed(row.options), method=method, path=row.path, **request)
    if "private_network" in result.probes:
        # Compared case-insensitively with 'true' (one lower-casing); never split or sliced.
        assert set(result.probes["private_network"].names()) <= {"lower"}
    assert int(result.answer.status[:3]) == row.status


# --- 2.10 Shared mutable state between requests ---------------------------------------------


def assert_immutable(value: Any, where: str) -> None:
    """Strings, numbers, tuples, frozensets, patterns and callables all the way down; a dict
    is allowed only as a memo whose keys and values are immutable."""
    if value is None or isinstance(value, (str, bytes, int, float, re.Pattern)):
        return
    if dataclasses.is_dataclass(value) and type(value).__dataclass_params__.frozen:  # type: ignore[attr-defined]
        for field in dataclasses.fields(value):
            assert_immutable(getattr(value, field.name), f"{where}.{field.name}")
        return
    if isinstance(value, MappingProxyType):
        value = dict(value)
    if isinstance(value, (tuple, frozenset)):
        for index, item in enumerate(value):
            assert_immutable(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_immutable(key, f"{where} key {key!r}")
            assert_immutable(item, f"{where}[{key!r}]")
    elif isinstance(value, OriginMatcher):
        for slot in type(value).__slots__:
            assert_immutable(getattr(value, slot), f"{where}.{slot}")
    elif callable(value):
        return
    else:
        pytest.fail(f"{where} is a mutable {type(value).__name__}: {value!r}")


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({}, id="star"),
        pytest.param({"send_wildcard": False, "max_age": 600}, id="star-reflecting"),
        pytest.param(
            {
                "origins": [APP, "https://*.example.org", re.compile(r"https://x\.test")],
                "supports_credentials": True,
                "allow_headers": ["X-Custom", re.compile(r"x-app-[a-z]+")],
                "expose_headers": ["X-Total"],
                "methods": "*",
                "allow_private_network": True,
            },
            id="everything",
        ),
    ],
)
def test_2_10_precomputed_values_are_tuples_and_strings(options: Options) -> None:
    middleware = CORSMiddleware(App(), **options)
    for origin in (APP, "https://a.example.org", "https://x.test", EVIL, "null"):
        call(middleware, make_environ(origin=origin))
        call(
            middleware,
            make_environ(
                method="OPTIONS",
                origin=origin,
                request_method="PUT",
                request_headers="x-custom",
                private_network="true",
            ),
        )
    for table_policy in middleware.resources.policies:
        for slot in type(table_policy).__slots__:
            assert_immutable(getattr(table_policy, slot), f"Policy.{slot}")
