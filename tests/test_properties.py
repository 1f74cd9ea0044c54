"""Property tests: random configurations, random (often hostile) requests, random apps.

Each example builds a ``CORSMiddleware`` from a random configuration (origins of every kind,
methods, header lists, credentials, Vary, private network, per-path resources,
``automatic_options``, ``intercept_exceptions``, ``preflight_status``), sends it one random
request and lets a random app answer it. Requests carry valid and malformed values as a WSGI
server hands them over (latin-1 strings): origins with CR/LF/NUL, obs-folds, tabs, non-ASCII,
upper case, trailing slashes, paths, ports, ``null``, empty or very long; methods in any case
or not tokens; ``Access-Control-Request-Headers`` lists with empty elements, white space, huge
tokens, repeats and mixed case; ``Access-Control-Request-Private-Network``; and paths with
``..``, ``%2e``, ``+``, mixed case and non-ASCII. Apps answer with any status, their own
``Vary`` and ``Access-Control-Allow-Origin``, body chunks and ``write`` calls, and may raise
before or after ``start_response``, re-call it with ``exc_info``, or fail inside the body.

Every exchange runs twice: calling the middleware directly with a PEP 3333 environ and a
recording ``start_response``, and as ``validator(CORSMiddleware(validator(app)))``. The
responses are checked against an oracle written from README.md (Options, Resources, Behaviour
in detail, Security decisions) and shared/CORS_RULES.md, without reading ``wsgi_cors``'s own
code: exact canonical origins, wildcards on label boundaries, regexes full-matched, predicates,
``null`` only when listed, resources by exact > regex (declaration order) > longest prefix >
catch-all on the undecoded, case-sensitive ``PATH_INFO``.

Where the README leaves a case open, the oracle answers "either" and only what holds for
both answers is checked: an origin that is neither clearly a serialised origin nor clearly
not one (``https://a.example.com:443``, a port above 65535, ``a_b.example.com``) seen by a
regex, predicate or ``"*"`` reflection; a request-header list made only of allowed names but
longer than those names with separators; ``Access-Control-Request-Private-Network: TRUE``;
``methods="*"`` asked for CONNECT.

Profiles (``hypothesis.settings.register_profile``), chosen with the environment variable
``HYPOTHESIS_PROFILE``: ``ci`` (the default: 400 examples per property; the file takes about
40 s of CPU) or ``long`` (5,000 per property, about 8 minutes of CPU, for an occasional deep
run). Generation dominates the cost (about 8 ms per example and property), so 20,000 examples
would take about half an hour. The profiles are registered under this module's own names and
applied to its tests only, so other test modules keep their settings: re-registering
Hypothesis's built-in ``ci`` profile would reload it for the whole session whenever a CI
environment variable has made it the active one.
"""

from __future__ import annotations

import os
import re
import string
import sys
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple
from wsgiref.validate import WSGIWarning, validator

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from wsgi_cors import ConfigError, CORSMiddleware

from conftest import make_environ

Header = Tuple[str, str]
Verdict = Optional[bool]  # True: must be allowed, False: must be refused, None: either

# --- Profiles --------------------------------------------------------------------------------

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "wsgi_cors.test_properties.ci",
    max_examples=400,
    deadline=None,
    derandomize=False,
    suppress_health_check=_HEALTH,
)
settings.register_profile(
    "wsgi_cors.test_properties.long",
    max_examples=5_000,
    deadline=None,
    derandomize=False,
    suppress_health_check=_HEALTH,
)
PROFILE_NAME = os.environ.get("HYPOTHESIS_PROFILE", "ci")
#: The settings every property test of this module runs with.
PROFILE = settings.get_profile(
    f"wsgi_cors.test_properties.{PROFILE_NAME}"
    if PROFILE_NAME in ("ci", "long")
    else PROFILE_NAME  # another registered profile, or a clear InvalidArgument
)

# --- What the README says, written down independently of wsgi_cors ------------------------------

ACAO = "access-control-allow-origin"
ACAC = "access-control-allow-credentials"
ACAM = "access-control-allow-methods"
ACAH = "access-control-allow-headers"
ACEH = "access-control-expose-headers"
ACMA = "access-control-max-age"
ACAPN = "access-control-allow-private-network"

README_ALL_METHODS = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE")
#: The option table of the README, with its defaults.
README_DEFAULTS: Dict[str, Any] = {
    "origins": "*",
    "methods": README_ALL_METHODS,
    "allow_headers": "*",
    "expose_headers": None,
    "supports_credentials": False,
    "max_age": None,
    "send_wildcard": True,
    "always_send": True,
    "vary_header": True,
    "allow_private_network": False,
    "automatic_options": True,
    "intercept_exceptions": False,
    "preflight_status": 204,
    "allow_null_with_credentials": False,
}
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
MAX_ORIGIN_LENGTH = 2048
MAX_WILDCARD_ACRH_LENGTH = 4096

TCHARS = frozenset("!#$%&'*+-.^_`|~" + string.digits + string.ascii_letters)
ORIGIN_ALPHABET = frozenset(string.ascii_lowercase + string.digits + "+-._:/[]")
SCHEME_ALPHABET = frozenset(string.ascii_lowercase + string.digits + "+-.")
LABEL_ALPHABET = frozenset(string.ascii_lowercase + string.digits + "-")
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
STRICT_IPV6 = re.compile(r"\[[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\]")


def is_token(value: str) -> bool:
    """An RFC 9110 token: one or more tchars."""
    return bool(value) and all(ch in TCHARS for ch in value)


def any_of(verdicts: Sequence[Verdict]) -> Verdict:
    if True in verdicts:
        return True
    return None if None in verdicts else False


def all_of(verdicts: Sequence[Verdict]) -> Verdict:
    if False in verdicts:
        return False
    return None if None in verdicts else True


def wsgi_form(text: str) -> str:
    """A str as a WSGI server hands it over: its UTF-8 bytes decoded as latin-1."""
    return text.encode("utf-8").decode("latin-1")


def split_host_port(authority: str) -> Tuple[str, Optional[str]]:
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0 or authority[end + 1 :] == "":
            return authority, None
        if authority[end + 1] == ":":
            return authority[: end + 1], authority[end + 2 :]
        return authority, None
    host, sep, port = authority.rpartition(":")
    return (host, port) if sep else (authority, None)


def port_verdict(scheme: str, port: Optional[str]) -> Verdict:
    if port is None:
        return True
    if not port or not all(ch in string.digits for ch in port) or port.startswith("0"):
        return False
    if int(port) > 65535 or DEFAULT_PORTS.get(scheme) == port:
        return None  # browsers never send these; the README does not say what they match
    return True


def strict_host(host: str) -> bool:
    if host.startswith("["):
        return STRICT_IPV6.fullmatch(host) is not None
    return all(
        label and set(label) <= LABEL_ALPHABET and label[0] != "-" and label[-1] != "-"
        for label in host.split(".")
    )


def serialised_verdict(origin: str) -> Verdict:
    """Whether ``origin`` is a serialised origin (lower case, no path, no white space or
    control bytes, at most 2048 characters): True, False, or None for the grey zone."""
    if not origin or len(origin) > MAX_ORIGIN_LENGTH or not set(origin) <= ORIGIN_ALPHABET:
        return False
    scheme, sep, authority = origin.partition("://")
    if not sep or not scheme or not authority or "/" in authority:
        return False
    if scheme[0] not in string.ascii_lowercase or not set(scheme) <= SCHEME_ALPHABET:
        return False
    host, port = split_host_port(authority)
    if not host:
        return False
    ported = port_verdict(scheme, port)
    if ported is False:
        return False
    return ported if strict_host(host) else None


@dataclass(frozen=True)
class Entry:
    """One configured ``origins`` entry, with what the README says it allows."""

    value: Any
    kind: str  # exact, subdomain, host, regex, predicate, star, invalid
    canonical: str = ""  # exact: the one origin it allows, byte for byte
    scheme: str = ""  # wildcards
    host: str = ""  # host: that host; subdomain: the domain whole labels go below
    port: Optional[str] = None  # wildcards: None no port, "*" any port or none, else that port
    examples: Tuple[str, ...] = ()  # request origins it allows (to aim requests at it)

    def __repr__(self) -> str:
        return repr(self.value)


def wildcard_matches(entry: Entry, origin: str) -> bool:
    scheme, _, authority = origin.partition("://")
    if scheme != entry.scheme:
        return False
    host, port = split_host_port(authority)
    if entry.kind == "host":
        host_ok = host == entry.host
    else:
        below = host[: -len(entry.host) - 1] if host.endswith("." + entry.host) else ""
        host_ok = bool(below) and all(below.split("."))
    return host_ok and (entry.port == "*" or port == entry.port)


def entry_verdict(entry: Entry, origin: str, serialised: Verdict) -> Verdict:
    if entry.kind == "exact":
        return origin == entry.canonical
    if serialised is False:
        return False
    if entry.kind in ("subdomain", "host"):
        matched = wildcard_matches(entry, origin)
    elif entry.kind == "regex":
        matched = entry.value.fullmatch(origin) is not None
    else:
        try:
            matched = bool(entry.value(origin))
        except Exception:
            matched = False
    return serialised if matched else False


@dataclass(frozen=True)
class Origins:
    """An ``origins`` value other than ``"*"``: entries passed as a list, tuple or alone."""

    entries: Tuple[Entry, ...]
    shape: str = "list"

    def value(self) -> Any:
        values = [entry.value for entry in self.entries]
        if self.shape == "single":
            return values[0]
        return tuple(values) if self.shape == "tuple" else values

    def __repr__(self) -> str:
        return repr(self.value())


def origin_mode(options: Dict[str, Any]) -> str:
    if options["origins"] == "*":
        return "wildcard" if options["send_wildcard"] else "reflect"
    return "list"


def origin_verdict(options: Dict[str, Any], origin: str) -> Verdict:
    """Whether a policy allows a present ``Origin``."""
    mode = origin_mode(options)
    if mode == "wildcard":
        return True
    serialised = serialised_verdict(origin)
    if mode == "reflect":
        return serialised
    return any_of([entry_verdict(e, origin, serialised) for e in options["origins"].entries])


def split_list(value: str) -> List[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def configured_methods(options: Dict[str, Any]) -> List[str]:
    methods = options["methods"]
    names = split_list(methods) if isinstance(methods, str) else [m.strip() for m in methods]
    return list(dict.fromkeys(name.upper() for name in names))


def header_config(options: Dict[str, Any]) -> Tuple[bool, List[str], List[re.Pattern[str]]]:
    """``allow_headers`` as (any name, names, patterns)."""
    value = options["allow_headers"]
    if value == "*":
        return True, [], []
    if isinstance(value, re.Pattern):
        return False, [], [value]
    items = split_list(value) if isinstance(value, str) else list(value)
    names = [item.strip() for item in items if isinstance(item, str)]
    return False, names, [item for item in items if isinstance(item, re.Pattern)]


def expose_names(options: Dict[str, Any]) -> List[str]:
    value = options["expose_headers"]
    return split_list(value) if isinstance(value, str) else [name.strip() for name in value]


def method_verdict(options: Dict[str, Any], method: str) -> Verdict:
    if options["methods"] == "*":
        if not is_token(method):
            return False
        # The README does not say whether "*" covers CONNECT (which it refuses to list) or
        # a method longer than any real one; either answer is accepted.
        return None if method.upper() in FORBIDDEN_METHODS or len(method) > 64 else True
    return method in configured_methods(options)


def requested_names(value: Optional[str]) -> Optional[List[str]]:
    """The lower-cased names of an ACRH value, or None if an element is not a token."""
    names: Dict[str, None] = {}
    for element in (value or "").split(","):
        name = element.strip(" \t")
        if not name:
            continue
        if not is_token(name):
            return None
        names[name.lower()] = None
    return list(names)


def request_headers_verdict(options: Dict[str, Any], value: Optional[str]) -> Verdict:
    any_name, names, patterns = header_config(options)
    requested = requested_names(value)
    if requested is None:
        return False
    lowered = {name.lower() for name in names}
    if not all(
        any_name or name in lowered or any(p.fullmatch(name) for p in patterns)
        for name in requested
    ):
        return False
    if any_name or patterns:
        return len(value or "") <= MAX_WILDCARD_ACRH_LENGTH
    if len(value or "") <= sum(len(name) + 2 for name in lowered):
        return True
    return None  # only allowed names, but longer than they are once each with separators


def private_network_requested(value: Optional[str]) -> Verdict:
    if value is None:
        return False
    if value == "true":
        return True
    return None if value.strip(" \t").lower() == "true" else False


@dataclass(frozen=True)
class Request:
    method: str
    path: Optional[str]  # None: no PATH_INFO (SCRIPT_NAME carries the path)
    origin: Optional[str] = None
    acrm: Optional[str] = None
    acrh: Optional[str] = None
    acrpn: Optional[str] = None

    def is_preflight(self) -> bool:
        return self.method == "OPTIONS" and self.origin is not None and self.acrm is not None


def preflight_verdict(options: Dict[str, Any], request: Request) -> Verdict:
    assert request.origin is not None
    assert request.acrm is not None
    requested = private_network_requested(request.acrpn)
    private_network: Verdict = True
    if requested is not False and not options["allow_private_network"]:
        private_network = False if requested else None
    return all_of(
        [
            origin_verdict(options, request.origin),
            method_verdict(options, request.acrm),
            request_headers_verdict(options, request.acrh),
            private_network,
        ]
    )


def is_resource_catch_all(pattern: Any) -> bool:
    return pattern in ("*", "/*")


def is_unnormalised(path: str) -> bool:
    """Whether ``path`` has an empty, ``.`` or ``..`` segment (a final ``/`` is fine)."""
    segments = path.split("/")[1:]
    return any(segment in ("", ".", "..") for segment in segments[:-1]) or (
        bool(segments) and segments[-1] in (".", "..")
    )


def resource_choices(resources: Sequence[Tuple[Any, Any]], path: str) -> List[Optional[int]]:
    """The resources (by index; None: none) the README allows to cover ``path``.

    Precedence: exact paths, regexes in declaration order, longest prefix, the catch-all; on
    ``PATH_INFO`` as given (never decoded again, never case-folded). "With several patterns",
    a path with an empty, ``.`` or ``..`` segment is covered only by an exact match. With one
    pattern other than the catch-all the README's "several" does not apply, but that is the
    point of the rule, so both answers are accepted there. (A lone catch-all covers all.)
    """
    patterns = [pattern for pattern, _ in resources]
    for index, pattern in enumerate(patterns):
        if isinstance(pattern, str) and not pattern.endswith("*") and wsgi_form(pattern) == path:
            return [index]
    chosen = select_by_precedence(patterns, path)
    if not is_unnormalised(path) or all(is_resource_catch_all(p) for p in patterns):
        return [chosen]
    return [None] if len(patterns) > 1 or chosen is None else [None, chosen]


def select_by_precedence(patterns: Sequence[Any], path: str) -> Optional[int]:
    """Regexes in declaration order, then the longest prefix, then the catch-all."""
    for index, pattern in enumerate(patterns):
        if isinstance(pattern, re.Pattern) and pattern.fullmatch(path):
            return index
    prefixes = [
        (wsgi_form(pattern[:-1]), index)
        for index, pattern in enumerate(patterns)
        if isinstance(pattern, str)
        and pattern.endswith("/*")
        and not is_resource_catch_all(pattern)
    ]
    for prefix, index in sorted(prefixes, key=lambda item: -len(item[0])):
        if path.startswith(prefix):
            return index
    for index, pattern in enumerate(patterns):
        if is_resource_catch_all(pattern):
            return index
    return None


def long_origin(total: int) -> str:
    """Valid labels below example.com, ``total`` characters in all."""
    stem = "https://"
    tail = ".example.com"
    middle = total - len(stem) - len(tail)
    first = "a" * (2 - middle % 2)
    origin = stem + first + ".a" * ((middle - len(first)) // 2) + tail
    assert len(origin) == total
    return origin


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
#: Entries the README names as configuration errors.
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


#: Around the 2048-character limit of the README.
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


def build_environ(request: Request, *, validated: bool = False) -> Dict[str, Any]:
    """A PEP 3333 environ; header values are latin-1 strings, as servers give them.

    wsgiref.validate cannot check an environ without PATH_INFO (formatting its own message
    raises KeyError), so under the validator a missing path is sent as the equivalent "".
    """
    path = "" if request.path is None and validated else request.path
    return make_environ(
        method=request.method,
        path=path,
        origin=request.origin,
        request_method=request.acrm,
        request_headers=request.acrh,
        private_network=request.acrpn,
    )


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


class AppError(Exception):
    """The app's own exception: the only one allowed to escape the middleware."""


class Body:
    """The app's body iterable: counts close() and may call start_response lazily."""

    def __init__(self, app: RandomApp, start_response: Callable[..., Any]) -> None:
        self.app = app
        self.start_response = start_response
        self.closed = 0
        self.yielded: List[bytes] = []

    def __iter__(self) -> Iterator[bytes]:
        app, spec = self.app, self.app.spec
        if spec.mode in ("lazy", "late_exc_info"):
            app.start(self.start_response, spec.status, spec.headers)
        for index, chunk in enumerate(spec.chunks):
            if spec.mode == "raise_in_body" and index == spec.fail_at:
                raise app.error
            self.yielded.append(chunk)
            yield chunk
        if spec.mode == "raise_in_body":
            raise app.error
        if spec.mode == "late_exc_info":
            try:
                raise app.error
            except AppError:
                app.start(self.start_response, spec.second_status, spec.second_headers, True)

    def close(self) -> None:
        self.closed += 1


class RandomApp:
    """A WSGI app that behaves as its :class:`AppSpec` says and records what it did."""

    def __init__(self, spec: AppSpec) -> None:
        self.spec = spec
        self.error = AppError(f"app error {id(self)}")
        self.calls = 0
        #: Each header list passed to start_response, with a snapshot taken then.
        self.passed: List[Tuple[List[Header], Tuple[Header, ...], Any]] = []
        #: What each start_response call returned (the write callable).
        self.returned: List[Any] = []
        self.body: Optional[Body] = None

    def start(
        self, start_response: Callable[..., Any], status: str, headers: Any, exc: bool = False
    ) -> Any:
        passed = list(headers)
        exc_info = sys.exc_info() if exc else None
        self.passed.append((passed, tuple(passed), exc_info))
        write = start_response(status, passed, exc_info) if exc else start_response(status, passed)
        self.returned.append(write)
        return write

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Body:
        self.calls += 1
        spec = self.spec
        if spec.mode == "raise_before":
            raise self.error
        body = Body(self, start_response)
        if spec.mode not in ("lazy", "late_exc_info"):
            write = self.start(start_response, spec.status, spec.headers)
            if spec.mode == "raise_after_start":
                raise self.error
            if spec.mode == "exc_info":
                try:
                    raise self.error
                except AppError:
                    write = self.start(
                        start_response, spec.second_status, spec.second_headers, True
                    )
            for data in spec.writes:
                write(data)
        self.body = body
        return body


# --- The server side --------------------------------------------------------------------------

STATUS_LINE = re.compile(r"[1-9][0-9]{2} [^\r\n\x00]+")


class Server:
    """A strict recording server: start_response, write and the body, in order."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, List[Header], Any]] = []
        self.output: List[bytes] = []
        self.sent = False
        #: The one write callable start_response returns (a bound method is new each time).
        self.write = self._write

    def start_response(self, status: str, headers: List[Header], exc_info: Any = None) -> Any:
        assert isinstance(status, str)
        assert STATUS_LINE.fullmatch(status), status
        assert type(headers) is list, headers
        for header in headers:
            assert type(header) is tuple, header
            assert len(header) == 2, header
            assert isinstance(header[0], str), header
            assert isinstance(header[1], str), header
        if exc_info is not None:
            if self.sent:
                raise exc_info[1].with_traceback(exc_info[2])
        else:
            assert not self.calls, "start_response called again without exc_info"
        self.calls.append((status, list(headers), exc_info))
        return self.write

    def _write(self, data: bytes) -> None:
        assert isinstance(data, bytes)
        assert self.calls, "write before start_response"
        self.sent = self.sent or bool(data)
        self.output.append(data)


@dataclass
class Outcome:
    validated: bool
    app: RandomApp
    server: Server
    result: Any = None
    raised: Optional[BaseException] = None
    body_raised: Optional[BaseException] = None
    chunks: List[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class Scenario:
    top: Dict[str, Any]
    resources: Optional[Tuple[Tuple[Any, Dict[str, Any]], ...]]
    request: Request
    app: AppSpec


def to_kwargs(options: Dict[str, Any]) -> Dict[str, Any]:
    return {
        name: value.value() if isinstance(value, Origins) else value
        for name, value in options.items()
    }


def middleware_kwargs(scenario: Scenario) -> Dict[str, Any]:
    kwargs = to_kwargs(scenario.top)
    if scenario.resources is not None:
        kwargs["resources"] = {
            pattern: to_kwargs(overrides) for pattern, overrides in scenario.resources
        }
    return kwargs


def exchange(scenario: Scenario, *, validated: bool) -> Outcome:
    """Send the scenario's request through the middleware; play the server to the end."""
    app = RandomApp(scenario.app)
    middleware = CORSMiddleware(validator(app) if validated else app, **middleware_kwargs(scenario))
    wsgi = validator(middleware) if validated else middleware
    server = Server()
    outcome = Outcome(validated, app, server)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WSGIWarning)  # e.g. REQUEST_METHOD "PURGE"
        try:
            environ = build_environ(scenario.request, validated=validated)
            outcome.result = wsgi(environ, server.start_response)
        except AppError as error:
            outcome.raised = error
            return outcome
        try:
            for chunk in outcome.result:
                assert server.calls, "body before start_response"
                server.sent = server.sent or bool(chunk)
                server.output.append(chunk)
                outcome.chunks.append(chunk)
        except AppError as error:
            outcome.body_raised = error
        finally:
            close = getattr(outcome.result, "close", None)
            if close is not None:
                close()
    return outcome


def both_exchanges(scenario: Scenario) -> List[Outcome]:
    return [exchange(scenario, validated=False), exchange(scenario, validated=True)]


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


def merged(top: Dict[str, Any], overrides: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return {**README_DEFAULTS, **top, **(overrides or {})}


def make_valid(target: Dict[str, Any], effective: Dict[str, Any]) -> None:
    """Override ``target`` so that ``effective`` (its merged view) breaks no README rule."""
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
        acrm = acrm.lower() if draw(INDEX) % 2 else acrm.title()
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
        acrh = acrh.upper() if draw(INDEX) % 2 else acrh.title()
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
    if resources is not None:  # a path the README leaves to either resource is not drawn
        assume(len(resource_choices(resources, scenario.request.path or "")) == 1)
    options = policy_options(scenario)
    if options is not None and draw(INDEX) % 2:
        scenario = Scenario(top, resources, aimed(draw, options, scenario.request), scenario.app)
    return scenario


def policy_options(scenario: Scenario) -> Optional[Dict[str, Any]]:
    """The options of the resource covering the request's path (None: not covered)."""
    if scenario.resources is None:
        return merged(scenario.top)
    choices = resource_choices(scenario.resources, scenario.request.path or "")
    assert len(choices) == 1, "scenarios() never draws an ambiguous path"
    index = choices[0]
    if index is None:
        return None
    return merged(scenario.top, scenario.resources[index][1])


def request_kind(scenario: Scenario, options: Optional[Dict[str, Any]]) -> str:
    if options is None:
        return "uncovered"
    if scenario.request.is_preflight():
        return "preflight_answer" if options["automatic_options"] else "preflight_app"
    return "actual"


def expected_failure(scenario: Scenario, options: Optional[Dict[str, Any]], kind: str) -> str:
    """Where the app's exception must surface: "", "call" or "body"."""
    mode = scenario.app.mode
    if kind == "preflight_answer":
        return ""
    if mode == "raise_before":
        return "" if options is not None and options["intercept_exceptions"] else "call"
    if mode == "raise_after_start":
        return "call"
    return "body" if mode in ("raise_in_body", "late_exc_info") else ""


def intercepted(scenario: Scenario, options: Optional[Dict[str, Any]], kind: str) -> bool:
    return (
        kind in ("actual", "preflight_app")
        and scenario.app.mode == "raise_before"
        and bool(options and options["intercept_exceptions"])
    )


# --- Response checks --------------------------------------------------------------------------


def is_cors(name: str) -> bool:
    return name.lower().startswith("access-control-")


def by_name(headers: Sequence[Header]) -> Dict[str, List[str]]:
    result: Dict[str, List[str]] = {}
    for name, value in headers:
        result.setdefault(name.lower(), []).append(value)
    return result


def vary_tokens(value: str) -> List[str]:
    return split_list(value)


def seconds(max_age: Any) -> str:
    return str(int(max_age.total_seconds()) if isinstance(max_age, timedelta) else max_age)


def check_expose(options: Dict[str, Any], values: List[str]) -> None:
    if options["expose_headers"] == "*":
        assert values == ["*"]
        return
    assert len(values) == 1, values
    listed = [name.lower() for name in values[0].split(", ")]  # R28: joined with ", "
    assert len(listed) == len(set(listed)), values
    assert set(listed) == {name.lower() for name in expose_names(options)}, values


def check_actual_added(
    options: Dict[str, Any], origin: Optional[str], added: Dict[str, List[str]]
) -> None:
    """The CORS headers the middleware added to a non-preflight response."""
    mode = origin_mode(options)
    acao = added.pop(ACAO, [])
    if mode == "wildcard":
        assert acao == ["*"], acao
    elif origin is None:
        expected = ["*"] if mode == "reflect" and options["always_send"] else []
        assert acao == expected, (acao, expected)
    else:
        verdict = origin_verdict(options, origin)
        choices = {True: [[origin]], False: [[]], None: [[], [origin]]}[verdict]
        event(f"actual origin verdict: {verdict}")
        assert acao in choices, f"ACAO {acao!r} for {origin!r}, verdict {verdict}"
    if acao:
        if options["supports_credentials"]:
            assert added.pop(ACAC, []) == ["true"]
        if options["expose_headers"] not in (None, [], ""):
            check_expose(options, added.pop(ACEH, []))
    assert added == {}, f"unexpected CORS headers {added}"


def check_preflight_added(
    options: Dict[str, Any], request: Request, added: Dict[str, List[str]]
) -> None:
    """The CORS headers of an allowed preflight answer."""
    mode = origin_mode(options)
    credentials = options["supports_credentials"]
    assert added.pop(ACAO, []) == ["*" if mode == "wildcard" else request.origin]
    acam = added.pop(ACAM, [])
    if options["methods"] == "*":
        assert acam == [request.acrm if credentials else "*"], acam
    else:
        assert len(acam) == 1, acam
        listed = acam[0].split(", ")
        assert sorted(listed) == sorted(configured_methods(options)), acam
        assert request.acrm in listed
    any_name, names, patterns = header_config(options)
    acah = added.pop(ACAH, [])
    requested = requested_names(request.acrh) or []
    if any_name or patterns:
        if requested:
            assert len(acah) == 1, acah
            reflected = [name.lower() for name in acah[0].split(", ")]
            assert sorted(reflected) == sorted(requested), (acah, requested)
        else:
            assert acah == [], acah
    elif names:
        assert len(acah) == 1, acah
        listed = [name.lower() for name in acah[0].split(", ")]  # R28: joined with ", "
        assert sorted(set(listed)) == sorted(listed), acah
        assert set(listed) == {name.lower() for name in names}, acah
    else:
        assert acah == [], acah
    assert added.pop(ACAC, []) == (["true"] if credentials else [])
    max_age = options["max_age"]
    assert added.pop(ACMA, []) == ([] if max_age is None else [seconds(max_age)])
    acapn = added.pop(ACAPN, [])
    requested_pn = private_network_requested(request.acrpn)
    choices = {True: [["true"]], False: [[]], None: [[], ["true"]]}[requested_pn]
    assert acapn in choices, (acapn, request.acrpn)
    assert not acapn or options["allow_private_network"]
    assert added == {}, f"unexpected CORS headers on a preflight answer: {added}"


def check_cors(
    scenario: Scenario,
    options: Optional[Dict[str, Any]],
    kind: str,
    app_headers: Sequence[Header],
    emitted: Sequence[Header],
) -> None:
    """The CORS headers of one start_response call the app made (or the middleware's 500)."""
    if kind == "uncovered":
        assert list(emitted) == list(app_headers), "an uncovered path must pass untouched"
        return
    assert options is not None
    app_cors = [header for header in app_headers if is_cors(header[0])]
    emitted_cors = [header for header in emitted if is_cors(header[0])]
    if any(name.lower() == ACAO for name, _ in app_headers):
        assert emitted_cors == app_cors, "the app set ACAO: its CORS headers win, alone"
        return
    added = by_name(emitted_cors)
    if kind == "actual":
        check_actual_added(options, scenario.request.origin, added)
        return
    verdict = preflight_verdict(options, scenario.request)
    event(f"preflight to the app: verdict {verdict}, {'allowed' if added else 'refused'}")
    if added:
        assert verdict is not False, f"refused preflight decorated: {added}"
        check_preflight_added(options, scenario.request, added)
    else:
        assert verdict is not True, "allowed preflight got no CORS headers"


def required_vary(options: Optional[Dict[str, Any]], kind: str) -> Tuple[str, ...]:
    if options is None or not options["vary_header"]:
        return ()
    if kind.startswith("preflight"):
        return PREFLIGHT_VARY
    return () if origin_mode(options) == "wildcard" else ("Origin",)


def check_vary(
    app_headers: Sequence[Header], emitted: Sequence[Header], required: Sequence[str]
) -> None:
    """``required`` merged into the app's Vary: once each, without duplicates, nothing else."""
    app_lines = [(name, value) for name, value in app_headers if name.lower() == "vary"]
    out_lines = [(name, value) for name, value in emitted if name.lower() == "vary"]
    app_tokens = [token.lower() for _, value in app_lines for token in vary_tokens(value)]
    missing = [token.lower() for token in required if token.lower() not in app_tokens]
    if not missing or "*" in app_tokens:
        assert out_lines == app_lines, (app_lines, out_lines, required)
        return
    if not app_lines:
        assert len(out_lines) == 1, out_lines
        assert sorted(t.lower() for t in vary_tokens(out_lines[0][1])) == sorted(missing)
        return
    assert len(out_lines) == len(app_lines), (app_lines, out_lines)
    for (app_name, app_value), (out_name, out_value) in zip(app_lines, out_lines):
        assert out_name == app_name
        kept = vary_tokens(app_value)
        assert vary_tokens(out_value)[: len(kept)] == kept, (app_value, out_value)
    out_tokens = [token.lower() for _, value in out_lines for token in vary_tokens(value)]
    assert sorted(out_tokens) == sorted(app_tokens + missing), (app_lines, out_lines)


def check_app_headers_kept(app_headers: Sequence[Header], emitted: Sequence[Header]) -> None:
    """The app's headers other than Vary, in order, with only CORS headers added."""
    app_plain = [header for header in app_headers if header[0].lower() != "vary"]
    position = 0
    for header in emitted:
        if header[0].lower() == "vary":
            continue
        if position < len(app_plain) and header == app_plain[position]:
            position += 1
        else:
            assert is_cors(header[0]), f"{header!r} added, and it is not a CORS header"
    assert position == len(app_plain), f"app headers dropped or reordered: {emitted!r}"


def call_pairs(outcome: Outcome) -> List[Tuple[Sequence[Header], Tuple[str, List[Header], Any]]]:
    """(app's headers, what the server received) for each start_response the app made."""
    return [
        (snapshot, call) for (_, snapshot, _), call in zip(outcome.app.passed, outcome.server.calls)
    ]


# --- The properties ----------------------------------------------------------------------------


@PROFILE
@given(scenario=scenarios(apps=app_specs(st.sampled_from(APP_MODES))))
def test_middleware_never_raises_except_the_apps_own_exception(scenario: Scenario) -> None:
    """Only the app's own exception escapes, only when it must: intercept_exceptions off, or
    raised after start_response, or from the body (the middleware never wraps the body)."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    where = expected_failure(scenario, options, kind)
    event(f"app mode {scenario.app.mode}, kind {kind}, escapes: {where or 'nothing'}")
    for outcome in both_exchanges(scenario):
        assert outcome.raised is (outcome.app.error if where == "call" else None)
        assert outcome.body_raised is (outcome.app.error if where == "body" else None)
        if intercepted(scenario, options, kind):
            assert outcome.server.calls[-1][0].startswith("500 ")


@PROFILE
@given(scenario=scenarios())
def test_no_response_pairs_star_with_credentials(scenario: Scenario) -> None:
    for outcome in both_exchanges(scenario):
        for _, headers, _ in outcome.server.calls:
            values = by_name(headers)
            assert not ("*" in values.get(ACAO, []) and "true" in values.get(ACAC, []))


@PROFILE
@given(scenario=scenarios())
def test_allow_origin_is_single_and_only_what_the_policy_allows(scenario: Scenario) -> None:
    """ACAO at most once; ``*`` or the request's own Origin, byte for byte, when the oracle
    allows it; and exactly the CORS headers the README gives for the response."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    event(f"kind {kind}, mode {origin_mode(options) if options else '-'}")
    for outcome in both_exchanges(scenario):
        for _, headers, _ in outcome.server.calls:
            assert len(by_name(headers).get(ACAO, [])) <= 1
        if kind == "preflight_answer":
            status, headers, _ = outcome.server.calls[0]
            if status.startswith("403"):
                assert not [h for h in headers if is_cors(h[0])]
            else:
                assert options is not None
                cors = [header for header in headers if is_cors(header[0])]
                check_preflight_added(options, scenario.request, by_name(cors))
        elif intercepted(scenario, options, kind):
            _, headers, _ = outcome.server.calls[0]
            check_cors(scenario, options, kind, [], headers)
        else:
            for app_headers, (_, headers, _) in call_pairs(outcome):
                check_cors(scenario, options, kind, app_headers, headers)


@PROFILE
@given(scenario=scenarios())
def test_vary_has_origin_whenever_the_answer_depends_on_it(scenario: Scenario) -> None:
    """``Vary: Origin`` on every response of a non-``*`` policy (allowed, refused and
    Origin-less alike), the three preflight tokens on preflight answers, merged into the
    app's Vary without duplicates; ``Vary: *`` and uncovered paths left alone."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    required = required_vary(options, kind)
    event(f"required Vary: {', '.join(required) or 'none'}")
    for outcome in both_exchanges(scenario):
        if kind == "preflight_answer" or intercepted(scenario, options, kind):
            _, headers, _ = outcome.server.calls[0]
            check_vary([], headers, required)
        else:
            for app_headers, (_, headers, _) in call_pairs(outcome):
                check_vary(app_headers, headers, required)


@PROFILE
@given(scenario=scenarios())
def test_status_body_and_app_headers_are_preserved(scenario: Scenario) -> None:
    """The app's status, exc_info, body (the iterable itself, chunks in order, close()
    forwarded), write() calls and headers pass through; its header list is never mutated."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    spec = scenario.app
    for outcome in both_exchanges(scenario):
        app, server = outcome.app, outcome.server
        for passed, snapshot, _ in app.passed:
            assert passed == list(snapshot), "the app's header list was mutated"
        if kind == "preflight_answer":
            assert app.calls == 0
            continue
        assert app.calls == 1
        if intercepted(scenario, options, kind):
            assert server.calls[0][0] == "500 Internal Server Error"
            assert str(app.error).encode() not in b"".join(server.output)
            continue
        for (app_headers, (status, headers, exc_info)), (_, _, app_exc_info) in zip(
            call_pairs(outcome), app.passed
        ):
            expected_status = spec.second_status if app_exc_info else spec.status
            assert status == expected_status
            assert exc_info is app_exc_info
            check_app_headers_kept(app_headers, headers)
        if not outcome.validated:
            assert all(write is server.write for write in app.returned)
        if app.body is None:
            continue
        if not outcome.validated:
            assert outcome.result is app.body, "the body iterable must be returned as is"
            assert len(outcome.chunks) == len(app.body.yielded)
            assert all(a is b for a, b in zip(outcome.chunks, app.body.yielded))
        fail_at = spec.fail_at if spec.mode == "raise_in_body" else len(spec.chunks)
        assert app.body.yielded == list(spec.chunks[:fail_at]), "the body was cut short"
        assert outcome.chunks == app.body.yielded
        assert server.output == [*spec.writes, *app.body.yielded]
        assert app.body.closed == 1


@PROFILE
@given(scenario=scenarios())
def test_emitted_headers_are_well_formed(scenario: Scenario) -> None:
    """No header name or value with CR, LF or NUL, every name a token, values latin-1."""
    for outcome in both_exchanges(scenario):
        for status, headers, _ in outcome.server.calls:
            assert STATUS_LINE.fullmatch(status)
            for name, value in headers:
                assert is_token(name), name
                assert not set("\r\n\x00") & set(name + value), (name, value)
                value.encode("latin-1")


def refusal_body(scenario: Scenario) -> bytes:
    """The body of a preflight this middleware must refuse (a method that is not a token)."""
    request = Request("OPTIONS", scenario.request.path, "https://reference.invalid", "\x00")
    reference = Scenario(scenario.top, scenario.resources, request, scenario.app)
    outcome = exchange(reference, validated=False)
    assert outcome.server.calls[0][0] == "403 Forbidden"
    return b"".join(outcome.chunks)


@PROFILE
@given(scenario=scenarios(shape="preflight"))
def test_preflight_is_answered_2xx_only_when_everything_asked_is_allowed(
    scenario: Scenario,
) -> None:
    """2xx only if the origin, the method (case-sensitive) and every requested header
    (case-insensitive) are allowed, and private network access if asked; then the
    configured status, the README's headers and an empty body."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    if kind != "preflight_answer":
        event(f"not answered by the middleware: {kind}")
        return
    assert options is not None
    verdict = preflight_verdict(options, scenario.request)
    for outcome in both_exchanges(scenario):
        status, headers, _ = outcome.server.calls[0]
        assert outcome.app.calls == 0
        allowed = not status.startswith("403")
        event(f"preflight verdict {verdict}, {'allowed' if allowed else 'refused'}")
        if not allowed:
            assert verdict is not True, "an allowed preflight was refused"
            continue
        assert verdict is not False, f"a refused preflight was answered {status}"
        assert int(status[:3]) == options["preflight_status"]
        cors = [header for header in headers if is_cors(header[0])]
        check_preflight_added(options, scenario.request, by_name(cors))
        body = b"".join(outcome.chunks)
        assert body == b""
        assert by_name(headers).get("content-length", ["0"]) == ["0"]


@PROFILE
@given(scenario=scenarios(shape="preflight"))
def test_refused_preflight_is_403_without_cors_headers_or_request_data(
    scenario: Scenario,
) -> None:
    options = policy_options(scenario)
    if request_kind(scenario, options) != "preflight_answer":
        return
    expected_body: Optional[bytes] = None
    for outcome in both_exchanges(scenario):
        status, headers, _ = outcome.server.calls[0]
        if not status.startswith("403"):
            continue
        assert status == "403 Forbidden"
        assert [h for h in headers if is_cors(h[0])] == []
        body = b"".join(outcome.chunks)
        if expected_body is None:
            expected_body = refusal_body(scenario)
        assert body == expected_body, "the refusal body depends on the request"
        request = scenario.request
        for value in (request.origin, request.acrm, request.acrh, request.path):
            if value and len(value) >= 12:
                assert value.encode("latin-1") not in body


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


@PROFILE
@given(
    case=RESOURCE_CASES,
    preflight=st.booleans(),
    app=RESOURCE_APPS,
)
def test_resource_policy_is_the_one_the_precedence_rules_pick(
    case: Tuple[Dict[str, Any], Any, Optional[str]], preflight: bool, app: AppSpec
) -> None:
    """exact > regex (declaration order) > longest prefix > catch-all, on PATH_INFO as the
    server decoded it: never decoded again, never case-folded; a path with an empty, ``.`` or
    ``..`` segment only by an exact match. Each resource's origins are one predicate that
    records that it was asked, so the policy in use identifies itself."""
    top, resources, path = case
    choices = resource_choices(resources, path or "")
    names = [repr(resources[c][0]) if c is not None else "nothing" for c in choices]
    event(f"covered by: {' or '.join(names)}")
    request = (
        Request("OPTIONS", path, PROBE_ORIGIN, "GET")
        if preflight
        else Request("GET", path, PROBE_ORIGIN)
    )
    for validated in (False, True):
        seen: List[int] = []
        table = []
        for index, (pattern, overrides) in enumerate(resources):
            probe = Entry(recording_probe(index, seen), "predicate")
            probed = {**overrides, "origins": Origins((probe,))}
            make_valid(probed, merged(top, probed))
            table.append((pattern, probed))
        scenario = Scenario(top, tuple(table), request, app)
        outcome = exchange(scenario, validated=validated)
        assert seen in [[] if c is None else [c] for c in choices], (seen, choices)
        headers = outcome.server.calls[-1][1]
        if not seen:
            assert outcome.app.calls == 1
            assert headers == list(outcome.app.passed[-1][1])
        elif not preflight and not [n for n, _ in outcome.app.passed[-1][1] if n.lower() == ACAO]:
            assert by_name(headers).get(ACAO) == [PROBE_ORIGIN]


@PROFILE
@given(
    options=OPTIONS,
    others=st.lists(st.sampled_from(VALID_ENTRIES), max_size=3),
    origin=REQUEST_ORIGINS,
    preflight=st.booleans(),
)
def test_predicates_and_patterns_only_see_serialised_origins(
    options: Dict[str, Any], others: List[Entry], origin: str, preflight: bool
) -> None:
    """A predicate is only asked about an origin that parses as a serialised origin, and
    is handed the request's Origin itself."""
    seen: List[str] = []

    def recorder(value: str) -> bool:
        seen.append(value)
        return True

    top = {**options, "origins": Origins((Entry(recorder, "predicate"), *others))}
    make_valid(top, merged(top))
    request = Request("OPTIONS", "/", origin, "GET") if preflight else Request("GET", "/", origin)
    app = AppSpec("normal", "200 OK", (("Content-Type", "text/plain"),), (b"ok",))
    scenario = Scenario(top, None, request, app)
    for validated in (False, True):
        del seen[:]
        outcome = exchange(scenario, validated=validated)
        event(f"predicate asked: {bool(seen)}")
        assert all(value == origin for value in seen)
        if seen:
            assert serialised_verdict(origin) is not False, origin
        acao = by_name(outcome.server.calls[-1][1]).get(ACAO, [])
        assert acao in ([], [origin]), acao


@PROFILE
@given(options=OPTIONS, data=st.data())
def test_preflight_decision_for_near_misses_of_an_allowed_preflight(
    options: Dict[str, Any], data: st.DataObject
) -> None:
    """A preflight the policy allows, or one near miss of it (the origin mutated, the method
    in another case or unlisted, one header not allowed or not a token, anywhere in the list,
    private network asked): allowed exactly when the oracle says so, with the README's
    headers; refused with 403 and no CORS headers."""
    top = dict(options)
    if "origins" not in top and data.draw(INDEX) % 4:
        top["origins"] = data.draw(ORIGINS)
    if data.draw(INDEX) % 2:
        top["allow_headers"] = data.draw(HEADER_LISTS)
    make_valid(top, merged(top))
    policy = merged(top)
    request = aimed(data.draw, policy, Request("OPTIONS", "/", "", ""))
    verdict = preflight_verdict(policy, request)
    event(f"preflight verdict {verdict}")
    app = AppSpec("normal", "200 OK", (("Content-Type", "text/plain"),), (b"ok",))
    for validated in (False, True):
        outcome = exchange(Scenario(top, None, request, app), validated=validated)
        status, headers, _ = outcome.server.calls[0]
        cors = by_name([header for header in headers if is_cors(header[0])])
        allowed = bool(cors)
        if policy["automatic_options"]:
            assert allowed == (status != "403 Forbidden"), (status, cors)
        assert verdict is not (not allowed), f"{'allowed' if allowed else 'refused'}: {verdict}"
        if allowed:
            check_preflight_added(policy, request, cors)


NEAR_MISS_ORIGINS = st.one_of(
    st.lists(st.sampled_from(VALID_ENTRIES), min_size=1, max_size=3, unique=True).map(
        lambda entries: Origins(tuple(entries))
    ),
    st.just("*"),
)


#: What "*" must not reflect (or must, byte for byte): ``null``, empty, non-canonical.
STAR_NEAR_MISSES = [
    "null",
    "",
    "*",
    "https://example.com",
    "HTTPS://EXAMPLE.COM",
    "https://example.com/",
    "https://example.com:443",
    "file://",
    "http://localhost:3000",
]


@st.composite
def near_miss_origins(draw: st.DrawFn, origins: Any) -> str:
    """An origin the configured ``origins`` allow, or a near miss of it."""
    if origins == "*":
        origin = pick(draw, STAR_NEAR_MISSES)
        return origin if draw(INDEX) % 2 else mutate_origin(draw, origin)
    examples = [x for entry in origins.entries for x in entry.examples]
    origin = pick(draw, examples) if examples else draw(SAMPLE_ORIGIN)
    return origin if draw(INDEX) % 4 == 0 else mutate_origin(draw, origin)


@PROFILE
@given(
    origins=NEAR_MISS_ORIGINS,
    options=OPTIONS,
    preflight=st.booleans(),
    data=st.data(),
)
def test_allow_origin_for_near_misses_of_configured_origins(
    origins: Any, options: Dict[str, Any], preflight: bool, data: st.DataObject
) -> None:
    """A policy answers exactly the origins the README's rules allow (a configured origin
    byte for byte, never its upper-case, slash, port, scheme, suffix, prefix, glued or parent
    variants; ``null`` only when listed), with exactly the README's CORS headers."""
    origin = data.draw(near_miss_origins(origins), label="origin")
    top = {**options, "origins": origins}
    if origins == "*":
        top["send_wildcard"] = data.draw(st.booleans(), label="send_wildcard")
    make_valid(top, merged(top))
    policy = merged(top)
    request = Request("OPTIONS", "/", origin, "GET") if preflight else Request("GET", "/", origin)
    event(f"origin verdict {origin_verdict(policy, origin)}, {'preflight' if preflight else 'GET'}")
    app = AppSpec("normal", "200 OK", (("Content-Type", "text/plain"),), (b"ok",))
    scenario = Scenario(top, None, request, app)
    kind = request_kind(scenario, policy)
    for validated in (False, True):
        outcome = exchange(scenario, validated=validated)
        status, headers, _ = outcome.server.calls[0]
        if kind != "preflight_answer":
            check_cors(scenario, policy, kind, app.headers, headers)
            continue
        verdict = preflight_verdict(policy, request)
        cors = by_name([header for header in headers if is_cors(header[0])])
        assert verdict is not (status == "403 Forbidden"), (status, verdict)
        if status == "403 Forbidden":
            assert cors == {}
        else:
            check_preflight_added(policy, request, cors)


# --- Configuration errors -----------------------------------------------------------------------

INVALID_OPTION_VALUES: Dict[str, List[Any]] = {
    "methods": [["CONNECT"], ["GET", "TRACE"], ["track"], ["GET POST"], "GET, TR ACE"],
    "allow_headers": [["X Bad"], ["x:y"], "X-A, bad name"],
    "expose_headers": [["bad name"], "X-A, x:y"],
    "max_age": [-1, timedelta(seconds=-5)],
    "preflight_status": [199, 300, 302, 404, 500],
}


MIXED_ENTRIES = st.lists(
    st.sampled_from([*VALID_ENTRIES, *INVALID_ENTRIES, STAR_ENTRY]),
    min_size=1,
    max_size=3,
    unique=True,
)


@st.composite
def maybe_invalid_options(draw: st.DrawFn) -> Dict[str, Any]:
    """Valid options, with now and then one or more of the README's mistakes."""
    options = dict(draw(OPTIONS))
    for name, bad_values in INVALID_OPTION_VALUES.items():
        if draw(INDEX) % 16 == 0:
            options[name] = pick(draw, bad_values)
    if draw(INDEX) % 6 == 0:
        options["origins"] = Origins(tuple(draw(MIXED_ENTRIES)))
    return options


def valid_path_pattern(pattern: str) -> bool:
    """README: "*" or "/*", or a path from "/" with at most a trailing "/*" as wildcard."""
    if is_resource_catch_all(pattern):
        return True
    stem = pattern[:-2] if pattern.endswith("/*") else pattern
    return pattern.startswith("/") and not set(stem) & set("*?[]")


def policy_problems(options: Dict[str, Any]) -> List[str]:
    """The options of one policy that break a README rule."""
    problems = []
    origins = options["origins"]
    credentials = options["supports_credentials"]
    if origins != "*":
        entries = origins.entries
        if any(entry.kind == "invalid" for entry in entries):
            problems.append("origins")
        if STAR_ENTRY in entries and len(entries) > 1:
            problems.append("origins")
        if STAR_ENTRY in entries and credentials:
            problems.append("origins")
        if (
            credentials
            and any(entry.canonical == "null" for entry in entries)
            and not options["allow_null_with_credentials"]
        ):
            problems.append("origins")
    elif credentials:
        problems.append("origins")
    if options["methods"] != "*" and any(
        not is_token(method) or method in FORBIDDEN_METHODS
        for method in configured_methods(options)
    ):
        problems.append("methods")
    if options["allow_headers"] != "*" and not all(
        is_token(name) for name in header_config(options)[1]
    ):
        problems.append("allow_headers")
    expose = options["expose_headers"]
    if expose == "*" and credentials:
        problems.append("expose_headers")
    if expose not in (None, "*") and not all(is_token(name) for name in expose_names(options)):
        problems.append("expose_headers")
    max_age = options["max_age"]
    if max_age is not None and float(seconds(max_age)) < 0:
        problems.append("max_age")
    if not 200 <= options["preflight_status"] <= 299:
        problems.append("preflight_status")
    return problems


@PROFILE
@given(
    top=maybe_invalid_options(),
    resources=st.one_of(
        st.none(),
        st.lists(
            st.tuples(
                st.sampled_from([*RESOURCE_PATTERNS, "api/*", "/a*b", "/api/v[12]", "/x?"]),
                st.one_of(st.just({}), maybe_invalid_options()),
            ),
            min_size=1,
            max_size=4,
            unique_by=lambda item: item[0],
        ),
    ),
    misspelled=st.sampled_from([None] * 9 + ["support_credentials", "orgins", "max_ages"]),
)
def test_bad_configurations_raise_config_error_at_construction_only(
    top: Dict[str, Any],
    resources: Optional[List[Tuple[Any, Dict[str, Any]]]],
    misspelled: Optional[str],
) -> None:
    """Construction raises ConfigError, and nothing else, exactly for the configurations the
    README calls mistakes; every problem names its option."""
    expected: Dict[str, Verdict] = {}  # option name (as it appears in messages) -> must fail
    top_problems = policy_problems(merged(top))
    if misspelled:
        expected[misspelled] = True
    if resources is None:
        expected.update(dict.fromkeys(top_problems, True))
    else:
        patterns = [pattern for pattern, _ in resources]
        if "*" in patterns and "/*" in patterns:
            expected["resources"] = True
        for pattern, overrides in resources:
            if isinstance(pattern, str) and not valid_path_pattern(pattern):
                expected[f"resources[{pattern!r}]"] = True
            for problem in policy_problems(merged(top, overrides)):
                expected[problem] = True
        if top_problems and not any(expected.values()):
            expected["top-level only"] = None  # all resources override the mistake away
    if any(expected.values()):
        must_fail: Verdict = True
    else:
        must_fail = None if "top-level only" in expected else False
    kwargs = to_kwargs(top)
    if resources is not None:
        kwargs["resources"] = {pattern: to_kwargs(overrides) for pattern, overrides in resources}
    if misspelled:
        kwargs[misspelled] = True
    event(f"expected: {'error' if must_fail else 'either' if must_fail is None else 'valid'}")
    error = construction_error(kwargs)
    if error is None:
        assert must_fail is not True, f"invalid configuration accepted: {expected}"
        return
    assert must_fail is not False, f"valid configuration refused: {error}"
    assert error.problems
    for name, verdict in expected.items():
        if verdict:
            assert any(name in problem for problem in error.problems), (name, error.problems)
    if misspelled:
        assert any("did you mean" in problem for problem in error.problems)


def construction_error(kwargs: Dict[str, Any]) -> Optional[ConfigError]:
    """The ConfigError building the middleware raises (any other exception propagates)."""
    try:
        CORSMiddleware(lambda environ, start_response: [], **kwargs)
    except ConfigError as error:
        return error
    return None


# --- Bugs found ---------------------------------------------------------------------------------


def test_preflight_status_accepts_every_2xx_code() -> None:
    scenario = Scenario(
        {"preflight_status": 299},
        None,
        Request("OPTIONS", "/", "https://example.com", "GET"),
        AppSpec("normal", "200 OK", (), ()),
    )
    outcome = exchange(scenario, validated=False)
    assert outcome.server.calls[0][0].startswith("299 ")
