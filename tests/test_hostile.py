"""Hostile requests: one table per vulnerability class of shared/PEERS.md section 2.

Sections follow PEERS.md 2.1 ... 2.11, and test names read as the rule they check, so that
SECURITY.md can cite them. Every row of a hostile table asserts three things:

1. **the documented answer** (README "Origins", "Resources", "Behaviour in detail" and
   "Security decisions"): a refused origin still reaches the app, which answers untouched
   apart from ``Vary``; a refused preflight is ``403`` with a fixed body and no CORS header;
2. **bounded work, shown structurally, never timed**: the hostile request value is handed to
   the middleware as a :class:`Probe`, a ``str`` subclass that records every Python-level
   method called on it (``split``, iteration, slicing, ...), and the origin parser is
   counted, so a test can say "refused by the documented length rule before any split" or
   "the origin parser never saw more than 2048 characters";
3. **nothing that did not validate is echoed**: no header value and no body byte of the
   answer contains the hostile value, and every answer passes ``wsgiref.validate`` (which
   rejects any control character in a header).

Each row runs twice on a fresh middleware: plainly, as
``validator(CORSMiddleware(validator(app)))``, and instrumented (``Probe`` values, no
validator, since it insists on exact ``str``); both runs must give the same answer.
Rows that document a bug are ``xfail(strict=True)`` with the reason.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import re
import tracemalloc
from http import HTTPStatus
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Tuple,
)
from urllib.parse import urlsplit
from wsgiref.validate import validator

import pytest
from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, Map, RequestRedirect, Rule

from wsgi_cors import CORSMiddleware
from wsgi_cors import origins as origins_module
from wsgi_cors.flask import CORS
from wsgi_cors.origins import OriginMatcher
from wsgi_cors.policy import PREFLIGHT_VARY, REFUSED_PREFLIGHT_BODY, Policy
from wsgi_cors.tokens import MAX_WILDCARD_REQUEST_HEADERS_LENGTH, request_headers_length_limit

from conftest import call_wsgi as call
from conftest import make_environ

Header = Tuple[str, str]
Options = Dict[str, Any]

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACAPN = "Access-Control-Allow-Private-Network"
CORS_HEADERS = frozenset(
    name.lower()
    for name in (
        ACAO,
        ACAC,
        ACAM,
        ACAH,
        ACAPN,
        "Access-Control-Expose-Headers",
        "Access-Control-Max-Age",
    )
)

APP = "https://app.example.com"
ADMIN = "https://admin.example.com"
EVIL = "https://evil.example.net"

KIB64 = 64 * 1024
#: README "Origins": a wildcard, regex or predicate only sees an origin of at most this length.
MAX_ORIGIN_LENGTH = 2048
#: A refused Access-Control-Request-Headers value is quoted in the log reason up to this many
#: characters (wsgi_cors/policy.py); it is the only slice of a hostile value ever taken.
REASON_EXCERPT = 200

APP_STATUS = "200 OK"
APP_HEADERS: List[Header] = [("Content-Type", "text/plain; charset=utf-8")]
APP_BODY = b"app body"
REFUSED_PREFLIGHT_HEADERS: List[Header] = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", str(len(REFUSED_PREFLIGHT_BODY))),
    ("Vary", PREFLIGHT_VARY),
]


def wsgi_str(text: str) -> str:
    """How a WSGI server hands over UTF-8 request bytes: decoded as latin-1 (PEP 3333)."""
    return text.encode("utf-8").decode("latin-1")


# --- Harness --------------------------------------------------------------------------------


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

    def __init__(self, status: str = APP_STATUS, headers: Optional[List[Header]] = None) -> None:
        self.status = status
        self.headers = headers if headers is not None else APP_HEADERS
        self.body = [APP_BODY]
        self.calls = 0

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        self.calls += 1
        start_response(self.status, self.headers)
        return self.body


class Answer(NamedTuple):
    status: str
    headers: List[Header]
    body: bytes
    app_calls: int

    def values(self, name: str) -> List[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def cors(self) -> List[Header]:
        return [(key, value) for key, value in self.headers if key.lower() in CORS_HEADERS]


class Exchange(NamedTuple):
    answer: Answer
    probes: Dict[str, Probe]
    parser_inputs: List[int]
    predicate_calls: List[str]
    predicates: int


def send(options: Options, environ: Dict[str, Any], app: Optional[App] = None) -> Answer:
    """One request through ``validator(CORSMiddleware(validator(app), **options))``."""
    inner = app if app is not None else App()
    status, headers, body = call(validator(CORSMiddleware(validator(inner), **options)), environ)
    return Answer(status, headers, body, inner.calls)


def exchange(
    make_options: Callable[[List[str]], Options],
    *,
    method: str = "GET",
    path: str = "/",
    app_factory: Callable[[], App] = App,
    **headers: Optional[str],
) -> Exchange:
    """Send one request twice (plainly, then instrumented) to fresh middlewares.

    ``make_options(calls)`` builds the options; a predicate in them appends what it is asked
    about to ``calls``. Returns the answer, the probes of the instrumented run, the lengths
    the origin parser saw, and the predicate's calls.
    """
    plain = send(make_options([]), make_environ(method=method, path=path, **headers), app_factory())
    probes = {name: Probe(value) for name, value in headers.items() if value is not None}
    probes["path"] = Probe(path)
    environ = make_environ(
        method=method, **{name: probe for name, probe in probes.items() if name != "path"}
    )
    environ["PATH_INFO"] = probes["path"]
    predicate_calls: List[str] = []
    app = app_factory()
    options = make_options(predicate_calls)
    entries = options.get("origins", "*")
    predicates = sum(1 for entry in entries if callable(entry)) if isinstance(entries, list) else 0
    middleware = CORSMiddleware(app, **options)
    with counting_origin_parser() as parser:
        status, response_headers, body = call(middleware, environ)
    instrumented = Answer(status, response_headers, body, app.calls)
    assert instrumented == plain
    return Exchange(plain, probes, parser.inputs, predicate_calls, predicates)


def fixed(options: Options) -> Callable[[List[str]], Options]:
    return lambda calls: options


def assert_not_echoed(answer: Answer, *hostile: str) -> None:
    """No header and no body byte carries a request value that did not validate."""
    for value in hostile:
        if not value:
            continue
        for name, header_value in answer.headers:
            assert value not in header_value, (name, header_value)
        encoded = value.encode("utf-8", "surrogatepass")
        assert encoded not in answer.body
    for name, header_value in answer.headers:
        assert re.search(r"[\x00-\x1f\x7f]", name + header_value) is None, (name, header_value)
        header_value.encode("latin-1")


def assert_refused_actual(answer: Answer, *, vary: bool = True) -> None:
    """The documented answer to a refused origin: the app's own response plus ``Vary``."""
    assert answer.app_calls == 1
    assert answer.status == APP_STATUS
    assert answer.body == APP_BODY
    assert answer.headers == APP_HEADERS + ([("Vary", "Origin")] if vary else [])


def assert_refused_preflight(answer: Answer) -> None:
    """The documented answer to a refused preflight: 403, a fixed body, no CORS header."""
    assert answer.app_calls == 0
    assert answer.status == "403 Forbidden"
    assert answer.body == REFUSED_PREFLIGHT_BODY
    assert answer.headers == REFUSED_PREFLIGHT_HEADERS


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


# --- The kinds of origin entries ------------------------------------------------------------


def recording(predicate: Callable[[str], bool], calls: List[str]) -> Callable[[str], bool]:
    def recorded(origin: str) -> bool:
        origin = str(origin)  # the predicate's own work on it is not the middleware's
        calls.append(origin)
        return predicate(origin)

    return recorded


def host_is_example_com(origin: str) -> bool:
    """A predicate written the lenient way, on ``urlsplit``: it lower-cases the host, ignores
    paths, queries, fragments and user information, and drops tabs and newlines. Hostile
    origins are refused only because it is shown nothing that is not a serialised origin."""
    parts = urlsplit(origin)
    host = parts.hostname or ""
    return (
        parts.scheme == "https"
        and parts.port is None
        and (host == "example.com" or host.endswith(".example.com"))
    )


class Kind(NamedTuple):
    make_options: Callable[[List[str]], Options]
    allowed: str


#: One configuration per kind of entry, all with credentials, and an origin each allows.
KINDS: Dict[str, Kind] = {
    "exact": Kind(
        lambda calls: {"origins": ["https://example.com"], "supports_credentials": True},
        "https://example.com",
    ),
    "wildcard": Kind(
        lambda calls: {"origins": ["https://*.example.com"], "supports_credentials": True},
        "https://a.example.com",
    ),
    "regex": Kind(
        lambda calls: {
            "origins": [re.compile(r"https://([a-z0-9-]+\.)*example\.com")],
            "supports_credentials": True,
        },
        "https://example.com",
    ),
    "predicate": Kind(
        lambda calls: {
            "origins": [recording(host_is_example_com, calls)],
            "supports_credentials": True,
        },
        "https://example.com",
    ),
}
#: ``origins="*"`` reflecting the Origin: it too only echoes a serialised origin.
REFLECTING_STAR = Kind(lambda calls: {"origins": "*", "send_wildcard": False}, EVIL)


def assert_hostile_origin_refused(kind: Kind, origin: str) -> None:
    """Actual request and preflight: the documented refusal, bounded work, nothing echoed."""
    for request in (
        {"origin": origin},
        {"method": "OPTIONS", "origin": origin, "request_method": "PUT"},
    ):
        result = exchange(kind.make_options, **request)  # type: ignore[arg-type]
        if "request_method" in request:
            assert_refused_preflight(result.answer)
        else:
            assert_refused_actual(result.answer)
        assert_origin_work_is_bounded(result)
        if not parses_as_serialised_origin(origin):
            assert result.predicate_calls == []
            assert result.parser_inputs in ([], [len(origin)])
        assert_not_echoed(result.answer, origin, "evil", "Injected")


# --- 2.1 Unanchored / over-broad origin matching --------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_2_1_each_entry_kind_allows_its_own_origin_byte_exact(kind: str) -> None:
    """The control for every table below: the harness does see an allowed answer."""
    origin = KINDS[kind].allowed
    actual = exchange(KINDS[kind].make_options, origin=origin)
    assert actual.answer.values(ACAO) == [origin]
    assert actual.answer.values(ACAC) == ["true"]
    assert_origin_work_is_bounded(actual)
    preflight = exchange(
        KINDS[kind].make_options, method="OPTIONS", origin=origin, request_method="PUT"
    )
    assert preflight.answer.status == "204 No Content"
    assert preflight.answer.values(ACAO) == [origin]


SUFFIX_TRICKS = [
    pytest.param("https://example.com.evil.com", id="example.com.evil.com"),
    pytest.param("https://evilexample.com", id="evilexample.com"),
    pytest.param("https://example.comevil.com", id="example.comevil.com"),
    pytest.param("https://xexample.com", id="xexample.com"),
    pytest.param("https://example.com.", id="trailing-dot"),
    pytest.param("https://a.example.com.evil.com", id="a.example.com.evil.com"),
    pytest.param("https://a.example.com.", id="subdomain-trailing-dot"),
    pytest.param("https://example.com-evil.com", id="example.com-evil.com"),
    pytest.param("https://evil.com#.example.com", id="fragment-ending-in-example.com"),
    pytest.param("https://evil.com/.example.com", id="path-ending-in-example.com"),
    pytest.param("https://evil.com?.example.com", id="query-ending-in-example.com"),
]


@pytest.mark.parametrize("origin", SUFFIX_TRICKS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_2_1_suffix_trick_is_rejected(kind: str, origin: str) -> None:
    assert_hostile_origin_refused(KINDS[kind], origin)


#: Spellings of a kind's allowed origin that browsers never send ({o}: the origin, {h}: host).
NON_CANONICAL = [
    pytest.param("http://{h}", id="scheme-downgrade"),
    pytest.param("https://{h}:8443", id="extra-port"),
    pytest.param("https://{h}:443", id="explicit-default-port"),
    pytest.param("HTTPS://{h}", id="upper-case-scheme"),
    pytest.param("https://{H}", id="upper-case-host"),
    pytest.param("{o}/", id="trailing-slash"),
    pytest.param("{o}/path", id="path"),
    pytest.param("{o}?", id="empty-query"),
    pytest.param("{o}?x=1", id="query"),
    pytest.param("{o}#", id="empty-fragment"),
    pytest.param("{o}#x", id="fragment"),
    pytest.param("https://user@{h}", id="userinfo"),
    pytest.param("https://user:password@{h}", id="userinfo-with-password"),
    pytest.param("https://{h}@evil.com", id="userinfo-hiding-the-real-host"),
    pytest.param("https://{h}:", id="empty-port"),
    pytest.param("https://{h}:0443", id="port-with-leading-zero"),
]


@pytest.mark.parametrize("template", NON_CANONICAL)
@pytest.mark.parametrize("kind", list(KINDS))
def test_2_1_non_canonical_spelling_is_rejected(kind: str, template: str) -> None:
    allowed = KINDS[kind].allowed
    host = urlsplit(allowed).hostname or ""
    origin = template.format(o=allowed, h=host, H=host.upper())
    assert_hostile_origin_refused(KINDS[kind], origin)


def same_host(host: str) -> Callable[[str], bool]:
    return lambda origin: urlsplit(origin).hostname == host


#: Entries for foo.com and bar.com, per kind (jub0bs/cors GHSA-vhxv-fg4m-p2w8).
SHARED_SUFFIX_KINDS: Dict[str, Tuple[Callable[[List[str]], Options], Tuple[str, str]]] = {
    "exact": (
        fixed({"origins": ["https://foo.com", "https://bar.com"]}),
        ("https://foo.com", "https://bar.com"),
    ),
    "wildcard": (
        fixed({"origins": ["https://*.foo.com", "https://*.bar.com"]}),
        ("https://a.foo.com", "https://a.bar.com"),
    ),
    "regex": (
        fixed({"origins": [re.compile(r"https://foo\.com"), re.compile(r"https://bar\.com")]}),
        ("https://foo.com", "https://bar.com"),
    ),
    "regex-alternation": (
        fixed({"origins": [re.compile(r"https://foo\.com|https://bar\.com")]}),
        ("https://foo.com", "https://bar.com"),
    ),
    "predicate": (
        lambda calls: {
            "origins": [
                recording(same_host("foo.com"), calls),
                recording(same_host("bar.com"), calls),
            ]
        },
        ("https://foo.com", "https://bar.com"),
    ),
    "mixed": (
        lambda calls: {
            "origins": ["https://foo.com", "https://*.bar.com", recording(same_host("x"), calls)]
        },
        ("https://foo.com", "https://a.bar.com"),
    ),
}


@pytest.mark.parametrize(
    "origin",
    [
        "https://barfoo.com",
        "https://foobar.com",
        "https://a.barfoo.com",
        "https://foo.combar.com",
        "https://bar.comfoo.com",
        "https://barfoo.com.",
    ],
)
@pytest.mark.parametrize("kind", list(SHARED_SUFFIX_KINDS))
def test_2_1_entries_sharing_a_suffix_do_not_combine(kind: str, origin: str) -> None:
    make_options, _ = SHARED_SUFFIX_KINDS[kind]
    assert_hostile_origin_refused(Kind(make_options, ""), origin)


@pytest.mark.parametrize("kind", list(SHARED_SUFFIX_KINDS))
def test_2_1_entries_sharing_a_suffix_still_allow_their_own_origins(kind: str) -> None:
    make_options, allowed = SHARED_SUFFIX_KINDS[kind]
    for origin in allowed:
        assert exchange(make_options, origin=origin).answer.values(ACAO) == [origin]


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
    matcher = middleware.policy.matcher
    keys = CountingKeys(matcher.patterns)
    keys.looked_up = []
    matcher.patterns = keys
    call(middleware, make_environ(origin=origin))
    assert sum(keys.looked_up) <= 4 * len(origin) + 64


# --- 2.2 Origin reflection with credentials -------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("https://example.com.evil.com", id="suffix-trick"),
        pytest.param("https://EXAMPLE.com", id="upper-case"),
        pytest.param("https://example.com\r\nX-Injected: 1", id="crlf"),
        pytest.param("null", id="null"),
        pytest.param("*", id="literal-star"),
        pytest.param("", id="empty"),
    ],
)
@pytest.mark.parametrize("kind", list(KINDS))
def test_2_2_credentials_go_only_with_the_validated_request_origin(kind: str, origin: str) -> None:
    """With credentials, Allow-Credentials appears only next to an Allow-Origin equal to the
    request's own origin: never with '*', another entry, or a refused origin."""
    for candidate in (origin, KINDS[kind].allowed):
        for request in (
            {"origin": candidate},
            {"method": "OPTIONS", "origin": candidate, "request_method": "PUT"},
        ):
            answer = exchange(KINDS[kind].make_options, **request).answer  # type: ignore[arg-type]
            allowed = candidate == KINDS[kind].allowed
            assert answer.values(ACAO) == ([candidate] if allowed else [])
            assert answer.values(ACAC) == (["true"] if allowed else [])


# --- 2.3 Missing or clobbered Vary ----------------------------------------------------------


@pytest.mark.parametrize(
    ("app_vary", "expected"),
    [
        pytest.param(None, ["Origin"], id="app-without-vary"),
        pytest.param(["Accept-Encoding"], ["Accept-Encoding, Origin"], id="merged"),
        pytest.param(["accept-encoding", "ORIGIN"], ["accept-encoding", "ORIGIN"], id="present"),
        pytest.param(["*"], ["*"], id="vary-star-left-alone"),
    ],
)
@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("https://example.com\r\nVary: Cookie", id="crlf-forging-vary"),
        pytest.param("https://example.com, https://evil.com", id="joined-origins"),
        pytest.param("null", id="null"),
        pytest.param("x" * KIB64, id="64-KiB"),
    ],
)
def test_2_3_hostile_origin_still_varies_on_origin(
    origin: str, app_vary: Optional[List[str]], expected: List[str]
) -> None:
    headers = APP_HEADERS + [("Vary", value) for value in app_vary or []]
    answer = exchange(
        KINDS["exact"].make_options, origin=origin, app_factory=lambda: App(headers=headers)
    ).answer
    assert answer.cors() == []
    assert answer.values("Vary") == expected
    assert_not_echoed(answer, origin)


# --- 2.4 Access-Control-Request-Headers parsing (rs/cors CVE-2025-47908) ---------------------

ACRH_CONFIGS: Dict[str, Options] = {
    "list": {"origins": [APP], "allow_headers": ["X-Custom", "Content-Type"]},
    "star": {"origins": [APP], "allow_headers": "*", "supports_credentials": True},
}
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


HOSTILE_ACRH = [
    pytest.param("," * KIB64, id="64-KiB-of-commas"),
    pytest.param(" " * KIB64, id="64-KiB-of-spaces"),
    pytest.param(", " * (KIB64 // 2), id="64-KiB-of-empty-elements"),
    pytest.param("\t," * (KIB64 // 2), id="64-KiB-of-tab-elements"),
    pytest.param("x" * KIB64, id="one-64-KiB-token"),
    pytest.param("x-custom," * (KIB64 // 9), id="64-KiB-of-one-allowed-name"),
    pytest.param("X-Custom, " * (KIB64 // 10), id="64-KiB-of-one-allowed-name-mixed-case"),
    pytest.param(
        "x-custom," * (KIB64 // 18) + ",content-type" * (KIB64 // 26), id="64-KiB-two-lines-joined"
    ),
]


@pytest.mark.parametrize("value", HOSTILE_ACRH)
@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_hostile_request_headers_are_refused_before_any_split(config: str, value: str) -> None:
    result = acrh_preflight(config, value)
    assert_refused_preflight(result.answer)
    assert len(value) > ACRH_LIMITS[config]
    assert "split" not in result.probes["request_headers"].names()
    assert_acrh_work_is_bounded(result, ACRH_LIMITS[config])
    assert_not_echoed(result.answer, value[:64], "x-custom", "content-type")


#: Real lists, in the shapes servers hand them over (two lines joined as 'a,b' by wsgiref and
#: Werkzeug, 'a, b' by waitress), and the answer each configuration documents.
REAL_ACRH = [
    pytest.param("x-custom,content-type", "x-custom, content-type", id="joined-with-comma"),
    pytest.param("x-custom, content-type", "x-custom, content-type", id="joined-comma-space"),
    pytest.param("X-Custom,CONTENT-TYPE", "x-custom, content-type", id="mixed-case"),
    pytest.param("x-custom,x-custom", "x-custom", id="same-name-on-two-lines"),
    pytest.param("x-custom, X-CUSTOM", "x-custom", id="same-name-two-cases"),
    pytest.param("x-custom,", "x-custom", id="second-line-empty"),
    pytest.param("\tx-custom\t,  content-type ", "x-custom, content-type", id="optional-space"),
    pytest.param(",,x-custom,,", "x-custom", id="a-few-empty-elements"),
]


@pytest.mark.parametrize(("value", "reflected"), REAL_ACRH)
@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_real_request_header_lists_are_accepted_with_bounded_work(
    config: str, value: str, reflected: str
) -> None:
    result = acrh_preflight(config, value)
    assert result.answer.status == "204 No Content"
    expected = "X-Custom, Content-Type" if config == "list" else reflected
    assert result.answer.values(ACAH) == [expected]
    assert_acrh_work_is_bounded(result, ACRH_LIMITS[config])
    assert result.probes["request_headers"].names() == ["split"]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("x-custom\r\nX-Injected: 1", id="crlf"),
        pytest.param("x-custom\r\n X-Injected: 1", id="obs-fold"),
        pytest.param("x-custom\x00", id="nul"),
        pytest.param("x-custom;evil", id="semicolon"),
        pytest.param("x-custom:evil", id="colon"),
        pytest.param("x custom", id="inner-space"),
        pytest.param("x-cust\xf6m", id="latin-1"),
        pytest.param(wsgi_str("x-cust\u00f6m"), id="utf-8-as-latin-1"),
        pytest.param('x-custom,"evil"', id="quoted"),
    ],
)
@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_request_header_element_that_is_not_a_token_fails_the_preflight(
    config: str, value: str
) -> None:
    result = acrh_preflight(config, value)
    assert_refused_preflight(result.answer)
    assert_acrh_work_is_bounded(result, ACRH_LIMITS[config])
    assert_not_echoed(result.answer, value, "evil", "Injected")


@pytest.mark.parametrize("config", list(ACRH_CONFIGS))
def test_2_4_request_headers_length_limit_is_exact(config: str) -> None:
    """At the documented limit a valid list is read; one byte more is refused unread."""
    limit = ACRH_LIMITS[config]
    at_limit = "x-custom,content-type" + "," * (limit - len("x-custom,content-type"))
    assert len(at_limit) == limit
    accepted = acrh_preflight(config, at_limit)
    assert accepted.answer.status == "204 No Content"
    refused = acrh_preflight(config, at_limit + ",")
    assert_refused_preflight(refused.answer)
    assert refused.probes["request_headers"].names() == []  # refused by length alone


def test_2_4_wildcard_reflects_at_most_the_limit_of_validated_names() -> None:
    names = ",".join(f"x-h{i:05d}" for i in range(MAX_WILDCARD_REQUEST_HEADERS_LENGTH // 9))
    assert len(names) <= MAX_WILDCARD_REQUEST_HEADERS_LENGTH
    reflected = acrh_preflight("star", names).answer.values(ACAH)
    assert reflected == [names.replace(",", ", ")]
    assert_refused_preflight(acrh_preflight("star", names + ",x-h99999").answer)


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

TEN_KIB_OF_LABELS = "https://" + "a." * 5120 + "example.com"

#: Origins no kind may echo ({o}: the kind's allowed origin).
HEADER_BREAKING = [
    pytest.param("{o}\r\nX-Injected: 1", id="crlf"),
    pytest.param("{o}\nX-Injected: 1", id="lf"),
    pytest.param("{o}\rX-Injected: 1", id="cr"),
    pytest.param("{o}\r\n", id="trailing-crlf"),
    pytest.param("{o}\x00", id="trailing-nul"),
    pytest.param("{o}\x00X-Injected: 1", id="nul-then-header"),
    pytest.param("{o}\r\n X-Injected: 1", id="obs-fold-kept-by-wsgiref"),
    pytest.param("{o}\r\n\tX-Injected: 1", id="obs-fold-with-tab"),
    pytest.param("{o} X-Injected: 1", id="obs-fold-unfolded-to-a-space"),
    pytest.param("\t{o}", id="leading-tab"),
    pytest.param("{o}\t", id="trailing-tab"),
    pytest.param("https://exa\tmple.com", id="tab-inside"),
    pytest.param(" {o}", id="leading-space"),
    pytest.param("https://ex\xe4mple.com", id="latin-1-byte"),
    pytest.param(wsgi_str("https://ex\u00e4mple.com"), id="idn-raw-utf-8-as-latin-1"),
    pytest.param(wsgi_str("https://b\u00fccher.example.com"), id="idn-raw-subdomain"),
    pytest.param(wsgi_str("https://\u0435xample.com"), id="idn-cyrillic-homograph"),
    pytest.param("https://\u4f8b\u3048.example.com", id="unicode-beyond-latin-1"),
    pytest.param("https://example.com\u2028", id="unicode-line-separator"),
    pytest.param("", id="empty"),
    pytest.param("*", id="literal-star"),
    pytest.param(TEN_KIB_OF_LABELS, id="10-KiB-of-valid-labels"),
    pytest.param("https://" + "a" * (KIB64 - 8), id="64-KiB"),
]


@pytest.mark.parametrize("template", HEADER_BREAKING)
@pytest.mark.parametrize("kind", [*KINDS, "reflecting-star"])
def test_2_5_header_breaking_origin_is_never_echoed(kind: str, template: str) -> None:
    chosen = REFLECTING_STAR if kind == "reflecting-star" else KINDS[kind]
    origin = template.replace("{o}", chosen.allowed)
    assert_hostile_origin_refused(chosen, origin)
    assert not parses_as_serialised_origin(origin)


@pytest.mark.parametrize(
    ("length", "allowed"),
    [
        pytest.param(MAX_ORIGIN_LENGTH, True, id="2048-characters"),
        pytest.param(MAX_ORIGIN_LENGTH + 1, False, id="2049-characters"),
    ],
)
def test_2_5_reflected_origin_length_limit_is_exact(length: int, allowed: bool) -> None:
    """A wildcard, regex, predicate or reflecting '*' only parses an origin up to 2048
    characters; beyond it the origin is refused without being parsed."""
    origin = "https://" + "a" * (length - len("https://.example.com")) + ".example.com"
    assert len(origin) == length
    for kind in (REFLECTING_STAR, KINDS["wildcard"], KINDS["predicate"]):
        result = exchange(kind.make_options, origin=origin)
        assert result.answer.values(ACAO) == ([origin] if allowed else [])
        assert result.parser_inputs == ([length] if allowed else [])
        assert_origin_work_is_bounded(result)


@pytest.mark.parametrize(
    ("options", "origin", "allowed"),
    [
        pytest.param(
            {"origins": ["https://xn--exmple-cua.com"]},
            "https://xn--exmple-cua.com",
            True,
            id="exact-punycode",
        ),
        pytest.param(
            {"origins": ["https://xn--exmple-cua.com"]},
            wsgi_str("https://ex\u00e4mple.com"),
            False,
            id="exact-raw-unicode",
        ),
        pytest.param(
            {"origins": ["https://*.example.com"]},
            "https://xn--bcher-kva.example.com",
            True,
            id="wildcard-punycode",
        ),
        pytest.param(
            {"origins": ["https://*.example.com"]},
            wsgi_str("https://b\u00fccher.example.com"),
            False,
            id="wildcard-raw-unicode",
        ),
        pytest.param(
            {"origins": ["https://example.com"]},
            "https://xn--xample-2of.com",
            False,
            id="homograph-punycode-is-another-origin",
        ),
        pytest.param(
            {"origins": "*", "send_wildcard": False},
            wsgi_str("https://ex\u00e4mple.com"),
            False,
            id="reflecting-star-raw-unicode",
        ),
    ],
)
def test_2_5_idn_origin_is_allowed_only_in_its_punycode_form(
    options: Options, origin: str, allowed: bool
) -> None:
    result = exchange(fixed(options), origin=origin)
    if allowed:
        assert result.answer.values(ACAO) == [origin]
    else:
        assert_refused_actual(result.answer)
        assert_not_echoed(result.answer, origin)
    assert_origin_work_is_bounded(result)


JOINED = [
    pytest.param("https://a.example.com, https://b.example.com", id="joined-comma-space"),
    pytest.param("https://a.example.com,https://b.example.com", id="joined-comma"),
    pytest.param("https://a.example.com https://b.example.com", id="joined-space"),
    pytest.param("null, https://a.example.com", id="null-first"),
]

JOINED_CONFIGS: Dict[str, Callable[[List[str]], Options]] = {
    "exact-both-listed": fixed({"origins": ["https://a.example.com", "https://b.example.com"]}),
    "wildcard": fixed({"origins": ["https://*.example.com"]}),
    "regex-dot-star": fixed({"origins": [re.compile(r".*")]}),
    "predicate-allow-all": lambda calls: {"origins": [recording(lambda o: True, calls)]},
    "reflecting-star": REFLECTING_STAR.make_options,
}


@pytest.mark.parametrize("origin", JOINED)
@pytest.mark.parametrize("config", list(JOINED_CONFIGS))
def test_2_5_origin_values_joined_by_the_server_are_refused(config: str, origin: str) -> None:
    assert_hostile_origin_refused(Kind(JOINED_CONFIGS[config], ""), origin)


@pytest.mark.parametrize("origin", JOINED)
def test_2_5_origin_values_joined_by_the_server_get_only_star_under_star(origin: str) -> None:
    answer = exchange(fixed({}), origin=origin).answer
    assert answer.values(ACAO) == ["*"]
    assert_not_echoed(answer, origin)


@pytest.mark.parametrize(
    "request_method",
    [
        pytest.param("PUT\r\nX-Injected: 1", id="crlf"),
        pytest.param("PUT\r\n X-Injected: 1", id="obs-fold"),
        pytest.param("PUT\x00", id="nul"),
        pytest.param("PUT X-Injected: 1", id="unfolded"),
        pytest.param("P\xfcT", id="latin-1"),
        pytest.param("PUT, DELETE", id="list"),
    ],
)
@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"origins": [APP], "methods": "*", "supports_credentials": True}, id="star"),
        pytest.param({"origins": [APP]}, id="list"),
    ],
)
def test_2_5_header_breaking_request_method_is_never_echoed(
    options: Options, request_method: str
) -> None:
    result = exchange(fixed(options), method="OPTIONS", origin=APP, request_method=request_method)
    assert_refused_preflight(result.answer)
    assert result.probes["request_method"].calls == []
    assert_not_echoed(result.answer, request_method, "Injected")


def log_lines(caplog: pytest.LogCaptureFixture) -> List[str]:
    formatter = logging.Formatter("%(levelname)s:%(name)s:%(message)s")
    lines = []
    for record in caplog.records:
        if not record.name.startswith("wsgi_cors"):
            continue
        lines.append(record.getMessage())
        plain = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        lines.append(formatter.format(plain))
    return lines


@pytest.mark.parametrize(
    ("options", "sent"),
    [
        pytest.param(
            {"origins": [APP]}, {"origin": f"{EVIL}\r\nINFO:forged:1"}, id="actual-origin-crlf"
        ),
        pytest.param(
            {"origins": [APP]},
            {"origin": f"{EVIL}\r\n INFO:forged:1", "request_method": "PUT"},
            id="preflight-origin-obs-fold",
        ),
        pytest.param(
            {"origins": ["https://*.example.com"]},
            {"origin": f"{EVIL}\n\x00INFO:forged:1", "request_method": "PUT"},
            id="preflight-origin-lf-nul",
        ),
        pytest.param(
            {"origins": [APP]},
            {"origin": APP, "request_method": "PUT\r\nINFO:forged:1"},
            id="preflight-method-crlf",
        ),
        pytest.param(
            {"origins": [APP], "allow_headers": ["X-Custom"]},
            {"origin": APP, "request_method": "PUT", "request_headers": "x\r\nINFO:forged:1"},
            id="preflight-request-headers-crlf",
        ),
        pytest.param(
            {"origins": [APP], "allow_headers": ["X-Custom"]},
            {
                "origin": APP,
                "request_method": "PUT",
                "request_headers": "x" * 190 + "\r\nINFO:forged:1" + "," * KIB64,
            },
            id="preflight-request-headers-crlf-in-excerpt",
        ),
    ],
)
def test_2_5_refusal_log_records_escape_cr_lf(
    caplog: pytest.LogCaptureFixture, options: Options, sent: Dict[str, str]
) -> None:
    method = "OPTIONS" if "request_method" in sent else "GET"
    with caplog.at_level(logging.DEBUG, logger="wsgi_cors"):
        call(CORSMiddleware(App(), **options), make_environ(method=method, **sent))
    lines = log_lines(caplog)
    assert any("refused" in line for line in lines)
    for line in lines:
        assert re.search(r"[\x00-\x1f\x7f]", line) is None, line
    assert all("\nINFO:forged" not in line for line in lines)


def test_2_5_exception_log_escapes_a_hostile_path(caplog: pytest.LogCaptureFixture) -> None:
    def failing(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        raise RuntimeError("boom")

    middleware = CORSMiddleware(failing, origins=[APP], intercept_exceptions=True)
    with caplog.at_level(logging.DEBUG, logger="wsgi_cors"):
        status, _, body = call(middleware, make_environ(path="/x\r\nERROR:forged:1", origin=APP))
    assert status == "500 Internal Server Error"
    assert b"forged" not in body
    lines = log_lines(caplog)
    assert lines
    for line in lines:
        assert re.search(r"[\x00-\x1f\x7f]", line) is None, line


# --- 2.6 Case sensitivity and whole tokens: methods and header names ------------------------

METHODS_LIST = {"origins": [APP], "methods": ["GET", "POST", "PATCH"]}
METHODS_STAR_CREDENTIALS = {"origins": [APP], "methods": "*", "supports_credentials": True}
METHODS_STAR = {"origins": [APP], "methods": "*"}


@pytest.mark.parametrize(
    ("options", "request_method", "allow_methods"),
    [
        pytest.param(METHODS_LIST, "PATCH", "GET, POST, PATCH", id="list-PATCH-control"),
        pytest.param(METHODS_LIST, "OS", None, id="list-OS-inside-POST"),
        pytest.param(METHODS_LIST, "ET", None, id="list-ET-inside-GET"),
        pytest.param(METHODS_LIST, "patch", None, id="list-patch-vs-PATCH"),
        pytest.param(METHODS_LIST, "get", None, id="list-lower-case-get"),
        pytest.param(METHODS_LIST, "Post", None, id="list-mixed-case"),
        pytest.param(METHODS_LIST, "", None, id="list-empty"),
        pytest.param(METHODS_LIST, " PATCH", None, id="list-leading-space"),
        pytest.param(METHODS_LIST, "GET POST", None, id="list-two-words"),
        pytest.param(METHODS_LIST, "GET,POST", None, id="list-comma-list"),
        pytest.param(METHODS_LIST, "PATCH\t", None, id="list-trailing-tab"),
        pytest.param(METHODS_LIST, "P" * KIB64, None, id="list-64-KiB-token"),
        pytest.param(METHODS_STAR_CREDENTIALS, "OS", "OS", id="star-reflects-OS-exactly"),
        pytest.param(METHODS_STAR_CREDENTIALS, "patch", "patch", id="star-reflects-patch-exactly"),
        pytest.param(METHODS_STAR_CREDENTIALS, "", None, id="star-empty"),
        pytest.param(METHODS_STAR_CREDENTIALS, "GET POST", None, id="star-two-words"),
        pytest.param(METHODS_STAR_CREDENTIALS, "GET,POST", None, id="star-comma-list"),
        pytest.param(METHODS_STAR_CREDENTIALS, "P(T)", None, id="star-non-token"),
        pytest.param(METHODS_STAR, "patch", "*", id="star-without-credentials-answers-star"),
    ],
)
def test_2_6_request_method_is_a_case_sensitive_whole_token(
    options: Options, request_method: str, allow_methods: Optional[str]
) -> None:
    result = exchange(fixed(options), method="OPTIONS", origin=APP, request_method=request_method)
    if allow_methods is None:
        assert_refused_preflight(result.answer)
        assert_not_echoed(result.answer, request_method)
    else:
        assert result.answer.status == "204 No Content"
        assert result.answer.values(ACAM) == [allow_methods]
    if request_method != "PATCH":
        assert "PATCH" not in "".join(result.answer.values(ACAM))
    assert result.probes["request_method"].calls == []


@pytest.mark.parametrize(
    "request_headers", ["X-CUSTOM", "x-custom", "X-cUsToM", "x-CUSTOM,CONTENT-type"]
)
def test_2_6_request_header_names_compare_case_insensitively(request_headers: str) -> None:
    answer = acrh_preflight("list", request_headers).answer
    assert answer.status == "204 No Content"
    assert answer.values(ACAH) == ["X-Custom, Content-Type"]


# --- 2.7 The null origin --------------------------------------------------------------------

NULL_CONFIGS = [
    pytest.param(fixed({"origins": ["https://example.com"]}), None, id="allow-list-without-null"),
    pytest.param(fixed({}), "*", id="default-star-sends-star"),
    pytest.param(REFLECTING_STAR.make_options, None, id="star-reflecting"),
    pytest.param(fixed({"origins": ["https://example.com", "null"]}), "null", id="listed"),
    pytest.param(
        fixed(
            {
                "origins": ["https://example.com", "null"],
                "supports_credentials": True,
                "allow_null_with_credentials": True,
            }
        ),
        "null",
        id="listed-with-credentials-opt-in",
    ),
    pytest.param(fixed({"origins": ["https://*.example.com"]}), None, id="wildcard"),
    pytest.param(fixed({"origins": [re.compile(r".*")]}), None, id="regex-dot-star"),
    pytest.param(fixed({"origins": [re.compile(r"null")]}), None, id="regex-naming-null"),
    pytest.param(
        lambda calls: {"origins": [recording(lambda o: True, calls)]},
        None,
        id="predicate-allow-all",
    ),
]


@pytest.mark.parametrize(("make_options", "allow_origin"), NULL_CONFIGS)
def test_2_7_null_origin_gets_the_documented_answer(
    make_options: Callable[[List[str]], Options], allow_origin: Optional[str]
) -> None:
    actual = exchange(make_options, origin="null")
    preflight = exchange(make_options, method="OPTIONS", origin="null", request_method="PUT")
    assert actual.predicate_calls == preflight.predicate_calls == []
    if allow_origin is None:
        assert_refused_actual(actual.answer)
        assert_refused_preflight(preflight.answer)
        return
    assert actual.answer.values(ACAO) == [allow_origin]
    assert preflight.answer.values(ACAO) == [allow_origin]
    credentialed = make_options([]).get("supports_credentials", False)
    assert actual.answer.values(ACAC) == (["true"] if credentialed else [])
    assert actual.answer.values("Vary") == ([] if allow_origin == "*" else ["Origin"])


@pytest.mark.parametrize(
    "origin", ["NULL", "Null", " null", "null ", "null\r\n", "null\x00", "null, null", "nulll"]
)
def test_2_7_null_spelled_otherwise_is_not_null(origin: str) -> None:
    kind = Kind(fixed({"origins": ["https://example.com", "null"]}), "")
    assert_hostile_origin_refused(kind, origin)


# --- 2.8 Path matching (per-path resources) -------------------------------------------------

FILES = "https://files.example.com"
CAFE = "https://cafe.example.com"
ROUTED_RESOURCES: Dict[Any, Options] = {
    "/admin": {"origins": [ADMIN], "supports_credentials": True},
    "/api/*": {"origins": [APP], "supports_credentials": True},
    "/api/public/*": {"origins": "*"},
    re.compile(r"/files/\d+"): {"origins": [FILES]},
    "/caf\u00e9/*": {"origins": [CAFE]},
}
#: A path each resource covers, to read off the policy the router's endpoint deserves.
CANONICAL_PATHS = {
    "/admin": "/admin",
    "/api/*": "/api/x",
    "/api/public/*": "/api/public/x",
    "/files/<n>": "/files/1",
    "/caf\u00e9/*": wsgi_str("/caf\u00e9/x"),
}


class DigitsConverter(BaseConverter):
    """The resource's own regular expression, as a Werkzeug converter."""

    regex = r"\d+"


#: The same rules as ROUTED_RESOURCES, as a Werkzeug router; endpoints name the resource.
ROUTER = Map(
    [
        Rule("/admin", endpoint="/admin"),
        Rule("/api/", endpoint="/api/*"),
        Rule("/api/<path:rest>", endpoint="/api/*"),
        Rule("/api/public/", endpoint="/api/public/*"),
        Rule("/api/public/<path:rest>", endpoint="/api/public/*"),
        Rule("/files/<digits:n>", endpoint="/files/<n>"),
        Rule("/caf\u00e9/", endpoint="/caf\u00e9/*"),
        Rule("/caf\u00e9/<path:rest>", endpoint="/caf\u00e9/*"),
    ],
    converters={"digits": DigitsConverter},
)
PROBE_ORIGINS = (APP, ADMIN, FILES, CAFE, EVIL, "null")


def router_endpoint(path_info: str) -> Optional[str]:
    """Where Werkzeug dispatches ``PATH_INFO``; None for a 404 or a redirect (no content)."""
    try:
        endpoint, _ = ROUTER.bind_to_environ(make_environ(path=path_info)).match()
    except (NotFound, RequestRedirect):
        return None
    return str(endpoint)


def grants(path_info: str) -> FrozenSet[Tuple[str, bool]]:
    """(origin, with credentials) for each probe origin the answer lets read the response."""
    granted = set()
    for origin in PROBE_ORIGINS:
        answer = send({"resources": ROUTED_RESOURCES}, make_environ(path=path_info, origin=origin))
        if answer.values(ACAO) in ([origin], ["*"]):
            granted.add((origin, answer.values(ACAC) == ["true"]))
    return frozenset(granted)


def no_looser(granted: FrozenSet[Tuple[str, bool]], deserved: FrozenSet[Tuple[str, bool]]) -> bool:
    return all(
        (origin, credentials) in deserved or (origin, True) in deserved
        for origin, credentials in granted
    )


#: (PATH_INFO as the server passes it, the resource the README says covers it: the literal
#: prefix match, or none for a path with an empty, "." or ".." segment, which fails closed).
HOSTILE_PATHS = [
    pytest.param("/api/../admin", None, id="dot-dot-decoded"),
    pytest.param("/api/%2e%2e/admin", "/api/*", id="dot-dot-still-encoded"),
    pytest.param("/api/%2E%2E/admin", "/api/*", id="dot-dot-encoded-upper-case"),
    pytest.param("/api/public/../../admin", None, id="dot-dot-out-of-public"),
    pytest.param("/api/public/../x", None, id="dot-dot-public-to-private"),
    pytest.param("/api/./x", None, id="dot-segment"),
    pytest.param("/api/./public/x", None, id="dot-segment-before-public"),
    pytest.param("/api/public/./x", None, id="dot-segment-inside-public"),
    pytest.param("//api/x", None, id="leading-double-slash"),
    pytest.param("//api/public/x", None, id="leading-double-slash-public"),
    pytest.param("/api//x", None, id="double-slash-inside"),
    pytest.param("/api//public/x", None, id="double-slash-before-public"),
    pytest.param("/api/public//x", None, id="double-slash-after-public"),
    pytest.param("/api/public//", None, id="trailing-double-slash-after-public"),
    pytest.param("/api/public%2Fx", "/api/*", id="encoded-slash"),
    pytest.param("/api/public%2fx/y", "/api/*", id="encoded-slash-lower-case"),
    pytest.param("/api/a+b", "/api/*", id="plus"),
    pytest.param("/api/public/a+b", "/api/public/*", id="plus-in-public"),
    pytest.param("/api/public;x", "/api/*", id="semicolon-parameter"),
    pytest.param("/API/x", None, id="upper-case-prefix"),
    pytest.param("/Api/public/x", None, id="mixed-case-prefix"),
    pytest.param("/ADMIN", None, id="upper-case-exact"),
    pytest.param("/admin/", None, id="exact-with-trailing-slash"),
    pytest.param("/admin/../api/public/x", None, id="exact-then-dot-dot"),
    pytest.param("/api", None, id="prefix-without-slash"),
    pytest.param("/files/12", "/files/<n>", id="regex-control"),
    pytest.param("/files/12/../../api/public/x", None, id="regex-then-dot-dot"),
    pytest.param("/files/12\n", None, id="regex-trailing-newline"),
    pytest.param(wsgi_str("/files/\u0661\u0662"), None, id="regex-unicode-digits"),
    pytest.param(wsgi_str("/caf\u00e9/x"), "/caf\u00e9/*", id="non-ascii-utf-8"),
    pytest.param("/caf\xe9/x", None, id="non-ascii-invalid-utf-8"),
    pytest.param(wsgi_str("/CAF\u00c9/x"), None, id="non-ascii-upper-case"),
    pytest.param(wsgi_str("/api/\u00e9"), "/api/*", id="non-ascii-below-prefix"),
    pytest.param("/api/x\r\n", "/api/*", id="crlf-below-prefix"),
    pytest.param("/api/" + "a" * KIB64, "/api/*", id="64-KiB-below-prefix"),
    pytest.param("/" + "a" * KIB64, None, id="64-KiB-uncovered"),
]


@pytest.mark.parametrize(("path_info", "literal"), HOSTILE_PATHS)
def test_2_8_hostile_path_gets_no_looser_policy_than_the_router_dispatches_to(
    path_info: str, literal: Optional[str]
) -> None:
    middleware = CORSMiddleware(App(), resources=ROUTED_RESOURCES)
    by_resource = {key: middleware.resources.select(path) for key, path in CANONICAL_PATHS.items()}
    selected = middleware.resources.select(path_info)
    expected = by_resource[literal] if literal is not None else None
    assert selected is expected, "selection is not the documented literal match"

    endpoint = router_endpoint(path_info)
    if endpoint is not None:
        assert no_looser(grants(path_info), grants(CANONICAL_PATHS[endpoint]))

    result = exchange(fixed({"resources": ROUTED_RESOURCES}), path=path_info, origin=EVIL)
    probe = result.probes["path"]
    assert set(probe.names()) <= {"__getitem__", "__contains__", "endswith"}
    assert all(length <= len("/api/public/") for length in probe.slice_lengths())
    # one slice per distinct configured prefix length, plus the normalisation scans
    assert len(probe.calls) <= 8
    assert_not_echoed(result.answer, path_info, EVIL)


def test_2_8_router_table_is_not_vacuous() -> None:
    """The comparison above does dispatch: these hostile paths reach a real endpoint."""
    assert router_endpoint("/api/../admin") == "/api/*"
    assert router_endpoint("/api/public/../x") == "/api/public/*"
    assert router_endpoint(wsgi_str("/files/\u0661\u0662")) == "/files/<n>"
    assert router_endpoint(wsgi_str("/caf\u00e9/x")) == "/caf\u00e9/*"
    assert (EVIL, False) in grants("/api/public/x")
    assert (EVIL, False) not in grants("/api/x")


OVERLAPPING: Dict[str, Options] = {
    "/*": {"origins": ["https://catch-all.example"]},
    "/api/*": {"origins": ["https://api.example"]},
    "/api/public/*": {"origins": ["https://public.example"]},
    "/api/public/health": {"origins": ["https://health.example"]},
}
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


@pytest.mark.parametrize(
    "path_info",
    [
        "/",
        "/other",
        "/api/",
        "/api/x",
        "/api/publicity",
        "/api/public/",
        "/api/public/x",
        "/api/public/health",
        "/api/public/health/x",
        "/api/public/healthz",
    ],
)
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


def flask_app_with_public_and_private_routes() -> Flask:
    app = Flask("hostile_paths")

    @app.get("/api/<path:rest>")
    def private(rest: str) -> str:
        return "private"

    @app.get("/api/public/<path:rest>")
    def public(rest: str) -> str:
        return "public"

    CORS(
        app,
        resources={
            r"/api/*": {"origins": [APP], "supports_credentials": True},
            r"/api/public/*": {"origins": "*"},
        },
    )
    return app


@pytest.mark.parametrize(
    "path_info",
    [
        "/api/public/x",
        "/api/x",
        "/api/public/../x",
        "/api/./public/x",
        "/api/%2e%2e/public/x",
        "//api/public/x",
        "/api//public/x",
        "/api/public//x",
    ],
)
def test_2_8_flask_adapter_never_opens_a_route_to_an_origin_its_resource_refuses(
    path_info: str,
) -> None:
    """End to end through Flask's own router: an origin allowed only under '/api/public/*' can
    read a response only when the public view produced it."""
    app = flask_app_with_public_and_private_routes()
    status, headers, body = call(app, make_environ(path=path_info, origin=EVIL))
    readable = any(name == ACAO and value in (EVIL, "*") for name, value in headers)
    assert not readable or body == b"public", (status, body)


# --- 2.9 Private Network Access -------------------------------------------------------------

PNA_ON = {"origins": [APP], "methods": ["GET", "PUT"], "allow_private_network": True}
PNA_OFF = {"origins": [APP], "methods": ["GET", "PUT"]}
PNA_RESOURCES = {
    "origins": [APP],
    "resources": {"/lan/*": {"allow_private_network": True}, "/api/*": {}},
}


class PnaRow(NamedTuple):
    options: Options
    request: Dict[str, str]
    status: str
    allow_private_network: Optional[str]
    app_calls: int
    path: str = "/"


def preflight(**extra: str) -> Dict[str, str]:
    return {"method": "OPTIONS", "origin": APP, "request_method": "PUT", **extra}


PNA_ROWS = [
    pytest.param(
        PnaRow(PNA_ON, preflight(private_network="true"), "204 No Content", "true", 0),
        id="enabled-allowed-preflight-gets-it",
    ),
    pytest.param(
        PnaRow(PNA_ON, preflight(), "204 No Content", None, 0),
        id="enabled-not-requested-not-sent",
    ),
    pytest.param(
        PnaRow(PNA_ON, preflight(private_network="false"), "204 No Content", None, 0),
        id="enabled-requested-false-not-sent",
    ),
    pytest.param(
        PnaRow(PNA_ON, preflight(private_network=""), "204 No Content", None, 0),
        id="enabled-empty-value-not-sent",
    ),
    pytest.param(
        PnaRow(
            PNA_ON,
            preflight(private_network="true\r\nX-Injected: 1"),
            "204 No Content",
            None,
            0,
        ),
        id="enabled-crlf-value-not-sent",
    ),
    pytest.param(
        PnaRow(PNA_ON, preflight(private_network="t" * KIB64), "204 No Content", None, 0),
        id="enabled-64-KiB-value-not-sent",
    ),
    pytest.param(
        PnaRow(PNA_ON, preflight(origin=EVIL, private_network="true"), "403 Forbidden", None, 0),
        id="enabled-refused-origin-never-gets-it",
    ),
    pytest.param(
        PnaRow(
            PNA_ON,
            preflight(origin=f"{APP}\r\nX-Injected: 1", private_network="true"),
            "403 Forbidden",
            None,
            0,
        ),
        id="enabled-crlf-origin-never-gets-it",
    ),
    pytest.param(
        PnaRow(
            PNA_ON,
            preflight(request_method="DELETE", private_network="true"),
            "403 Forbidden",
            None,
            0,
        ),
        id="enabled-refused-method-never-gets-it",
    ),
    pytest.param(
        PnaRow(PNA_ON, {"origin": APP, "private_network": "true"}, APP_STATUS, None, 1),
        id="enabled-never-on-an-actual-request",
    ),
    pytest.param(
        PnaRow(
            PNA_ON,
            {"method": "OPTIONS", "origin": APP, "private_network": "true"},
            APP_STATUS,
            None,
            1,
        ),
        id="enabled-never-on-options-without-request-method",
    ),
    pytest.param(
        PnaRow(PNA_OFF, preflight(private_network="true"), "403 Forbidden", None, 0),
        id="disabled-requested-fails-the-preflight",
    ),
    pytest.param(
        PnaRow(PNA_OFF, preflight(private_network="false"), "204 No Content", None, 0),
        id="disabled-requested-false-succeeds",
    ),
    pytest.param(
        PnaRow(
            {**PNA_ON, "automatic_options": False},
            preflight(private_network="true"),
            APP_STATUS,
            "true",
            1,
        ),
        id="enabled-app-answered-preflight-gets-it",
    ),
    pytest.param(
        PnaRow(
            {**PNA_OFF, "automatic_options": False},
            preflight(private_network="true"),
            APP_STATUS,
            None,
            1,
        ),
        id="disabled-app-answered-preflight-gets-no-cors-headers",
    ),
    pytest.param(
        PnaRow(
            PNA_RESOURCES, preflight(private_network="true"), "403 Forbidden", None, 0, "/api/x"
        ),
        id="resource-without-it-fails-the-preflight",
    ),
    pytest.param(
        PnaRow(
            PNA_RESOURCES, preflight(private_network="true"), "204 No Content", "true", 0, "/lan/x"
        ),
        id="resource-with-it-gets-it",
    ),
]


@pytest.mark.parametrize("row", PNA_ROWS)
def test_2_9_private_network_access_only_when_enabled_on_allowed_preflights(row: PnaRow) -> None:
    request = dict(row.request)
    method = request.pop("method", "GET")
    result = exchange(fixed(row.options), method=method, path=row.path, **request)
    answer = result.answer
    if "private_network" in result.probes:
        # Compared case-insensitively with 'true' (one lower-casing); never split or sliced.
        assert set(result.probes["private_network"].names()) <= {"lower"}
    assert answer.status == row.status
    assert answer.app_calls == row.app_calls
    assert answer.values(ACAPN) == (
        [row.allow_private_network] if row.allow_private_network else []
    )
    if answer.values(ACAPN):
        assert answer.values(ACAO) == [APP]
    if row.status == "403 Forbidden":
        assert_refused_preflight(answer)
    if row.app_calls and row.allow_private_network is None and "request_method" in request:
        assert answer.cors() == []
    assert_not_echoed(answer, "Injected")


# --- 2.10 Shared mutable state between requests ---------------------------------------------

#: Module-level header lists, passed by the app on every call, as real apps do.
MODULE_HEADERS: List[Header] = [("Content-Type", "text/plain"), ("X-App", "1")]
MODULE_HEADERS_WITH_VARY: List[Header] = [("Content-Type", "text/plain"), ("Vary", "Cookie")]
MODULE_HEADERS_WITH_ORIGIN: List[Header] = [("Content-Type", "text/plain"), (ACAO, APP)]


@pytest.mark.parametrize(
    ("app_headers", "options"),
    [
        pytest.param(MODULE_HEADERS, {"origins": [APP]}, id="allow-list"),
        pytest.param(MODULE_HEADERS_WITH_VARY, {"origins": [APP]}, id="allow-list-vary-merge"),
        pytest.param(MODULE_HEADERS_WITH_ORIGIN, {"origins": [APP]}, id="app-sets-allow-origin"),
        pytest.param(MODULE_HEADERS, {}, id="star"),
        pytest.param(MODULE_HEADERS, {"send_wildcard": False}, id="star-reflecting"),
        pytest.param(
            MODULE_HEADERS,
            {"origins": [APP, re.compile(r"https://[a-z]+\.example\.org")]},
            id="regex-memo",
        ),
        pytest.param(
            MODULE_HEADERS_WITH_VARY,
            {"origins": [APP], "intercept_exceptions": True},
            id="intercept-exceptions",
        ),
        pytest.param(
            MODULE_HEADERS_WITH_VARY,
            {"origins": [APP], "automatic_options": False},
            id="preflights-to-the-app",
        ),
        pytest.param(
            MODULE_HEADERS, {"origins": [APP], "resources": {"/api/*": {}}}, id="resources"
        ),
    ],
)
def test_2_10_module_level_app_headers_are_unchanged_after_many_requests(
    app_headers: List[Header], options: Options
) -> None:
    snapshot = list(app_headers)
    items = [id(item) for item in app_headers]
    middleware = CORSMiddleware(App(headers=app_headers), **options)
    requests = [
        {"origin": APP},
        {"origin": EVIL},
        {},
        {"origin": f"{APP}\r\nX-Injected: 1"},
        {"origin": "https://a.example.org"},
        {"method": "OPTIONS", "origin": APP, "request_method": "PUT"},
        {"method": "OPTIONS", "origin": EVIL, "request_method": "PUT"},
        {"method": "OPTIONS", "origin": APP},
    ]
    for _ in range(50):
        for request in requests:
            for path in ("/api/x", "/other"):
                call(middleware, make_environ(path=path, **request))  # type: ignore[arg-type]
    assert app_headers == snapshot
    assert [id(item) for item in app_headers] == items


def assert_immutable(value: Any, where: str) -> None:
    """Strings, numbers, tuples, frozensets, patterns and callables all the way down; a dict
    is allowed only as a memo whose keys and values are immutable."""
    if value is None or isinstance(value, (str, int, float, re.Pattern)):
        return
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
    policy: Policy = middleware.policy
    for slot in type(policy).__slots__:
        assert_immutable(getattr(policy, slot), f"Policy.{slot}")
    for table_policy in middleware.resources.policies:
        for slot in type(table_policy).__slots__:
            assert_immutable(getattr(table_policy, slot), f"Policy.{slot}")


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param({"origin": APP}, id="allowed-actual"),
        pytest.param({"origin": EVIL}, id="refused-actual"),
        pytest.param({}, id="no-origin"),
        pytest.param({"method": "OPTIONS", "origin": APP, "request_method": "PUT"}, id="preflight"),
        pytest.param(
            {"method": "OPTIONS", "origin": EVIL, "request_method": "PUT"}, id="refused-preflight"
        ),
    ],
)
@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"origins": [APP], "supports_credentials": True}, id="allow-list"),
        pytest.param({}, id="star"),
    ],
)
def test_2_10_a_layer_mutating_the_delivered_header_list_cannot_reach_the_next_response(
    options: Options, sent: Dict[str, str]
) -> None:
    """Each answer's header list is new: an outer layer that edits it in place (as some
    servers and middlewares do) changes nothing for later requests."""
    middleware = CORSMiddleware(App(headers=list(APP_HEADERS)), **options)
    delivered: List[List[Header]] = []
    snapshots: List[List[Header]] = []

    def start_response(status: str, headers: List[Header], exc_info: Any = None) -> Any:
        delivered.append(headers)
        return lambda data: None

    for _ in range(3):
        list(middleware(make_environ(**sent), start_response))  # type: ignore[arg-type]
        snapshots.append(list(delivered[-1]))
        delivered[-1].append((ACAO, "https://injected.example"))
        delivered[-1].append((ACAC, "true"))
    assert len({id(headers) for headers in delivered}) == 3
    assert snapshots[0] == snapshots[1] == snapshots[2]
    assert all("https://injected.example" not in value for _, value in snapshots[2])


# --- 2.11 Other correctness traps -----------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        "200 OK",
        "201 Created",
        "299 Custom Phrase",
        "302 Found",
        "404 Not Found",
        "500 Internal Server Error",
        "599 whatever the app says",
    ],
)
@pytest.mark.parametrize(
    "origin",
    [
        pytest.param(EVIL, id="refused"),
        pytest.param(f"{APP}\r\nX-Injected: 1", id="crlf"),
        pytest.param("null", id="null"),
        pytest.param("x" * KIB64, id="64-KiB"),
    ],
)
def test_2_11_refused_origin_leaves_the_apps_status_and_body_untouched(
    origin: str, status: str
) -> None:
    app = App(status=status)
    started: List[Tuple[str, List[Header]]] = []
    result = CORSMiddleware(app, origins=[APP], supports_credentials=True)(
        make_environ(method="POST", origin=origin),
        lambda s, h, e=None: started.append((s, h)),  # type: ignore[func-returns-value]
    )
    assert result is app.body
    assert app.calls == 1
    assert started == [(status, [*APP_HEADERS, ("Vary", "Origin")])]
    assert started[0][0] is status


@pytest.mark.parametrize(
    "asked",
    [
        pytest.param({"origin": EVIL}, id="refused-origin"),
        pytest.param({"origin": f"{EVIL}\r\nX-Injected: 1"}, id="crlf-origin"),
        pytest.param({"origin": APP, "request_method": "PATCH"}, id="refused-method"),
        pytest.param({"origin": APP, "request_method": "<script>"}, id="markup-method"),
        pytest.param({"origin": APP, "request_headers": "x-evil"}, id="refused-header"),
        pytest.param({"origin": APP, "request_headers": "<script>alert(1)</script>"}, id="markup"),
        pytest.param({"origin": APP, "private_network": "true"}, id="private-network-off"),
    ],
)
def test_2_11_refused_preflight_body_is_fixed_whatever_was_sent(asked: Dict[str, str]) -> None:
    sent = {"request_method": "PUT", **asked}
    result = exchange(
        fixed({"origins": [APP], "methods": ["PUT"], "allow_headers": ["X-Custom"]}),
        method="OPTIONS",
        **sent,  # type: ignore[arg-type]
    )
    assert_refused_preflight(result.answer)
    assert_not_echoed(result.answer, *[value for value in sent.values() if value != "PUT"])


def http_status_line(code: int) -> str:
    status = HTTPStatus(code)
    return f"{status.value} {status.phrase}"


@pytest.mark.parametrize("code", [status.value for status in HTTPStatus if 200 <= status < 300])
def test_2_11_allowed_preflight_status_line_comes_from_http_status(code: int) -> None:
    answer = exchange(
        fixed({"preflight_status": code}), method="OPTIONS", origin=APP, request_method="PUT"
    ).answer
    assert answer.status == http_status_line(code)


def test_2_11_status_lines_the_middleware_writes_itself_come_from_http_status() -> None:
    refused = exchange(
        fixed({"origins": [APP]}), method="OPTIONS", origin=EVIL, request_method="PUT"
    ).answer
    assert refused.status == http_status_line(403)
    assert exchange(
        fixed({}), method="OPTIONS", origin=APP, request_method="PUT"
    ).answer.status == (http_status_line(204))

    def failing(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raise RuntimeError("boom")

    status, _, _ = call(
        CORSMiddleware(failing, intercept_exceptions=True), make_environ(origin=APP)
    )
    assert status == http_status_line(500)
