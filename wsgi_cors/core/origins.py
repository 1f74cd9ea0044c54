"""Origin allow-lists: validating configured entries and matching request origins.

Configured entries are normalised once by :func:`normalize_origins` and
matched by an :class:`OriginMatcher`:

* exact origins (``"https://app.example.com"``) become one ``frozenset`` of
  canonical serialisations, so a request origin is found with one set lookup;
* safe wildcards (``"https://*.example.com"``, ``"http://localhost:*"``) become
  canonical keys in a second set, looked up once per label of the request host,
  so their cost does not grow with the number of entries;
* compiled ``re.Pattern`` objects are always used with ``fullmatch``;
* callables ``predicate(origin) -> bool`` decide dynamically;
* ``"null"`` is an exact entry that matches only when listed literally.

A request origin reaches a wildcard, a pattern or a predicate only after it
parses as a serialised origin, so nothing that could break a header line is
ever echoed.
"""

from __future__ import annotations

import logging
import re
from typing import Callable, Dict, FrozenSet, List, Optional, Pattern, Tuple, Union

from .http import DEFAULT_PORTS
from .problems import Problem, raw_string

logger = logging.getLogger("wsgi_cors")

OriginPredicate = Callable[[str], bool]
#: One normalised ``origins`` entry: a canonical origin or wildcard string, a pattern, a predicate.
OriginEntry = Union[str, Pattern[str], OriginPredicate]

#: Longest request ``Origin`` that a wildcard, pattern or predicate is asked about.
MAX_ORIGIN_LENGTH = 2048

_SCHEME = r"[a-z][a-z0-9+.\-]*"
_LABEL = r"[a-z0-9_](?:[a-z0-9_\-]*[a-z0-9_])?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*"
_IPV6 = r"\[[0-9a-f:.]+\]"
_PORT = r"[1-9][0-9]{0,4}"

#: A serialised origin as browsers send it: lower case, no path, no default port.
SERIALIZED_ORIGIN = re.compile(rf"({_SCHEME})://({_DOMAIN}|{_IPV6})(?::({_PORT}))?")

_REGEX_HINTS = frozenset("\\^$()[]?+|{}")
_IPV6_AUTHORITY = re.compile(r"(?<=://)\[[0-9A-Fa-f:.]+\](?=(?::[0-9*]+)?$)")
_WILDCARD_FORMS = (
    "the only wildcards are a leading '*.' label ('https://*.example.com') and "
    "a ':*' port ('http://localhost:*')"
)
_ONE_ORIGIN = "an origin is one 'scheme://host[:port]' string, and several origins go in a list"


class OriginMatcher:
    """Decides whether a request ``Origin`` is allowed. Immutable once built."""

    __slots__ = (
        "_needs_parse",
        "_suffix_lengths",
        "any_origin",
        "exact",
        "patterns",
        "predicates",
        "regexes",
    )

    def __init__(
        self,
        *,
        any_origin: bool,
        exact: FrozenSet[str],
        patterns: FrozenSet[str],
        regexes: Tuple[Pattern[str], ...],
        predicates: Tuple[OriginPredicate, ...],
    ) -> None:
        self.any_origin = any_origin
        self.exact = exact
        self.patterns = patterns
        self.regexes = regexes
        self.predicates = predicates
        self._needs_parse = bool(any_origin or patterns or regexes or predicates)
        #: Lengths of the ``.example.com`` parts of the ``*.`` patterns: the only host
        #: suffixes worth looking up, so the work is linear in the host, not quadratic.
        self._suffix_lengths = tuple(
            sorted({len(_wildcard_suffix(key)) for key in patterns if "://*." in key})
        )

    @classmethod
    def from_entries(cls, entries: Union[str, Tuple[OriginEntry, ...]]) -> OriginMatcher:
        """The matcher of a normalised ``origins`` value (see :func:`normalize_origins`)."""
        if entries == "*":
            return cls(
                any_origin=True, exact=frozenset(), patterns=frozenset(), regexes=(), predicates=()
            )
        exact: List[str] = []
        patterns: List[str] = []
        regexes: List[Pattern[str]] = []
        predicates: List[OriginPredicate] = []
        for entry in entries:
            if isinstance(entry, str):
                (patterns if _is_wildcard(entry) else exact).append(entry)
            elif isinstance(entry, re.Pattern):
                regexes.append(entry)
            else:
                predicates.append(entry)
        return cls(
            any_origin=False,
            exact=frozenset(exact),
            patterns=frozenset(patterns),
            regexes=tuple(regexes),
            predicates=tuple(predicates),
        )

    def allows(self, origin: str) -> bool:
        """Tell whether ``origin`` (the raw request header value) is allowed.

        With ``any_origin`` every origin that parses as a serialised origin is
        allowed (``null`` is not one). A policy that sends ``*`` never asks.
        """
        if origin in self.exact:
            return True
        if not self._needs_parse or len(origin) > MAX_ORIGIN_LENGTH:
            return False
        if self.any_origin:
            return is_reflectable(origin)
        parsed = SERIALIZED_ORIGIN.fullmatch(origin)
        if parsed is None:
            return False
        if self.patterns and self._matches_wildcard(*parsed.groups()):
            return True
        for regex in self.regexes:
            if regex.fullmatch(origin) is not None:
                return True
        for predicate in self.predicates:
            try:
                if predicate(origin):
                    return True
            except Exception:
                logger.exception(
                    "origins predicate %r raised for origin %r; treating it as not allowed",
                    predicate,
                    origin,
                )
        return False

    def _matches_wildcard(self, scheme: str, host: str, port: Optional[str]) -> bool:
        """Look the host up once per label boundary against the canonical wildcard keys."""
        patterns = self.patterns
        port_part = f":{port}" if port else ""
        base = scheme + "://"
        if base + host + ":*" in patterns:
            return True
        if host.startswith("["):
            return False
        size = len(host)
        for length in self._suffix_lengths:
            # A suffix that starts at a label boundary, with at least one label before it.
            if length < size and host[size - length] == "." and host[size - length - 1] != ".":
                stem = base + "*" + host[size - length :]
                if stem + port_part in patterns or stem + ":*" in patterns:
                    return True
        return False


#: A value safe to echo in a header line as it is: visible ASCII, no comma.
_REFLECTABLE = re.compile(r"[\x21-\x2b\x2d-\x7e]+")


def is_reflectable(origin: str) -> bool:
    """Whether ``origins="*"`` (reflecting) echoes this ``Origin`` value.

    Every site may read under ``"*"``, and no credentials go with it, so any value that is
    safe in a header line is echoed, as Flask-CORS does: browsers only ever send serialised
    origins, and other clients get their own value back. ``null`` is allowed only when
    listed, and a literal ``*`` is not an origin to echo.
    """
    return origin not in ("null", "*") and _REFLECTABLE.fullmatch(origin) is not None


def _is_wildcard(canonical: str) -> bool:
    return canonical.endswith(":*") or "://*." in canonical


def _wildcard_suffix(key: str) -> str:
    """``.example.com`` of the canonical wildcard key ``https://*.example.com[:port]``."""
    host = key.split("://", 1)[1][1:]
    return host.split(":", 1)[0]


def normalize_origins(value: object) -> Tuple[Union[str, Tuple[OriginEntry, ...]], List[Problem]]:
    """Validate the ``origins`` option: ``"*"``, or a tuple of canonical entries in order.

    Duplicates (after canonicalisation) are dropped. Problem paths are
    relative to the option: ``()`` for the whole value, ``(2,)`` for an entry.
    """
    problems: List[Problem] = []
    listed = isinstance(value, (list, tuple, set, frozenset))
    if isinstance(value, (str, re.Pattern)) or callable(value):
        entries: List[object] = [value]
    elif isinstance(value, (list, tuple)):
        entries = list(value)
    elif isinstance(value, (set, frozenset)):
        entries = sorted(value, key=repr)
    else:
        problems.append(
            Problem(
                (),
                "wrong-type",
                f"expected '*', an origin string, a compiled re.Pattern, a callable, or a list "
                f"of those; got {type(value).__name__}",
            )
        )
        return (), problems
    if not entries:
        problems.append(
            Problem(
                (),
                "origins-empty",
                "is empty, so no origin would be allowed",
                "list at least one origin",
            )
        )
    if "*" in entries:
        if len(entries) > 1:
            problems.append(
                Problem(
                    (),
                    "origin-star-with-others",
                    "'*' allows every origin, so the other entries mean nothing",
                    "pass either '*' alone or only the origins you trust",
                )
            )
        return "*", problems
    normalized: Dict[object, None] = {}
    for index, entry in enumerate(entries):
        at: Tuple[int, ...] = (index,) if listed else ()
        if isinstance(entry, re.Pattern):
            if isinstance(entry.pattern, str):
                normalized[entry] = None
            else:
                problems.append(
                    Problem(at, "bytes-pattern", f"pattern {entry!r} is a bytes pattern", _STR_RE)
                )
        elif isinstance(entry, str):
            canonical, problem = canonicalize_origin(entry)
            if problem is not None:
                problems.append(problem.at(*at))
            else:
                normalized[canonical] = None
        elif callable(entry):
            normalized[entry] = None
        else:
            problems.append(
                Problem(
                    at,
                    "wrong-type",
                    f"entry {entry!r} is a {type(entry).__name__}",
                    "use an origin string, a compiled re.Pattern or a callable",
                )
            )
    return tuple(normalized), problems  # type: ignore[arg-type]


_STR_RE = "compile a str pattern"


def canonicalize_origin(entry: str) -> Tuple[str, Optional[Problem]]:
    """Parse one configured origin string into its canonical form.

    Returns ``(canonical, problem)``: scheme and host in lower case and a
    default port dropped, or a :class:`Problem` (with an empty path) saying how
    to fix the entry.
    """
    shown = repr(entry)
    if entry == "null":
        return "null", None
    if entry.lower() == "null":
        return "", Problem(
            (), "origin-invalid", f"{shown} is not 'null'", "write 'null' in lower case"
        )
    if not entry:
        return "", Problem((), "origin-invalid", "an empty string is not an origin", "remove it")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in entry):
        return "", Problem(
            (),
            "origin-invalid",
            f"{shown} contains white space or a control character",
            _ONE_ORIGIN,
        )
    if "," in entry:
        return "", Problem((), "origin-invalid", f"{shown} contains a comma", _ONE_ORIGIN)
    if _REGEX_HINTS.intersection(_IPV6_AUTHORITY.sub("", entry)):
        return "", Problem(
            (),
            "origin-looks-like-regex",
            f"{shown} looks like a regular expression, but strings are matched literally",
            f"use re.compile({raw_string(entry)}) to match it as a pattern (it will be "
            "full-matched)",
            suggestion=entry,
        )
    scheme, sep, rest = entry.partition("://")
    if not sep:
        # A development server on this machine is almost always plain http.
        local = entry.lower().split(":", 1)[0] in ("localhost", "127.0.0.1", "[::1]")
        return "", Problem(
            (),
            "origin-no-scheme",
            f"{shown} has no scheme",
            f"browsers send the scheme, so write '{'http' if local else 'https'}://{entry}'",
        )
    scheme = scheme.lower()
    if re.fullmatch(_SCHEME, scheme) is None:
        return "", Problem((), "origin-invalid", f"{shown} has an invalid scheme {scheme!r}")
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    if cut >= 0:
        authority, tail = rest[:cut], rest[cut:]
        fixed = f"{scheme}://{authority}"
        if tail == "/":
            return "", Problem(
                (),
                "origin-has-path",
                f"{shown} ends with a slash; browsers never send one",
                f"write {fixed!r}",
            )
        return "", Problem(
            (),
            "origin-has-path",
            f"{shown} has a path, query or fragment ({tail!r}); an origin is only "
            "scheme://host[:port]",
            f"write {fixed!r}",
        )
    if "@" in rest:
        return "", Problem(
            (),
            "origin-invalid",
            f"{shown} contains user information ('@')",
            "write only scheme://host[:port]",
        )
    host, port = _split_host_port(rest)
    problem = _check_port(shown, port)
    if problem is not None:
        return "", problem
    if port is not None and DEFAULT_PORTS.get(scheme) == port:
        port = None
    if not host.isascii():
        try:
            suggestion = host.encode("idna").decode("ascii")
        except UnicodeError:
            suggestion = "its punycode (xn--) form"
        return "", Problem(
            (),
            "origin-non-ascii-host",
            f"{shown} has a non-ASCII host; browsers send the punycode form",
            f"write {scheme + '://' + suggestion!r} instead",
        )
    host = host.lower()
    if host.startswith("*."):
        suffix = host[2:]
        if "*" in suffix or re.fullmatch(_DOMAIN, suffix) is None:
            return "", Problem(
                (),
                "origin-bad-wildcard",
                f"{shown} is not a valid wildcard origin",
                _WILDCARD_FORMS,
            )
        if suffix.count(".") < 1 or suffix.rsplit(".", 1)[1].isdigit():
            return "", Problem(
                (),
                "origin-bad-wildcard",
                f"{shown} would cover a whole top-level domain or an IP range",
                "put the wildcard below a registered domain, as in 'https://*.example.com'",
            )
    elif "*" in host:
        return "", Problem(
            (),
            "origin-bad-wildcard",
            f"{shown} has a wildcard in an unsupported place",
            _WILDCARD_FORMS,
        )
    elif re.fullmatch(_DOMAIN, host) is None and re.fullmatch(_IPV6, host) is None:
        return "", Problem((), "origin-invalid", f"{shown} does not have a valid host name")
    return f"{scheme}://{host}" + (f":{port}" if port is not None else ""), None


def _split_host_port(authority: str) -> Tuple[str, Optional[str]]:
    if authority.startswith("["):
        end = authority.find("]")
        if end >= 0 and authority[end + 1 : end + 2] == ":":
            return authority[: end + 1], authority[end + 2 :]
        return authority, None
    host, sep, port = authority.rpartition(":")
    if not sep:
        return authority, None
    return host, port


def _check_port(shown: str, port: Optional[str]) -> Optional[Problem]:
    if port is None or port == "*":
        return None
    if not port.isdigit() or not port.isascii() or len(port) > 5 or not 0 < int(port) <= 65535:
        return Problem(
            (),
            "origin-bad-port",
            f"{shown} has an invalid port {port!r}",
            "use a number from 1 to 65535 or '*'",
        )
    if port != str(int(port)):
        return Problem(
            (),
            "origin-bad-port",
            f"{shown} has a port with leading zeros",
            f"write it as {str(int(port))!r}",
        )
    return None
