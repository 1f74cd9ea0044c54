"""Header codecs: how a shell wants headers and statuses rendered.

A policy renders every constant header once, at construction, through the
codec its shell chose, so no request ever encodes a constant: WSGI wants
``(str, str)`` pairs and ``"204 No Content"``; ASGI wants lower-case
``(bytes, bytes)`` pairs and ``204``.
"""

from __future__ import annotations

import http
from typing import Generic, Tuple, TypeVar, Union

HeaderT = TypeVar("HeaderT")
StatusT = TypeVar("StatusT")

StrHeader = Tuple[str, str]
BytesHeader = Tuple[bytes, bytes]
#: A request header value as a shell reads it: ``str`` in a WSGI environ (the server decoded
#: it as latin-1), ``bytes`` in an ASGI scope. A policy decodes ``bytes`` only when it has to
#: decide, so a remembered decision costs an ASGI request no decoding.
RequestText = Union[str, bytes]


class HeaderCodec(Generic[HeaderT, StatusT]):
    """Renders a header and a status in one shell's form."""

    def header(self, name: str, value: str) -> HeaderT:
        """The header ``name: value``; request-derived values are validated before this."""
        raise NotImplementedError

    def status(self, code: int) -> StatusT:
        """The status ``code``."""
        raise NotImplementedError

    def request_text(self, value: str) -> RequestText:
        """``value`` in the form this shell reads request header values in."""
        return value


class WSGICodec(HeaderCodec[StrHeader, str]):
    """PEP 3333: ``(str, str)`` headers in their usual case, ``"204 No Content"`` statuses."""

    def header(self, name: str, value: str) -> StrHeader:
        return (name, value)

    def status(self, code: int) -> str:
        try:
            return f"{code} {http.HTTPStatus(code).phrase}"
        except ValueError:  # a 2xx code without a registered name: any 2xx is ok for browsers
            return f"{code} Success"


class ASGICodec(HeaderCodec[BytesHeader, int]):
    """ASGI: lower-case ``(bytes, bytes)`` headers (latin-1), ``int`` statuses."""

    def header(self, name: str, value: str) -> BytesHeader:
        return (name.lower().encode("latin-1"), value.encode("latin-1"))

    def status(self, code: int) -> int:
        return code

    def request_text(self, value: str) -> RequestText:
        return value.encode("latin-1")


WSGI_CODEC = WSGICodec()
ASGI_CODEC = ASGICodec()
