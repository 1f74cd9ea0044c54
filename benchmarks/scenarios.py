"""The one CORS policy every stack is given, and the request scenarios it is measured on.

The policy: three exact origins, credentials, four methods, two allowed request headers, one
exposed header, ``max_age`` 600. The 1,000-origin, wildcard and regex scenarios keep that policy
and replace only the origins (:class:`OriginPolicy`); each stack builder translates it into the
stack's own configuration (see ``stacks.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

ALLOWED_ORIGINS = (
    "https://app.example.com",
    "https://admin.example.com",
    "https://partner.example.org",
)
METHODS = ("GET", "POST", "PUT", "DELETE")
ALLOW_HEADERS = ("Content-Type", "Authorization")
EXPOSE_HEADERS = ("X-Total-Count",)
MAX_AGE = 600

#: The origin the "allowed" scenarios send, and one the policy refuses.
ALLOWED_ORIGIN = ALLOWED_ORIGINS[1]
REFUSED_ORIGIN = "https://evil.example.net"

#: What a browser sends for a preflight asking for both allowed headers.
PREFLIGHT_METHOD = "PUT"
PREFLIGHT_HEADERS = "authorization,content-type"

#: The wildcard-subdomain entry, its regular-expression form, and the origin that matches it.
WILDCARD = "https://*.example.com"
WILDCARD_REGEX = r"^https://([a-z0-9-]+\.)+example\.com$"
WILDCARD_ORIGIN = "https://a.b.example.com"

#: Sizes of the hostile ``Access-Control-Request-Headers`` values, in bytes.
HOSTILE_SIZES = (("1KiB", 1024), ("8KiB", 8192), ("64KiB", 65536))
HOSTILE_SHAPES = ("commas", "spaces", "repeats", "token")


@dataclass(frozen=True)
class OriginPolicy:
    """The allowed origins, in each form a stack may need.

    ``kind`` is ``"exact"`` (``exact`` lists them), ``"wildcard"`` (``wildcard`` is the entry
    and ``regexes`` holds its one regular-expression form, for stacks without wildcards) or
    ``"regex"`` (``regexes`` lists anchored patterns).
    """

    kind: str
    exact: Tuple[str, ...] = ()
    wildcard: Optional[str] = None
    regexes: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Request:
    """One request: method, Origin, and the preflight's ACRM and ACRH (``None``: absent)."""

    method: str = "GET"
    origin: Optional[str] = None
    request_method: Optional[str] = None
    request_headers: Optional[str] = None


#: What a correctly configured stack must answer, checked before any timing.
EXPECT_NO_CORS = "no-cors"  # no Access-Control-Allow-Origin
EXPECT_ALLOWED = "allowed"  # 2xx, ACAO = Origin, credentials, exposed header
EXPECT_PREFLIGHT = "preflight"  # 2xx, ACAO = Origin, credentials, PUT and both headers allowed
EXPECT_ANY = "any"  # hostile input: any verdict, recorded in the results


@dataclass(frozen=True)
class Scenario:
    """A named request mix (cycled through when it has several requests) under one policy."""

    key: str
    title: str
    group: str
    origins: OriginPolicy
    requests: Tuple[Request, ...]
    expect: str


def thousand_origins() -> Tuple[str, ...]:
    """1,000 distinct exact origins."""
    return tuple(f"https://tenant{index:04d}.example.com" for index in range(1000))


def fifty_regexes() -> Tuple[str, ...]:
    """50 anchored origin patterns; ``https://tenant49-blue.example.com`` matches only the last."""
    return tuple(rf"^https://tenant{index}-[a-z0-9]+\.example\.com$" for index in range(50))


def hostile_value(shape: str, size: int) -> str:
    """An ``Access-Control-Request-Headers`` value of ``shape``, about ``size`` bytes long.

    ``commas``: only commas. ``spaces``: an allowed name, ``size`` bytes of spaces, a comma and
    the other allowed name. ``repeats``: an allowed name repeated, comma-separated (whole names
    only, so a few bytes short of ``size``). ``token``: one huge token that is no allowed name.
    """
    if shape == "commas":
        return "," * size
    if shape == "spaces":
        head, tail = "content-type", ",authorization"
        return head + " " * (size - len(head) - len(tail)) + tail
    if shape == "repeats":
        name = "content-type"
        return ",".join([name] * ((size + 1) // (len(name) + 1)))
    if shape == "token":
        return "x" * size
    raise ValueError(f"unknown hostile shape {shape!r}")


def _simple(origin: Optional[str]) -> Tuple[Request, ...]:
    return (Request("GET", origin),)


def _preflight(origin: str, request_headers: str) -> Tuple[Request, ...]:
    return (Request("OPTIONS", origin, PREFLIGHT_METHOD, request_headers),)


def base_scenarios() -> Tuple[Scenario, ...]:
    """Scenarios 1 to 8: the everyday requests and the large or pattern-based origin lists."""
    base = OriginPolicy("exact", exact=ALLOWED_ORIGINS)
    many = OriginPolicy("exact", exact=thousand_origins())
    wildcard = OriginPolicy("wildcard", wildcard=WILDCARD, regexes=(WILDCARD_REGEX,))
    regexes = OriginPolicy("regex", regexes=fifty_regexes())
    group = "requests"
    return (
        Scenario("no-origin", "GET, no Origin", group, base, _simple(None), EXPECT_NO_CORS),
        Scenario(
            "allowed-get",
            "GET, allowed Origin",
            group,
            base,
            _simple(ALLOWED_ORIGIN),
            EXPECT_ALLOWED,
        ),
        Scenario(
            "preflight",
            "preflight, 2 headers",
            group,
            base,
            _preflight(ALLOWED_ORIGIN, PREFLIGHT_HEADERS),
            EXPECT_PREFLIGHT,
        ),
        Scenario(
            "refused-get",
            "GET, refused Origin",
            group,
            base,
            _simple(REFUSED_ORIGIN),
            EXPECT_NO_CORS,
        ),
        Scenario(
            "origins1000-last",
            "1,000 origins, the last",
            group,
            many,
            _simple(many.exact[-1]),
            EXPECT_ALLOWED,
        ),
        Scenario(
            "origins1000-cycle",
            "1,000 origins, cycled",
            group,
            many,
            tuple(Request("GET", origin) for origin in many.exact),
            EXPECT_ALLOWED,
        ),
        Scenario(
            "wildcard",
            "wildcard subdomain",
            group,
            wildcard,
            _simple(WILDCARD_ORIGIN),
            EXPECT_ALLOWED,
        ),
        Scenario(
            "regex50-last",
            "50 regexes, the last",
            group,
            regexes,
            _simple("https://tenant49-blue.example.com"),
            EXPECT_ALLOWED,
        ),
    )


def hostile_scenarios() -> Tuple[Scenario, ...]:
    """Scenario 9: preflights from an allowed origin with a hostile ACRH, 4 shapes x 3 sizes."""
    base = OriginPolicy("exact", exact=ALLOWED_ORIGINS)
    return tuple(
        Scenario(
            f"hostile-{shape}-{label}",
            f"hostile ACRH {shape} {label}",
            "hostile preflights",
            base,
            _preflight(ALLOWED_ORIGIN, hostile_value(shape, size)),
            EXPECT_ANY,
        )
        for shape in HOSTILE_SHAPES
        for label, size in HOSTILE_SIZES
    )


def all_scenarios() -> Tuple[Scenario, ...]:
    """Every scenario, in the order of the table."""
    return base_scenarios() + hostile_scenarios()
