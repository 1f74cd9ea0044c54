"""``wsgi_cors.django.CorsMiddleware`` in ``settings.MIDDLEWARE``, served by real servers.

The project of ``servers.django_dropin_site`` (the README's settings) is served by gunicorn
(WSGI, one sync worker; ``servers.harness.run_server``) and by uvicorn (ASGI, Django's
``get_asgi_application``; ``servers.test_asgi_servers.run_asgi``), each a subprocess on
127.0.0.1 and a free port, started once for the module and stopped by its PID. Every test runs
against both, over HTTP with ``http.client``. A response without ``X-View`` came from no view.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, NamedTuple, Optional

import pytest

from servers.django_dropin_site import (
    ALLOWED,
    MAX_AGE,
    REFUSED,
    STREAM_CHUNKS,
    VIEW_HEADER,
)
from servers.harness import run_server
from servers.test_asgi_servers import Target, cors_names, run_asgi
from servers.test_gunicorn import Reply, preflight, send

pytestmark = pytest.mark.servers

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
#: What the drop-in sends, in django-cors-headers' spelling (lower-case ``Vary`` tokens).
ACTUAL_VARY = "origin"
PREFLIGHT_VARY = "origin, access-control-request-method, access-control-request-headers"
DEFAULT_METHODS = "DELETE, GET, OPTIONS, PATCH, POST, PUT"
SERVERS = ("gunicorn", "uvicorn")
#: The request class Django hands the views under each server.
REQUEST_CLASS = {"gunicorn": "WSGIRequest", "uvicorn": "ASGIRequest"}


class Served(NamedTuple):
    """The project served by ``name`` on 127.0.0.1:``port``; ``log`` holds its output."""

    name: str
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    log_dir = tmp_path_factory.mktemp(f"django-dropin-{request.param}")
    if request.param == "gunicorn":
        factory = "servers.django_dropin_site:make_wsgi"
        gunicorn_args = ("--worker-class", "sync")
        with run_server("gunicorn", factory, {}, log_dir, gunicorn_args) as running:
            assert running.log is not None
            yield Served("gunicorn", running.port, running.log)
    else:
        with run_asgi(Target("django_dropin", "uvicorn"), log_dir) as served:
            yield Served("uvicorn", served.port, served.log)


def assert_allowed(reply: Reply) -> None:
    """The CORS headers of an actual response to :data:`ALLOWED`, each sent once."""
    assert reply.all(ACAO) == [ALLOWED]
    assert reply.get(ACAC) == "true"
    assert reply.get("Access-Control-Expose-Headers") == "X-Total"
    assert reply.all("Vary") == [ACTUAL_VARY]


# --- preflights -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/items/a", "/api/async/a", "/api/missing"])
def test_an_allowed_preflight_is_answered_before_the_view(server: Served, path: str) -> None:
    answer = preflight(server.port, path, ALLOWED, "PUT", "content-type,x-custom")
    assert answer.status == 200, server.output()
    assert answer.body == b""
    assert answer.get(VIEW_HEADER) is None
    assert answer.all(ACAO) == [ALLOWED]
    assert answer.get(ACAM) == DEFAULT_METHODS
    assert answer.get(ACAH) == (
        "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with, x-custom"
    )
    assert answer.get(ACAC) == "true"
    assert answer.get("Access-Control-Max-Age") == str(MAX_AGE)
    assert answer.all("Vary") == [PREFLIGHT_VARY]


def test_an_options_that_is_not_a_preflight_reaches_the_view(server: Served) -> None:
    """The control for the test above: the view answers OPTIONS itself."""
    reply = send(server.port, "OPTIONS", "/api/items/a", {"Origin": ALLOWED})
    assert reply.status == 200
    assert reply.get(VIEW_HEADER) == "items"
    assert json.loads(reply.body)["method"] == "OPTIONS"
    assert_allowed(reply)


def test_a_refused_origins_preflight_is_a_200_without_cors_headers(server: Served) -> None:
    answer = preflight(server.port, "/api/items/a", REFUSED, "PUT", "content-type")
    assert answer.status == 200
    assert answer.body == b""
    assert answer.get(VIEW_HEADER) is None
    assert cors_names(answer) == []
    assert answer.all("Vary") == [PREFLIGHT_VARY]


# --- actual requests ------------------------------------------------------------------------


def test_an_allowed_get(server: Served) -> None:
    reply = send(server.port, "GET", "/api/items/a", {"Origin": ALLOWED, "Cookie": "session=s1"})
    assert reply.status == 200
    assert reply.get(VIEW_HEADER) == "items"
    echo = json.loads(reply.body)
    assert echo["origin"] == ALLOWED
    assert echo["cookie"] == "s1"
    assert echo["request"] == REQUEST_CLASS[server.name]
    assert_allowed(reply)


@pytest.mark.parametrize("origin", [REFUSED, None], ids=["refused", "no-origin"])
def test_a_refused_or_absent_origin_reaches_the_view_without_cors_headers(
    server: Served, origin: Optional[str]
) -> None:
    reply = send(server.port, "GET", "/api/items/a", {"Origin": origin} if origin else {})
    assert reply.status == 200
    assert reply.get(VIEW_HEADER) == "items"
    assert cors_names(reply) == []
    assert reply.all("Vary") == [ACTUAL_VARY]


def test_djangos_404_carries_the_cors_headers(server: Served) -> None:
    reply = send(server.port, "GET", "/api/missing", {"Origin": ALLOWED})
    assert reply.status == 404
    assert reply.get(VIEW_HEADER) is None  # Django's URL resolver answered
    assert_allowed(reply)


def test_a_raising_views_500_carries_the_cors_headers(server: Served) -> None:
    reply = send(server.port, "GET", "/api/boom", {"Origin": ALLOWED})
    assert reply.status == 500
    assert b"Server Error" in reply.body  # Django's own 500 page
    assert_allowed(reply)
    assert "ViewBugError: a bug in a Django view" in server.output()  # Django logged it


@pytest.mark.parametrize("path", ["/api/stream", "/api/astream"], ids=["sync", "async"])
def test_a_streamed_response_arrives_intact_with_the_cors_headers(
    server: Served, path: str
) -> None:
    reply = send(server.port, "GET", path, {"Origin": ALLOWED})
    assert reply.status == 200
    assert reply.get(VIEW_HEADER) == path.rsplit("/", 1)[1]
    # No Content-Length: streamed to the client as it was produced, chunk by chunk.
    assert reply.get("Content-Length") is None
    assert reply.get("Transfer-Encoding") == "chunked"
    assert reply.body == b"".join(STREAM_CHUNKS)
    assert_allowed(reply)


def test_an_async_view(server: Served) -> None:
    reply = send(server.port, "PUT", "/api/async/a", {"Origin": ALLOWED, "X-Custom": "1"})
    assert reply.status == 200
    assert reply.get(VIEW_HEADER) == "async"
    echo = json.loads(reply.body)
    assert (echo["method"], echo["custom"]) == ("PUT", "1")
    assert echo["request"] == REQUEST_CLASS[server.name]
    assert_allowed(reply)


def test_a_path_outside_cors_urls_regex_gets_no_cors_headers(server: Served) -> None:
    reply = send(server.port, "GET", "/public/items/a", {"Origin": ALLOWED})
    assert reply.status == 200
    assert reply.get(VIEW_HEADER) == "public"
    assert cors_names(reply) == []
    assert reply.all("Vary") == []
    # Its preflights are not answered by the middleware: the view answers them.
    answer = preflight(server.port, "/public/items/a", ALLOWED, "PUT")
    assert answer.get(VIEW_HEADER) == "public"
    assert cors_names(answer) == []
