"""The failures the Fetch standard defines for CORS, each with its explanation and fixes.

A fix is written twice: as the header any server should send, and as the
wsgi_cors option that makes a wsgi_cors server send it. ``{origin}``,
``{method}`` and ``{header}`` are filled in from the request being checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

from .report import Step


@dataclass(frozen=True)
class Rule:
    explanation: str
    fix: str
    wsgi_cors_fix: Optional[str] = None


RULES: Dict[str, Rule] = {
    "preflight-redirect": Rule(
        "a preflight is never redirected: a 3xx answer to it fails (Fetch, CORS-preflight "
        "fetch: the response needs an ok status)",
        "answer the OPTIONS preflight at this URL itself with 200 or 204, before any redirect "
        "(for example a trailing-slash or HTTPS redirect)",
        "wrap the application that redirects in CORSMiddleware, so the preflight is answered "
        "before it reaches the app; request the final URL from the page",
    ),
    "preflight-status": Rule(
        "the preflight response needs an ok status, 200 to 299 (Fetch, CORS-preflight fetch)",
        "answer OPTIONS requests carrying Access-Control-Request-Method with 200 or 204 and the "
        "CORS headers, before authentication or routing can reject them (a preflight never "
        "carries cookies or Authorization)",
        "a 403 with no CORS headers is CORSMiddleware refusing the origin, method or a header "
        "(see below); any other status means the path is outside `resources` or another layer "
        "answered first",
    ),
    "acao-missing": Rule(
        "the response must carry Access-Control-Allow-Origin naming the page's origin, or * "
        "without credentials (Fetch, CORS check)",
        "send 'Access-Control-Allow-Origin: {origin}' on this response",
        "add '{origin}' to `origins` (for this path's entry in `resources`, if it has one)",
    ),
    "acao-multiple": Rule(
        "Access-Control-Allow-Origin must appear once with one value; several header lines "
        "are joined with ', ' and no longer match (Fetch, CORS check)",
        "send exactly one Access-Control-Allow-Origin header; usually two layers (the app and a "
        "middleware or proxy) both add one",
        "CORSMiddleware never adds a second one (an app's own value wins); remove the other "
        "layer that adds it",
    ),
    "acao-mismatch": Rule(
        "Access-Control-Allow-Origin must equal the request's Origin byte for byte: same case, "
        "no trailing slash, no default port, one origin only (Fetch, CORS check)",
        "send 'Access-Control-Allow-Origin: {origin}' exactly",
        "add '{origin}' to `origins`; CORSMiddleware always echoes the request's Origin exactly",
    ),
    "acao-wildcard-with-credentials": Rule(
        "with credentials, Access-Control-Allow-Origin: * is refused; it must name the origin "
        "(Fetch, CORS check)",
        "send 'Access-Control-Allow-Origin: {origin}' with 'Vary: Origin', or make the request "
        "without credentials",
        "list '{origin}' in `origins` instead of '*' (with `supports_credentials=True`)",
    ),
    "acac-missing": Rule(
        "a credentialed request needs 'Access-Control-Allow-Credentials: true' on the response, "
        "the preflight included (Fetch, CORS check)",
        "send 'Access-Control-Allow-Credentials: true', or make the request without credentials",
        "set `supports_credentials=True`",
    ),
    "acac-not-true": Rule(
        "Access-Control-Allow-Credentials must be exactly 'true', lower case and once "
        "(Fetch, CORS check)",
        "send 'Access-Control-Allow-Credentials: true' exactly once",
        "set `supports_credentials=True` and remove the app's own header",
    ),
    "acam-malformed": Rule(
        "Access-Control-Allow-Methods must be a comma-separated list of method tokens; one bad "
        "item fails the whole preflight (Fetch, CORS-preflight fetch)",
        "send a list such as 'Access-Control-Allow-Methods: GET, POST, {method}'",
        "CORSMiddleware validates `methods` at construction; remove the other layer's header",
    ),
    "method-case": Rule(
        "methods are case-sensitive: only DELETE, GET, HEAD, OPTIONS, POST and PUT are "
        "upper-cased by browsers, and the list must contain the method as sent (Fetch, "
        "CORS-preflight fetch)",
        "list '{method}' in Access-Control-Allow-Methods exactly as the page sends it",
        "CORSMiddleware upper-cases `methods`, so '{method}' can never be listed: send the method "
        "upper-cased from the page (fetch(url, {{method: '{method}'.toUpperCase()}})), or allow "
        "any method with methods='*'",
    ),
    "method-not-allowed": Rule(
        "a method other than GET, HEAD and POST must be listed in Access-Control-Allow-Methods "
        "on the preflight response (Fetch, CORS-preflight fetch)",
        "add {method} to 'Access-Control-Allow-Methods'",
        "add '{method}' to `methods`",
    ),
    "acam-wildcard-with-credentials": Rule(
        "with credentials, Access-Control-Allow-Methods: * means only a method named '*' "
        "(Fetch, CORS-preflight fetch)",
        "list {method} by name in Access-Control-Allow-Methods",
        "list '{method}' in `methods` (with credentials, CORSMiddleware reflects the requested "
        "method for methods='*')",
    ),
    "acah-malformed": Rule(
        "Access-Control-Allow-Headers must be a comma-separated list of header names; one bad "
        "item fails the whole preflight (Fetch, CORS-preflight fetch)",
        "send a list such as 'Access-Control-Allow-Headers: {header}'",
        "CORSMiddleware validates `allow_headers` at construction; remove the other layer's header",
    ),
    "header-not-allowed": Rule(
        "every request header that is not safelisted must be listed in "
        "Access-Control-Allow-Headers on the preflight response (any case) (Fetch, "
        "CORS-preflight fetch)",
        "add {header} to 'Access-Control-Allow-Headers'",
        "add '{header}' to `allow_headers`",
    ),
    "acah-wildcard-with-credentials": Rule(
        "with credentials, Access-Control-Allow-Headers: * means only a header named '*' "
        "(Fetch, CORS-preflight fetch)",
        "list {header} by name in Access-Control-Allow-Headers",
        "list '{header}' in `allow_headers` (with credentials, CORSMiddleware reflects the "
        "requested names for allow_headers='*')",
    ),
    "authorization-not-covered-by-wildcard": Rule(
        "Authorization is never covered by Access-Control-Allow-Headers: *; it must be listed "
        "by name (Fetch, CORS non-wildcard request-header name). Chromium 156 and Firefox "
        "still let it through with a deprecation warning; they are moving to the standard",
        "send 'Access-Control-Allow-Headers: *, Authorization' or list the names",
        "CORSMiddleware's allow_headers='*' already names authorization; list 'Authorization' "
        "in `allow_headers` if you use a list",
    ),
    "redirect-failed": Rule(
        "a redirect is followed only to an http(s) URL without credentials in it, at most 20 "
        "times (Fetch, HTTP-redirect fetch)",
        "redirect to a plain http(s) URL, or have the page request the final URL",
    ),
}


def fail(check: str, rule: str, detail: str, **context: str) -> Step:
    """A failed step for ``rule``, its fixes filled in from ``context``."""
    entry = RULES[rule]
    fix = entry.fix.format(**context)
    wsgi_cors_fix = entry.wsgi_cors_fix.format(**context) if entry.wsgi_cors_fix else None
    return Step(check, False, detail, rule, entry.explanation, fix, wsgi_cors_fix)


def passed(check: str, detail: str) -> Step:
    return Step(check, True, detail)
