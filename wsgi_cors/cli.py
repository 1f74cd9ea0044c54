"""The ``wsgi-cors`` command (also ``python -m wsgi_cors``).

Each subcommand is one ``_add_<name>`` function that adds its parser and sets
``handler``, a function from the parsed arguments to an exit status. A new
subcommand is one more such function, registered in
:func:`build_parser`.
"""

from __future__ import annotations

import argparse
import json
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
    _add_check(subcommands)
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


def _add_check(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser(
        "check",
        help="send a cross-origin request to URL as a browser would and explain the verdict",
        description=(
            "Act as a browser on a page of ORIGIN calling fetch(URL): send the preflight if the "
            "request needs one, then the request, and check each response by the Fetch "
            "standard. Prints ALLOWED or BLOCKED, each step with PASS or FAIL, the rule a "
            "failure breaks and how to fix it, and warnings about risky policies. Works "
            "against any server. Exit status: 0 allowed, 1 blocked, 2 usage or network error."
        ),
    )
    parser.add_argument("url", metavar="URL", help="the http:// or https:// URL the page fetches")
    parser.add_argument(
        "--origin",
        required=True,
        help="the page's origin, such as https://app.example.com (or 'null')",
    )
    parser.add_argument("--method", default="GET", help="the request method (default: GET)")
    parser.add_argument(
        "--header",
        "-H",
        action="append",
        default=[],
        metavar="NAME[:VALUE]",
        help="a request header the page sets (repeatable), as 'Content-Type: application/json'",
    )
    parser.add_argument(
        "--credentials",
        action="store_true",
        help="the page uses credentials: 'include' (cookies, HTTP authentication)",
    )
    parser.add_argument(
        "--cookie",
        metavar="NAME=VALUE[; ...]",
        help="the cookies the browser has for URL, sent with --credentials on the request "
        "itself (never on the preflight), as a browser does",
    )
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.add_argument(
        "--timeout",
        type=_timeout,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for each response (default: 10)",
    )
    parser.add_argument(
        "--preflight-only",
        action="store_true",
        help="stop after the preflight: do not send the request itself (no side effects)",
    )
    parser.add_argument(
        "--no-probe",
        action="store_true",
        help="do not send the extra preflight or GET from a made-up origin and from 'null' that "
        "look for risky policies",
    )
    parser.set_defaults(handler=_run_check)


def _timeout(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 300:
        raise argparse.ArgumentTypeError(f"{text!r} is not a timeout in seconds (0 to 300)")
    return seconds


def _run_check(args: argparse.Namespace) -> int:
    from .check import (
        NetworkError,
        UsageError,
        build_page_request,
        parse_header_argument,
        render_json,
        render_text,
        run_check,
    )

    try:
        headers = [parse_header_argument(argument) for argument in args.header]
        request = build_page_request(args.url, args.origin, args.method, headers, args.credentials)
        if args.preflight_only and not request.needs_preflight:
            raise UsageError(
                "--preflight-only: this request needs no preflight, so there is nothing to check "
                "without sending it"
            )
        if args.cookie is not None and not args.credentials:
            raise UsageError("--cookie: browsers send cookies only with --credentials")
    except UsageError as error:
        return _check_failed(args, "error", str(error))
    try:
        report = run_check(
            request,
            timeout=args.timeout,
            probe=not args.no_probe,
            send_request=not args.preflight_only,
            cookie=args.cookie,
        )
    except NetworkError as error:
        return _check_failed(args, "network error", str(error))
    sys.stdout.write(render_json(report) if args.json else render_text(report))
    return 0 if report.allowed else 1


def _check_failed(args: argparse.Namespace, kind: str, message: str) -> int:
    """Report a usage or network error: one line on stderr, and a JSON object with ``--json``."""
    print(f"wsgi-cors check: {kind}: {message}", file=sys.stderr)
    if args.json:
        print(json.dumps({"verdict": None, "allowed": False, "error": f"{kind}: {message}"}))
    return 2
