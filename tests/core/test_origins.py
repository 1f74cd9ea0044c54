"""Origin matching, end to end: which ``Origin`` values get ``Access-Control-Allow-Origin``.

Every configured entry kind (exact, ``https://*.`` subdomain wildcard, ``:*`` port wildcard,
compiled regex, predicate) is attacked with the same table of hostile origins (SECURITY.md
class 2.1: suffix tricks, non-canonical spellings, header breakers). Requests go through the public
``CORSMiddleware`` wrapped in ``wsgiref.validate.validator`` and driven by WebTest, except
where a raw environ shows more directly that header-breaking bytes are never echoed.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import urlsplit
from wsgiref.validate import validator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from webtest import TestApp

from wsgi_cors import ConfigError, CORSMiddleware
from wsgi_cors.core.origins import OriginMatcher, normalize_origins

from conftest import call_wsgi, make_environ

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"

Header = Tuple[str, str]


def trivial_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"ok"]


def make_client(**options: Any) -> TestApp:
    """``validator(CORSMiddleware(validator(trivial_app), **options))`` behind WebTest."""
    return TestApp(validator(CORSMiddleware(validator(trivial_app), **options)))


def values_of(response: Any, name: str) -> List[str]:
    return [value for key, value in response.headerlist if key.lower() == name.lower()]


def get_with_origin(test_client: TestApp, origin: str) -> Any:
    return test_client.get("/", headers={"Origin": origin})


def preflight_with_origin(test_client: TestApp, origin: str) -> Any:
    headers = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    return test_client.options("/", headers=headers, status="*")


def matcher_for(entries: Any) -> OriginMatcher:
    """Build a matcher directly, failing the test if the configuration has problems."""
    normalized, problems = normalize_origins(entries)
    if problems:
        raise ConfigError(problems)
    return OriginMatcher.from_entries(normalized)


def wsgi_environ(
    origin: str, method: str = "GET", request_method: Optional[str] = None
) -> Dict[str, Any]:
    return make_environ(method=method, origin=origin, request_method=request_method)


def raw_values(headers: List[Header], name: str) -> List[str]:
    return [value for key, value in headers if key.lower() == name.lower()]


# --- Hostile origins, for every kind of entry ---------------------------------------------


def trusts_example_com(origin: str) -> bool:
    """A predicate written the tempting way: it relies on ``urlsplit``, which is lenient.

    ``urlsplit`` lower-cases the host, drops tabs, ignores paths and user information and
    raises on a bad port, so any hostile origin it lets through is refused only because the
    middleware never shows a predicate an origin that is not a serialised origin.
    """
    parts = urlsplit(origin)
    return parts.scheme == "https" and parts.hostname == "example.com" and parts.port is None


#: One configured entry per kind, and an origin each entry must allow.
ENTRY_KINDS: Dict[str, Tuple[Any, str]] = {
    "exact": ("https://example.com", "https://example.com"),
    "subdomain-wildcard": ("https://*.example.com", "https://a.example.com"),
    "port-wildcard": ("http://localhost:*", "http://localhost:3000"),
    "regex": (re.compile(r"https://[a-z]+\.example\.com"), "https://api.example.com"),
    "predicate": (trusts_example_com, "https://example.com"),
}

#: 10 KiB of valid labels: only a length limit stops the subdomain wildcard from taking it.
TEN_KIB_ORIGIN = "https://" + "a." * 5120 + "example.com"


def utf8_as_wsgi(text: str) -> str:
    """How a WSGI server hands over a UTF-8 header value: its bytes decoded as latin-1."""
    return text.encode("utf-8").decode("latin-1")


HOSTILE_ORIGINS = [
    pytest.param("https://example.com.evil.com", id="suffix-appended"),
    pytest.param("https://evilexample.com", id="prefix-glued-to-host"),
    pytest.param("https://example.comevil.com", id="glued-after-tld"),
    pytest.param("https://xexample.com", id="one-letter-prefix"),
    pytest.param("https://example.com.", id="trailing-dot"),
    pytest.param("https://example.com:8080", id="unconfigured-port"),
    pytest.param("http://example.com", id="scheme-downgrade"),
    pytest.param("https://EXAMPLE.com", id="upper-case-host"),
    pytest.param("https://example.com/", id="trailing-slash"),
    pytest.param("null", id="null"),
    pytest.param("", id="empty"),
    pytest.param(TEN_KIB_ORIGIN, id="10-KiB"),
    pytest.param("https://exa\tmple.com", id="tab-inside"),
    pytest.param("https://example.com\x00", id="nul-byte"),
    pytest.param("https://ex\xe4mple.com", id="latin-1-non-ascii"),
    pytest.param(utf8_as_wsgi("https://exämple.com"), id="utf-8-non-ascii"),
    pytest.param(utf8_as_wsgi("https://\u0435xample.com"), id="idn-cyrillic-homograph"),
    pytest.param(utf8_as_wsgi("https://例え.example.com"), id="idn-unicode-subdomain"),
    pytest.param("https://example.com, https://evil.com", id="two-origins-joined"),
    pytest.param("https://attacker@example.com", id="userinfo"),
]

#: Hostile origins aimed at one entry kind in particular.
KIND_SPECIFIC_HOSTILE_ORIGINS = [
    pytest.param("exact", "https://example.com:443", id="exact-explicit-default-port"),
    pytest.param("exact", "https://example.com?", id="exact-empty-query"),
    pytest.param("exact", "https://example.com#", id="exact-empty-fragment"),
    pytest.param("exact", " https://example.com", id="exact-leading-space"),
    pytest.param("subdomain-wildcard", "https://example.com", id="wildcard-apex"),
    pytest.param("subdomain-wildcard", "https://a.example.com.evil.com", id="wildcard-suffix"),
    pytest.param("subdomain-wildcard", "https://.example.com", id="wildcard-empty-label"),
    pytest.param("subdomain-wildcard", "https://a..example.com", id="wildcard-double-dot"),
    pytest.param("subdomain-wildcard", "https://a.evilexample.com", id="wildcard-no-boundary"),
    pytest.param("subdomain-wildcard", "https://*.example.com", id="wildcard-literal-star"),
    pytest.param("subdomain-wildcard", "https://a.example.com.", id="wildcard-trailing-dot"),
    pytest.param("subdomain-wildcard", "https://a.example.com:8443", id="wildcard-port"),
    pytest.param("subdomain-wildcard", "http://a.example.com", id="wildcard-downgrade"),
    pytest.param("subdomain-wildcard", "https://A.example.com", id="wildcard-upper-case"),
    pytest.param("subdomain-wildcard", "https://a.example.com/", id="wildcard-slash"),
    pytest.param("subdomain-wildcard", "https://\xe4.example.com", id="wildcard-non-ascii"),
    pytest.param("port-wildcard", "http://localhost.evil.com:3000", id="port-suffix"),
    pytest.param("port-wildcard", "http://evillocalhost:3000", id="port-prefix-glued"),
    pytest.param("port-wildcard", "http://localhostevil:3000", id="port-glued-after"),
    pytest.param("port-wildcard", "http://a.localhost:3000", id="port-subdomain"),
    pytest.param("port-wildcard", "https://localhost:3000", id="port-other-scheme"),
    pytest.param("port-wildcard", "http://LOCALHOST:3000", id="port-upper-case"),
    pytest.param("port-wildcard", "http://localhost:3000/", id="port-slash"),
    pytest.param("port-wildcard", "http://localhost:", id="port-empty"),
    pytest.param("port-wildcard", "http://localhost:03000", id="port-leading-zero"),
    pytest.param("port-wildcard", "http://localhost:abc", id="port-not-a-number"),
    pytest.param("port-wildcard", "http://127.0.0.1:3000", id="port-other-host"),
    pytest.param("regex", "https://example.com", id="regex-no-subdomain"),
    pytest.param("regex", "https://api.example.com.evil.com", id="regex-suffix"),
    pytest.param("regex", "https://evil.com/https://api.example.com", id="regex-in-path"),
    pytest.param("regex", "https://api.example.com/", id="regex-slash"),
    pytest.param("regex", "https://api.example.com:8443", id="regex-port"),
    pytest.param("regex", "http://api.example.com", id="regex-downgrade"),
    pytest.param("regex", "https://a.b.example.com", id="regex-two-labels"),
    pytest.param("predicate", "https://example.com:443", id="predicate-default-port"),
    pytest.param("predicate", "https://example.com:99999", id="predicate-raising-port"),
]


def assert_refused(test_client: TestApp, origin: str) -> None:
    actual = get_with_origin(test_client, origin)
    assert values_of(actual, ACAO) == []
    assert values_of(actual, ACAC) == []
    assert actual.body == b"ok"
    preflight = preflight_with_origin(test_client, origin)
    assert preflight.status_int == 403
    assert values_of(preflight, ACAO) == []
    assert values_of(preflight, ACAC) == []


@pytest.mark.parametrize("kind", list(ENTRY_KINDS))
def test_each_entry_kind_allows_its_own_origin(kind: str) -> None:
    entry, good_origin = ENTRY_KINDS[kind]
    test_client = make_client(origins=[entry], supports_credentials=True)
    assert values_of(get_with_origin(test_client, good_origin), ACAO) == [good_origin]
    preflight = preflight_with_origin(test_client, good_origin)
    assert preflight.status_int == 204
    assert values_of(preflight, ACAO) == [good_origin]


@pytest.mark.parametrize("origin", HOSTILE_ORIGINS)
@pytest.mark.parametrize("kind", list(ENTRY_KINDS))
def test_hostile_origin_gets_no_allow_origin(kind: str, origin: str) -> None:
    entry, _ = ENTRY_KINDS[kind]
    assert_refused(make_client(origins=[entry], supports_credentials=True), origin)


@pytest.mark.parametrize(("kind", "origin"), KIND_SPECIFIC_HOSTILE_ORIGINS)
def test_kind_specific_hostile_origin_gets_no_allow_origin(kind: str, origin: str) -> None:
    entry, _ = ENTRY_KINDS[kind]
    assert_refused(make_client(origins=[entry], supports_credentials=True), origin)


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("https://example.com\r\nX-Injected: 1", id="crlf-header-injection"),
        pytest.param("https://example.com\r\n X-Folded: 1", id="obs-fold"),
        pytest.param("https://example.com\n", id="trailing-lf"),
        pytest.param("https://example.com\r", id="trailing-cr"),
        pytest.param("https://example.com\x00", id="nul"),
        pytest.param("https://a.example.com\r\nX-Injected: 1", id="crlf-after-subdomain"),
    ],
)
@pytest.mark.parametrize("kind", list(ENTRY_KINDS))
def test_header_breaking_origin_is_never_echoed(kind: str, origin: str) -> None:
    entry, _ = ENTRY_KINDS[kind]
    middleware = CORSMiddleware(trivial_app, origins=[entry], supports_credentials=True)
    for environ in (wsgi_environ(origin), wsgi_environ(origin, "OPTIONS", "GET")):
        status, headers, body = call_wsgi(middleware, environ)
        assert status in ("200 OK", "403 Forbidden")
        assert raw_values(headers, ACAO) == []
        assert raw_values(headers, ACAC) == []
        assert not any(re.search(r"[\x00-\x1f]", name + value) for name, value in headers)
        assert origin.encode("latin-1") not in body


def test_configs_sharing_a_suffix_do_not_combine_into_a_new_origin() -> None:
    test_client = make_client(origins=["https://foo.com", "https://bar.com"])
    for origin in ("https://barfoo.com", "https://foobar.com", "https://bar.foo.com"):
        assert values_of(get_with_origin(test_client, origin), ACAO) == []
    for origin in ("https://foo.com", "https://bar.com"):
        assert values_of(get_with_origin(test_client, origin), ACAO) == [origin]


def test_wildcards_sharing_a_suffix_do_not_combine_into_a_new_origin() -> None:
    test_client = make_client(origins=["https://*.foo.com", "https://*.bar.com"])
    for origin in ("https://a.barfoo.com", "https://barfoo.com", "https://a.foobar.com"):
        assert values_of(get_with_origin(test_client, origin), ACAO) == []
    assert values_of(get_with_origin(test_client, "https://a.bar.com"), ACAO) == [
        "https://a.bar.com"
    ]


def test_predicate_never_sees_an_origin_that_is_not_a_serialised_origin() -> None:
    seen: List[str] = []

    def trusts_everything(origin: str) -> bool:
        seen.append(origin)
        return True

    test_client = make_client(origins=[trusts_everything])
    malformed = [
        "null",
        "",
        "https://EXAMPLE.com",
        "https://example.com/",
        "https://exa\tmple.com",
        "https://example.com, https://evil.com",
        "https://attacker@example.com",
        "https://ex\xe4mple.com",
        TEN_KIB_ORIGIN,
    ]
    for origin in malformed:
        assert values_of(get_with_origin(test_client, origin), ACAO) == []
    assert seen == []


# --- Allowed origins ---------------------------------------------------------------------


def test_exact_origin_is_echoed_byte_exact_in_one_header() -> None:
    test_client = make_client(origins=["https://example.com", "https://other.example.org:8443"])
    for origin in ("https://example.com", "https://other.example.org:8443"):
        assert values_of(get_with_origin(test_client, origin), ACAO) == [origin]


@pytest.mark.parametrize(
    "origin",
    ["https://a.example.com", "https://a.b.example.com", "https://x-1.y_2.example.com"],
)
def test_subdomain_wildcard_accepts_one_or_more_whole_labels(origin: str) -> None:
    response = get_with_origin(make_client(origins=["https://*.example.com"]), origin)
    assert values_of(response, ACAO) == [origin]


@pytest.mark.parametrize(
    "origin", ["http://localhost:3000", "http://localhost", "http://localhost:65535"]
)
def test_port_wildcard_accepts_any_port_and_no_port(origin: str) -> None:
    response = get_with_origin(make_client(origins=["http://localhost:*"]), origin)
    assert values_of(response, ACAO) == [origin]


def test_regex_keeps_the_users_flags_and_is_full_matched() -> None:
    pattern = re.compile(
        r"""
        HTTPS://
        (?: APP | ADMIN )       # two trusted subdomains, written in upper case
        \.EXAMPLE\.COM
        """,
        re.VERBOSE | re.IGNORECASE,
    )
    test_client = make_client(origins=[pattern])
    for origin in ("https://app.example.com", "https://admin.example.com"):
        assert values_of(get_with_origin(test_client, origin), ACAO) == [origin]
    for origin in ("https://other.example.com", "https://app.example.com.evil.com"):
        assert values_of(get_with_origin(test_client, origin), ACAO) == []


def test_regex_without_anchors_is_still_full_matched() -> None:
    test_client = make_client(origins=[re.compile(r"https://a\.com")])
    assert values_of(get_with_origin(test_client, "https://a.com"), ACAO) == ["https://a.com"]
    for origin in ("https://a.com.evil", "https://xa.com", "https://a.comm"):
        assert values_of(get_with_origin(test_client, origin), ACAO) == []


def test_predicate_receives_the_request_origin_and_decides() -> None:
    seen: List[str] = []

    def trusts_tenants(origin: str) -> bool:
        seen.append(origin)
        return origin.endswith(".tenants.example.com")

    test_client = make_client(origins=[trusts_tenants])
    allowed = get_with_origin(test_client, "https://acme.tenants.example.com")
    refused = get_with_origin(test_client, "https://acme.example.com")
    assert values_of(allowed, ACAO) == ["https://acme.tenants.example.com"]
    assert values_of(refused, ACAO) == []
    assert seen == ["https://acme.tenants.example.com", "https://acme.example.com"]


def test_predicate_that_raises_is_treated_as_not_allowed() -> None:
    def broken(origin: str) -> bool:
        raise RuntimeError("allow-list backend is down")

    test_client = make_client(origins=[broken])
    actual = get_with_origin(test_client, "https://example.com")
    assert actual.status_int == 200
    assert actual.body == b"ok"
    assert values_of(actual, ACAO) == []
    preflight = preflight_with_origin(test_client, "https://example.com")
    assert preflight.status_int == 403
    assert values_of(preflight, ACAO) == []


def test_null_is_allowed_when_listed_literally() -> None:
    test_client = make_client(origins=["https://example.com", "null"])
    assert values_of(get_with_origin(test_client, "null"), ACAO) == ["null"]
    assert values_of(preflight_with_origin(test_client, "null"), ACAO) == ["null"]


@pytest.mark.parametrize(
    "origins",
    [
        pytest.param(["https://example.com"], id="exact"),
        pytest.param(["https://*.example.com"], id="subdomain-wildcard"),
        pytest.param([re.compile(r".*")], id="match-anything-regex"),
        pytest.param([lambda origin: True], id="allow-everything-predicate"),
        pytest.param(["https://example.com", "http://localhost:*"], id="mixed"),
    ],
)
def test_null_is_refused_unless_listed_literally(origins: List[Any]) -> None:
    test_client = make_client(origins=origins)
    assert values_of(get_with_origin(test_client, "null"), ACAO) == []
    assert values_of(preflight_with_origin(test_client, "null"), ACAO) == []


def test_any_origin_reflected_without_wildcard_still_refuses_null() -> None:
    test_client = make_client(origins="*", send_wildcard=False)
    assert values_of(get_with_origin(test_client, "null"), ACAO) == []
    assert values_of(get_with_origin(test_client, "https://a.com"), ACAO) == ["https://a.com"]


@pytest.mark.parametrize("configured", ["HTTPS://Example.COM", "https://example.com:443"])
def test_configured_origin_is_canonicalised(configured: str) -> None:
    test_client = make_client(origins=[configured])
    response = get_with_origin(test_client, "https://example.com")
    assert values_of(response, ACAO) == ["https://example.com"]
    assert values_of(get_with_origin(test_client, "https://Example.COM"), ACAO) == []


@pytest.mark.parametrize("configured", ["http://[::1]:8080", "http://[::1]:*"])
def test_ipv6_literal_origin_can_be_configured(configured: str) -> None:
    test_client = make_client(origins=[configured])
    response = get_with_origin(test_client, "http://[::1]:8080")
    assert values_of(response, ACAO) == ["http://[::1]:8080"]


# --- Cost does not depend on the number of origins -----------------------------------------


def test_ten_thousand_exact_origins_live_in_one_frozenset() -> None:
    configured = [f"https://app{i}.example.com" for i in range(10_000)]
    middleware = CORSMiddleware(trivial_app, origins=configured)
    matcher = middleware.resources.policies[0].matcher
    assert isinstance(matcher.exact, frozenset)
    assert matcher.exact == frozenset(configured)
    assert matcher.regexes == ()
    assert matcher.predicates == ()
    response = get_with_origin(TestApp(validator(middleware)), configured[-1])
    assert values_of(response, ACAO) == [configured[-1]]


def test_ten_thousand_wildcards_live_in_one_frozenset() -> None:
    configured = [f"https://*.tenant{i}.example.com" for i in range(10_000)]
    middleware = CORSMiddleware(trivial_app, origins=configured)
    matcher = middleware.resources.policies[0].matcher
    assert isinstance(matcher.patterns, frozenset)
    assert len(matcher.patterns) == 10_000
    assert matcher.regexes == ()
    origin = "https://a.b.tenant9999.example.com"
    response = get_with_origin(TestApp(validator(middleware)), origin)
    assert values_of(response, ACAO) == [origin]


# --- Properties ----------------------------------------------------------------------------

LABEL = st.one_of(
    st.sampled_from(["a", "b", "ab", "foo", "bar", "barfoo", "example", "com", "org"]),
    st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True),
)
DOMAIN = st.lists(LABEL, min_size=1, max_size=4).map(".".join)
#: A wildcard suffix needs at least two labels (``https://*.com`` is refused as too broad).
SUFFIX = st.lists(LABEL, min_size=2, max_size=3).map(".".join)
SCHEME = st.sampled_from(["https", "http"])
PORT = st.sampled_from([None, "8080", "443"])


def serialise(scheme: str, host: str, port: Optional[str]) -> str:
    return f"{scheme}://{host}" + (f":{port}" if port else "")


@settings(max_examples=300, deadline=None)
@given(
    exact_hosts=st.lists(DOMAIN, max_size=4),
    suffixes=st.lists(SUFFIX, max_size=3),
    data=st.data(),
)
def test_allowed_exactly_when_equal_to_an_entry_or_below_a_wildcard_on_a_label_boundary(
    exact_hosts: List[str], suffixes: List[str], data: st.DataObject
) -> None:
    exact = {f"https://{host}" for host in exact_hosts}
    entries = sorted(exact) + [f"https://*.{suffix}" for suffix in suffixes]
    if not entries:
        entries = ["https://unrelated.example"]
        exact = set(entries)
    matcher = matcher_for(entries)

    near_hosts = [*exact_hosts, *suffixes]
    host = data.draw(
        st.one_of(
            DOMAIN,
            st.sampled_from(near_hosts) if near_hosts else DOMAIN,
            st.builds(lambda a, b: f"{a}.{b}", LABEL, st.sampled_from(near_hosts))
            if near_hosts
            else DOMAIN,
            st.builds(lambda a, b: f"{a}{b}", LABEL, st.sampled_from(near_hosts))
            if near_hosts
            else DOMAIN,
        ),
        label="host",
    )
    scheme = data.draw(SCHEME, label="scheme")
    port = data.draw(PORT, label="port")
    origin = serialise(scheme, host, port)

    below_a_wildcard = (
        scheme == "https"
        and port is None
        and any(host.endswith("." + suffix) for suffix in suffixes)
    )
    assert matcher.allows(origin) == (origin in exact or below_a_wildcard)


@settings(max_examples=300, deadline=None)
@given(
    host=DOMAIN,
    scheme_spelling=st.sampled_from(["https", "HTTPS", "Https"]),
    upper_case_host=st.booleans(),
    explicit_default_port=st.booleans(),
)
def test_any_spelling_of_a_configured_origin_allows_its_canonical_form(
    host: str, scheme_spelling: str, upper_case_host: bool, explicit_default_port: bool
) -> None:
    configured = f"{scheme_spelling}://{host.upper() if upper_case_host else host}"
    if explicit_default_port:
        configured += ":443"
    matcher = matcher_for([configured])
    assert matcher.allows(f"https://{host}")
    assert not matcher.allows(f"https://{host}:443")
    assert not matcher.allows(f"http://{host}")


def allow_all(origin: str) -> bool:
    return True


CONFIG_ENTRY = st.sampled_from(
    [
        "*",
        "https://example.com",
        "https://*.example.com",
        "http://localhost:*",
        "null",
        re.compile(r"https://[a-z]+\.example\.org"),
        allow_all,
    ]
)
REQUEST_ORIGIN = st.one_of(
    st.sampled_from(
        [
            "https://example.com",
            "https://a.example.com",
            "http://localhost:3000",
            "https://api.example.org",
            "https://evil.com",
            "null",
            "",
            "*",
        ]
    ),
    st.builds(serialise, SCHEME, DOMAIN, PORT),
)


@settings(max_examples=300, deadline=None)
@given(
    origins=st.one_of(st.just("*"), st.lists(CONFIG_ENTRY, min_size=1, max_size=4)),
    supports_credentials=st.booleans(),
    send_wildcard=st.booleans(),
    origin=REQUEST_ORIGIN,
    preflight=st.booleans(),
)
def test_no_response_ever_pairs_star_with_credentials(
    origins: Any, supports_credentials: bool, send_wildcard: bool, origin: str, preflight: bool
) -> None:
    try:
        middleware = CORSMiddleware(
            trivial_app,
            origins=origins,
            supports_credentials=supports_credentials,
            send_wildcard=send_wildcard,
        )
    except ConfigError:
        # Only "*", or "null" without its opt-in, make these options invalid with credentials.
        assert "*" in origins or (supports_credentials and "null" in origins)
        return
    environ = wsgi_environ(origin, "OPTIONS", "GET") if preflight else wsgi_environ(origin)
    _, headers, _ = call_wsgi(middleware, environ)
    allow_origin = raw_values(headers, ACAO)
    credentials = raw_values(headers, ACAC)
    assert len(allow_origin) <= 1
    assert not ("*" in allow_origin and "true" in credentials)
    if supports_credentials and allow_origin:
        assert allow_origin == [origin]
        assert credentials == ["true"]
