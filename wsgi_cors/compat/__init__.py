"""Option translations for the drop-ins, with no framework import: each maps another
library's option names, defaults and value conventions onto :class:`~wsgi_cors.CORSConfig`."""

from __future__ import annotations

import re
from typing import Any

from ..core.http import is_token


def reflected_name(entry: Any) -> Any:
    """A header name as a pattern that matches only itself, in any case; anything else as it is.

    Flask-CORS and Quart-CORS answer a preflight with the requested header names that are
    allowed, not with their configured list; the core reflects the requested names its
    patterns allow, so each allowed name becomes such a pattern. A value that is not a
    header name is returned unchanged, for the core to report.
    """
    if isinstance(entry, str) and is_token(entry.strip()):
        return re.compile(re.escape(entry.strip()), re.IGNORECASE)
    return entry
