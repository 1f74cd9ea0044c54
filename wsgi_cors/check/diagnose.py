"""Find which part of a preflight a server refused when its answer does not say.

Many servers (wsgi_cors, django-cors-headers, rs/cors) answer a refused
preflight with no CORS headers at all, so the response alone cannot tell
whether the origin, the method or a header was refused. A few more preflights,
each asking for one thing, can: they are OPTIONS requests and change nothing.
"""

from __future__ import annotations

from typing import List, Optional

from .client import send
from .fetch_rules import SAFELISTED_METHODS, preflight_request_headers
from .report import Step
from .rules import fail, passed
from .verify import cors_check

#: At most this many requested headers are asked about one by one.
MAX_HEADERS_ASKED = 20


def _ask(url: str, origin: str, method: str, header: Optional[str], timeout: float) -> bool:
    """Whether a preflight asking only for ``method`` and ``header`` passes (ok status, ACAO)."""
    names = [header] if header is not None else []
    exchange = send("OPTIONS", url, preflight_request_headers(origin, method, names), timeout)
    ok = 200 <= exchange.status <= 299
    return ok and all(step.ok for step in cors_check(exchange, origin, credentials=False))


def diagnose_refused_preflight(
    url: str, origin: str, method: str, unsafe_names: List[str], timeout: float
) -> List[Step]:
    """Ask for the origin, the method and each header separately; one step for each answer."""
    if not _ask(url, origin, "GET", None, timeout):
        detail = f"even a preflight for GET with no extra headers from {origin} is refused"
        return [fail("origin", "acao-missing", detail, origin=origin)]
    steps = [passed("origin", f"a preflight for GET from {origin} is allowed")]
    if method not in SAFELISTED_METHODS:
        if _ask(url, origin, method, None, timeout):
            steps.append(passed("method", f"a preflight for {method} alone is allowed"))
        elif method != method.upper() and _ask(url, origin, method.upper(), None, timeout):
            detail = (
                f"{method.upper()} is allowed but the page sends {method!r}; only six methods "
                f"are upper-cased by browsers, so write method: '{method.upper()}' in the page"
            )
            steps.append(fail("method", "method-case", detail, method=method))
        else:
            detail = f"a preflight for {method} alone is refused"
            steps.append(fail("method", "method-not-allowed", detail, method=method))
    for name in unsafe_names[:MAX_HEADERS_ASKED]:
        if _ask(url, origin, "GET", name, timeout):
            steps.append(
                passed(f"header {name}", f"a preflight asking for {name} alone is allowed")
            )
        else:
            detail = f"a preflight asking for {name} alone is refused"
            steps.append(fail(f"header {name}", "header-not-allowed", detail, header=name))
    return steps
