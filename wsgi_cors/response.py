"""Building the response header list: CORS headers added, ``Vary`` merged, app list untouched."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

Header = Tuple[str, str]


def add_cors_headers(
    app_headers: List[Header], cors: Sequence[Header], vary: Optional[str]
) -> List[Header]:
    """Return a new header list: ``app_headers`` plus ``cors``, with ``vary`` merged into ``Vary``.

    The app's list is never mutated. If the app set ``Access-Control-Allow-Origin``
    itself, its CORS headers win and ``cors`` is not added, so the response keeps
    exactly one. ``vary`` holds comma-separated tokens; those missing from the
    app's ``Vary`` (compared case-insensitively, over all ``Vary`` lines) are
    appended to its first line, and ``Vary: *`` is left alone.
    """
    if not cors and vary is None:
        return app_headers
    vary_index = -1
    vary_values: List[str] = []
    app_sets_origin = False
    for index, (name, value) in enumerate(app_headers):
        size = len(name)
        if size == 4 and name.lower() == "vary":
            if vary_index < 0:
                vary_index = index
            vary_values.append(value)
        elif size == 27 and name.lower() == "access-control-allow-origin":
            app_sets_origin = True
    result = list(app_headers)
    if cors and not app_sets_origin:
        result.extend(cors)
    if vary is None:
        return result
    if vary_index < 0:
        result.append(("Vary", vary))
        return result
    present = {token.strip().lower() for value in vary_values for token in value.split(",")}
    if "*" in present:
        return result
    missing = [token for token in vary.split(", ") if token.lower() not in present]
    if missing:
        name, value = result[vary_index]
        joined = ", ".join(missing)
        result[vary_index] = (name, f"{value}, {joined}" if value.strip() else joined)
    return result
