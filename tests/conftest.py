"""Shared helpers and fixtures of the whole suite.

* the ``shell`` fixture: each shell of wsgi_cors (``tests/shells.py``), for ``tests/conformance/``;
* WSGI helpers: a recording app, WebTest clients, a hand-built environ and a recording call;
* the package-index gate: tests marked ``network`` skip when the configured pip index cannot be
  reached, unless ``WSGI_CORS_REQUIRE_NETWORK=1`` makes that a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import urlsplit
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest
from webtest import TestApp

from wsgi_cors import CORSMiddleware

from shells import SHELLS, Shell

ALLOWED = "https://app.example.com"
OTHER = "https://evil.example.net"

Header = Tuple[str, str]


class RecordingApp:
    """A WSGI app that records each call and answers with a configurable status and headers."""

    def __init__(
        self,
        status: str = "200 OK",
        headers: Optional[List[Header]] = None,
        body: bytes = b"hello",
    ) -> None:
        self.status = status
        self.headers = headers if headers is not None else [("Content-Type", "text/plain")]
        self.body = body
        self.calls: List[Dict[str, Any]] = []

    def __call__(
        self, environ: Dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        self.calls.append(environ)
        start_response(self.status, self.headers)
        return [self.body]


def client(app: Any = None, **options: Any) -> TestApp:
    """A WebTest client: validator(CORSMiddleware(validator(app), **options))."""
    inner = app if app is not None else RecordingApp()
    return TestApp(validator(CORSMiddleware(validator(inner), **options)))


def preflight_headers(
    origin: str = ALLOWED, method: str = "PUT", headers: Optional[str] = None
) -> Dict[str, str]:
    """Request headers of a preflight, as a browser sends them."""
    result = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        result["Access-Control-Request-Headers"] = headers
    return result


def header_values(response: Any, name: str) -> List[str]:
    """Every value of header ``name`` in a WebTest response, in order."""
    return [value for key, value in response.headerlist if key.lower() == name.lower()]


@pytest.fixture
def recording_app() -> RecordingApp:
    return RecordingApp()


def make_environ(
    *,
    method: str = "GET",
    path: Optional[str] = "/",
    origin: Optional[str] = None,
    request_method: Optional[str] = None,
    request_headers: Optional[str] = None,
    private_network: Optional[str] = None,
) -> Dict[str, Any]:
    """A PEP 3333 environ built by hand, for header values no HTTP client library would send.

    ``path=None`` leaves ``PATH_INFO`` out (with ``SCRIPT_NAME`` "/app"); ``None`` headers are
    left out.
    """
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SERVER_NAME": "testserver",
        "QUERY_STRING": "",
    }
    if path is None:
        environ["SCRIPT_NAME"] = "/app"
    else:
        environ["SCRIPT_NAME"] = ""
        environ["PATH_INFO"] = path
    setup_testing_defaults(environ)
    for key, value in (
        ("HTTP_ORIGIN", origin),
        ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", request_method),
        ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", request_headers),
        ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", private_network),
    ):
        if value is not None:
            environ[key] = value
    return environ


def call_wsgi(wsgi: Any, environ: Dict[str, Any]) -> Tuple[str, List[Header], bytes]:
    """Call a WSGI callable as a server would: one ``start_response``, body joined and closed."""
    started: List[Tuple[str, List[Header]]] = []

    def start_response(status: str, headers: List[Header], exc_info: Any = None) -> Any:
        started.append((status, list(headers)))
        return lambda data: None

    result = wsgi(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    assert len(started) == 1
    status, headers = started[0]
    return status, headers, body


# --- the shells ---------------------------------------------------------------------------------


@pytest.fixture(scope="session", params=list(SHELLS), ids=list(SHELLS))
def shell(request: pytest.FixtureRequest) -> Shell:
    """Each shell of wsgi_cors in turn; the conformance suite is written against it alone."""
    return SHELLS[request.param]


# --- the package index --------------------------------------------------------------------------

REQUIRE_NETWORK_ENV = "WSGI_CORS_REQUIRE_NETWORK"
#: The bound on the reachability check of an HTTP(S) index, once per session.
INDEX_TIMEOUT = 3.0
DEFAULT_INDEX = "https://pypi.org/simple"


def pip_package_sources() -> List[str]:
    """The index URLs and find-links locations pip is configured with (config files and
    ``PIP_*`` variables), the main index first; pip's default index when none is set."""
    try:
        listed = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        listed = ""
    settings: Dict[str, List[str]] = {"index-url": [], "extra-index-url": [], "find-links": []}
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        option = key.rpartition(".")[2]
        if option in settings:
            settings[option].extend(value.strip().strip("'\"").split())
    main = settings["index-url"] or [DEFAULT_INDEX]
    return [*main, *settings["extra-index-url"], *settings["find-links"]]


def source_reachable(source: str) -> bool:
    """A local index or find-links directory exists, or an HTTP(S) index answers a HEAD
    request within INDEX_TIMEOUT seconds (any HTTP status counts: the server is there)."""
    scheme = urlsplit(source).scheme
    if scheme in ("", "file"):
        path = urllib.request.url2pathname(urlsplit(source).path) if scheme else source
        return Path(path).exists()
    if scheme not in ("http", "https"):
        return False
    request = urllib.request.Request(source, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=INDEX_TIMEOUT):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def index_unreachable_reason(sources: List[str]) -> Optional[str]:
    """None if pip can fetch packages; else why not. Local sources are tried first, so a
    machine with a local mirror or wheelhouse never touches the network for this check."""
    ordered = sorted(sources, key=lambda s: urlsplit(s).scheme in ("http", "https"))
    if any(source_reachable(source) for source in ordered):
        return None
    return f"the package index cannot be reached ({', '.join(sources)}; {INDEX_TIMEOUT:g} s)"


_INDEX_REASON: List[Optional[str]] = []


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``network`` need the package index: checked once per session."""
    if item.get_closest_marker("network") is None:
        return
    if not _INDEX_REASON:
        _INDEX_REASON.append(index_unreachable_reason(pip_package_sources()))
    reason = _INDEX_REASON[0]
    if reason is None:
        return
    if os.environ.get(REQUIRE_NETWORK_ENV) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_NETWORK_ENV}=1 requires it", pytrace=False)
    pytest.skip(f"{reason}: set {REQUIRE_NETWORK_ENV}=1 to make this a failure")
