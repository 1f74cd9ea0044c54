"""``wsgi-cors check``: tell a developer, as a browser would, why a cross-origin request fails.

It works against any server, in any language: it makes the requests a browser
would make for one ``fetch()``, verifies each response by the Fetch standard's
steps, and reports every step with the rule broken and a fix.
"""

from .client import NetworkError
from .report import CheckWarning, Report, Stage, Step, render_json, render_text, to_json
from .request import PageRequest, UsageError, build_page_request, parse_header_argument
from .runner import PROBE_ORIGIN, run_check

__all__ = [
    "PROBE_ORIGIN",
    "CheckWarning",
    "NetworkError",
    "PageRequest",
    "Report",
    "Stage",
    "Step",
    "UsageError",
    "build_page_request",
    "parse_header_argument",
    "render_json",
    "render_text",
    "run_check",
    "to_json",
]
