"""The request a page would make, validated the way ``fetch()`` validates its arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Sequence, Tuple
from urllib.parse import urlsplit

from ..core.codec import StrHeader as Header
from ..core.http import DEFAULT_PORTS, FORBIDDEN_METHODS, is_token
from .fetch_rules import (
    SAFELISTED_METHODS,
    is_forbidden_request_header,
    normalize_method,
    unsafe_request_header_names,
)

_ORIGIN = re.compile(r"(https?)://([a-z0-9.\-]+|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?")
#: The schemes fetch() can request, with their default ports.
_DEFAULT_PORTS = {scheme: int(DEFAULT_PORTS[scheme]) for scheme in ("http", "https")}
_BAD_VALUE_CHARACTERS = re.compile(r"[\r\n\x00]")


class UsageError(ValueError):
    """The arguments describe a request no browser would send; the message says why."""


@dataclass(frozen=True)
class PageRequest:
    """A request as a page makes it with ``fetch(url, {method, headers, credentials})``."""

    url: str
    origin: str
    method: str = "GET"
    headers: Tuple[Header, ...] = ()
    credentials: bool = False
    #: Headers the page tried to set but a browser drops (forbidden request-headers).
    dropped_headers: Tuple[str, ...] = field(default=())

    @property
    def unsafe_header_names(self) -> List[str]:
        """The names a preflight would list in Access-Control-Request-Headers."""
        return unsafe_request_header_names(self.headers)

    @property
    def needs_preflight(self) -> bool:
        return self.method not in SAFELISTED_METHODS or bool(self.unsafe_header_names)


def url_origin(url: str) -> str:
    """The serialized origin of an http(s) URL (lower case, no default port)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    suffix = "" if port is None or port == _DEFAULT_PORTS.get(scheme) else f":{port}"
    return f"{scheme}://{host}{suffix}"


def check_origin(origin: str) -> str:
    """The origin as a browser would send it, or a UsageError that says how to write it."""
    if origin == "null":
        return origin
    match = _ORIGIN.fullmatch(origin)
    if match is None:
        hint = ""
        lowered = origin.lower().rstrip("/")
        if _ORIGIN.fullmatch(lowered) is not None:
            hint = f" (did you mean {lowered!r}?)"
        raise UsageError(
            f"--origin {origin!r} is not an origin a browser sends: write it as "
            f"scheme://host[:port] in lower case, with no path or trailing slash, or 'null'{hint}"
        )
    scheme, _, port = match.groups()
    if port is not None and (int(port) > 65535 or int(port) == _DEFAULT_PORTS[scheme]):
        raise UsageError(
            f"--origin {origin!r}: browsers omit the default port and never send a port above 65535"
        )
    return origin


def check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise UsageError(f"URL {url!r} does not parse: {error}") from None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        raise UsageError(f"URL {url!r} is not an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"URL {url!r} has credentials in it; fetch() refuses such URLs")
    try:
        _ = parts.port  # raises for a port that is not a number or out of range
    except ValueError as error:
        raise UsageError(f"URL {url!r} has an invalid port: {error}") from None
    return url


def parse_header_argument(argument: str) -> Header:
    """``NAME:VALUE`` or ``NAME`` (an empty value) from the command line."""
    name, _, value = argument.partition(":")
    name = name.strip()
    value = value.strip(" \t")
    if not is_token(name):
        raise UsageError(f"--header {argument!r}: {name!r} is not a valid header name")
    if _BAD_VALUE_CHARACTERS.search(value):
        raise UsageError(f"--header {argument!r}: a value may not contain CR, LF or NUL")
    if any(ord(character) > 0xFF for character in value):
        raise UsageError(
            f"--header {argument!r}: fetch() accepts only byte strings (characters up to "
            "U+00FF) in header values; percent-encode the rest"
        )
    return name, value


def build_page_request(
    url: str,
    origin: str,
    method: str = "GET",
    headers: Sequence[Header] = (),
    credentials: bool = False,
) -> PageRequest:
    """Validate the arguments as ``fetch()`` would and return the request it would make."""
    check_url(url)
    check_origin(origin)
    if not is_token(method):
        raise UsageError(f"--method {method!r} is not a valid method name")
    method = normalize_method(method)
    if method.upper() in FORBIDDEN_METHODS:
        raise UsageError(f"--method {method}: browsers refuse to send it (a forbidden method)")
    kept: List[Header] = []
    dropped: List[str] = []
    for name, value in headers:
        if is_forbidden_request_header(name, value):
            dropped.append(name)
        else:
            kept.append((name, value))
    return PageRequest(url, origin, method, tuple(kept), credentials, tuple(dropped))
