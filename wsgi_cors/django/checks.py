"""System checks for the CORS settings (``manage.py check``; tag ``security``).

Each mistake is reported with an id in the ``wsgi_cors`` namespace and a hint that names the
setting and the fix. ``CHECK_IDS`` (in :mod:`wsgi_cors.compat.django_cors_headers`, which the
documentation renders as a table) lists the ids by problem code, with the django-cors-headers
check each one replaces.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Sequence

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from ..compat.django_cors_headers import (
    CHECK_IDS,
    FILE_ORIGIN,
    FILE_ORIGIN_ID,
    PREFIX_REGEX_ID,
    DjangoSettings,
    read_settings,
    translate,
    unknown_setting_problems,
)
from ..core.problems import ConfigError, Problem

#: Any other problem code (none today).
OTHER_ID = "wsgi_cors.E099"


def check_settings(
    app_configs: Optional[Sequence[AppConfig]] = None, **kwargs: Any
) -> List[CheckMessage]:
    """Every mistake in the ``CORS_*`` settings, as system check messages."""
    read = read_settings(
        lambda name, default: getattr(settings, name, default), names=tuple(dir(settings))
    )
    messages: List[CheckMessage] = [
        Warning(f"{problem.path[0]}: {problem.message}", hint=problem.hint, id=check_id(problem))
        for problem in unknown_setting_problems(read)
    ]
    try:
        translate(read)
    except ConfigError as error:
        # Each line names the setting as written, says what is wrong, then how to fix it.
        messages += (
            Error(line, id=check_id(problem)) for problem, line in zip(error.problems, error.lines)
        )
    messages += _prefix_regex_warnings(read)
    origins = read.values["origins"]
    if isinstance(origins, (list, tuple)) and FILE_ORIGIN in origins:
        messages.append(
            Warning(
                f"{read.names['origins']}: {FILE_ORIGIN!r} is ignored: it is not an origin, and "
                "browsers send 'Origin: null' from local files",
                hint=f"remove {FILE_ORIGIN!r}; list 'null' if you mean local files (any page "
                "can send 'null' from a sandboxed iframe)",
                id=FILE_ORIGIN_ID,
            )
        )
    return messages


def check_id(problem: Problem) -> str:
    """The check id of ``problem`` (see :data:`CHECK_IDS`)."""
    return CHECK_IDS.get(problem.code, (OTHER_ID, ""))[0]


def _prefix_regex_warnings(read: DjangoSettings) -> List[CheckMessage]:
    regexes = read.values["regexes"]
    if isinstance(regexes, (str, bytes)):
        return []
    warnings: List[CheckMessage] = []
    for index, entry in enumerate(regexes if isinstance(regexes, (list, tuple)) else ()):
        pattern = entry.pattern if isinstance(entry, re.Pattern) else entry
        if isinstance(pattern, str) and not re.search(r"(\$|\\Z)\)*$", pattern):
            warnings.append(
                Warning(
                    f"{read.names['regexes']}[{index}] {pattern!r} is matched against the whole "
                    "origin, where django-cors-headers matched it from the start only (so it "
                    "also allowed longer origins, such as one ending in '.evil.net')",
                    hint="end the pattern with '$' to say so, or widen it if you relied on "
                    "prefix matching",
                    id=PREFIX_REGEX_ID,
                )
            )
    return warnings
