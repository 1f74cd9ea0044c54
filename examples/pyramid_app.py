"""A Pyramid app whose ``config.make_wsgi_app()`` is wrapped in ``CORSMiddleware``.

Run it with the options in code (serves http://127.0.0.1:6543; ``--port`` picks another
port)::

    python examples/pyramid_app.py --port 6543

Or with the options in ``examples/pyramid.ini`` (``cors.*`` settings), from the repository root::

    gunicorn --paste examples/pyramid.ini --bind 127.0.0.1:6543
"""

from __future__ import annotations

import argparse
from typing import Any, Mapping, Optional
from wsgiref.simple_server import make_server

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPUnauthorized
from pyramid.request import Request
from pyramid.router import Router

from wsgi_cors import CORSMiddleware
from wsgi_cors.pyramid import middleware_from_settings


def items(request: Request) -> Any:
    return ["apple", "pear"]


def account(request: Request) -> Any:
    if request.authorization is None:
        raise HTTPUnauthorized()
    return {"user": "alice"}


def make_pyramid_app(settings: Optional[Mapping[str, Any]] = None) -> Router:
    with Configurator(settings=settings) as config:
        config.add_route("items", "/api/items")
        config.add_view(items, route_name="items", renderer="json", request_method="GET")
        config.add_route("account", "/api/account")
        config.add_view(account, route_name="account", renderer="json", request_method="GET")
        return config.make_wsgi_app()


# Options in code:
application = CORSMiddleware(
    make_pyramid_app(),
    origins=["https://app.example.com"],
    supports_credentials=True,
    allow_headers=["Authorization"],
    resources={"/api/*": {}},
)


# Options in the ini file: the paste.app_factory that examples/pyramid.ini uses.
def main(global_config: Mapping[str, str], **settings: str) -> CORSMiddleware:
    return middleware_from_settings(make_pyramid_app(settings), settings)


def serve() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=6543)
    port = parser.parse_args().port
    with make_server("127.0.0.1", port, application) as server:
        print(f"Serving on http://127.0.0.1:{port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    serve()
