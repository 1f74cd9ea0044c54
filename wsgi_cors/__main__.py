"""``python -m wsgi_cors``: the command-line interface (see :mod:`wsgi_cors.cli`)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main(prog="python -m wsgi_cors"))
