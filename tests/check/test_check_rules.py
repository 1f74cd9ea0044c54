"""``wsgi-cors check``: the Fetch standard's rules as pure functions, and argument validation.

Each table row is one case of a definition of the Fetch standard (CORS-safelisted
request-header, CORS-unsafe request-header names, normalize, forbidden
request-header, CORS-exposed header names, Access-Control-Max-Age) or one way a
command line describes a request no browser would make.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import pytest

from wsgi_cors.check import UsageError, build_page_request, parse_header_argument
from wsgi_cors.check.fetch_rules import (
    SAFELIST_TOTAL,
    SAFELIST_VALUE_LIMIT,
    invalid_tokens,
    is_forbidden_request_header,
    is_safelisted_request_header,
    normalize_method,
    parse_max_age,
    readable_response_headers,
    split_list,
    unsafe_request_header_names,
)
from wsgi_cors.check.request import check_origin, url_origin

ORIGIN = "https://app.example.com"
URL = "http://127.0.0.1:8000/api"

Header = Tuple[str, str]


# --- CORS-safelisted request-header -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "safelisted"),
    [
        # Accept: any value without a CORS-unsafe request-header byte.
        ("Accept", "*/*", True),
        ("Accept", "text/html, application/json;q=0.9", True),
        ("accept", "application/json", True),
        ("Accept", "a\tb", True),  # tab is the one control byte allowed
        ("Accept", "", True),
        ("Accept", 'text/"html"', False),
        ("Accept", "text/html(x)", False),
        ("Accept", "a:b", False),
        ("Accept", "<a>", False),
        ("Accept", "a?b", False),
        ("Accept", "a@b", False),
        ("Accept", "[a]", False),
        ("Accept", "a\\b", False),
        ("Accept", "{a}", False),
        ("Accept", "a\x01", False),
        ("Accept", "a\x7f", False),
        # Accept-Language and Content-Language: only [0-9A-Za-z *,-.;=].
        ("Accept-Language", "en-US,en;q=0.9", True),
        ("Accept-Language", "de-CH, fr;q=0.5, *", True),
        ("Content-Language", "fr", True),
        ("Accept-Language", "de_DE", False),
        ("Accept-Language", "en/US", False),
        ("Accept-Language", "en\tUS", False),
        ("Content-Language", "fr!", False),
        ("Accept-Language", "en'", False),
        # Content-Type: the essence is one of three, parameters allowed.
        ("Content-Type", "text/plain", True),
        ("Content-Type", "text/plain;charset=utf-8", True),
        ("Content-Type", "TEXT/Plain; charset=UTF-8", True),
        ("Content-Type", "application/x-www-form-urlencoded", True),
        ("content-type", "multipart/form-data; boundary=abc", True),
        ("Content-Type", 'multipart/form-data; boundary="abc"', False),  # " is unsafe
        ("Content-Type", "application/json", False),
        ("Content-Type", "application/json; charset=utf-8", False),
        ("Content-Type", "text/html", False),
        ("Content-Type", "text/plain/x", False),
        ("Content-Type", "text", False),
        ("Content-Type", "", False),
        # Range: one "bytes=start-[end]", start <= end, no suffix range.
        ("Range", "bytes=0-", True),
        ("Range", "bytes=0-499", True),
        ("Range", "bytes=5-5", True),
        ("Range", "BYTES=1-2", True),
        ("Range", "bytes=-5", False),
        ("Range", "bytes=5-1", False),
        ("Range", "bytes=-", False),
        ("Range", "bytes=0-1,3-4", False),
        ("Range", "bytes = 0-", False),
        ("Range", "items=0-", False),
        # Any other name is never safelisted.
        ("X-Custom", "1", False),
        ("Authorization", "Bearer token", False),
        ("X-Requested-With", "XMLHttpRequest", False),
        ("Content-Encoding", "gzip", False),
    ],
)
def test_safelisted_request_header(name: str, value: str, safelisted: bool) -> None:
    assert is_safelisted_request_header(name, value) is safelisted


def _padded(prefix: str, length: int, filler: str = "a") -> str:
    return prefix + filler * (length - len(prefix))


@pytest.mark.parametrize(
    ("name", "prefix", "filler"),
    [
        ("Accept", "", "a"),
        ("Accept-Language", "en-", "a"),
        ("Content-Language", "", "x"),
        ("Content-Type", "text/plain;p=", "v"),
        ("Range", "bytes=0-", "9"),
    ],
)
def test_each_safelisted_value_is_at_most_128_bytes(name: str, prefix: str, filler: str) -> None:
    assert SAFELIST_VALUE_LIMIT == 128
    assert is_safelisted_request_header(name, _padded(prefix, 128, filler))
    assert not is_safelisted_request_header(name, _padded(prefix, 129, filler))


@pytest.mark.parametrize(
    ("headers", "names"),
    [
        ([], []),
        ([("Accept", "*/*"), ("Content-Type", "text/plain")], []),
        ([("X-B", "1"), ("X-A", "2")], ["x-a", "x-b"]),
        ([("X-Custom", "1"), ("x-custom", "2"), ("X-CUSTOM", "3")], ["x-custom"]),
        (
            [("Content-Type", "application/json"), ("Accept", "text/html"), ("X-Z", "")],
            ["content-type", "x-z"],
        ),
        ([("Authorization", "Bearer t"), ("Range", "bytes=-5")], ["authorization", "range"]),
        ([("Accept", "a" * 129)], ["accept"]),
    ],
)
def test_unsafe_names_are_lowercase_sorted_unique(headers: List[Header], names: List[str]) -> None:
    assert unsafe_request_header_names(headers) == names


# Eight values of exactly 128 bytes: 1024 in total, the most the safelist allows.
_FULL_SAFELIST: List[Header] = [
    ("Accept", _padded("", 128)),
    ("Accept-Language", _padded("en-", 128)),
    ("Content-Language", _padded("", 128, "x")),
    ("Content-Type", _padded("text/plain;p=", 128, "v")),
    ("Range", _padded("bytes=0-", 128, "9")),
    ("Accept", _padded("", 128, "b")),
    ("Accept-Language", _padded("fr-", 128)),
    ("Content-Language", _padded("", 128, "y")),
]


def test_safelisted_values_up_to_1024_bytes_in_total_need_no_preflight() -> None:
    assert SAFELIST_TOTAL == 1024
    assert sum(len(value) for _, value in _FULL_SAFELIST) == 1024
    assert unsafe_request_header_names(_FULL_SAFELIST) == []


def test_more_than_1024_safelisted_bytes_make_every_safelisted_name_unsafe() -> None:
    headers = [*_FULL_SAFELIST, ("Accept", "x"), ("X-Custom", "1")]
    assert unsafe_request_header_names(headers) == [
        "accept",
        "accept-language",
        "content-language",
        "content-type",
        "range",
        "x-custom",
    ]


# --- normalize, forbidden headers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("get", "GET"),
        ("Head", "HEAD"),
        ("post", "POST"),
        ("put", "PUT"),
        ("delete", "DELETE"),
        ("Delete", "DELETE"),
        ("options", "OPTIONS"),
        ("DELETE", "DELETE"),
        ("patch", "patch"),  # not one of the six: a browser sends it as written
        ("Patch", "Patch"),
        ("PATCH", "PATCH"),
        ("purge", "purge"),
    ],
)
def test_normalize_method(given: str, normalized: str) -> None:
    assert normalize_method(given) == normalized


@pytest.mark.parametrize(
    ("name", "value", "forbidden"),
    [
        ("Cookie", "a=b", True),
        ("cookie", "a=b", True),
        ("Host", "example.com", True),
        ("Origin", ORIGIN, True),
        ("Referer", "https://x.example", True),
        ("Content-Length", "5", True),
        ("Access-Control-Request-Headers", "x", True),
        ("Connection", "close", True),
        ("Sec-Foo", "1", True),
        ("sec-fetch-mode", "cors", True),
        ("Proxy-X", "1", True),
        ("Proxy-Authorization", "Basic x", True),
        ("X-HTTP-Method-Override", "TRACE", True),
        ("X-HTTP-Method", "connect", True),
        ("X-Method-Override", "GET, track", True),
        ("X-HTTP-Method-Override", "PUT", False),
        ("X-Custom", "TRACE", False),
        ("Authorization", "Bearer t", False),
        ("User-Agent", "x", False),
        ("Secret", "1", False),  # "sec" but not "sec-"
        ("Proxyish", "1", False),
    ],
)
def test_forbidden_request_header(name: str, value: str, forbidden: bool) -> None:
    assert is_forbidden_request_header(name, value) is forbidden


def test_forbidden_headers_are_dropped_from_the_page_request() -> None:
    request = build_page_request(
        URL,
        ORIGIN,
        "PUT",
        [
            ("Cookie", "session=1"),
            ("X-Custom", "1"),
            ("Sec-Foo", "1"),
            ("Proxy-X", "1"),
            ("X-HTTP-Method-Override", "TRACE"),
            ("X-HTTP-Method-Override", "PATCH"),
        ],
    )
    assert request.headers == (("X-Custom", "1"), ("X-HTTP-Method-Override", "PATCH"))
    assert request.dropped_headers == ("Cookie", "Sec-Foo", "Proxy-X", "X-HTTP-Method-Override")
    assert request.unsafe_header_names == ["x-custom", "x-http-method-override"]


# --- what a page may read ---------------------------------------------------------------------

_RESPONSE_NAMES = [
    "Date",
    "Content-Type",
    "X-Total",
    "Set-Cookie",
    "Cache-Control",
    "Access-Control-Allow-Origin",
    "x-secret",
]


@pytest.mark.parametrize(
    ("exposed", "credentialed", "readable", "hidden"),
    [
        (
            None,
            False,
            ["Content-Type", "Cache-Control"],
            ["Date", "X-Total", "Set-Cookie", "x-secret"],
        ),
        (
            ["x-TOTAL"],
            False,
            ["Content-Type", "X-Total", "Cache-Control"],
            ["Date", "Set-Cookie", "x-secret"],
        ),
        (
            ["X-Total", "X-SECRET"],
            True,
            ["Content-Type", "X-Total", "Cache-Control", "x-secret"],
            ["Date", "Set-Cookie"],
        ),
        (
            ["*"],
            False,
            [
                "Date",
                "Content-Type",
                "X-Total",
                "Cache-Control",
                "Access-Control-Allow-Origin",
                "x-secret",
            ],
            ["Set-Cookie"],
        ),
        (
            ["*"],
            True,
            ["Content-Type", "Cache-Control"],
            ["Date", "X-Total", "Set-Cookie", "x-secret"],
        ),
        (
            ["*", "X-Total"],
            True,
            ["Content-Type", "X-Total", "Cache-Control"],
            ["Date", "Set-Cookie", "x-secret"],
        ),
        (
            ["Set-Cookie"],
            False,
            ["Content-Type", "Cache-Control"],
            ["Date", "X-Total", "Set-Cookie", "x-secret"],
        ),
    ],
    ids=[
        "none",
        "exposed-any-case",
        "listed-with-credentials",
        "star",
        "star-with-credentials",
        "star-and-name-with-credentials",
        "set-cookie-never",
    ],
)
def test_readable_response_headers(
    exposed: Optional[List[str]], credentialed: bool, readable: List[str], hidden: List[str]
) -> None:
    assert readable_response_headers(_RESPONSE_NAMES, exposed, credentialed) == (readable, hidden)


def test_readable_response_headers_lists_each_name_once() -> None:
    names = ["X-Total", "x-total", "Content-Type", "content-type"]
    assert readable_response_headers(names, ["X-Total"], False) == (["X-Total", "Content-Type"], [])


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("600", 600),
        ("0", 0),
        ("86400", 86400),
        (None, None),
        ("", None),
        ("-1", None),
        ("+5", None),
        ("1.5", None),
        ("60 0", None),
        ("ten", None),
    ],
)
def test_parse_max_age(value: Optional[str], seconds: Optional[int]) -> None:
    assert parse_max_age(value) == seconds


@pytest.mark.parametrize(
    ("value", "items"),
    [
        (None, None),
        ("", []),
        ("GET", ["GET"]),
        (" GET ,\tPUT,, ", ["GET", "PUT"]),
        ("a, b", ["a", "b"]),
    ],
)
def test_split_list(value: Optional[str], items: Optional[List[str]]) -> None:
    assert split_list(value) == items


def test_invalid_tokens() -> None:
    assert invalid_tokens(["GET", "Bad method", "x-custom", "a:b", "*"]) == ["Bad method", "a:b"]


# --- the page request -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "headers", "needed"),
    [
        ("GET", [], False),
        ("HEAD", [("Accept", "text/html")], False),
        ("POST", [("Content-Type", "text/plain;charset=utf-8")], False),
        ("GET", [("Range", "bytes=0-")], False),
        ("GET", [("Accept-Language", "en-US")], False),
        ("POST", [("Content-Type", "application/json")], True),
        ("GET", [("Range", "bytes=-5")], True),
        ("GET", [("X-Custom", "1")], True),
        ("PUT", [], True),
        ("delete", [], True),
        ("patch", [], True),
        ("OPTIONS", [], True),
        ("get", [("Cookie", "a=b")], False),  # dropped, so no preflight
    ],
)
def test_needs_preflight(method: str, headers: List[Header], needed: bool) -> None:
    assert build_page_request(URL, ORIGIN, method, headers).needs_preflight is needed


@pytest.mark.parametrize(
    ("given", "method"),
    [("patch", "patch"), ("delete", "DELETE"), ("get", "GET"), ("PROPFIND", "PROPFIND")],
)
def test_build_page_request_normalizes_the_method(given: str, method: str) -> None:
    assert build_page_request(URL, ORIGIN, given).method == method


@pytest.mark.parametrize(
    "origin",
    [
        ORIGIN,
        "http://127.0.0.1:8080",
        "http://localhost",
        "https://app.example.com:8443",
        "http://app.example.com:443",  # 443 is not http's default port
        "https://app.example.com:65535",
        "http://[::1]:3000",
        "null",
    ],
)
def test_origins_a_browser_sends_are_accepted(origin: str) -> None:
    assert check_origin(origin) == origin
    assert build_page_request(URL, origin).origin == origin


@pytest.mark.parametrize(
    ("origin", "words"),
    [
        ("https://app.example.com/", "did you mean 'https://app.example.com'?"),
        ("HTTPS://App.Example.com", "did you mean 'https://app.example.com'?"),
        ("https://App.example.com/", "did you mean 'https://app.example.com'?"),
        ("https://app.example.com:443", "default port"),
        ("http://app.example.com:80", "default port"),
        ("https://app.example.com:65536", "above 65535"),
        ("https://app.example.com:99999", "above 65535"),
        ("https://app.example.com/path", "no path"),
        ("app.example.com", "scheme://host"),
        ("ftp://app.example.com", "scheme://host"),
        ("", "scheme://host"),
        ("Null", "or 'null'"),
    ],
)
def test_origins_no_browser_sends_are_usage_errors(origin: str, words: str) -> None:
    with pytest.raises(UsageError) as raised:
        build_page_request(URL, origin)
    assert words in str(raised.value)
    assert repr(origin) in str(raised.value)


def test_only_a_fixable_origin_gets_a_did_you_mean_hint() -> None:
    with pytest.raises(UsageError) as raised:
        build_page_request(URL, "https://app.example.com/path")
    assert "did you mean" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.com/x", "not an http:// or https:// URL"),
        ("example.com/x", "not an http:// or https:// URL"),
        ("http:///x", "not an http:// or https:// URL"),
        ("file:///etc/passwd", "not an http:// or https:// URL"),
        ("http://user:pass@example.com/", "credentials"),
        ("https://user@example.com/", "credentials"),
        ("http://example.com:99999/", "invalid port"),
        ("http://example.com:http/", "invalid port"),
        ("http://[::1/x", "does not parse"),  # urlsplit's own ValueError, as a UsageError
    ],
)
def test_urls_fetch_refuses_are_usage_errors(url: str, words: str) -> None:
    with pytest.raises(UsageError) as raised:
        build_page_request(url, ORIGIN)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("method", "words"),
    [
        ("CONNECT", "forbidden method"),
        ("connect", "forbidden method"),
        ("TRACE", "forbidden method"),
        ("track", "forbidden method"),
        ("GET POST", "not a valid method name"),
        ("", "not a valid method name"),
        ("PUT\r\n", "not a valid method name"),
    ],
)
def test_methods_fetch_refuses_are_usage_errors(method: str, words: str) -> None:
    with pytest.raises(UsageError) as raised:
        build_page_request(URL, ORIGIN, method)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("argument", "header"),
    [
        ("X-Custom: 1", ("X-Custom", "1")),
        ("X-Custom:1", ("X-Custom", "1")),
        ("X-Custom:  spaced \t", ("X-Custom", "spaced")),
        ("X-Empty", ("X-Empty", "")),
        ("X-Empty:", ("X-Empty", "")),
        ("Accept: a:b", ("Accept", "a:b")),
        ("Content-Type: text/plain; charset=utf-8", ("Content-Type", "text/plain; charset=utf-8")),
        ("X-Name: caf\u00e9", ("X-Name", "caf\u00e9")),  # U+00E9 is a byte: allowed
    ],
)
def test_parse_header_argument(argument: str, header: Header) -> None:
    assert parse_header_argument(argument) == header


@pytest.mark.parametrize(
    ("argument", "words"),
    [
        ("X Custom: 1", "not a valid header name"),
        (": 1", "not a valid header name"),
        ("X-(a): 1", "not a valid header name"),
        ("X-A: a\r\nX-B: b", "CR, LF or NUL"),
        ("X-A: a\nb", "CR, LF or NUL"),
        ("X-A: a\rb", "CR, LF or NUL"),
        ("X-A: a\x00b", "CR, LF or NUL"),
        ("X-Price: 5 \u20ac", "byte strings"),  # fetch() takes only characters up to U+00FF
    ],
)
def test_bad_header_arguments_are_usage_errors(argument: str, words: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_header_argument(argument)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("HTTP://Example.COM:80/x", "http://example.com"),
        ("https://example.com:443/", "https://example.com"),
        ("https://example.com:8443/a?b", "https://example.com:8443"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
        ("http://127.0.0.1:8000/api", "http://127.0.0.1:8000"),
    ],
)
def test_url_origin(url: str, origin: str) -> None:
    assert url_origin(url) == origin


def _names(headers: Sequence[Header]) -> List[str]:
    return [name for name, _ in headers]


def test_page_request_keeps_the_headers_in_order() -> None:
    request = build_page_request(
        URL, ORIGIN, "post", [("X-B", "1"), ("Content-Type", "text/plain"), ("X-A", "2")], True
    )
    assert request.method == "POST"
    assert request.credentials is True
    assert _names(request.headers) == ["X-B", "Content-Type", "X-A"]
    assert request.unsafe_header_names == ["x-a", "x-b"]
    assert request.dropped_headers == ()
