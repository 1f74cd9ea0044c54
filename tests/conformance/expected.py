"""Literal values users rely on, written out rather than imported from wsgi_cors.

A change to any of these is a change of documented behaviour (docs/behaviour.md
and "Security decisions"), so the conformance suite asserts the literal.
"""

from __future__ import annotations

from typing import List, Tuple

#: Vary of every preflight answer the middleware writes (allowed or refused).
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
#: Body of a refused preflight: fixed, whatever the request carried.
REFUSED_PREFLIGHT_BODY = b"CORS preflight refused\n"
#: Every header of a refused preflight, in order.
REFUSED_PREFLIGHT_HEADERS: List[Tuple[str, str]] = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", str(len(REFUSED_PREFLIGHT_BODY))),
    ("Vary", PREFLIGHT_VARY),
]
#: The default of ``methods``: Flask-CORS's ALL_METHODS.
DEFAULT_METHODS = "GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE"
#: docs/origins-and-resources.md: a wildcard, regex, predicate or reflecting ``"*"`` only sees an origin of
#: at most this many characters.
MAX_ORIGIN_LENGTH = 2048
#: docs: with ``allow_headers="*"``, an ``Access-Control-Request-Headers`` value longer than
#: this is refused unread.
MAX_WILDCARD_REQUEST_HEADERS_LENGTH = 4096


def request_headers_length_limit(names: Tuple[str, ...]) -> int:
    """docs: with a list of ``allow_headers``, the longest request value read is "the sum of
    the allowed names with separators": each name once with a comma and up to two bytes of
    white space either side (5 bytes), plus 16 spare bytes for a few empty elements."""
    return sum(len(name) + 5 for name in names) + 16
