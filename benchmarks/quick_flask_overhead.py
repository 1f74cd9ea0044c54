"""A quick side-by-side check: the per-request overhead of wsgi_cors.flask and of Flask-CORS.

Both wrap the same trivial Flask app with the same options (three exact origins, credentials);
each round times 2,000 in-process GETs with an allowed Origin through the bare app, the
wsgi_cors adapter and Flask-CORS, interleaved, and the overhead is the median over the rounds
of (wrapped - bare). Run::

    pip install -e '.[flask]' flask-cors && python benchmarks/quick_flask_overhead.py

The full suite against every peer and a floor shim is still to come (see README.md here).
"""

from __future__ import annotations

import statistics
import timeit
from typing import Any, Callable, Dict, List

import flask_cors
from flask import Flask

import wsgi_cors.flask as adapter

ROUNDS = 15
CALLS = 2000
OPTIONS: Dict[str, Any] = {
    "origins": ["https://a.example", "https://b.example", "https://c.example"],
    "supports_credentials": True,
}
ENVIRON = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": "/",
    "SERVER_NAME": "bench",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.url_scheme": "http",
    "HTTP_ORIGIN": "https://c.example",
}


def make_app() -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/", "index", lambda: "ok")
    return app


def one_request(app: Flask) -> Callable[[], None]:
    def run() -> None:
        body = app.wsgi_app(dict(ENVIRON), lambda status, headers, exc_info=None: None)
        for _ in body:
            pass
        body.close()  # type: ignore[attr-defined]

    return run


def main() -> None:
    bare, ours, theirs = make_app(), make_app(), make_app()
    adapter.CORS(ours, **OPTIONS)
    flask_cors.CORS(theirs, **OPTIONS)
    stacks = {"bare Flask": bare, "wsgi_cors.flask": ours, "Flask-CORS": theirs}
    times: Dict[str, List[float]] = {name: [] for name in stacks}
    for _ in range(ROUNDS):
        for name, app in stacks.items():
            times[name].append(timeit.timeit(one_request(app), number=CALLS) / CALLS * 1e6)
    bare_times = times["bare Flask"]
    overhead = {
        name: statistics.median(t - b for t, b in zip(times[name], bare_times))
        for name in ("wsgi_cors.flask", "Flask-CORS")
    }
    for name, values in times.items():
        print(f"{name:16} {statistics.median(values):7.2f} us/request (median of {ROUNDS})")
    for name, value in overhead.items():
        print(f"{name:16} overhead {value:6.2f} us")
    print(
        f"Flask-CORS overhead / wsgi_cors.flask overhead = "
        f"{overhead['Flask-CORS'] / overhead['wsgi_cors.flask']:.1f}x"
    )


if __name__ == "__main__":
    main()
