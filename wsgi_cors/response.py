"""Building the response header list: CORS headers added, ``Vary`` merged, app list untouched."""

from __future__ import annotations

from typing import List, Sequence, Tuple

Header = Tuple[str, str]

#: Lower-case names of the app headers that need a merge rather than an append.
#: (``CORSMiddleware`` inlines the check below; keep the two in step.)
MERGED_NAMES = frozenset({"vary", "access-control-allow-origin"})
_NAME_LENGTHS = frozenset(len(name) for name in MERGED_NAMES)


def add_cors_headers(app_headers: List[Header], added: Sequence[Header]) -> List[Header]:
    """Return a new header list: ``app_headers`` plus ``added``.

    ``added`` is what a policy decided: CORS headers, then possibly one
    ``Vary`` header whose tokens must end up in the response's ``Vary``. The
    app's list is never mutated. In the common case (the app sets neither
    ``Vary`` nor ``Access-Control-Allow-Origin``) that is one concatenation;
    otherwise see :func:`_merge`.
    """
    if not added:
        return app_headers
    for name, _ in app_headers:
        if len(name) in _NAME_LENGTHS and name.lower() in MERGED_NAMES:
            return _merge(app_headers, added)
    return [*app_headers, *added]


def _merge(app_headers: List[Header], added: Sequence[Header]) -> List[Header]:
    """``app_headers`` with ``added`` merged in, when the app set ``Vary`` or ACAO itself.

    If the app set ``Access-Control-Allow-Origin``, its CORS headers win and
    only our ``Vary`` tokens are merged, so the response keeps exactly one.
    Tokens missing from the app's ``Vary`` (compared case-insensitively, over
    all ``Vary`` lines) are appended to its first line; ``Vary: *`` is left
    alone.
    """
    vary_tokens = [value for name, value in added if name == "Vary"]
    cors = [header for header in added if header[0] != "Vary"]
    vary_index = -1
    vary_values: List[str] = []
    app_sets_origin = False
    for index, (name, value) in enumerate(app_headers):
        lowered = name.lower()
        if lowered == "vary":
            if vary_index < 0:
                vary_index = index
            vary_values.append(value)
        elif lowered == "access-control-allow-origin":
            app_sets_origin = True
    result = list(app_headers)
    if not app_sets_origin:
        result.extend(cors)
    if not vary_tokens:
        return result
    if vary_index < 0:
        result.append(("Vary", vary_tokens[0]))
        return result
    present = {token.strip().lower() for value in vary_values for token in value.split(",")}
    if "*" in present:
        return result
    missing = [token for token in vary_tokens[0].split(", ") if token.lower() not in present]
    if missing:
        name, value = result[vary_index]
        joined = ", ".join(missing)
        result[vary_index] = (name, f"{value}, {joined}" if value.strip() else joined)
    return result
