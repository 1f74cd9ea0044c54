"""Path patterns of ``resources``: what kind each is, and the problems of a bad one."""

from __future__ import annotations

import re
from typing import Optional, Tuple

from .problems import Problem, raw_string

#: A path pattern's kind: covers every path, a prefix and what is below it, one exact path,
#: or a compiled pattern that is full-matched.
CATCH_ALL, PREFIX, EXACT, REGEX = "catch-all", "prefix", "exact", "regex"

_GLOB_OR_REGEX = frozenset("*\\^$()[]?+|{}")


def classify_path_pattern(pattern: object) -> Tuple[str, str, Optional[Problem]]:
    """Classify one ``resources`` key.

    Returns ``(kind, key, problem)``: ``key`` is the text a request path is
    compared with (the path itself for an exact pattern, the stem ``/api/``
    for ``/api/*``, empty otherwise), and ``problem`` (with an empty path)
    says how to fix a bad pattern.
    """
    if isinstance(pattern, re.Pattern):
        if isinstance(pattern.pattern, str):
            return REGEX, "", None
        return "", "", Problem((), "bytes-pattern", "is a bytes pattern", "compile a str pattern")
    if not isinstance(pattern, str):
        return (
            "",
            "",
            Problem(
                (),
                "wrong-type",
                f"a path pattern must be a string or a compiled re.Pattern, not "
                f"{type(pattern).__name__}",
            ),
        )
    if pattern in ("*", "/*"):
        return CATCH_ALL, "", None
    if not pattern.startswith("/"):
        return (
            "",
            "",
            Problem(
                (),
                "path-pattern-invalid",
                "a path pattern must start with '/'",
                f"write '/{pattern}'",
            ),
        )
    stem = pattern[:-1] if pattern.endswith("/*") else pattern
    if _GLOB_OR_REGEX.intersection(stem):
        return (
            "",
            "",
            Problem(
                (),
                "path-pattern-looks-like-regex",
                "only a trailing '/*' is a wildcard ('/api/*' covers /api/ and below)",
                f"for anything else use re.compile({raw_string(pattern)}), which is full-matched",
                suggestion=pattern,
            ),
        )
    try:
        stem.encode("utf-8")
    except UnicodeEncodeError:
        return (
            "",
            "",
            Problem(
                (),
                "path-pattern-invalid",
                f"{pattern!r} is not valid text (it holds a lone surrogate, as from undecodable "
                "bytes)",
                "write the path as text",
            ),
        )
    return (PREFIX if pattern.endswith("/*") else EXACT), stem, None
