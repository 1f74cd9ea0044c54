"""Quick start: a Flask app whose WSGI callable is wrapped in ``CORSMiddleware``.

Run it (prints a real preflight and a real cross-origin GET, answered in process)::

    python examples/quickstart.py

Serve it on http://127.0.0.1:5000 instead::

    python examples/quickstart.py --serve
"""

from __future__ import annotations

import sys

from flask import Flask, jsonify

from wsgi_cors import CORSMiddleware

app = Flask(__name__)


@app.get("/api/items")
def items():  # type: ignore[no-untyped-def]
    response = jsonify(["apple", "pear"])
    response.headers["X-Total-Count"] = "2"
    return response


app.wsgi_app = CORSMiddleware(  # type: ignore[method-assign]
    app.wsgi_app,
    origins=["https://app.example.com", "http://localhost:*"],
    supports_credentials=True,
    methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["Content-Type", "Authorization"],
    expose_headers=["X-Total-Count"],
    max_age=600,
    resources={"/api/*": {}},
)


def show(title: str, response) -> None:  # type: ignore[no-untyped-def]
    print(f"--- {title}: {response.status}")
    for name, value in response.headers:
        if name.startswith("Access-Control-") or name == "Vary":
            print(f"    {name}: {value}")


def main() -> None:
    if "--serve" in sys.argv:
        app.run(host="127.0.0.1", port=5000)
        return
    browser = app.test_client()
    origin = {"Origin": "https://app.example.com"}
    show(
        "preflight for PUT with Authorization",
        browser.options(
            "/api/items",
            headers={
                **origin,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        ),
    )
    show("GET from an allowed origin", browser.get("/api/items", headers=origin))
    show(
        "GET from a refused origin",
        browser.get("/api/items", headers={"Origin": "https://evil.example.net"}),
    )


if __name__ == "__main__":
    main()
