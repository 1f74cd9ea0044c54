"""A Flask app using ``wsgi_cors.flask``, the drop-in replacement for Flask-CORS.

Run it (prints a preflight that an auth hook would have broken, and the decorator's answer)::

    python examples/flask_adapter.py

Serve it on http://127.0.0.1:5001 instead::

    python examples/flask_adapter.py --serve
"""

from __future__ import annotations

import sys

from flask import Flask, abort, request

from wsgi_cors.flask import CORS, cross_origin

app = Flask(__name__)
app.config["CORS_SUPPORTS_CREDENTIALS"] = True


@app.before_request
def require_token():  # type: ignore[no-untyped-def]
    if request.method != "OPTIONS" and "Authorization" not in request.headers:
        abort(401)
    if request.method == "OPTIONS":
        abort(401)  # a hook like this broke Flask-CORS preflights; here it never sees them


@app.route("/api/orders", methods=["GET", "POST"])
def orders():  # type: ignore[no-untyped-def]
    return {"orders": []}


@app.route("/widgets")
@cross_origin(origins=["https://widgets.example.com"], supports_credentials=False)
def widgets():  # type: ignore[no-untyped-def]
    return {"widgets": 3}


CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}})


def main() -> None:
    if "--serve" in sys.argv:
        app.run(host="127.0.0.1", port=5001)
        return
    client = app.test_client()
    response = client.options(
        "/api/orders",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    print("preflight /api/orders:", response.status)
    print("  Access-Control-Allow-Origin:", response.headers.get("Access-Control-Allow-Origin"))
    print(
        "  Access-Control-Allow-Credentials:",
        response.headers.get("Access-Control-Allow-Credentials"),
    )
    response = client.get(
        "/widgets",
        headers={"Origin": "https://widgets.example.com", "Authorization": "Bearer t"},
    )
    print("GET /widgets:", response.status)
    print("  Access-Control-Allow-Origin:", response.headers.get("Access-Control-Allow-Origin"))


if __name__ == "__main__":
    main()
