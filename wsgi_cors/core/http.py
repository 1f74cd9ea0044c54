"""HTTP facts the engine needs, one copy each: header names, the token grammar, forbidden
methods, default ports, and the bounded parser for ``Access-Control-Request-Headers``."""

from __future__ import annotations

import re
from typing import Dict, Mapping, Optional, Tuple

# Request headers a CORS layer reads.
ORIGIN = "Origin"
ACCESS_CONTROL_REQUEST_METHOD = "Access-Control-Request-Method"
ACCESS_CONTROL_REQUEST_HEADERS = "Access-Control-Request-Headers"
ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK = "Access-Control-Request-Private-Network"

# Response headers it writes.
ACCESS_CONTROL_ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ACCESS_CONTROL_ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials"
ACCESS_CONTROL_ALLOW_METHODS = "Access-Control-Allow-Methods"
ACCESS_CONTROL_ALLOW_HEADERS = "Access-Control-Allow-Headers"
ACCESS_CONTROL_EXPOSE_HEADERS = "Access-Control-Expose-Headers"
ACCESS_CONTROL_MAX_AGE = "Access-Control-Max-Age"
ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK = "Access-Control-Allow-Private-Network"
VARY = "Vary"
CONTENT_TYPE = "Content-Type"
CONTENT_LENGTH = "Content-Length"

#: ``Vary`` of every preflight answer: it depends on all three request headers.
PREFLIGHT_VARY = f"{ORIGIN}, {ACCESS_CONTROL_REQUEST_METHOD}, {ACCESS_CONTROL_REQUEST_HEADERS}"

#: One RFC 9110 ``token``: the syntax of method and header names.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

#: Methods a browser refuses to send and a server should never advertise.
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})

#: The port a browser leaves out of an origin, by scheme.
DEFAULT_PORTS: Mapping[str, str] = {"http": "80", "https": "443", "ws": "80", "wss": "443"}

#: HTTP status codes the engine answers with, and their reason phrases.
STATUS_PHRASES: Dict[int, str] = {200: "OK", 204: "No Content", 403: "Forbidden"}

#: Longest ``Access-Control-Request-Headers`` value read when any name may be
#: allowed (``allow_headers="*"`` or a pattern). Browsers send lower-case,
#: sorted, unique names, so real values are far shorter; anything longer is
#: refused after one length check.
MAX_WILDCARD_REQUEST_HEADERS_LENGTH = 4096

#: Longest method reflected under ``methods="*"``; no real method comes close.
MAX_METHOD_LENGTH = 64


def is_token(value: str) -> bool:
    """Tell whether ``value`` is a non-empty RFC 9110 token."""
    return TOKEN.fullmatch(value) is not None


def request_headers_length_limit(allowed_names: Tuple[str, ...]) -> int:
    """Longest ``Access-Control-Request-Headers`` that can name only ``allowed_names``.

    Each name may appear once, with a comma and up to two bytes of optional
    white space on either side; the 16 spare bytes tolerate a few empty elements.
    """
    return sum(len(name) + 5 for name in allowed_names) + 16


def parse_request_headers(value: str, length_limit: int) -> Optional[Tuple[str, ...]]:
    """Parse an ``Access-Control-Request-Headers`` value into names, as the client spelled them.

    Returns ``None`` when the value is longer than ``length_limit`` or holds an
    element that is not a token. The length check comes first, so a hostile
    value (64 KiB of commas, one huge token) costs one comparison; below the
    limit the work is bounded by the limit. Empty elements and optional white
    space are tolerated, duplicates (compared case-insensitively) are dropped and
    the first spelling is kept, and order is kept.
    """
    if len(value) > length_limit:
        return None
    names: Dict[str, str] = {}
    for element in value.split(","):
        name = element.strip(" \t")
        if not name:
            continue
        if TOKEN.fullmatch(name) is None:
            return None
        names.setdefault(name.lower(), name)
    return tuple(names.values())
