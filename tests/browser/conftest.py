"""Browser suite fixtures: headless Chromium through Playwright, and loopback servers.

Without Chromium or Playwright the browser tests are skipped, with how to
install them; with ``WSGI_CORS_REQUIRE_BROWSER=1`` that is a failure instead.
``WSGI_CORS_CHROMIUM`` names the Chromium binary (default: the first of
``chromium``, ``chromium-browser``, ``google-chrome`` on PATH, then
Playwright's own download if there is one).

One browser serves the whole session (a second one, started only when a test
asks for it, runs with ``CorsNonWildcardRequestHeadersSupport``), and so do the
page servers. The API servers come once per shell: ``servers`` is a session
fixture parametrized over ``"wsgi"`` (wsgiref, ``wsgi_cors.CORSMiddleware``) and
``"asgi"`` (uvicorn, ``wsgi_cors.asgi.CORSMiddleware``), so every test that uses
it runs against both with the same expectations, and pytest runs all of one
shell's tests before it starts the other's servers. Without uvicorn the ASGI
runs are skipped (failed under ``WSGI_CORS_REQUIRE_BROWSER=1``).

Each (browser, origin) has one page, in its own browser context, reused with its
cookies cleared. Every test uses URLs of its own (``uid``), so preflight cache
entries (keyed by URL) and console errors (matched by URL) never mix between
tests.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import uuid
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

from wsgi_cors import CORSMiddleware

from .browser_harness import (
    SHELLS,
    WS_IMPLEMENTATIONS,
    ASGILoopbackServer,
    LoopbackServer,
    Servers,
    SharedServers,
    Tab,
    WSGILoopbackServer,
    api_app,
    asgi_api_app,
    bare_star_app,
    page_app,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

REQUIRE_ENV = "WSGI_CORS_REQUIRE_BROWSER"
CHROMIUM_ENV = "WSGI_CORS_CHROMIUM"
INSTALL_HINT = (
    "install Chromium and Playwright for Python (`apt-get install chromium` and "
    "`pip install playwright`), or set WSGI_CORS_CHROMIUM to a Chromium binary"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Makes Chromium apply the standard: a bare ``Access-Control-Allow-Headers: *`` does not
#: cover ``Authorization`` (stock Chromium 156 still lets it through).
NON_WILDCARD_FEATURE = "--enable-features=CorsNonWildcardRequestHeadersSupport"


def _unavailable(reason: str, hint: str = INSTALL_HINT) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_ENV}=1 requires the browser tests", pytrace=False)
    pytest.skip(f"{reason}: {hint}")


# Package scope: Playwright's sync API keeps an event loop running in this thread until it is
# stopped, which would make asyncio.run() fail in the test packages that run after this one.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="package")
def chromium_path(playwright: Playwright) -> str:
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        if not os.path.isfile(configured):
            _unavailable(f"{CHROMIUM_ENV}={configured!r} is not a file")
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    bundled = playwright.chromium.executable_path
    if bundled and os.path.isfile(bundled):
        return bundled
    _unavailable("no Chromium found")
    raise AssertionError("unreachable")


def _launch(playwright: Playwright, path: str, *extra: str) -> Browser:
    return playwright.chromium.launch(executable_path=path, args=[*CHROMIUM_ARGS, *extra])


@pytest.fixture(scope="package")
def browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    instance = _launch(playwright, chromium_path)
    yield instance
    instance.close()


@pytest.fixture(scope="package")
def standard_browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    """Chromium with ``CorsNonWildcardRequestHeadersSupport``: ``*`` never covers Authorization."""
    instance = _launch(playwright, chromium_path, NON_WILDCARD_FEATURE)
    yield instance
    instance.close()


def strict_options(page_origin: str) -> Dict[str, Any]:
    """One allowed origin, credentials, explicit lists; variants under path prefixes."""
    return {
        "origins": [page_origin],
        "supports_credentials": True,
        "methods": ["GET", "POST", "PUT", "DELETE"],
        "allow_headers": ["X-Custom", "Content-Type", "Authorization"],
        "expose_headers": ["X-Total"],
        "max_age": 600,
        "resources": {
            "/*": {},
            "/nocache/*": {"max_age": 0},
            "/null-ok/*": {
                "origins": [page_origin, "null"],
                "allow_null_with_credentials": True,
            },
            "/intercept/*": {"intercept_exceptions": True},
            "/lenient/*": {"lenient_preflights": True},
        },
    }


#: Any origin, no credentials, every method and header; variants under path prefixes.
PERMISSIVE_OPTIONS: Dict[str, Any] = {
    "origins": "*",
    "methods": "*",
    "allow_headers": "*",
    "expose_headers": "*",
    "max_age": 600,
    "resources": {
        "/*": {},
        "/nocache/*": {"max_age": 0},
        "/intercept/*": {"intercept_exceptions": True},
    },
}


def require_uvicorn() -> None:
    """Skip (or, under ``WSGI_CORS_REQUIRE_BROWSER=1``, fail) without uvicorn to run ASGI apps."""
    if importlib.util.find_spec("uvicorn") is None:
        _unavailable(
            "uvicorn is not installed, so the ASGI shell cannot be served",
            "`pip install uvicorn websockets wsproto` (all in the browser extra)",
        )


def start_api(shell: str, ws: str = WS_IMPLEMENTATIONS[0], **options: Any) -> LoopbackServer:
    """The API behind ``shell``'s ``CORSMiddleware`` built with ``options``, on a server of its own.

    ``"wsgi"``: :func:`api_app` in wsgiref. ``"asgi"``: :func:`asgi_api_app` in uvicorn with
    WebSocket implementation ``ws``; ``options`` may also hold ``check_websocket_origin``.
    """
    if shell == "wsgi":
        return WSGILoopbackServer(CORSMiddleware(api_app, **options))
    from wsgi_cors.asgi import CORSMiddleware as ASGICORSMiddleware

    return ASGILoopbackServer(ASGICORSMiddleware(asgi_api_app, **options), ws=ws)


@pytest.fixture(scope="package")
def shared_servers(browser: Browser) -> Iterator[SharedServers]:
    """The pages (allowed and refused origin) and ``bare_star``, for the whole session."""
    started: List[LoopbackServer] = []

    def start(app: Any) -> LoopbackServer:
        server = WSGILoopbackServer(app)
        started.append(server)
        return server

    try:
        yield SharedServers(start(page_app), start(page_app), start(bare_star_app))
    finally:
        for server in started:
            server.close()


@pytest.fixture(scope="package", params=SHELLS)
def servers(request: pytest.FixtureRequest, shared_servers: SharedServers) -> Iterator[Servers]:
    """The shared servers, and the strict and permissive API behind one shell's middleware."""
    shell: str = request.param
    if shell == "asgi":
        require_uvicorn()
    started: List[LoopbackServer] = []
    try:
        started.append(start_api(shell, **strict_options(shared_servers.page.origin)))
        started.append(start_api(shell, **PERMISSIVE_OPTIONS))
        strict, permissive = started
        yield Servers(
            shell,
            shared_servers.page,
            shared_servers.refused_page,
            strict,
            permissive,
            shared_servers.bare_star,
        )
    finally:
        for server in started:
            server.close()


@pytest.fixture(scope="package")
def websocket_server(shared_servers: SharedServers) -> Iterator[Callable[..., LoopbackServer]]:
    """``websocket_server(ws, check, permissive=False)``: a uvicorn server, started on first use.

    The API behind ``wsgi_cors.asgi.CORSMiddleware`` with the strict options (or the
    permissive ones) and ``check_websocket_origin=check``, in uvicorn with WebSocket
    implementation ``ws``; one server per combination for the session.
    """
    require_uvicorn()
    started: Dict[Tuple[str, bool, bool], LoopbackServer] = {}

    def get(
        ws: str = WS_IMPLEMENTATIONS[0], check: bool = True, permissive: bool = False
    ) -> LoopbackServer:
        key = (ws, check, permissive)
        if key not in started:
            options = (
                PERMISSIVE_OPTIONS if permissive else strict_options(shared_servers.page.origin)
            )
            started[key] = start_api("asgi", ws=ws, check_websocket_origin=check, **options)
        return started[key]

    yield get
    for server in started.values():
        server.close()


@pytest.fixture(params=["strict", "permissive"])
def api(request: pytest.FixtureRequest, servers: Servers) -> LoopbackServer:
    """The API server of each configuration; the test's id shows which."""
    return servers.api(request.param)


@pytest.fixture
def uid() -> str:
    """A fresh path segment, so a test's URLs (and preflight cache entries) are its own."""
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="package")
def _tabs() -> Iterator[Dict[Tuple[int, str], Tab]]:
    """Open tabs, one per (browser, origin), reused by the whole session.

    Each browser closes its contexts, and so these pages, when its fixture ends.
    """
    tabs: Dict[Tuple[int, str], Tab] = {}
    yield tabs
    tabs.clear()


@pytest.fixture
def open_tab(
    browser: Browser, shared_servers: SharedServers, _tabs: Dict[Tuple[int, str], Tab]
) -> Callable[..., Tab]:
    """A page of ``origin`` (default: the page server), with no cookies.

    Opening a page costs more than most tests, so each (browser, origin) has
    one, in its own browser context, reused with its cookies cleared. Tests stay
    independent because every test's URLs are its own (``uid``): the preflight
    cache is keyed by URL, and console errors are matched by URL.
    """

    def open_(origin: Optional[str] = None, in_browser: Optional[Browser] = None) -> Tab:
        owner = in_browser or browser
        key = (id(owner), origin or shared_servers.page.origin)
        if key not in _tabs:
            _tabs[key] = Tab(owner.new_context().new_page(), key[1])
        tab = _tabs[key]
        tab.page.context.clear_cookies()
        tab.console.clear()
        return tab

    return open_


@pytest.fixture
def tab(open_tab: Callable[..., Tab]) -> Tab:
    """A page of the allowed origin, with no cookies."""
    return open_tab()
