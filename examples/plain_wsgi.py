"""A plain WSGI application wrapped in ``CORSMiddleware``, served by ``wsgiref`` on 127.0.0.1.

Run it (serves http://127.0.0.1:8000; ``--port`` picks another port)::

    python examples/plain_wsgi.py --port 8000

Then, from another shell, send a preflight and a cross-origin GET::

    curl -i -X OPTIONS http://127.0.0.1:8000/api/items \\
        -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT'
    curl -i http://127.0.0.1:8000/api/items -H 'Origin: https://app.example.com'
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Iterable
from wsgiref.simple_server import make_server

from wsgi_cors import CORSMiddleware

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def items(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Any WSGI callable: this one knows nothing about CORS and answers OPTIONS with 405."""
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        start_response("405 Method Not Allowed", [("Content-Type", "text/plain")])
        return [b"method not allowed\n"]
    body = json.dumps(["apple", "pear"]).encode()
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("X-Total-Count", "2"),
        ],
    )
    return [body]


application = CORSMiddleware(
    items,
    origins=["https://app.example.com"],
    methods=["GET", "PUT"],
    expose_headers=["X-Total-Count"],
    max_age=600,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    port = parser.parse_args().port
    with make_server("127.0.0.1", port, application) as server:
        print(f"Serving on http://127.0.0.1:{port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
