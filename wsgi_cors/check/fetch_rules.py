"""What the Fetch standard says a browser does, as pure functions.

Which methods and request headers are safelisted (and so need no preflight),
how a preflight lists the unsafe names, which response headers a page may read,
and how the list-valued CORS response headers are parsed. Each function cites
the definition of the standard it follows.
"""

from __future__ import annotations

import re
from typing import FrozenSet, Iterable, List, Optional, Sequence, Tuple

from ..core.codec import StrHeader as Header
from ..core.http import FORBIDDEN_METHODS, is_token

#: "CORS-safelisted method".
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})

#: Methods that "normalize" upper-cases when they match case-insensitively.
NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})

#: "forbidden method": fetch() throws a TypeError for these (FORBIDDEN_METHODS, from the core).

#: "forbidden request-header" names; a page's attempt to set one is ignored.
FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
_FORBIDDEN_PREFIXES = ("proxy-", "sec-")
_METHOD_OVERRIDE_HEADERS = frozenset(
    {"x-http-method", "x-http-method-override", "x-method-override"}
)

#: "CORS-safelisted response-header name": readable without Access-Control-Expose-Headers.
SAFELISTED_RESPONSE_HEADERS = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)

#: "forbidden response-header name": never readable, whatever the server exposes.
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})

#: "CORS non-wildcard request-header name": never covered by ``Access-Control-Allow-Headers: *``.
NON_WILDCARD_REQUEST_HEADERS = frozenset({"authorization"})

#: Each safelisted value may be this long, and all of them together ``SAFELIST_TOTAL``.
SAFELIST_VALUE_LIMIT = 128
SAFELIST_TOTAL = 1024

#: Redirect statuses, and how many redirects a fetch follows.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
REDIRECT_LIMIT = 20

#: The longest Access-Control-Max-Age Chromium honours, in seconds.
CHROMIUM_MAX_AGE_CAP = 7200
#: The preflight cache lifetime when Access-Control-Max-Age is absent or invalid.
DEFAULT_MAX_AGE = 5

_UNSAFE_BYTES = frozenset('"():<>?@[\\]{}\x7f') | frozenset(
    chr(code) for code in range(0x20) if code != 0x09
)
_LANGUAGE_CHARACTERS = frozenset(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz *,-.;="
)
_SAFELISTED_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
_SINGLE_RANGE = re.compile(r"(?i:bytes)=([0-9]*)-([0-9]*)")
_HTTP_WHITESPACE = " \t"
_DELTA_SECONDS = re.compile(r"[0-9]+")


def normalize_method(method: str) -> str:
    """The standard's "normalize": upper-case the six well-known methods, keep others as given."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def is_forbidden_request_header(name: str, value: str) -> bool:
    """Whether a page may not set this header ("forbidden request-header")."""
    lowered = name.lower()
    if lowered in FORBIDDEN_REQUEST_HEADERS or lowered.startswith(_FORBIDDEN_PREFIXES):
        return True
    if lowered in _METHOD_OVERRIDE_HEADERS:
        methods = (item.strip(_HTTP_WHITESPACE).upper() for item in value.split(","))
        return any(method in FORBIDDEN_METHODS for method in methods)
    return False


def _has_unsafe_byte(value: str) -> bool:
    return any(character in _UNSAFE_BYTES for character in value)


def _mime_essence(value: str) -> Optional[str]:
    """The ``type/subtype`` of a MIME type, lower-cased, or None if it does not parse."""
    essence = value.split(";", 1)[0].strip(_HTTP_WHITESPACE + "\r\n")
    kind, slash, subtype = essence.partition("/")
    if not slash or not is_token(kind) or not is_token(subtype):
        return None
    return essence.lower()


def _is_safelisted_range(value: str) -> bool:
    match = _SINGLE_RANGE.fullmatch(value)
    if match is None:
        return False
    start, end = match.groups()
    if not start:  # a suffix range ("bytes=-500") is not safelisted
        return False
    return not end or int(start) <= int(end)


def is_safelisted_request_header(name: str, value: str) -> bool:
    """ "CORS-safelisted request-header": a header that does not by itself cause a preflight."""
    if len(value.encode("latin-1", "replace")) > SAFELIST_VALUE_LIMIT:
        return False
    lowered = name.lower()
    if lowered == "accept":
        return not _has_unsafe_byte(value)
    if lowered in ("accept-language", "content-language"):
        return all(character in _LANGUAGE_CHARACTERS for character in value)
    if lowered == "content-type":
        return not _has_unsafe_byte(value) and _mime_essence(value) in _SAFELISTED_CONTENT_TYPES
    if lowered == "range":
        return _is_safelisted_range(value)
    return False


def unsafe_request_header_names(headers: Sequence[Header]) -> List[str]:
    """The "CORS-unsafe request-header names", lower-cased, sorted and unique, as a preflight
    lists them."""
    unsafe = set()
    safelisted = []
    total = 0
    for name, value in headers:
        if is_safelisted_request_header(name, value):
            safelisted.append(name)
            total += len(value.encode("latin-1", "replace"))
        else:
            unsafe.add(name.lower())
    if total > SAFELIST_TOTAL:
        unsafe.update(name.lower() for name in safelisted)
    return sorted(unsafe)


def split_list(value: Optional[str]) -> Optional[List[str]]:
    """The items of a comma-separated header value, trimmed, empty items dropped."""
    if value is None:
        return None
    items = (item.strip(_HTTP_WHITESPACE) for item in value.split(","))
    return [item for item in items if item]


def invalid_tokens(items: Iterable[str]) -> List[str]:
    """The items that are not RFC 9110 tokens (which makes a method or header list a failure)."""
    return [item for item in items if not is_token(item)]


def parse_max_age(value: Optional[str]) -> Optional[int]:
    """Access-Control-Max-Age as ``delta-seconds``, or None when absent or invalid."""
    if value is None or _DELTA_SECONDS.fullmatch(value) is None:
        return None
    return int(value)


def readable_response_headers(
    names: Iterable[str], exposed: Optional[List[str]], credentialed: bool
) -> Tuple[List[str], List[str]]:
    """Split the response's header names into those a page can read and those it cannot."""
    exposed_lower: FrozenSet[str] = frozenset(name.lower() for name in exposed or ())
    expose_all = "*" in exposed_lower and not credentialed
    readable: List[str] = []
    hidden: List[str] = []
    seen = set()
    for name in names:
        lowered = name.lower()
        if lowered in seen:
            continue
        seen.add(lowered)
        visible = lowered not in FORBIDDEN_RESPONSE_HEADERS and (
            lowered in SAFELISTED_RESPONSE_HEADERS or expose_all or lowered in exposed_lower
        )
        if visible:
            readable.append(name)
        elif not lowered.startswith("access-control-"):
            hidden.append(name)
    return readable, hidden


def preflight_request_headers(origin: str, method: str, unsafe: List[str]) -> Tuple[Header, ...]:
    """The headers of a preflight as Chromium sends it ("CORS-preflight request"; no cookies)."""
    headers: Tuple[Header, ...] = (("Origin", origin), ("Access-Control-Request-Method", method))
    if unsafe:
        headers += (("Access-Control-Request-Headers", ",".join(unsafe)),)
    return (*headers, ("Accept", "*/*"))
