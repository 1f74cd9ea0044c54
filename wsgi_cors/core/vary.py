"""Adding CORS headers to an app's header list: ``Vary`` merged, the app's list untouched.

One implementation serves ``str`` headers (WSGI) and ``bytes`` headers (ASGI):
:data:`STR_FORMS` and :data:`BYTES_FORMS` give the lower-case names and the
separators in each form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import AnyStr, Generic, List, Sequence, Set, Tuple


@dataclass(frozen=True)
class HeaderForms(Generic[AnyStr]):
    """The header names and separators the merge needs, in one string type."""

    vary: AnyStr  # lower case
    allow_origin: AnyStr  # lower case
    comma: AnyStr
    joiner: AnyStr
    star: AnyStr


STR_FORMS: HeaderForms[str] = HeaderForms("vary", "access-control-allow-origin", ",", ", ", "*")
BYTES_FORMS: HeaderForms[bytes] = HeaderForms(
    b"vary", b"access-control-allow-origin", b",", b", ", b"*"
)


def add_cors_headers(
    app_headers: List[Tuple[AnyStr, AnyStr]],
    added: Sequence[Tuple[AnyStr, AnyStr]],
    forms: HeaderForms[AnyStr],
) -> List[Tuple[AnyStr, AnyStr]]:
    """A new header list: ``app_headers`` plus ``added`` (CORS headers, then maybe one ``Vary``).

    If the app set ``Access-Control-Allow-Origin``, its CORS headers win and only
    our ``Vary`` tokens are merged, so the response keeps exactly one. Tokens
    missing from the app's ``Vary`` (compared case-insensitively over all its
    ``Vary`` lines) are appended to its first one; ``Vary: *`` is left alone.
    """
    if not added:
        return app_headers
    vary = forms.vary
    ours = [value for name, value in added if name.lower() == vary]
    cors = [header for header in added if header[0].lower() != vary]
    vary_index = -1
    present: Set[AnyStr] = set()
    app_sets_origin = False
    for index, (name, value) in enumerate(app_headers):
        lowered = name.lower()
        if lowered == vary:
            if vary_index < 0:
                vary_index = index
            present.update(token.strip().lower() for token in value.split(forms.comma))
        elif lowered == forms.allow_origin:
            app_sets_origin = True
    result = list(app_headers)
    if not app_sets_origin:
        result.extend(cors)
    if not ours:
        return result
    if vary_index < 0:
        result.append(next(header for header in added if header[0].lower() == vary))
        return result
    if forms.star in present:
        return result
    missing = [token for token in ours[0].split(forms.joiner) if token.lower() not in present]
    if missing:
        name, value = result[vary_index]
        joined = forms.joiner.join(missing)
        result[vary_index] = (name, value + forms.joiner + joined if value.strip() else joined)
    return result
