"""The hostile-request tables (the vulnerability classes of SECURITY.md) and their harness on
the shell.

Every row asserts, through the ``shell`` fixture only:

1. **the documented answer** (docs/origins-and-resources.md, docs/behaviour.md and
   "Security decisions"): a refused origin still reaches the app, which answers untouched
   apart from ``Vary``; a refused preflight is ``403`` with a fixed body and no CORS header;
2. **nothing that did not validate is echoed**: no header value and no body byte of the
   answer carries the hostile value, and the WSGI shell runs every answer through
   ``wsgiref.validate`` (which rejects any control character in a header);
3. a user's predicate is asked at most once per request.

The same tables run instrumented in ``tests/core/test_bounded_work.py``, which shows the work
on a hostile value is bounded (never split, sliced or iterated beyond the documented limits).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple
from urllib.parse import urlsplit

import pytest

from conformance.expected import REFUSED_PREFLIGHT_BODY, REFUSED_PREFLIGHT_HEADERS
from shells import Downstream, Exchange, Shell, lowered, wsgi_str

Header = Tuple[str, str]
Options = Dict[str, Any]

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACAPN = "Access-Control-Allow-Private-Network"

APP = "https://app.example.com"
ADMIN = "https://admin.example.com"
EVIL = "https://evil.example.net"

KIB64 = 64 * 1024

APP_STATUS = 200
APP_HEADERS: List[Header] = [("Content-Type", "text/plain; charset=utf-8")]
APP_BODY = b"app body"

#: Request fields and the header each one is sent as.
FIELDS = {
    "origin": "Origin",
    "request_method": "Access-Control-Request-Method",
    "request_headers": "Access-Control-Request-Headers",
    "private_network": "Access-Control-Request-Private-Network",
}


def app(status: int = APP_STATUS, headers: Optional[List[Header]] = None) -> Downstream:
    return Downstream(status=status, headers=headers or APP_HEADERS, body=[APP_BODY])


class Answer(NamedTuple):
    """An exchange, with how often the app was called and the predicate calls made."""

    exchange: Exchange
    app_calls: int
    predicate_calls: List[str]
    predicates: int

    def values(self, name: str) -> List[str]:
        return self.exchange.header_values(name)

    def cors(self) -> List[Header]:
        return self.exchange.cors_headers()


def request_headers(**fields: Optional[str]) -> List[Header]:
    return [(FIELDS[name], value) for name, value in fields.items() if value is not None]


def ask(
    shell: Shell,
    make_options: Callable[[List[str]], Options],
    *,
    method: str = "GET",
    path: str = "/",
    downstream: Optional[Callable[[], Downstream]] = None,
    **fields: Optional[str],
) -> Answer:
    """One request through a fresh middleware built from ``make_options(calls)``; a predicate
    in the options appends what it is asked to ``calls``."""
    for value in [path, *fields.values()]:
        if value is not None and not shell.carries(value):
            pytest.skip(f"the {shell.name} shell cannot carry {value[:40]!r}")
    calls: List[str] = []
    options = make_options(calls)
    entries = options.get("origins", "*")
    predicates = sum(1 for entry in entries if callable(entry)) if isinstance(entries, list) else 0
    target = downstream() if downstream is not None else app()
    exchange = shell.wrap(target, **options).request(method, path, request_headers(**fields))
    return Answer(exchange, target.calls, calls, predicates)


def fixed(options: Options) -> Callable[[List[str]], Options]:
    return lambda calls: options


def assert_not_echoed(answer: Answer, *hostile: str) -> None:
    """No header and no body byte carries a request value that did not validate."""
    exchange = answer.exchange
    for value in hostile:
        if not value:
            continue
        for name, header_value in exchange.headers:
            assert value not in header_value, (name, header_value)
        assert value.encode("utf-8", "surrogatepass") not in exchange.body
    for name, header_value in exchange.headers:
        assert re.search(r"[\x00-\x1f\x7f]", name + header_value) is None, (name, header_value)
        header_value.encode("latin-1")


def assert_refused_actual(answer: Answer, *, vary: bool = True) -> None:
    """The documented answer to a refused origin: the app's own response plus ``Vary``."""
    assert answer.app_calls == 1
    assert answer.exchange.status == APP_STATUS
    assert answer.exchange.body == APP_BODY
    assert answer.exchange.fields() == lowered(APP_HEADERS + ([("Vary", "Origin")] if vary else []))


def assert_refused_preflight(answer: Answer) -> None:
    """The documented answer to a refused preflight: 403, a fixed body, no CORS header."""
    assert answer.app_calls == 0
    assert answer.exchange.status == 403
    assert answer.exchange.body == REFUSED_PREFLIGHT_BODY
    assert answer.exchange.fields() == lowered(REFUSED_PREFLIGHT_HEADERS)


def assert_predicates_asked_at_most_once(answer: Answer) -> None:
    assert len(answer.predicate_calls) <= answer.predicates


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

#: The two requests each hostile origin is sent in: an actual request and a preflight.
ORIGIN_REQUESTS: List[Dict[str, str]] = [{}, {"method": "OPTIONS", "request_method": "PUT"}]


def assert_hostile_origin_refused(shell: Shell, kind: Kind, origin: str) -> None:
    """Actual request and preflight: the documented refusal, nothing echoed."""
    for shape in ORIGIN_REQUESTS:
        answer = ask(shell, kind.make_options, origin=origin, **shape)  # type: ignore[arg-type]
        if "request_method" in shape:
            assert_refused_preflight(answer)
        else:
            assert_refused_actual(answer)
        assert_predicates_asked_at_most_once(answer)
        assert_not_echoed(answer, origin, "evil", "Injected")


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


def non_canonical(kind: Kind, template: str) -> str:
    host = urlsplit(kind.allowed).hostname or ""
    return template.format(o=kind.allowed, h=host, H=host.upper())


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
SHARED_SUFFIX_TRICKS = [
    "https://barfoo.com",
    "https://foobar.com",
    "https://a.barfoo.com",
    "https://foo.combar.com",
    "https://bar.comfoo.com",
    "https://barfoo.com.",
]

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
HEADER_BREAKING_KINDS = [*KINDS, "reflecting-star"]


def header_breaking_kind(kind: str) -> Kind:
    return REFLECTING_STAR if kind == "reflecting-star" else KINDS[kind]


#: (options, origin, allowed): an IDN origin is allowed only in its punycode form.
IDN_ROWS = [
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
]

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
NULL_MISSPELLINGS = [
    "NULL",
    "Null",
    " null",
    "null ",
    "null\r\n",
    "null\x00",
    "null, null",
    "nulll",
]
NULL_LISTED = Kind(fixed({"origins": ["https://example.com", "null"]}), "")

# --- Access-Control-Request-Headers and methods -----------------------------------------------

ACRH_CONFIGS: Dict[str, Options] = {
    "list": {"origins": [APP], "allow_headers": ["X-Custom", "Content-Type"]},
    "star": {"origins": [APP], "allow_headers": "*", "supports_credentials": True},
}

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

#: Real lists, in the shapes servers hand them over (two lines joined as 'a,b' by wsgiref and
#: Werkzeug, 'a, b' by waitress), and the answer each configuration documents: reflected names
#: are spelled as the client sent them first.
REAL_ACRH = [
    pytest.param("x-custom,content-type", "x-custom, content-type", id="joined-with-comma"),
    pytest.param("x-custom, content-type", "x-custom, content-type", id="joined-comma-space"),
    pytest.param("X-Custom,CONTENT-TYPE", "X-Custom, CONTENT-TYPE", id="mixed-case"),
    pytest.param("x-custom,x-custom", "x-custom", id="same-name-on-two-lines"),
    pytest.param("x-custom, X-CUSTOM", "x-custom", id="same-name-two-cases"),
    pytest.param("x-custom,", "x-custom", id="second-line-empty"),
    pytest.param("\tx-custom\t,  content-type ", "x-custom, content-type", id="optional-space"),
    pytest.param(",,x-custom,,", "x-custom", id="a-few-empty-elements"),
]

NOT_A_TOKEN_ACRH = [
    pytest.param("x-custom\r\nX-Injected: 1", id="crlf"),
    pytest.param("x-custom\r\n X-Injected: 1", id="obs-fold"),
    pytest.param("x-custom\x00", id="nul"),
    pytest.param("x-custom;evil", id="semicolon"),
    pytest.param("x-custom:evil", id="colon"),
    pytest.param("x custom", id="inner-space"),
    pytest.param("x-cust\xf6m", id="latin-1"),
    pytest.param(wsgi_str("x-cust\u00f6m"), id="utf-8-as-latin-1"),
    pytest.param('x-custom,"evil"', id="quoted"),
]

HEADER_BREAKING_METHODS = [
    pytest.param("PUT\r\nX-Injected: 1", id="crlf"),
    pytest.param("PUT\r\n X-Injected: 1", id="obs-fold"),
    pytest.param("PUT\x00", id="nul"),
    pytest.param("PUT X-Injected: 1", id="unfolded"),
    pytest.param("P\xfcT", id="latin-1"),
    pytest.param("PUT, DELETE", id="list"),
]
HEADER_BREAKING_METHOD_OPTIONS = [
    pytest.param({"origins": [APP], "methods": "*", "supports_credentials": True}, id="star"),
    pytest.param({"origins": [APP]}, id="list"),
]

METHODS_LIST = {"origins": [APP], "methods": ["GET", "POST", "PATCH"]}
METHODS_STAR_CREDENTIALS = {"origins": [APP], "methods": "*", "supports_credentials": True}
METHODS_STAR = {"origins": [APP], "methods": "*"}

#: (options, Access-Control-Request-Method, the Allow-Methods answer or None for a refusal).
METHOD_ROWS = [
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
]

# --- Paths -----------------------------------------------------------------------------------

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

#: (the path as the server passes it, the resource the docs say covers it: the literal
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
    # A compiled pattern sees the path in the shell's form: WSGI's PATH_INFO is the UTF-8 bytes
    # read as latin-1 (no digit there), ASGI's path is text (Arabic-Indic digits match \d, as
    # they do for the router's int converter).
    pytest.param(
        wsgi_str("/files/\u0661\u0662"),
        {"wsgi": None, "asgi": "/files/<n>"},
        id="regex-unicode-digits",
    ),
    pytest.param(wsgi_str("/caf\u00e9/x"), "/caf\u00e9/*", id="non-ascii-utf-8"),
    pytest.param("/caf\xe9/x", None, id="non-ascii-invalid-utf-8"),
    pytest.param(wsgi_str("/CAF\u00c9/x"), None, id="non-ascii-upper-case"),
    pytest.param(wsgi_str("/api/\u00e9"), "/api/*", id="non-ascii-below-prefix"),
    pytest.param("/api/x\r\n", "/api/*", id="crlf-below-prefix"),
    pytest.param("/api/" + "a" * KIB64, "/api/*", id="64-KiB-below-prefix"),
    pytest.param("/" + "a" * KIB64, None, id="64-KiB-uncovered"),
]

OVERLAPPING: Dict[str, Options] = {
    "/*": {"origins": ["https://catch-all.example"]},
    "/api/*": {"origins": ["https://api.example"]},
    "/api/public/*": {"origins": ["https://public.example"]},
    "/api/public/health": {"origins": ["https://health.example"]},
}
OVERLAPPING_PATHS = [
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
]

# --- Private network access ---------------------------------------------------------------------

PNA_ON = {"origins": [APP], "methods": ["GET", "PUT"], "allow_private_network": True}
PNA_OFF = {"origins": [APP], "methods": ["GET", "PUT"]}
PNA_RESOURCES = {
    "origins": [APP],
    "methods": ["GET", "PUT"],
    "resources": {"/lan/*": {"allow_private_network": True}, "/api/*": {}},
}


class PnaRow(NamedTuple):
    options: Options
    request: Dict[str, str]
    status: int
    allow_private_network: Optional[str]
    app_calls: int
    path: str = "/"


def preflight(**extra: str) -> Dict[str, str]:
    return {"method": "OPTIONS", "origin": APP, "request_method": "PUT", **extra}


PNA_ROWS = [
    pytest.param(
        PnaRow(PNA_ON, preflight(private_network="true"), 204, "true", 0),
        id="enabled-allowed-preflight-gets-it",
    ),
    pytest.param(PnaRow(PNA_ON, preflight(), 204, None, 0), id="enabled-not-requested-not-sent"),
    pytest.param(
        PnaRow(PNA_ON, preflight(private_network="false"), 204, None, 0),
        id="enabled-requested-false-not-sent",
    ),
    pytest.param(
        PnaRow(PNA_ON, preflight(private_network=""), 204, None, 0),
        id="enabled-empty-value-not-sent",
    ),
    pytest.param(
        PnaRow(PNA_ON, preflight(private_network="true\r\nX-Injected: 1"), 204, None, 0),
        id="enabled-crlf-value-not-sent",
    ),
    pytest.param(
        PnaRow(PNA_ON, preflight(private_network="t" * KIB64), 204, None, 0),
        id="enabled-64-KiB-value-not-sent",
    ),
    pytest.param(
        PnaRow(PNA_ON, preflight(origin=EVIL, private_network="true"), 403, None, 0),
        id="enabled-refused-origin-never-gets-it",
    ),
    pytest.param(
        PnaRow(
            PNA_ON,
            preflight(origin=f"{APP}\r\nX-Injected: 1", private_network="true"),
            403,
            None,
            0,
        ),
        id="enabled-crlf-origin-never-gets-it",
    ),
    pytest.param(
        PnaRow(PNA_ON, preflight(request_method="DELETE", private_network="true"), 403, None, 0),
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
        PnaRow(PNA_OFF, preflight(private_network="true"), 403, None, 0),
        id="disabled-requested-fails-the-preflight",
    ),
    pytest.param(
        PnaRow(PNA_OFF, preflight(private_network="false"), 204, None, 0),
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
        PnaRow(PNA_RESOURCES, preflight(private_network="true"), 403, None, 0, "/api/x"),
        id="resource-without-it-fails-the-preflight",
    ),
    pytest.param(
        PnaRow(PNA_RESOURCES, preflight(private_network="true"), 204, "true", 0, "/lan/x"),
        id="resource-with-it-gets-it",
    ),
]
