"""HTTP token grammar (RFC 9110) and the bounded parser for request-header lists."""

from __future__ import annotations

import re
from typing import Optional, Tuple

#: One RFC 9110 ``token``: the syntax of method and header names.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

#: Methods a browser refuses to send and a server should never advertise.
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})

#: Longest ``Access-Control-Request-Headers`` value read when any name may be
#: allowed (``allow_headers="*"`` or a pattern). Browsers send lower-case,
#: sorted, unique names, so real values are far shorter; anything longer is
#: refused after one length check.
MAX_WILDCARD_REQUEST_HEADERS_LENGTH = 4096


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
    """Parse an ``Access-Control-Request-Headers`` value into lower-case names.

    Returns ``None`` when the value is longer than ``length_limit`` or holds an
    element that is not a token. The length check comes first, so a hostile
    value (64 KiB of commas, one huge token) costs one comparison; below the
    limit the work is bounded by the limit. Empty elements and optional white
    space are tolerated, duplicates are dropped, and order is kept.
    """
    if len(value) > length_limit:
        return None
    names: dict[str, None] = {}
    for element in value.split(","):
        name = element.strip(" \t")
        if not name:
            continue
        if TOKEN.fullmatch(name) is None:
            return None
        names[name.lower()] = None
    return tuple(names)
