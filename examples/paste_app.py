"""The application that ``examples/cors.ini`` serves behind the ``wsgi_cors`` filter.

``app_factory`` is a ``paste.app_factory``; the ini file loads it with
``use = call:examples.paste_app:app_factory``, so run the server from the repository root
(it binds 127.0.0.1 only)::

    gunicorn --paste examples/cors.ini --bind 127.0.0.1:8000
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def items_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """A tiny JSON API. It knows nothing about CORS and answers ``OPTIONS`` with 405."""
    path = environ.get("PATH_INFO", "")
    method = environ["REQUEST_METHOD"]
    if method not in ("GET", "HEAD"):
        return _send(start_response, "405 Method Not Allowed", {"error": "method not allowed"})
    if path == "/api/items":
        return _send(start_response, "200 OK", ["apple", "pear"], [("X-Total-Count", "2")])
    if path == "/public/status":
        return _send(start_response, "200 OK", {"status": "ok"})
    return _send(start_response, "404 Not Found", {"error": "not found"})


def _send(
    start_response: StartResponse,
    status: str,
    data: Any,
    extra: Iterable[tuple[str, str]] = (),
) -> list[bytes]:
    body = json.dumps(data).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(status, [*headers, *extra])
    return [body]


def app_factory(global_conf: Mapping[str, str], **local_conf: str) -> WSGIApplication:
    """``paste.app_factory``: ``[app:items]`` takes no options."""
    if local_conf:
        raise ValueError(f"[app:items] takes no options, got {sorted(local_conf)}")
    return items_app
