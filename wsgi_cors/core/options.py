"""The types of the options, as a caller writes them.

:class:`CORSOptions` is what ``CORSMiddleware(app, **options)`` and
:meth:`CORSConfig.from_options` accept, so a type checker catches a misspelled
option or a value of the wrong type. It mirrors the fields of
:class:`~wsgi_cors.CORSConfig` (a test fails if the two drift apart).
"""

from __future__ import annotations

from datetime import timedelta
from typing import (
    AbstractSet,
    Callable,
    Mapping,
    Optional,
    Pattern,
    Sequence,
    Tuple,
    TypedDict,
    Union,
)

#: Decides whether an origin may read responses; an exception counts as "no".
OriginPredicate = Callable[[str], bool]
OriginEntry = Union[str, Pattern[str], OriginPredicate]
OriginsOption = Union[
    str, Pattern[str], OriginPredicate, Sequence[OriginEntry], AbstractSet[OriginEntry]
]
MethodsOption = Union[str, Sequence[str], AbstractSet[str]]
HeaderEntry = Union[str, Pattern[str]]
AllowHeadersOption = Union[str, Pattern[str], Sequence[HeaderEntry], AbstractSet[HeaderEntry]]
ExposeHeadersOption = Union[str, Sequence[str], AbstractSet[str], None]
MaxAgeOption = Union[int, timedelta, None]
#: A path pattern: ``"/api/*"``, ``"/health"``, ``"*"``, or a compiled pattern (full-matched).
PathPattern = Union[str, Pattern[str]]

#: Methods allowed by default: every common method (not CONNECT, TRACE, TRACK).
ALL_METHODS: Tuple[str, ...] = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE")


class ResourceOptions(TypedDict, total=False):
    """Options one resource may override: every option but ``resources``."""

    origins: OriginsOption
    methods: MethodsOption
    allow_headers: AllowHeadersOption
    expose_headers: ExposeHeadersOption
    supports_credentials: bool
    max_age: MaxAgeOption
    send_wildcard: bool
    always_send: bool
    vary_header: bool
    allow_private_network: bool
    automatic_options: bool
    intercept_exceptions: bool
    preflight_status: int
    lenient_preflights: bool
    allow_null_with_credentials: bool


ResourcesOption = Optional[Mapping[PathPattern, Optional[ResourceOptions]]]


class CORSOptions(ResourceOptions, total=False):
    """Every option, as keyword arguments."""

    resources: ResourcesOption
