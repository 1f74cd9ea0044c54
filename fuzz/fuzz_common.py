"""Shared pieces of the atheris fuzz targets: input decoding, an independent origin grammar,
and the registry of known, reported bugs.

Nothing here imports ``wsgi_cors`` (the targets import it inside
``atheris.instrument_imports()``) or ``atheris`` (``tests/core/test_fuzz_smoke.py`` imports
this module to read the registry, with or without atheris installed).

Known bugs: an exception that matches an entry of :data:`KNOWN_BUGS` exactly (its type, its
message and the ``wsgi_cors`` function that raised it) is reported once on stderr and then
tolerated, so a long campaign goes on looking for new bugs and the checked-in ``crash-*``
seeds do not stop every run. ``WSGI_CORS_FUZZ_STRICT=1`` turns the tolerance off. When a
known bug is fixed, remove its entry here and its ``xfail`` in ``tests/core/test_fuzz_smoke.py``.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from pathlib import Path
from types import TracebackType
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple, Type

#: The ``wsgi_cors`` package directory, to find the library frame that raised.
PACKAGE_DIR = str(Path(__file__).resolve().parent.parent / "wsgi_cors")

#: Set to ``1`` to make known bugs crash like any other exception.
STRICT_ENV = "WSGI_CORS_FUZZ_STRICT"

# --- an independent copy of the serialised-origin grammar -----------------------------------
# Written here from the docs ("lower case, no path, no white space or control bytes"), not
# imported from wsgi_cors.core.origins, so that loosening the library's regex is caught.
_SCHEME = r"[a-z][a-z0-9+.\-]*"
_LABEL = r"[a-z0-9_](?:[a-z0-9_\-]*[a-z0-9_])?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*"
_IPV6 = r"\[[0-9a-f:.]+\]"
_PORT = r"[1-9][0-9]{0,4}"

#: A serialised origin as a browser sends it (the only kind a non-exact entry may allow).
SERIALIZED_ORIGIN = re.compile(
    rf"(?P<scheme>{_SCHEME})://(?P<host>{_DOMAIN}|{_IPV6})(?::(?P<port>{_PORT}))?"
)
#: A canonical wildcard entry: ``scheme://*.domain[:port|:*]`` or ``scheme://host:*``.
CANONICAL_PATTERN = re.compile(
    rf"(?P<scheme>{_SCHEME})://(?:\*\.(?P<suffix>{_DOMAIN})(?::(?P<port>{_PORT}|\*))?"
    rf"|(?P<host>{_DOMAIN}|{_IPV6}):\*)"
)
#: Longest origin a wildcard, regex or predicate is asked about (docs: 2048 characters).
MAX_ORIGIN_LENGTH = 2048
#: Bytes that must never reach a header line.
HEADER_BREAKERS = frozenset("\r\n\0")

_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|[nrt0\\])")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\"}


def unescape(text: str) -> str:
    r"""Decode ``\n``, ``\r``, ``\t``, ``\0``, ``\\``, ``\xHH`` and ``\uHHHH`` in a seed line.

    Seeds are line-based text; the escapes let a readable seed hold CR, LF, NUL and
    non-ASCII. Any other backslash is literal.
    """

    def replace(match: re.Match[str]) -> str:
        body = match.group()[1:]
        if body[0] in "xu":
            return chr(int(body[1:], 16))
        return _SIMPLE_ESCAPES[body]

    return _ESCAPE.sub(replace, text)


def config_lines(data: bytes) -> List[str]:
    """Lines of configuration text: UTF-8 (undecodable bytes kept as surrogates), unescaped."""
    return [unescape(line) for line in data.decode("utf-8", "surrogateescape").split("\n")]


def request_lines(data: bytes) -> List[str]:
    """Lines of request header values: bytes read as latin-1, as WSGI servers do, unescaped."""
    return [unescape(line) for line in data.decode("latin-1").split("\n")]


def as_wsgi_str(text: str) -> str:
    """``text`` as a WSGI server hands a header value over: its UTF-8 bytes read as latin-1."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


def has_header_breaker(text: str) -> bool:
    return not HEADER_BREAKERS.isdisjoint(text)


#: The ini section the PasteDeploy target reads.
INI_SECTION = "filter:cors"


def read_ini(text: str) -> Optional[Dict[str, str]]:
    """The keys and values of one ini section body, read as PasteDeploy reads a file.

    Keys keep their case and there is no interpolation. ``None`` if ``configparser``
    refuses the text: PasteDeploy would then fail before calling the filter.
    """
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(f"[{INI_SECTION}]\n" + text)
        return dict(parser.items(INI_SECTION))
    except (configparser.Error, ValueError):
        return None


# --- known bugs -----------------------------------------------------------------------------


class KnownBug(NamedTuple):
    """One reported bug, recognised by exception type, message and raising function.

    An entry without ``types`` is a violated invariant, not an exception: the target that
    checks it calls :func:`known_violation` instead of failing.
    """

    ident: str
    summary: str
    types: Tuple[Type[BaseException], ...]
    message: str  # a regular expression searched in str(exception)
    module: str  # base name of the raising file under wsgi_cors/ (e.g. origins.py in core/)
    functions: Tuple[str, ...]  # the innermost wsgi_cors frame must be one of these
    seed: str  # the checked-in crashing input, relative to fuzz/corpus/


#: No known bug today. KB1 to KB5 (found by these targets, fixed in 0.1.x) are kept as
#: ``regression-kb*`` seeds in the corpus and as tests in ``tests/core/test_fuzz_smoke.py``.
KNOWN_BUGS: Tuple[KnownBug, ...] = ()

_reported: Dict[str, int] = {}


def _innermost_library_frame(tb: Optional[TracebackType]) -> Optional[Tuple[str, str]]:
    found: Optional[Tuple[str, str]] = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.startswith(PACKAGE_DIR):
            found = (os.path.basename(code.co_filename), code.co_name)
        tb = tb.tb_next
    return found


def known_bug(exc: BaseException) -> Optional[KnownBug]:
    """The :class:`KnownBug` that ``exc`` is an occurrence of, if any."""
    frame = _innermost_library_frame(exc.__traceback__)
    if frame is None:
        return None
    for bug in KNOWN_BUGS:
        if (
            isinstance(exc, bug.types)
            and re.search(bug.message, str(exc))
            and frame[0] == bug.module
            and frame[1] in bug.functions
        ):
            return bug
    return None


def _report(bug: KnownBug, what: str) -> None:
    count = _reported.get(bug.ident, 0)
    _reported[bug.ident] = count + 1
    if count == 0:
        sys.stderr.write(
            f"wsgi_cors fuzz: known bug {bug.ident} reproduced ({what}); "
            f"tolerated, set {STRICT_ENV}=1 to crash on it\n"
        )
        sys.stderr.flush()


def tolerate(exc: BaseException) -> bool:
    """Whether ``exc`` is a known bug to step over (reported on stderr the first time)."""
    if os.environ.get(STRICT_ENV) == "1":
        return False
    bug = known_bug(exc)
    if bug is None:
        return False
    _report(bug, type(exc).__name__)
    return True


def known_violation(text: str) -> bool:
    """Whether a violated invariant, described by ``text``, is a known bug to step over."""
    if os.environ.get(STRICT_ENV) == "1":
        return False
    for bug in KNOWN_BUGS:
        if not bug.types and re.search(bug.message, text):
            _report(bug, "invariant")
            return True
    return False


def fuzz(check: Callable[[bytes], None]) -> None:
    """Run libFuzzer (atheris) on ``check``, with the command line's libFuzzer flags.

    An exception is a crash, unless it is a known bug being tolerated (:func:`tolerate`).
    """
    import atheris  # only the targets need it; the smoke tests import this module without it

    def test_one_input(data: bytes) -> None:
        try:
            check(data)
        except Exception as exc:
            if not tolerate(exc):
                raise

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
