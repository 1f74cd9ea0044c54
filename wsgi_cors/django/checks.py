"""System checks for the CORS settings (``manage.py check``; tag ``security``).

Each mistake is reported with an id in the ``wsgi_cors`` namespace and a hint that names the
setting and the fix. :data:`CHECK_IDS` lists the ids by problem code, with the
django-cors-headers check each one replaces (add those to ``SILENCED_SYSTEM_CHECKS`` no more).
"""

from __future__ import annotations

import re
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from ..compat.django_cors_headers import (
    FILE_ORIGIN,
    DjangoSettings,
    read_settings,
    translate,
    unknown_setting_problems,
)
from ..core.problems import ConfigError, Problem

#: Problem code -> (check id, the django-cors-headers ids it replaces, or "" for a new check).
CHECK_IDS: Mapping[str, Tuple[str, str]] = {
    "wrong-type": ("wsgi_cors.E001", "corsheaders.E001, E002, E006, E007, E008, E009"),
    "not-a-boolean": ("wsgi_cors.E002", "corsheaders.E003, E005, E015"),
    "max-age-invalid": ("wsgi_cors.E003", "corsheaders.E004"),
    "origin-no-scheme": ("wsgi_cors.E004", "corsheaders.E013"),
    "origin-has-path": ("wsgi_cors.E005", "corsheaders.E014"),
    "origin-invalid": ("wsgi_cors.E006", "corsheaders.E013"),
    "origin-bad-port": ("wsgi_cors.E007", ""),
    "origin-non-ascii-host": ("wsgi_cors.E008", ""),
    "origin-looks-like-regex": ("wsgi_cors.E009", ""),
    "origin-bad-wildcard": ("wsgi_cors.E010", ""),
    "origin-star-with-others": ("wsgi_cors.E011", "corsheaders.E013"),
    "credentials-with-any-origin": ("wsgi_cors.E012", ""),
    "null-with-credentials": ("wsgi_cors.E013", ""),
    "expose-star-with-credentials": ("wsgi_cors.E014", ""),
    "method-invalid": ("wsgi_cors.E015", ""),
    "method-forbidden": ("wsgi_cors.E016", ""),
    "header-invalid": ("wsgi_cors.E017", ""),
    "star-in-list": ("wsgi_cors.E018", ""),
    "regex-invalid": ("wsgi_cors.E019", ""),
    "bytes-pattern": ("wsgi_cors.E020", ""),
    "methods-empty": ("wsgi_cors.E021", ""),
    "setting-removed": ("wsgi_cors.E022", "corsheaders.E012, E013"),
    "origins-empty": ("wsgi_cors.E023", ""),
    "unknown-option": ("wsgi_cors.W001", ""),
}
#: A regular expression that django-cors-headers matched as a prefix, now matched in full.
PREFIX_REGEX_ID = "wsgi_cors.W002"
#: ``"file://"`` in the allowed origins: ignored.
FILE_ORIGIN_ID = "wsgi_cors.W003"
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
