"""Checks that a stack really applies the policy before it is timed.

A misconfigured stack (a peer that ignores an option, an origin form it silently does not
understand) could otherwise look fast by doing nothing. The bare app must send no CORS headers;
the wrapped app must allow what the scenario allows, with credentials and the exposed header,
and must refuse what it refuses. A stack that claims the Fetch standard's cache rule
(``Stack.vary_on_refusal``: ours and the floors) must also send ``Vary: Origin`` when it refuses
an Origin or gets none. Hostile preflights may be answered either way; the verdict is recorded in
the results.
"""

from __future__ import annotations

from typing import List

from harness import Response
from scenarios import (
    EXPECT_ALLOWED,
    EXPECT_ANY,
    EXPECT_NO_CORS,
    EXPECT_PREFLIGHT,
    PREFLIGHT_METHOD,
    Request,
    Scenario,
)
from stacks import Pair

ACAO = "access-control-allow-origin"


class SanityError(AssertionError):
    """A stack answered a request differently from what the policy says."""


def verdict(response: Response) -> str:
    """``allowed`` (2xx with ACAO) or ``refused (<status>)``."""
    if 200 <= response.status < 300 and ACAO in response.headers:
        return "allowed"
    return f"refused ({response.status})"


def _words(value: str) -> List[str]:
    return [word.strip().lower() for word in value.split(",")]


def problems(
    response: Response, request: Request, expect: str, require_vary: bool = False
) -> List[str]:
    """What is wrong with ``response`` to ``request`` under expectation ``expect``.

    ``require_vary``: a response without CORS headers must carry ``Vary: Origin``.
    """
    headers = response.headers
    if expect == EXPECT_ANY:
        return []
    if expect == EXPECT_NO_CORS:
        found = [f"sent ACAO {headers[ACAO]!r} but should not"] if ACAO in headers else []
        if require_vary and "origin" not in _words(headers.get("vary", "")):
            found.append(f"no Vary: Origin (Vary is {headers.get('vary')!r})")
        return found
    found: List[str] = []
    if not 200 <= response.status < 300:
        found.append(f"status {response.status}, not 2xx")
    if headers.get(ACAO) != request.origin:
        found.append(f"ACAO is {headers.get(ACAO)!r}, not {request.origin!r}")
    if headers.get("access-control-allow-credentials") != "true":
        found.append("no Access-Control-Allow-Credentials: true")
    if expect == EXPECT_ALLOWED:
        if "x-total-count" not in _words(headers.get("access-control-expose-headers", "")):
            found.append("X-Total-Count is not exposed")
    elif expect == EXPECT_PREFLIGHT:
        if PREFLIGHT_METHOD.lower() not in _words(headers.get("access-control-allow-methods", "")):
            found.append(f"{PREFLIGHT_METHOD} is not in Access-Control-Allow-Methods")
        allowed = _words(headers.get("access-control-allow-headers", ""))
        if not {"content-type", "authorization"} <= set(allowed):
            found.append("Access-Control-Allow-Headers lacks content-type or authorization")
    return found


def check_pair(
    label: str, pair: Pair, scenario: Scenario, every_request: bool, require_vary: bool = False
) -> str:
    """Check ``pair`` on ``scenario``; return the wrapped app's verdict on its first request.

    ``every_request`` checks all of the scenario's requests (the 1,000-origin cycle included),
    otherwise only the first; ``require_vary`` is the stack's ``vary_on_refusal``. Raises
    :class:`SanityError` listing what is wrong.
    """
    first = scenario.requests[0]
    found = [f"bare app: {p}" for p in problems(pair.probe_bare(first), first, EXPECT_NO_CORS)]
    requests = scenario.requests if every_request else scenario.requests[:1]
    first_verdict = ""
    for request in requests:
        response = pair.probe_wrapped(request)
        first_verdict = first_verdict or verdict(response)
        found += [
            f"Origin {request.origin!r}: {p}"
            for p in problems(response, request, scenario.expect, require_vary)
        ]
        if len(found) > 5:
            break
    if found:
        raise SanityError(f"{label} on {scenario.key}: " + "; ".join(found))
    return first_verdict
