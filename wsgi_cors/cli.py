"""The ``wsgi-cors`` command (also ``python -m wsgi_cors``).

Each subcommand is one ``_add_<name>`` function that adds its parser and sets
``handler``, a function from the parsed arguments to an exit status. A new
subcommand (such as ``check``) is one more such function, registered in
:func:`build_parser`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Optional, Sequence

from ._version import __version__

#: A subcommand: parsed arguments in, exit status out.
Handler = Callable[[argparse.Namespace], int]


def build_parser(prog: Optional[str] = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog=prog or "wsgi-cors",
        description="Tools for wsgi_cors, the CORS middleware for WSGI applications.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subcommands = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", required=True
    )
    _add_demo(subcommands)
    return parser


def main(argv: Optional[Sequence[str]] = None, prog: Optional[str] = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    args = build_parser(prog).parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port


def _add_demo(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .demo import DEFAULT_API_PORT, DEFAULT_PAGE_PORT

    parser = subcommands.add_parser(
        "demo",
        help="serve a page and an API on 127.0.0.1 and try CORS requests in your browser",
        description=(
            "Serve an API wrapped in CORSMiddleware and a page on another origin, both on "
            "127.0.0.1, and print their URLs. Open the page and press its buttons to send real "
            "cross-origin requests: each shows what the browser allowed and what the API saw. "
            "Ctrl-C stops it."
        ),
    )
    parser.add_argument(
        "--api-port",
        type=_port,
        default=None,
        metavar="PORT",
        help=f"port of the API origin (default: {DEFAULT_API_PORT}, or a free port if it is "
        "taken; 0: any free port)",
    )
    parser.add_argument(
        "--page-port",
        type=_port,
        default=None,
        metavar="PORT",
        help=f"port of the page origin (default: {DEFAULT_PAGE_PORT}, or a free port if it is "
        "taken; 0: any free port)",
    )
    parser.set_defaults(handler=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import run

    return run(api_port=args.api_port, page_port=args.page_port, out=sys.stdout, err=sys.stderr)
