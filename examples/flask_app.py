"""A Flask app whose ``app.wsgi_app`` is wrapped in ``CORSMiddleware`` (no Flask adapter).

The ``before_request`` hook answers 401 to every request without a token, ``OPTIONS``
included; preflights still succeed, because the middleware answers them before Flask runs.

Run it (serves http://127.0.0.1:5000; ``--port`` picks another port)::

    python examples/flask_app.py --port 5000
"""

from __future__ import annotations

import argparse

from flask import Flask, Response, abort, jsonify, request

from wsgi_cors import CORSMiddleware

app = Flask(__name__)


@app.before_request
def require_token() -> None:
    if request.headers.get("Authorization") != "Bearer secret":
        abort(401)


@app.get("/api/items")
def items() -> Response:
    return jsonify(["apple", "pear"])


app.wsgi_app = CORSMiddleware(
    app.wsgi_app,
    origins=["https://app.example.com"],
    supports_credentials=True,
    allow_headers=["Authorization"],
    resources={"/api/*": {}},
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5000)
    app.run(host="127.0.0.1", port=parser.parse_args().port)


if __name__ == "__main__":
    main()
