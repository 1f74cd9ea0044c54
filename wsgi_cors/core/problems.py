"""Configuration problems as data, and the one exception that carries them.

A :class:`Problem` says *where* (``path``: the option, then keys and list
indexes inside it, as in ``("resources", "/api/*", "origins", 2)``), *what*
(a stable ``code`` from :data:`CODES` and a ``message``) and *how to fix it*
(a ``hint``). The engine never formats a path: each front end renders it in
its user's own words (a keyword argument, an ini key, a ``CORS_*`` config key)
by giving :class:`ConfigError` a ``describe_path`` function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, List, Mapping, Optional, Pattern, Tuple, Union

#: One step of a problem's path: an option name, a resource's pattern, a list index.
PathStep = Union[str, int, Pattern[str]]
OptionPath = Tuple[PathStep, ...]

#: Every problem code, with what it means. Codes are stable: match on them, not on messages.
CODES: Mapping[str, str] = {
    # Names and types.
    "unknown-option": "An option name that does not exist (the hint suggests the closest one).",
    "wrong-type": "A value of a type the option does not take.",
    "not-a-boolean": "A flag given as something other than True or False (such as the string "
    "'false').",
    "config-and-options": "Both a CORSConfig and separate options were given.",
    # origins
    "origins-empty": "origins allows nothing.",
    "origin-star-with-others": "'*' listed together with other origins.",
    "origin-invalid": "An origin string that is empty, has white space, control characters or "
    "a comma, an invalid scheme, host or user information, or 'null' in the wrong case.",
    "origin-no-scheme": "An origin without 'scheme://'.",
    "origin-has-path": "An origin with a path, a query, a fragment or a trailing slash.",
    "origin-bad-port": "An origin with an invalid port or a port with leading zeros.",
    "origin-non-ascii-host": "An origin with a non-ASCII host (browsers send punycode).",
    "origin-looks-like-regex": "An origin string with regular-expression characters (strings "
    "match literally).",
    "origin-bad-wildcard": "A '*' anywhere but a leading '*.' label or a ':*' port, or a "
    "wildcard over a whole top-level domain or IP range.",
    "bytes-pattern": "A compiled bytes pattern where a str pattern is needed.",
    # Cross-option rules.
    "credentials-with-any-origin": "origins='*' together with supports_credentials=True.",
    "null-with-credentials": "'null' in origins together with supports_credentials=True, "
    "without allow_null_with_credentials=True.",
    "expose-star-with-credentials": "expose_headers='*' together with supports_credentials=True.",
    # methods and header names
    "methods-empty": "methods allows nothing.",
    "method-invalid": "A method that is not an HTTP token.",
    "method-forbidden": "CONNECT, TRACE or TRACK, which must never be allowed cross-origin.",
    "header-invalid": "A header name that is not an HTTP token.",
    "star-in-list": "'*' as one entry of a list instead of the whole value.",
    # Numbers.
    "max-age-invalid": "max_age negative or not whole seconds.",
    "status-not-2xx": "preflight_status outside 200-299 (browsers fail other preflights).",
    # resources
    "resources-invalid": "resources not None and not a non-empty mapping of patterns to option "
    "overrides, or a resource's overrides not a mapping.",
    "resources-nested": "resources inside a resource's overrides.",
    "path-pattern-invalid": "A path pattern that does not start with '/', is not text, or "
    "covers every path twice.",
    "path-pattern-looks-like-regex": "A path pattern string with '*' or regular-expression "
    "characters other than a trailing '/*'.",
    "regex-invalid": "A regular expression (an ini regex: entry, a Flask-CORS pattern string) "
    "that does not compile.",
    # Text front ends (ini files, settings).
    "value-missing": "A required setting is absent or empty.",
    "value-unparsable": "A setting's text that cannot be read as the option's type.",
    "resource-key-invalid": "A per-resource key that names no listed resource, or that cannot "
    "tell which resource it names.",
    "setting-removed": "A setting the library being replaced no longer supports (the hint says "
    "what replaced it).",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration.

    ``path`` says where (the option, then the keys and list indexes inside it,
    as in ``("resources", "/api/*", "origins", 2)``); ``code`` says what (a key
    of :data:`CODES`: match on it, never on the text); ``message`` and ``hint``
    say what is wrong and how to fix it.

    ``suggestion`` is the replacement a front end may word in its own terms:
    the closest option name for ``unknown-option``, the pattern to compile for
    ``origin-looks-like-regex`` and ``path-pattern-looks-like-regex``.
    """

    path: OptionPath
    code: str
    message: str
    hint: str = ""
    suggestion: Optional[str] = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}")

    def at(self, *prefix: PathStep) -> Problem:
        """This problem, found inside the option at ``prefix``."""
        return Problem((*prefix, *self.path), self.code, self.message, self.hint, self.suggestion)

    def __str__(self) -> str:
        return describe(self, keyword_path)


def keyword_path(path: OptionPath) -> str:
    """A path in Python's words: ``resources['/api/*']['origins'][2]``."""
    if not path:
        return "options"
    first, *rest = path
    return str(first) + "".join(f"[{python_literal(step)}]" for step in rest)


def python_literal(step: PathStep) -> str:
    """How a path step is written in Python source."""
    if isinstance(step, re.Pattern):
        return f"re.compile({raw_string(step.pattern)})"
    return repr(step)


def raw_string(text: str) -> str:
    """``text`` as a Python raw string literal that evaluates to exactly ``text``.

    Falls back to a plain ``repr`` when no raw literal can express it (a
    trailing backslash, or both quote characters).
    """
    if text.endswith("\\"):
        return repr(text)
    for quote in ("'", '"'):
        if quote not in text and "\n" not in text and "\r" not in text:
            return f"r{quote}{text}{quote}"
    return repr(text)


def describe(
    problem: Problem,
    describe_path: Callable[[OptionPath], str],
    hint: Optional[str] = None,
    message: Optional[str] = None,
) -> str:
    """One line: the path in the caller's words, the message, the hint.

    ``message`` and ``hint``, when given, replace the problem's own: a front end whose options
    have other names words the problems that name options itself, chosen by code.
    """
    chosen = problem.hint if hint is None else hint
    text = f"{describe_path(problem.path)}: {problem.message if message is None else message}"
    return f"{text}; {chosen}" if chosen else text


class ConfigError(ValueError):
    """A CORS configuration is invalid.

    Raised once, at construction, listing every problem found. ``problems`` is
    a tuple of :class:`Problem` values (match on ``problem.code``);
    ``lines`` holds them as they were shown, each starting with the option in
    the words of the front end that was used. It is a :class:`ValueError`::

        try:
            CORSMiddleware(app, origins=["https://app.example.com/"], supports_credentials="yes")
        except ConfigError as error:
            print([(p.path, p.code) for p in error.problems])
            # [(('origins', 0), 'origin-has-path'), (('supports_credentials',), 'not-a-boolean')]

    The codes and their meanings are :data:`CODES` (and ``docs/options.md``).
    """

    def __init__(
        self,
        problems: Iterable[Problem],
        *,
        describe_path: Callable[[OptionPath], str] = keyword_path,
        word_hint: Optional[Callable[[Problem], Optional[str]]] = None,
        word_message: Optional[Callable[[Problem], Optional[str]]] = None,
    ) -> None:
        self.problems: Tuple[Problem, ...] = tuple(problems)
        self.lines: Tuple[str, ...] = tuple(
            describe(
                problem,
                describe_path,
                word_hint(problem) if word_hint else None,
                word_message(problem) if word_message else None,
            )
            for problem in self.problems
        )
        count = len(self.lines)
        heading = (
            "invalid CORS configuration"
            if count == 1
            else f"invalid CORS configuration ({count} problems)"
        )
        super().__init__(heading + ":\n" + "\n".join(f"  - {line}" for line in self.lines))

    def reworded(
        self,
        describe_path: Callable[[OptionPath], str],
        word_hint: Optional[Callable[[Problem], Optional[str]]] = None,
        word_message: Optional[Callable[[Problem], Optional[str]]] = None,
    ) -> ConfigError:
        """The same problems, shown in another front end's words."""
        return ConfigError(
            self.problems,
            describe_path=describe_path,
            word_hint=word_hint,
            word_message=word_message,
        )


def raise_if_any(problems: List[Problem]) -> None:
    """Raise one :class:`ConfigError` listing ``problems``, if there are any."""
    if problems:
        raise ConfigError(problems)
