"""Hypothesis strategies for the property tests: configured origins of every kind, requests
as a server hands them over (latin-1 strings, often malformed), and the app's answer
(:class:`AppSpec`: status, headers, body chunks, and how it fails)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from hypothesis import strategies as st

from conformance.oracle import MAX_ORIGIN_LENGTH, Entry, Header, Request, long_origin, wsgi_form

# --- Configured origins ----------------------------------------------------------------------


def allows_everything(origin: str) -> bool:
    return True


def allows_nothing(origin: str) -> bool:
    return False


def raises_for_everything(origin: str) -> bool:
    raise RuntimeError("allow-list backend is down")


def allows_example_net(origin: str) -> bool:
    return origin.endswith(".example.net")


def returns_a_truthy_string(origin: str) -> str:
    return origin if "tenant" in origin else ""


def exact(value: str, canonical: str) -> Entry:
    return Entry(value, "exact", canonical=canonical, examples=(canonical,))


def wildcard(value: str, kind: str, host: str, port: Optional[str], *examples: str) -> Entry:
    scheme = value.partition("://")[0].lower()
    return Entry(value, kind, scheme=scheme, host=host, port=port, examples=examples)


def pattern(value: Any, kind: str, *examples: str) -> Entry:
    return Entry(value, kind, examples=examples)


VALID_ENTRIES = [
    exact("https://example.com", "https://example.com"),
    exact("HTTPS://Example.COM", "https://example.com"),
    exact("https://example.com:443", "https://example.com"),
    exact("http://example.com:80", "http://example.com"),
    exact("https://app.example.com:8443", "https://app.example.com:8443"),
    exact("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    exact("http://[::1]:8080", "http://[::1]:8080"),
    exact("https://xn--exmple-cua.com", "https://xn--exmple-cua.com"),
    exact("null", "null"),
    wildcard(
        "https://*.example.com",
        "subdomain",
        "example.com",
        None,
        "https://a.example.com",
        "https://a.b.example.com",
        long_origin(MAX_ORIGIN_LENGTH),
    ),
    wildcard(
        "HTTPS://*.Example.COM:443", "subdomain", "example.com", None, "https://x.example.com"
    ),
    wildcard(
        "http://*.example.org:8080", "subdomain", "example.org", "8080", "http://a.example.org:8080"
    ),
    wildcard(
        "https://*.a.example.net:*",
        "subdomain",
        "a.example.net",
        "*",
        "https://x.a.example.net",
        "https://x.a.example.net:1234",
    ),
    wildcard(
        "http://localhost:*", "host", "localhost", "*", "http://localhost", "http://localhost:3000"
    ),
    wildcard("http://[::1]:*", "host", "[::1]", "*", "http://[::1]", "http://[::1]:8080"),
    pattern(re.compile(r"https://[a-z]+\.example\.com"), "regex", "https://api.example.com"),
    pattern(
        re.compile(r"HTTPS://(APP|API)\.EXAMPLE\.ORG", re.IGNORECASE),
        "regex",
        "https://app.example.org",
    ),
    pattern(re.compile(r"https://good\.example"), "regex", "https://good.example"),
    pattern(
        re.compile(r"https?://localhost(:\d+)?"),
        "regex",
        "http://localhost:3000",
        "https://localhost",
    ),
    pattern(re.compile(r".*"), "regex", "https://anything.example"),
    pattern(allows_everything, "predicate", "https://anyone.example"),
    pattern(allows_nothing, "predicate"),
    pattern(raises_for_everything, "predicate"),
    pattern(allows_example_net, "predicate", "https://y.example.net"),
    pattern(returns_a_truthy_string, "predicate", "https://tenant.example.io"),
]
#: Entries the docs name as configuration errors.
INVALID_ENTRIES = [
    Entry(value, "invalid")
    for value in [
        "https://example.com/",
        "https://example.com/path",
        "example.com",
        "https://*.com",
        "https://a.*.example.com",
        "https://ex*ample.com",
        "https://example.com:99999",
        "https://user@example.com",
        "https://ex\u00e4mple.com",
        "https://a.example https://b.example",
        r"https://.*\.example\.com",
        "",
    ]
]
STAR_ENTRY = Entry("*", "star")

#: Request origins near the configured entries: each allowed by some entry, or almost.
SAMPLE_ORIGINS = [
    "https://example.com",
    "http://example.com",
    "https://a.example.com",
    "https://a.b.example.com",
    "https://x-1.y_2.example.com",
    "https://example.com.evil.net",
    "https://evilexample.com",
    "https://app.example.com:8443",
    "https://app.example.com",
    "http://a.example.org:8080",
    "http://a.example.org",
    "https://x.a.example.net",
    "https://x.a.example.net:1234",
    "https://a.example.net",
    "https://y.example.net",
    "https://tenant.example.io",
    "http://localhost",
    "http://localhost:3000",
    "http://localhost:80",
    "http://127.0.0.1:5000",
    "http://[::1]:8080",
    "http://[::1]",
    "https://app.example.org",
    "https://api.example.org",
    "https://good.example",
    "https://good.example.evil",
    "https://xn--exmple-cua.com",
    "https://" + "a." * 5120 + "example.com",  # 10 KiB of valid labels
    "null",
    "*",
    "",
]
LATIN1 = st.characters(min_codepoint=0, max_codepoint=255)
HOSTILE_SUFFIXES = [
    "/",
    "/path",
    "x",
    "-x",
    "0",
    ".example.com",
    ":443",
    ":80",
    ":8080",
    ":0",
    ":65536",
    ":99999",
    ":03000",
    ":",
    "?",
    "#",
    ".",
    " ",
    "\t",
    "\r\n",
    "\n",
    "\r",
    "\x00",
    "\r\nX-Injected: 1",
    "\r\n X-Folded: 1",
    ", https://evil.example",
    ".evil.net",
    "\xe4",
    wsgi_form("\u00e9"),
]
HOSTILE_PREFIXES = [" ", "\t", "evil", "https://attacker@", '"', "\x00", "\xe4"]


#: Structural near misses (host, glue) are weighted up: they stay serialised origins.
ORIGIN_MUTATIONS = st.sampled_from(
    [
        "suffix",
        "suffix",
        "prefix",
        "upper",
        "upper-one",
        "insert",
        "scheme",
        "parent",
        "host",
        "host",
        "glue",
        "glue",
    ]
)
HOST_PREFIX = st.sampled_from(["evil", "evil.", "x-", "a.", "."])
SAMPLE_ORIGIN = st.sampled_from(SAMPLE_ORIGINS)
HOSTILE_SUFFIX = st.sampled_from(HOSTILE_SUFFIXES)
HOSTILE_PREFIX = st.sampled_from(HOSTILE_PREFIXES)
INDEX = st.integers(0, 1000)
INSERTED = st.text(LATIN1, min_size=1, max_size=3)


def mutate_origin(draw: st.DrawFn, origin: str) -> str:
    """A near miss: ``origin`` with a hostile suffix or prefix, upper case, inserted bytes,
    a prefix glued to its host, its first label glued to the next, its parent domain, or
    the other scheme."""
    how = draw(ORIGIN_MUTATIONS)
    scheme, sep, authority = origin.partition("://")
    if how in ("host", "glue", "parent", "scheme") and sep:
        if how == "host":
            return scheme + sep + draw(HOST_PREFIX) + authority
        if how == "glue":
            return scheme + sep + authority.replace(".", "", 1)
        if how == "parent":
            return scheme + sep + authority.partition(".")[2]
        return {"https": "http", "http": "https"}.get(scheme, "https") + sep + authority
    if how == "suffix":
        return origin + draw(HOSTILE_SUFFIX)
    if how == "prefix":
        return draw(HOSTILE_PREFIX) + origin
    if how == "upper":
        return origin.upper()
    index = draw(INDEX) % max(len(origin), 1)
    if how == "upper-one":
        return origin[:index] + origin[index : index + 1].upper() + origin[index + 1 :]
    return origin[:index] + draw(INSERTED) + origin[index:]


@st.composite
def mutated_origins(draw: st.DrawFn) -> str:
    return mutate_origin(draw, draw(SAMPLE_ORIGIN))


#: Around the 2048-character limit of the docs.
LONG_ORIGINS = st.integers(MAX_ORIGIN_LENGTH - 8, MAX_ORIGIN_LENGTH + 8).map(long_origin)
LABEL = st.sampled_from(["a", "b", "ab", "example", "com", "org", "net", "x-y", "1", "xn--p1ai"])
DOMAIN = st.lists(LABEL, min_size=1, max_size=4).map(".".join)
SCHEME = st.sampled_from(["https", "http", "ws", "ftp"])
PORT = st.sampled_from([None, "1", "8080", "443", "80", "65535"])
REQUEST_ORIGINS = st.one_of(
    st.sampled_from(SAMPLE_ORIGINS),
    mutated_origins(),
    st.builds(lambda s, h, p: f"{s}://{h}" + (f":{p}" if p else ""), SCHEME, DOMAIN, PORT),
    LONG_ORIGINS,
    st.text(LATIN1, max_size=30),
)

# --- Requests -------------------------------------------------------------------------------

METHOD_NAMES = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
REQUEST_METHODS = st.sampled_from([*METHOD_NAMES, "options", "get", "PURGE", "BAD METHOD", ""])
ACRMS = st.one_of(
    st.sampled_from(
        [
            *METHOD_NAMES,
            "patch",
            "put",
            "Get",
            "PURGE",
            "X-CUSTOM-VERB",
            "CONNECT",
            "TRACE",
            "track",
            "",
            "GET ",
            " PUT",
            "PUT, DELETE",
            "P\r\nUT",
            "PUT\x00",
            "P\xdcT",
            "*",
            "M" * 65,
        ]
    ),
    st.text(LATIN1, max_size=10),
)
ACRH_NAMES = [
    "content-type",
    "x-custom",
    "X-Custom",
    "authorization",
    "Authorization",
    "x-a",
    "X-B",
    "x-requested-with",
    "x-token-12",
    "X-TOKEN-12",
    "x-trace-7",
    "x-other",
    "*",
]
ACRH_BAD_ELEMENTS = ["bad header", "x:y", "\xe9", "x\r\n y", '"quoted"', "x\x00"]
ACRH_SEPARATORS = [",", ", ", " , ", ",\t", ",,", " ,, ", "\t,\t"]


HUGE_ACRH = st.sampled_from(
    [
        "x-" + "a" * 5000,
        "," * 70_000,
        ", " * 3000,
        ",".join(["x-custom"] * 600),
        ", ".join(["x-a", "x-b"] * 40),
        " " * 5000 + "x-a",
        ",".join(["x-a"] * 1400),  # 4199 characters
    ]
)
ACRH_SEPARATOR = st.sampled_from(ACRH_SEPARATORS)
ACRH_ELEMENTS = st.lists(st.sampled_from([*ACRH_NAMES, "", " "]), min_size=1, max_size=6)
HOSTILE_ACRH_ELEMENTS = st.lists(
    st.sampled_from([*ACRH_NAMES, *ACRH_BAD_ELEMENTS, "", " "]), min_size=1, max_size=6
)


@st.composite
def joined_header_lists(draw: st.DrawFn, elements: st.SearchStrategy[List[str]]) -> str:
    """Elements joined by random separators (commas, white space, empty elements)."""
    value = ""
    for index, element in enumerate(draw(elements)):
        value += (draw(ACRH_SEPARATOR) if index else "") + element
    return value


REQUEST_HEADER_LISTS = st.one_of(
    joined_header_lists(ACRH_ELEMENTS),
    joined_header_lists(ACRH_ELEMENTS),
    joined_header_lists(HOSTILE_ACRH_ELEMENTS),
    HUGE_ACRH,
    st.text(LATIN1, max_size=30),
)
ACRPNS = st.sampled_from(["true", "true", "TRUE", "True", " true", "false", "", "1", "yes"])

PATH_SEGMENTS = [
    "api",
    "API",
    "v1",
    "V1",
    "items",
    "7",
    "8",
    "health",
    "a",
    "b",
    "ab",
    "abc",
    "files",
    "f.txt",
    "..",
    ".",
    "%2e",
    "%2E%2e",
    "%2F",
    "+",
    "a+b",
    "",
    wsgi_form("caf\u00e9"),
    "caf\u00e9",
    "case",
    "CASE",
    "v1.0",
    "v1x0",
    "%20",
    "a%20b",
    wsgi_form("\u00fcber"),
]
PATH_SAMPLES = [
    "/",
    "/health",
    "/health/",
    "/HEALTH",
    "/api",
    "/api/",
    "/apiary",
    "/API/",
    "/api/v1/items/7",
    "/api/v1/items/77",
    "/api/v1/items/7/",
    "/api/v1/items/%37",
    "/api/../admin",
    "/%2e%2e",
    "/..",
    "/a%20b",
    "/a b",
    wsgi_form("/caf\u00e9"),
    wsgi_form("/caf\u00e9/menu"),
    "/caf\u00e9",
    "/caf\u00e9/menu",
    wsgi_form("/CAF\u00c9/menu"),
    "/v1.0/x",
    "/v1x0/x",
    "//api/x",
]
PATHS = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(PATH_SAMPLES),
    st.builds(
        lambda segments, slash: "/" + "/".join(segments) + slash,
        st.lists(st.sampled_from(PATH_SEGMENTS), max_size=4),
        st.sampled_from(["", "/"]),
    ),
    st.text(LATIN1, max_size=12).map(lambda text: "/" + text),
)


REQUEST_SHAPES = st.sampled_from(["preflight", "preflight", "options", "other", "other"])
MAYBE_ACRH = st.one_of(st.none(), REQUEST_HEADER_LISTS)
MAYBE_ACRPN = st.one_of(st.none(), st.none(), ACRPNS)
MAYBE_ORIGIN = st.one_of(st.none(), REQUEST_ORIGINS, REQUEST_ORIGINS)
MAYBE_ACRM = st.one_of(st.none(), st.none(), ACRMS)


@st.composite
def requests(draw: st.DrawFn, shape: Optional[str] = None) -> Request:
    shape = shape or draw(REQUEST_SHAPES)
    path = draw(PATHS)
    acrh = draw(MAYBE_ACRH)
    acrpn = draw(MAYBE_ACRPN)
    if shape == "preflight":
        return Request("OPTIONS", path, draw(REQUEST_ORIGINS), draw(ACRMS), acrh, acrpn)
    origin = draw(MAYBE_ORIGIN)
    acrm = draw(MAYBE_ACRM)
    method = "OPTIONS" if shape == "options" else draw(REQUEST_METHODS)
    return Request(method, path, origin, acrm, acrh, acrpn)


# --- Apps -----------------------------------------------------------------------------------

STATUSES = [
    "200 OK",
    "201 Created",
    "204 No Content",
    "206 Partial Content",
    "301 Moved Permanently",
    "302 Found",
    "304 Not Modified",
    "307 Temporary Redirect",
    "400 Bad Request",
    "401 Unauthorized",
    "403 Forbidden",
    "404 Not Found",
    "405 Method Not Allowed",
    "418 I'm a teapot",
    "500 Internal Server Error",
    "503 Service Unavailable",
    "299 Custom",
]
VARY_TOKENS = [
    "Accept-Encoding",
    "Origin",
    "origin",
    "ORIGIN",
    "Cookie",
    "*",
    " Accept ",
    "Access-Control-Request-Method",
    "access-control-request-headers",
    "",
]
APP_MODES = [
    "normal",
    "raise_before",
    "raise_after_start",
    "exc_info",
    "lazy",
    "raise_in_body",
    "late_exc_info",
]


STATUS = st.sampled_from(STATUSES)
CONTENT_TYPE = st.sampled_from(["text/plain", "application/json", "text/html; a=b"])
VARY_HEADER = st.builds(
    lambda name, tokens, separator: (name, separator.join(tokens)),
    st.sampled_from(["Vary", "vary", "VARY"]),
    st.lists(st.sampled_from(VARY_TOKENS), max_size=3),
    st.sampled_from([", ", ","]),
)
PLAIN_HEADER = st.sampled_from(
    [
        ("X-Custom", "1"),
        ("Cache-Control", "no-store"),
        ("Set-Cookie", "session=abc; Secure"),
        ("X-Request-Id", "r-1"),
        ("Link", "</a>; rel=next"),
        ("Content-Language", "en"),
    ]
)
EXTRA_HEADERS = st.lists(st.one_of(PLAIN_HEADER, VARY_HEADER, VARY_HEADER), max_size=4)
#: The app's own Access-Control-Allow-Origin, now and then.
OWN_ALLOW_ORIGIN = st.one_of(
    *[st.none()] * 5,
    st.tuples(
        st.sampled_from(["Access-Control-Allow-Origin", "access-control-allow-origin"]),
        st.sampled_from(["*", "https://app-own.example", "null", "https://example.com"]),
    ),
)


@st.composite
def status_and_headers(draw: st.DrawFn) -> Tuple[str, Tuple[Header, ...]]:
    status = draw(STATUS)
    headers = draw(EXTRA_HEADERS)
    own = draw(OWN_ALLOW_ORIGIN)
    if own is not None:
        headers.insert(draw(INDEX) % (len(headers) + 1), own)
    if status[:3] not in ("204", "304"):  # wsgiref.validate insists on both
        headers.insert(draw(INDEX) % (len(headers) + 1), ("Content-Type", draw(CONTENT_TYPE)))
    return status, tuple(headers)


@dataclass(frozen=True)
class AppSpec:
    mode: str
    status: str
    headers: Tuple[Header, ...]
    chunks: Tuple[bytes, ...]
    writes: Tuple[bytes, ...] = ()
    second_status: str = "500 Internal Server Error"
    second_headers: Tuple[Header, ...] = (("Content-Type", "text/plain"),)
    fail_at: int = 0


APP_MODE = st.one_of(st.just("normal"), st.sampled_from(APP_MODES))
STATUS_AND_HEADERS = status_and_headers()
CHUNKS = st.lists(st.binary(max_size=6), max_size=4)
WRITES = st.lists(st.binary(min_size=1, max_size=4), max_size=2)


@st.composite
def app_specs(draw: st.DrawFn, modes: st.SearchStrategy[str] = APP_MODE) -> AppSpec:
    mode = draw(modes)
    status, headers = draw(STATUS_AND_HEADERS)
    second_status, second_headers = draw(STATUS_AND_HEADERS)
    chunks = draw(CHUNKS)
    if mode == "late_exc_info":
        chunks = [b"sent", *chunks]
    writes = draw(WRITES) if mode in ("normal", "exc_info") else []
    return AppSpec(
        mode=mode,
        status=status,
        headers=headers,
        chunks=tuple(chunks),
        writes=tuple(writes),
        second_status=second_status,
        second_headers=second_headers,
        fail_at=draw(INDEX) % (len(chunks) + 1),
    )


APP_SPECS = app_specs()
