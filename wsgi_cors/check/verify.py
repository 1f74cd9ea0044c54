"""The checks a browser runs on a response, as steps that pass or fail.

``cors_check`` is the standard's "CORS check" (Access-Control-Allow-Origin and
-Credentials); ``preflight_checks`` adds the status, method, header and max-age
steps of a "CORS-preflight fetch".
"""

from __future__ import annotations

from typing import List, Optional

from ..core.http import (
    ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE,
)
from .client import Exchange
from .fetch_rules import (
    CHROMIUM_MAX_AGE_CAP,
    DEFAULT_MAX_AGE,
    NON_WILDCARD_REQUEST_HEADERS,
    REDIRECT_STATUSES,
    SAFELISTED_METHODS,
    invalid_tokens,
    parse_max_age,
    split_list,
)
from .report import Step
from .rules import fail, passed

ACAO = ACCESS_CONTROL_ALLOW_ORIGIN
ACAC = ACCESS_CONTROL_ALLOW_CREDENTIALS
ACAM = ACCESS_CONTROL_ALLOW_METHODS
ACAH = ACCESS_CONTROL_ALLOW_HEADERS
ACMA = ACCESS_CONTROL_MAX_AGE


def _mismatch_reason(value: str, origin: str) -> str:
    """Why an Access-Control-Allow-Origin value that is not ``origin`` fails, in words."""
    if "," in value:
        return "it is a list; it must be one origin"
    if value.rstrip("/") == origin:
        return "it has a trailing slash"
    if value.lower() == origin:
        return "it differs in case; the comparison is byte for byte"
    default = {"http": ":80", "https": ":443"}.get(origin.split(":", 1)[0])
    if default and value == origin + default:
        return "it has an explicit default port"
    if value == "null":
        return "'null' matches only requests with Origin: null"
    return "it names another origin"


def cors_check(exchange: Exchange, origin: str, credentials: bool) -> List[Step]:
    """The standard's CORS check of ``exchange`` for a page of ``origin``."""
    values = exchange.values(ACAO)
    if not values:
        detail = f"the response has none: the server did not allow {origin} here"
        return [fail(ACAO, "acao-missing", detail, origin=origin)]
    if len(values) > 1:
        detail = f"{len(values)} header lines: {', '.join(map(repr, values))}"
        return [fail(ACAO, "acao-multiple", detail, origin=origin)]
    value = values[0]
    if value == "*":
        if credentials:
            detail = "'*' does not allow a credentialed request"
            return [fail(ACAO, "acao-wildcard-with-credentials", detail, origin=origin)]
        return [passed(ACAO, "'*' allows any origin (no credentials)")]
    if value != origin:
        detail = f"{value!r} is not {origin!r}: {_mismatch_reason(value, origin)}"
        return [fail(ACAO, "acao-mismatch", detail, origin=origin)]
    steps = [passed(ACAO, f"{value!r} is the page's origin")]
    if credentials:
        steps.append(_credentials_step(exchange))
    return steps


def _credentials_step(exchange: Exchange) -> Step:
    values = exchange.values(ACAC)
    if not values:
        return fail(ACAC, "acac-missing", "the response has none, and the request has credentials")
    joined = ", ".join(values)
    if joined != "true":
        return fail(ACAC, "acac-not-true", f"{joined!r} is not 'true'")
    return passed(ACAC, "'true'")


def preflight_checks(
    exchange: Exchange,
    origin: str,
    method: str,
    unsafe_names: List[str],
    credentials: bool,
) -> List[Step]:
    """Every step of validating a preflight response, in the standard's order."""
    status = exchange.status
    if status in REDIRECT_STATUSES or 300 <= status < 400:
        location = exchange.get("Location") or "(no Location)"
        detail = f"{status} redirect to {location}: a preflight is never redirected"
        steps = [fail("status", "preflight-redirect", detail)]
    elif not 200 <= status <= 299:
        steps = [fail("status", "preflight-status", f"{status} is not an ok status (200-299)")]
    else:
        steps = [passed("status", f"{status} is an ok status")]
    steps.extend(cors_check(exchange, origin, credentials))
    steps.append(_method_step(exchange, method, credentials))
    steps.extend(_header_steps(exchange, unsafe_names, credentials))
    return steps


def _method_step(exchange: Exchange, method: str, credentials: bool) -> Step:
    raw = exchange.get(ACAM)
    methods = split_list(raw)
    if methods is not None and invalid_tokens(methods):
        bad = ", ".join(map(repr, invalid_tokens(methods)))
        return fail(ACAM, "acam-malformed", f"{bad} is not a method name", method=method)
    if method in SAFELISTED_METHODS:
        return passed(ACAM, f"{method} is safelisted and needs no listing")
    methods = methods or []
    if method in methods:
        return passed(ACAM, f"lists {method}")
    if "*" in methods:
        if credentials:
            detail = f"'*' does not cover {method} for a credentialed request"
            return fail(ACAM, "acam-wildcard-with-credentials", detail, method=method)
        return passed(ACAM, f"'*' covers {method} (no credentials)")
    if any(item.upper() == method.upper() for item in methods):
        detail = f"{raw!r} lists {method} in another case; methods are case-sensitive"
        return fail(ACAM, "method-case", detail, method=method)
    detail = "the response has none" if raw is None else f"{raw!r} does not list {method}"
    return fail(ACAM, "method-not-allowed", detail, method=method)


def _header_steps(exchange: Exchange, unsafe_names: List[str], credentials: bool) -> List[Step]:
    raw = exchange.get(ACAH)
    names = split_list(raw)
    if names is not None and invalid_tokens(names):
        bad = ", ".join(map(repr, invalid_tokens(names)))
        header = unsafe_names[0] if unsafe_names else "X-Example"
        return [fail(ACAH, "acah-malformed", f"{bad} is not a header name", header=header)]
    if not unsafe_names:
        return []
    listed = {name.lower() for name in names or ()}
    wildcard = "*" in listed
    steps = []
    for name in unsafe_names:
        check = f"{ACAH} ({name})"
        if name in listed:
            steps.append(passed(check, f"lists {name}"))
        elif wildcard and name in NON_WILDCARD_REQUEST_HEADERS:
            detail = f"'*' never covers {name}"
            steps.append(fail(check, "authorization-not-covered-by-wildcard", detail, header=name))
        elif wildcard and credentials:
            detail = f"'*' does not cover {name} for a credentialed request"
            steps.append(fail(check, "acah-wildcard-with-credentials", detail, header=name))
        elif wildcard:
            steps.append(passed(check, f"'*' covers {name} (no credentials)"))
        else:
            detail = "the response has none" if raw is None else f"{raw!r} does not list {name}"
            steps.append(fail(check, "header-not-allowed", detail, header=name))
    return steps


def max_age_seconds(exchange: Exchange) -> Optional[int]:
    """How long a browser caches this preflight answer, when the header is valid."""
    values = exchange.values(ACMA)
    return parse_max_age(values[0]) if len(values) == 1 else None


def cached_for(exchange: Exchange) -> int:
    """Seconds Chromium would cache this preflight answer for."""
    seconds = max_age_seconds(exchange)
    return DEFAULT_MAX_AGE if seconds is None else min(seconds, CHROMIUM_MAX_AGE_CAP)
