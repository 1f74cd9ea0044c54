"""``wsgi-cors check`` against real Chromium: the same request, the same verdict.

Every scenario of ``test_browser_cors.py`` runs twice, against the same session
servers: once as ``fetch()`` in Chromium, once through :func:`run_check` with
the equivalent arguments (the page's origin, or ``null`` for the sandboxed
iframe). Each side uses URLs of its own, so neither sees the other's preflight
cache entries or server log. The tool must reach Chromium's verdict, the
verdict the table expects, and, when it blocks, blame the rule the table names.
Chromium and the tool must also agree on whether a preflight went out (and what
it asked for), whether the actual request was sent, and, when the page gets the
response, which of its headers the page can read.

Scenarios about ``Authorization`` run in ``standard_browser``: the tool follows
the standard, under which ``Access-Control-Allow-Headers: *`` never covers it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, List, Optional, Tuple

import pytest

from wsgi_cors.check.report import Report, render_text
from wsgi_cors.check.request import build_page_request
from wsgi_cors.check.runner import run_check

from .browser_harness import Exchange, FetchResult, LoopbackServer, Servers, Tab

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

API_CONFIGS = ("strict", "permissive")
#: The origin of the page: the allowed page, the refused one, or a sandboxed iframe (``null``).
PAGE, REFUSED_PAGE, SANDBOXED = "page", "refused_page", "sandboxed"


@dataclass(frozen=True)
class Scenario:
    """One fetch: where it goes, from which page, with which options, and the verdict expected.

    ``path`` may name ``{uid}`` (filled in separately for Chromium and for the
    tool) and ``{strict}``/``{permissive}`` (those servers' origins).
    """

    name: str
    api: str
    path: str
    allowed: bool
    #: When blocked: the rules ``report.blocked_by`` may name.
    rules: FrozenSet[str] = frozenset()
    page: str = PAGE
    #: fetch()'s options, exactly as the original test passes them.
    init: Dict[str, Any] = field(default_factory=dict)
    standard_browser: bool = False
    #: Chromium first lets the API set a cookie, as the original test does.
    login: bool = False
    #: Fetches in a row (the preflight cache scenarios fetch twice).
    repeat: int = 1

    @property
    def method(self) -> str:
        method: str = self.init.get("method", "GET")
        return method

    @property
    def headers(self) -> List[Tuple[str, str]]:
        return list(self.init.get("headers", {}).items())

    @property
    def credentials(self) -> bool:
        return self.init.get("credentials") == "include"


def allowed(name: str, api: str, path: str, **options: Any) -> Scenario:
    return Scenario(name, api, path, True, **options)


def blocked(name: str, api: str, path: str, rules: Tuple[str, ...], **options: Any) -> Scenario:
    return Scenario(name, api, path, False, frozenset(rules), **options)


def on_both(name: str, path: str, **options: Any) -> List[Scenario]:
    """An allowed scenario for each API configuration."""
    return [allowed(f"{name}-{config}", config, path, **options) for config in API_CONFIGS]


PUT_X_CUSTOM = {"method": "PUT", "headers": {"X-Custom": "1"}}

SCENARIOS: List[Scenario] = [
    # simple requests
    *on_both("simple-GET", "/items/{uid}"),
    *on_both(
        "POST-text-plain",
        "/items/{uid}",
        init={"method": "POST", "headers": {"Content-Type": "text/plain"}, "body": "hello"},
    ),
    # preflighted requests
    *on_both("PUT", "/items/{uid}", init={"method": "PUT"}),
    *on_both("DELETE", "/items/{uid}", init={"method": "DELETE"}),
    blocked(
        "PATCH-not-allowed-strict",
        "strict",
        "/items/{uid}",
        ("method-not-allowed",),
        init={"method": "PATCH"},
    ),
    allowed("PATCH-permissive", "permissive", "/items/{uid}", init={"method": "PATCH"}),
    allowed("X-Custom-strict", "strict", "/items/{uid}", init={"headers": {"X-Custom": "value-1"}}),
    blocked(
        "X-Unlisted-strict",
        "strict",
        "/items/{uid}",
        ("header-not-allowed",),
        init={"headers": {"X-Unlisted": "value-1"}},
    ),
    *(
        allowed(
            f"{header}-permissive",
            "permissive",
            "/items/{uid}",
            init={"headers": {header: "value-1"}},
        )
        for header in ("X-Custom", "X-Unlisted")
    ),
    *on_both(
        "POST-JSON",
        "/items/{uid}",
        init={
            "method": "POST",
            "headers": {"Content-Type": "application/json"},
            "body": '{"a": 1}',
        },
    ),
    # Authorization under the standard's rule
    *on_both(
        "Authorization-standard-browser",
        "/items/{uid}",
        init={"headers": {"Authorization": "Bearer token-1"}},
        standard_browser=True,
    ),
    blocked(
        "Authorization-bare-star-standard-browser",
        "bare_star",
        "/auth/{uid}",
        ("authorization-not-covered-by-wildcard",),
        init={"headers": {"Authorization": "Bearer t"}},
        standard_browser=True,
    ),
    allowed(
        "X-Custom-bare-star-standard-browser",
        "bare_star",
        "/custom/{uid}",
        init={"headers": {"X-Custom": "1"}},
        standard_browser=True,
    ),
    # credentials
    allowed(
        "credentialed-GET-strict",
        "strict",
        "/me/{uid}",
        init={"credentials": "include"},
        login=True,
    ),
    blocked(
        "credentialed-GET-permissive",
        "permissive",
        "/me/{uid}",
        ("acao-wildcard-with-credentials",),
        init={"credentials": "include"},
        login=True,
    ),
    allowed(
        "credentialed-PUT-strict",
        "strict",
        "/items/{uid}",
        init={**PUT_X_CUSTOM, "body": "x", "credentials": "include"},
        login=True,
    ),
    blocked(
        "credentialed-PUT-permissive",
        "permissive",
        "/items/{uid}",
        ("acao-wildcard-with-credentials",),
        init={"method": "PUT", "body": "x", "credentials": "include"},
    ),
    # response headers and statuses
    *on_both("exposed-response-headers", "/items/{uid}"),
    *(
        scenario
        for code in (404, 500)
        for scenario in on_both(f"status-{code}", f"/status/{code}/{{uid}}")
    ),
    *on_both("app-raises-intercept-exceptions", "/intercept/raise/{uid}"),
    *(
        blocked("app-raises-escapes-" + config, config, "/raise/{uid}", ("acao-missing",))
        for config in API_CONFIGS
    ),
    # redirects
    *(
        scenario
        for code in (301, 302)
        for scenario in on_both(
            f"redirect-{code}-within-api", f"/redirect/{code}/{{uid}}?to=/items/{{uid}}"
        )
    ),
    allowed(
        "cross-origin-redirect-to-permissive-as-null",
        "strict",
        "/redirect/302/{uid}?to={permissive}/items/{uid}",
    ),
    blocked(
        "cross-origin-redirect-to-strict-blocked",
        "permissive",
        "/redirect/302/{uid}?to={strict}/items/{uid}",
        ("acao-missing",),
    ),
    # origins
    blocked(
        "null-origin-strict-items", "strict", "/items/{uid}", ("acao-missing",), page=SANDBOXED
    ),
    allowed("null-origin-strict-null-ok", "strict", "/null-ok/{uid}", page=SANDBOXED),
    allowed("null-origin-permissive", "permissive", "/items/{uid}", page=SANDBOXED),
    *(
        blocked(
            f"refused-origin-{init['method']}",
            "strict",
            "/items/{uid}",
            ("acao-missing",),
            page=REFUSED_PAGE,
            init=init,
        )
        for init in (
            {"method": "GET", "body": None},
            {"method": "POST", "body": "from another site"},
            {"method": "PUT", "body": "x"},
        )
    ),
    allowed(
        "any-origin-PUT-permissive",
        "permissive",
        "/items/{uid}",
        page=REFUSED_PAGE,
        init={"method": "PUT"},
    ),
    # the preflight cache
    *on_both("preflight-cached-PUT-X-Custom", "/items/{uid}", init=PUT_X_CUSTOM, repeat=2),
    *on_both("preflight-not-cached-PUT-X-Custom", "/nocache/{uid}", init=PUT_X_CUSTOM, repeat=2),
]


def new_uid() -> str:
    return uuid.uuid4().hex[:12]


def fill(scenario: Scenario, servers: Servers, uid: str) -> Tuple[str, str]:
    """The scenario's URL and the path its API server logs the first request under."""
    path = scenario.path.format(
        uid=uid, strict=servers.strict.origin, permissive=servers.permissive.origin
    )
    return servers.api(scenario.api).url(path), path.split("?", 1)[0]


def login(tab: Tab, api: LoopbackServer) -> None:
    """Let the API set the cookie ``session=<id>`` through a credentialed fetch."""
    session = new_uid()
    path = f"/login/{session}"
    tab.fetch(api.url(f"{path}?session={session}"), method="POST", credentials="include")
    (exchange,) = api.log.for_path(path)
    assert exchange.response_header("Set-Cookie") is not None


def tool_preflight(report: Report) -> Optional[Tuple[str, Optional[str]]]:
    """The method and headers the tool's first preflight asked for, or None without one."""
    first = report.stages[0] if report.stages else None
    if first is None or not first.title.startswith("Preflight") or first.exchange is None:
        return None
    sent = {name.lower(): value for name, value in first.exchange.request_headers}
    return sent["access-control-request-method"], sent.get("access-control-request-headers")


def browser_preflight(exchanges: List[Exchange]) -> Optional[Tuple[str, Optional[str]]]:
    """The method and headers Chromium's first preflight asked for, or None without one."""
    if not exchanges or exchanges[0].method != "OPTIONS":
        return None
    first = exchanges[0]
    method = first.header("Access-Control-Request-Method")
    assert method is not None
    return method, first.header("Access-Control-Request-Headers")


def tool_sent_request(report: Report) -> bool:
    """Whether the tool sent the actual request to the first URL."""
    return any(stage.title == "Request" and stage.exchange is not None for stage in report.stages)


def run_in_chromium(
    scenario: Scenario,
    url: str,
    servers: Servers,
    open_tab: Callable[..., Tab],
    request: pytest.FixtureRequest,
) -> Tuple[List[FetchResult], Optional[str]]:
    """The scenario's fetches in Chromium, and the console's CORS error if the first failed."""
    browser: Optional[Browser] = (
        request.getfixturevalue("standard_browser") if scenario.standard_browser else None
    )
    origin = servers.refused_page.origin if scenario.page == REFUSED_PAGE else None
    tab = open_tab(origin, in_browser=browser)
    if scenario.login:
        login(tab, servers.api(scenario.api))
    results = []
    for _ in range(scenario.repeat):
        if scenario.page == SANDBOXED:
            results.append(tab.fetch_from_sandboxed_iframe(url))
        else:
            results.append(tab.fetch(url, **scenario.init))
    console = tab.assert_blocked(results[0], url) if not results[0].ok else None
    return results, console


def run_tool(scenario: Scenario, url: str, servers: Servers) -> Report:
    if scenario.page == SANDBOXED:
        origin = "null"
    elif scenario.page == REFUSED_PAGE:
        origin = servers.refused_page.origin
    else:
        origin = servers.page.origin
    page_request = build_page_request(
        url, origin, scenario.method, scenario.headers, scenario.credentials
    )
    return run_check(page_request, timeout=10.0, probe=False)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.name for scenario in SCENARIOS])
def test_check_reaches_chromiums_verdict(
    scenario: Scenario,
    servers: Servers,
    open_tab: Callable[..., Tab],
    request: pytest.FixtureRequest,
) -> None:
    browser_url, browser_path = fill(scenario, servers, new_uid())
    tool_url, _ = fill(scenario, servers, new_uid())
    results, console = run_in_chromium(scenario, browser_url, servers, open_tab, request)
    reports = [run_tool(scenario, tool_url, servers) for _ in range(scenario.repeat)]
    report = reports[0]
    text = render_text(report)
    seen = f"Chromium: {results[0]}\nconsole: {console}\ntool:\n{text}"

    for result, again in zip(results, reports):
        assert again.allowed == result.ok, seen
    assert report.allowed == scenario.allowed, seen
    assert report.verdict == ("ALLOWED" if scenario.allowed else "BLOCKED")
    if scenario.allowed:
        assert report.blocked_by is None, text
    else:
        assert report.blocked_by is not None, text
        assert report.blocked_by.rule in scenario.rules, seen
        assert console is not None  # Chromium blamed CORS in the console

    # The same requests went out: the preflight (and what it asked for), then the request.
    exchanges = servers.api(scenario.api).log.for_path(browser_path)
    assert tool_preflight(report) == browser_preflight(exchanges), seen
    browser_sent = any(exchange.method != "OPTIONS" for exchange in exchanges)
    assert tool_sent_request(report) == browser_sent, seen
    if scenario.allowed and scenario.page != SANDBOXED:  # the iframe does not pass headers back
        readable = {name.lower() for name in report.readable_headers}
        assert readable == set(results[0].headers), seen
