"""Act like a browser: preflight if needed, send the request, follow redirects, then probe.

:func:`run_check` makes the requests a browser would make for one ``fetch()``
and records each in a :class:`Report`. It stops where a browser stops: nothing
after a failed preflight or a failed CORS check is sent. Afterwards it sends
two harmless probes (a made-up origin and ``null``) to warn about policies that
are legal but risky. A probe repeats only a preflight, a GET or a HEAD, never a
request that could change something.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import List, Optional, Tuple
from urllib.parse import urljoin, urlsplit

from ..core.codec import StrHeader as Header
from .client import Exchange, NetworkError, send
from .diagnose import diagnose_refused_preflight
from .fetch_rules import (
    CHROMIUM_MAX_AGE_CAP,
    NON_WILDCARD_REQUEST_HEADERS,
    REDIRECT_LIMIT,
    REDIRECT_STATUSES,
    SAFELISTED_METHODS,
    preflight_request_headers,
    readable_response_headers,
    split_list,
)
from .report import CheckWarning, Report, Stage
from .request import PageRequest, url_origin
from .rules import fail, passed
from .verify import ACAC, ACAO, cors_check, max_age_seconds, preflight_checks

#: The made-up origin of the probe: ``.invalid`` can never be a real site.
PROBE_ORIGIN = "https://wsgi-cors-probe.invalid"
_VALUE_SAFELISTED_HEADERS = (
    "accept",
    "accept-language",
    "content-language",
    "content-type",
    "range",
)
_REQUEST_BODY_HEADERS = ("content-encoding", "content-language", "content-location", "content-type")


@dataclass
class _Hop:
    """Where the fetch is now: the URL, and the method and headers it will send there."""

    url: str
    method: str
    headers: Tuple[Header, ...]
    origin_header: str
    #: Whether CORS applies: the fetch reached another origin than the page's.
    cors: bool


@dataclass
class _Outcome:
    """What the fetch ended with: the last preflight passed and the final response, if any."""

    preflight: Optional[Exchange] = None
    final: Optional[Exchange] = None


def run_check(
    request: PageRequest,
    timeout: float = 10.0,
    probe: bool = True,
    send_request: bool = True,
    cookie: Optional[str] = None,
) -> Report:
    """Check ``request`` against the live server; raise NetworkError if it cannot be reached.

    ``cookie`` is sent on credentialed requests (never on a preflight), as a
    browser sends its cookies. With ``send_request=False`` only the preflight
    is checked; a request that needs none is then a ValueError.
    """
    if not send_request and not request.needs_preflight:
        raise ValueError(
            "this request needs no preflight, so a preflight-only check checks nothing"
        )
    report = Report(request)
    for name in request.dropped_headers:
        report.notes.append(f"a page cannot set {name} (a forbidden request header); not sent")
    outcome = _fetch(report, timeout, send_request, cookie)
    report.completed = True
    if outcome.final is not None:
        _record_exposure(report, outcome.final)
    if outcome.preflight is not None and report.allowed:
        _max_age_warnings(report, outcome.preflight)
    if probe and any(stage.exchange is not None for stage in report.stages):
        _probe(report, outcome.final, timeout)
    return report


def _fetch(report: Report, timeout: float, send_request: bool, cookie: Optional[str]) -> _Outcome:
    """Make the requests of the fetch until a browser would stop; record each as a stage."""
    request = report.request
    cors = url_origin(request.url) != request.origin
    hop = _Hop(request.url, request.method, request.headers, request.origin, cors)
    outcome = _Outcome()
    for redirects in range(REDIRECT_LIMIT + 1):
        hop_request = replace(request, method=hop.method, headers=hop.headers)
        if hop.cors and hop_request.needs_preflight:
            outcome.preflight = _preflight(report, hop, hop_request, redirects, timeout)
            if outcome.preflight is None:
                return outcome
        if not send_request:
            report.stages.append(Stage("Request: not sent (--preflight-only)"))
            report.notes.append("the actual response was not checked")
            return outcome
        exchange = _actual(report, hop, redirects, timeout, cookie)
        if exchange is None:
            return outcome
        next_hop = _follow(report, hop, exchange, request.origin)
        if next_hop is None:
            outcome.final = exchange
            return outcome
        hop = next_hop
    report.stages[-1].steps.append(
        fail("redirect", "redirect-failed", f"more than {REDIRECT_LIMIT} redirects")
    )
    return outcome


def _preflight_headers(hop: _Hop, unsafe: List[str]) -> Tuple[Header, ...]:
    return preflight_request_headers(hop.origin_header, hop.method, unsafe)


def _why_preflight(request: PageRequest) -> str:
    reasons = []
    if request.method not in SAFELISTED_METHODS:
        reasons.append(f"{request.method} is not a safelisted method")
    for name in request.unsafe_header_names:
        if name in _VALUE_SAFELISTED_HEADERS:
            reasons.append(f"the {name} value is not safelisted")
        else:
            reasons.append(f"{name} is not a safelisted header")
    return "needed: " + "; ".join(reasons)


def _preflight(
    report: Report, hop: _Hop, request: PageRequest, redirects: int, timeout: float
) -> Optional[Exchange]:
    """Send and verify the preflight; None (and the report complete) if it fails."""
    unsafe = request.unsafe_header_names
    exchange = send("OPTIONS", hop.url, _preflight_headers(hop, unsafe), timeout)
    title = "Preflight" + (f" (after redirect {redirects})" if redirects else "")
    steps = preflight_checks(
        exchange, hop.origin_header, request.method, unsafe, report.request.credentials
    )
    stage = Stage(title, exchange, steps, _why_preflight(request))
    report.stages.append(stage)
    if stage.ok:
        return exchange
    if _refused_silently(exchange):
        try:
            report.diagnosis = diagnose_refused_preflight(
                hop.url, hop.origin_header, request.method, unsafe, timeout
            )
            report.diagnosed_stage = stage
        except NetworkError as error:
            report.notes.append(f"the diagnosis preflights were not answered: {error}")
    report.stages.append(Stage("Request: not sent", note="a browser stops at a failed preflight"))
    return None


def _refused_silently(exchange: Exchange) -> bool:
    """A preflight answer that looks like a CORS layer's refusal: 2xx or 403, no CORS headers.

    (A redirect, 401, 404, 405 or 5xx is a routing or authentication problem,
    which the status step already names.)
    """
    return (200 <= exchange.status <= 299 or exchange.status == 403) and not exchange.values(ACAO)


def _request_headers(hop: _Hop, headers: Tuple[Header, ...]) -> Tuple[Header, ...]:
    """The headers a browser sends: Origin (not on a same-origin GET or HEAD), the page's
    headers, and ``Accept: */*`` unless the page set Accept."""
    sent: Tuple[Header, ...] = ()
    if hop.cors or hop.method not in ("GET", "HEAD"):
        sent = (("Origin", hop.origin_header),)
    if not any(name.lower() == "accept" for name, _ in headers):
        sent += (("Accept", "*/*"),)
    return sent + headers


def _actual(
    report: Report, hop: _Hop, redirects: int, timeout: float, cookie: Optional[str]
) -> Optional[Exchange]:
    credentials = report.request.credentials
    cookies: Tuple[Header, ...] = (("Cookie", cookie),) if cookie and credentials else ()
    exchange = send(hop.method, hop.url, _request_headers(hop, hop.headers) + cookies, timeout)
    title = "Request" + (f" (after redirect {redirects})" if redirects else "")
    if not hop.cors:
        step = passed("same origin", "the URL is on the page's origin: no CORS check")
        report.stages.append(Stage(title, exchange, [step]))
        return exchange
    steps = cors_check(exchange, hop.origin_header, credentials)
    report.stages.append(Stage(title, exchange, steps))
    return exchange if all(step.ok for step in steps) else None


def _follow(report: Report, hop: _Hop, exchange: Exchange, page_origin: str) -> Optional[_Hop]:
    """The next hop of a redirect a browser follows, or None if the response is final."""
    location = exchange.values("Location")
    if exchange.status not in REDIRECT_STATUSES or not location:
        return None
    stage = report.stages[-1]
    try:
        target = urljoin(hop.url, location[0])
        parts = urlsplit(target)
        usable = parts.scheme in ("http", "https") and not (parts.username or parts.password)
        current, following = url_origin(hop.url), url_origin(target)
    except ValueError:  # an unparsable Location, or a port out of range
        usable = False
    if not usable:
        detail = f"cannot follow the redirect to {location[0]!r}"
        stage.steps.append(fail("redirect", "redirect-failed", detail))
        return None
    origin_header = hop.origin_header
    if current != following and page_origin != current:
        origin_header = "null"  # the request's origin is now "tainted"
    method, headers = hop.method, hop.headers
    if (exchange.status in (301, 302) and method == "POST") or (
        exchange.status == 303 and method not in ("GET", "HEAD")
    ):
        method = "GET"
        headers = tuple(h for h in headers if h[0].lower() not in _REQUEST_BODY_HEADERS)
    if current != following:
        headers = tuple(h for h in headers if h[0].lower() not in NON_WILDCARD_REQUEST_HEADERS)
    detail = f"{exchange.status} to {target}, followed"
    if origin_header != hop.origin_header:
        detail += " with Origin: null (a cross-origin hop after another origin)"
    stage.steps.append(passed("redirect", detail))
    return _Hop(target, method, headers, origin_header, hop.cors or following != page_origin)


def _record_exposure(report: Report, exchange: Exchange) -> None:
    exposed = split_list(exchange.get("Access-Control-Expose-Headers"))
    names = [name for name, _ in exchange.headers]
    report.readable_headers, report.hidden_headers = readable_response_headers(
        names, exposed, report.request.credentials
    )


def _max_age_warnings(report: Report, preflight: Exchange) -> None:
    seconds = max_age_seconds(preflight)
    if seconds is None:
        report.warnings.append(
            CheckWarning(
                "no-max-age",
                "the preflight answer has no valid Access-Control-Max-Age, so browsers reuse it "
                "for only 5 s: almost every request costs a second round trip",
                "send 'Access-Control-Max-Age: 600' (or longer) on preflight responses",
                "set `max_age=600`",
            )
        )
    elif seconds > CHROMIUM_MAX_AGE_CAP:
        report.notes.append(
            f"Access-Control-Max-Age {seconds} is capped by Chromium at {CHROMIUM_MAX_AGE_CAP} s"
        )


def _probe_exchange(report: Report, origin: str, timeout: float) -> Optional[Exchange]:
    """The first request again from ``origin``, as a preflight unless it is a GET or HEAD."""
    request = report.request
    unsafe = request.unsafe_header_names
    hop = _Hop(request.url, request.method, request.headers, origin, True)
    try:
        if request.needs_preflight or request.method not in ("GET", "HEAD"):
            return send("OPTIONS", request.url, _preflight_headers(hop, unsafe), timeout)
        return send(request.method, request.url, _request_headers(hop, request.headers), timeout)
    except NetworkError as error:
        report.notes.append(f"probe from {origin} not answered: {error}")
        return None


def _probe(report: Report, final: Optional[Exchange], timeout: float) -> None:
    """Warn about any-origin reflection, ``null``, and a missing ``Vary: Origin``."""
    request = report.request
    if url_origin(request.url) == request.origin:
        return
    made_up = _probe_exchange(report, PROBE_ORIGIN, timeout)
    if made_up is not None and made_up.get(ACAO) == PROBE_ORIGIN:
        if made_up.get(ACAC) == "true":
            report.warnings.append(
                CheckWarning(
                    "any-origin-with-credentials",
                    f"the server allowed the made-up origin {PROBE_ORIGIN} with credentials: "
                    "it reflects any origin, so every site can read its responses with the "
                    "user's cookies",
                    "reflect only origins on an allow-list",
                    "list the trusted origins in `origins` (wsgi_cors refuses '*' with "
                    "credentials)",
                )
            )
        else:
            report.notes.append(
                f"the server reflects any origin (it allowed {PROBE_ORIGIN}); without "
                "credentials that is the same as '*'"
            )
    if request.origin != "null":
        null = _probe_exchange(report, "null", timeout)
        if null is not None and null.get(ACAO) == "null":
            report.warnings.append(
                CheckWarning(
                    "null-origin-allowed",
                    "the server allows Origin: null, which any site can send from a sandboxed "
                    "iframe or a data: URL"
                    + (", here with credentials" if null.get(ACAC) == "true" else ""),
                    "stop allowing 'null'",
                    "remove 'null' from `origins`",
                )
            )
    if final is not None and final.get(ACAO) == request.origin and not _varies_on_origin(final):
        static = made_up is not None and made_up.get(ACAO) == request.origin
        if not static:
            report.warnings.append(
                CheckWarning(
                    "vary-origin-missing",
                    f"Access-Control-Allow-Origin names {request.origin} but the response has "
                    "no 'Vary: Origin': a shared cache can serve it to a page of another origin, "
                    "which the browser then blocks",
                    "add 'Vary: Origin' to every response whose CORS headers depend on Origin",
                    "CORSMiddleware adds it; check that no other layer replaces Vary",
                )
            )


def _varies_on_origin(exchange: Exchange) -> bool:
    names = {name.lower() for name in split_list(exchange.get("Vary")) or ()}
    return "origin" in names or "*" in names
