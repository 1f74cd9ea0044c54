"""Fuzz target: configured origin entries and request origins.

Run: ``python fuzz/fuzz_origins.py fuzz/corpus/origins -max_total_time=600`` (see README.md).

Input: lines of text. The lines before a line ``---`` are configured ``origins`` entries
(UTF-8, escapes ``\\n \\r \\0 \\xHH \\uHHHH``); the lines after it are request ``Origin``
values (latin-1, as WSGI servers decode headers, same escapes). Without ``---`` every line is
both. A configured line starting with ``@`` is a directive (see ``_DIRECTIVES``): a fixed
compiled regex, a predicate, a non-string entry, or the shape of the ``origins`` value.

Every configured string goes through ``canonicalize_origin``; the whole list through
``normalize_origins`` (which records problems, it never raises); every request origin
through ``OriginMatcher.allows``. Checked on every input:

* nothing raises (``canonicalize_origin`` and ``normalize_origins`` report problems as
  values; a predicate's exception counts as "no");
* ``canonicalize_origin`` returns ``(str, None | Problem)``; an accepted entry is in
  canonical form (a serialised origin, ``null``, or a wildcard in the documented forms) and
  canonicalising it again gives the same result;
* every accepted exact entry is allowed;
* ``allows`` returns a ``bool``, the same on a second call;
* an origin allowed other than by an exact entry fullmatches the serialised-origin grammar,
  is at most 2048 characters, and holds no CR, LF or NUL;
* ``allows`` agrees with a reference implementation written from the docs.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

import atheris
import fuzz_common as common

atheris.enabled_hooks.add("str")
with atheris.instrument_imports(include=["wsgi_cors"]):
    from wsgi_cors.core.origins import OriginMatcher, canonicalize_origin, normalize_origins
    from wsgi_cors.core.problems import Problem

# A raising predicate is logged with a traceback by design; keep the fuzzer's output readable.
logging.getLogger("wsgi_cors").disabled = True

Predicate = Callable[[str], Any]


def _raising(origin: str) -> bool:
    raise RuntimeError("predicate failure")


_PREDICATES: Dict[str, Predicate] = {
    "@pred:true": lambda origin: True,
    "@pred:raise": _raising,
    "@pred:truthy": lambda origin: "yes",  # truthy, not a bool: allows must still give a bool
    "@pred:none": lambda origin: None,
    "@pred:suffix": lambda origin: origin.endswith(".example.com"),
}

_REGEXES: Dict[str, re.Pattern[Any]] = {
    "@re:sub": re.compile(r"https://[a-z0-9-]+\.example\.com"),
    "@re:any": re.compile(r".*", re.DOTALL),  # allows only what passes the grammar gate
    "@re:dollar": re.compile(r"https://app\.example\.com$"),  # '$' before a trailing LF
    "@re:icase": re.compile(r"https://APP\.example\.com", re.IGNORECASE),
    "@re:port": re.compile(r"http://localhost:\d+"),
    "@re:bytes": re.compile(rb"https://app\.example\.com"),  # a problem: bytes pattern
}

_OTHER_ENTRIES: Dict[str, object] = {"@int": 42, "@none": None, "@bytes": b"https://a.b"}
_SHAPES = ("@single", "@tuple", "@set", "@frozenset", "@notalist", "@empty")


class Config:
    """The decoded configuration: entries, the value passed as ``origins``, strings in it."""

    def __init__(self, lines: List[str]) -> None:
        self.strings: List[str] = []
        self.entries: List[object] = []
        shape = "@list"
        for line in lines:
            if line in _SHAPES:
                shape = line
            elif line in _PREDICATES:
                self.entries.append(_PREDICATES[line])
            elif line in _REGEXES:
                self.entries.append(_REGEXES[line])
            elif line in _OTHER_ENTRIES:
                self.entries.append(_OTHER_ENTRIES[line])
            else:
                self.strings.append(line)
                self.entries.append(line)
        self.value: object
        if shape == "@single" and self.entries:
            self.value = self.entries[0]
        elif shape == "@tuple":
            self.value = tuple(self.entries)
        elif shape in ("@set", "@frozenset"):
            hashable = [entry for entry in self.entries if not isinstance(entry, bytes)]
            self.value = set(hashable) if shape == "@set" else frozenset(hashable)
        elif shape == "@notalist":
            self.value = {"origins": self.entries}
        elif shape == "@empty":
            self.value = []
        else:
            self.value = list(self.entries)


def split_input(data: bytes) -> Tuple[List[str], List[str]]:
    """The configured lines and the request origins of an input."""
    marker = data.find(b"\n---\n")
    if data.startswith(b"---\n"):
        return [], common.request_lines(data[4:])
    if marker < 0:
        return common.config_lines(data), common.request_lines(data)
    return common.config_lines(data[:marker]), common.request_lines(data[marker + 5 :])


def check_canonical(entry: str) -> None:
    canonical, problem = canonicalize_origin(entry)
    assert type(canonical) is str, canonical
    is_pattern = canonical.endswith(":*") or "://*." in canonical
    if problem is not None:
        assert type(problem) is Problem, problem
        assert problem.message, entry
        assert canonical == "", (entry, canonical)
        return
    if entry == "null":
        assert (canonical, is_pattern) == ("null", False), canonical
        return
    if is_pattern:
        assert common.CANONICAL_PATTERN.fullmatch(canonical), (entry, canonical)
    else:
        assert common.SERIALIZED_ORIGIN.fullmatch(canonical), (entry, canonical)
    again = canonicalize_origin(canonical)
    assert again == (canonical, None), (entry, canonical, again)


def _port_matches(wanted: Optional[str], port: Optional[str]) -> bool:
    return wanted == "*" or wanted == port


def reference_wildcard(
    patterns: frozenset[str], scheme: str, host: str, port: Optional[str]
) -> bool:
    """The docs' wildcard semantics, written without the library's label-walk."""
    for pattern in patterns:
        parts = common.CANONICAL_PATTERN.fullmatch(pattern)
        assert parts is not None, pattern
        if parts["scheme"] != scheme:
            continue
        if parts["host"] is not None:  # scheme://host:* -- that host, any port or none
            if parts["host"] == host:
                return True
            continue
        suffix = parts["suffix"]
        below = host.endswith("." + suffix) and len(host) > len(suffix) + 1
        if below and _port_matches(parts["port"], port):
            return True
    return False


#: What a reflecting '*' echoes, written independently of the library: visible ASCII, no comma.
REFLECTABLE = re.compile(r"[!-+\--~]+")


def reference_allows(matcher: OriginMatcher, origin: str) -> bool:
    if origin in matcher.exact:
        return True
    dynamic = matcher.any_origin or matcher.patterns or matcher.regexes or matcher.predicates
    if not dynamic or len(origin) > common.MAX_ORIGIN_LENGTH:
        return False
    if matcher.any_origin:  # a reflecting '*': any visible-ASCII value without a comma
        return origin not in ("null", "*") and REFLECTABLE.fullmatch(origin) is not None
    parsed = common.SERIALIZED_ORIGIN.fullmatch(origin)
    if parsed is None:
        return False
    if reference_wildcard(matcher.patterns, parsed["scheme"], parsed["host"], parsed["port"]):
        return True
    if any(regex.fullmatch(origin) for regex in matcher.regexes):
        return True
    for predicate in matcher.predicates:
        try:
            if predicate(origin):
                return True
        except Exception:
            pass
    return False


def check(data: bytes) -> None:
    config_lines, origins = split_input(data)
    config = Config(config_lines)
    for entry in config.strings:
        check_canonical(entry)

    normalized, problems = normalize_origins(config.value)
    matcher = OriginMatcher.from_entries(normalized)
    assert all(type(problem) is Problem for problem in problems)
    for exact in matcher.exact:
        assert matcher.allows(exact) is True, exact
        assert exact == "null" or common.SERIALIZED_ORIGIN.fullmatch(exact), exact
    for pattern in matcher.patterns:
        assert common.CANONICAL_PATTERN.fullmatch(pattern), pattern

    # Request origins, plus the configured strings themselves and some near misses.
    candidates = list(origins)
    for entry in config.strings[:8]:
        candidates += [entry, entry + "\n", entry + "/", entry.upper(), "x." + entry]
    for origin in candidates:
        allowed = matcher.allows(origin)
        assert type(allowed) is bool, (origin, allowed)
        assert matcher.allows(origin) is allowed, origin  # deterministic
        if allowed and origin not in matcher.exact:
            assert len(origin) <= common.MAX_ORIGIN_LENGTH, len(origin)
            assert not common.has_header_breaker(origin), origin
            assert matcher.any_origin or common.SERIALIZED_ORIGIN.fullmatch(origin), origin
        expected = reference_allows(matcher, origin)
        assert allowed is expected, (origin, allowed, expected, sorted(matcher.patterns))


if __name__ == "__main__":
    common.fuzz(check)
