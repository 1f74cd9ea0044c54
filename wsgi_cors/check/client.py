"""One HTTP exchange with the standard library's ``http.client``: bounded, no redirects followed."""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple
from urllib.parse import quote, urlsplit

from .._version import __version__
from ..core.codec import StrHeader as Header

USER_AGENT = f"wsgi-cors-check/{__version__}"
#: Most of a response body that is read (the rest is discarded unread).
MAX_BODY_BYTES = 64 * 1024
_HTTP_WHITESPACE = " \t"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_URL_SAFE = "/?=&%:@!$'()*+,;-._~"


class NetworkError(OSError):
    """The server could not be reached or did not answer with HTTP."""


@dataclass(frozen=True)
class Exchange:
    """A request that was sent and the response that came back."""

    method: str
    url: str
    request_headers: Tuple[Header, ...]
    status: int
    reason: str
    headers: Tuple[Header, ...]
    body: bytes

    def values(self, name: str) -> List[str]:
        """Every value of a response header (case-insensitive name), trimmed."""
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]

    def get(self, name: str) -> Optional[str]:
        """The standard's "get": every value joined with ", ", or None if absent."""
        values = self.values(name)
        return ", ".join(values) if values else None


def send(method: str, url: str, headers: Sequence[Header], timeout: float) -> Exchange:
    """Send one request and read its response; raise NetworkError on any failure."""
    parts = urlsplit(url)
    # Percent-encode what a browser would (spaces, non-ASCII); existing escapes stay.
    target = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), _URL_SAFE)
    connection_class = (
        http.client.HTTPSConnection
        if parts.scheme.lower() == "https"
        else http.client.HTTPConnection
    )
    sent: Tuple[Header, ...] = (("User-Agent", USER_AGENT), *headers)
    if method in _BODY_METHODS:  # what a browser sends for an empty body
        sent += (("Content-Length", "0"),)
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in sent:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read(MAX_BODY_BYTES) if method != "HEAD" else b""
        received = tuple(
            (name, value.strip(_HTTP_WHITESPACE)) for name, value in response.getheaders()
        )
        return Exchange(method, url, sent, response.status, response.reason, received, body)
    except socket.timeout:
        raise NetworkError(f"{url}: no answer within {timeout:g} s") from None
    except ssl.SSLError as error:
        raise NetworkError(f"{url}: TLS failed: {error}") from None
    except (OSError, http.client.HTTPException) as error:
        raise NetworkError(f"{url}: {_describe(error)}") from None
    finally:
        connection.close()


def _describe(error: BaseException) -> str:
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host name ({error.strerror})"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is the server running, on this host and port?)"
    if isinstance(error, http.client.HTTPException):
        return f"not a valid HTTP response ({type(error).__name__}: {error})"
    return str(error) or type(error).__name__
