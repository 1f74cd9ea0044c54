"""Fuzz target: the PasteDeploy / Pyramid option parser ``wsgi_cors.paste.parse_options``.

Run: ``python fuzz/fuzz_paste.py fuzz/corpus/paste -max_total_time=600`` (see README.md).

Input: the body of an ini section, read with ``configparser`` as PasteDeploy does (keys keep
their case, no interpolation). It is decoded as UTF-8 with undecodable bytes kept as lone
surrogates (``surrogateescape``), as Python decodes ``os.environ`` and file names: Pyramid
settings may come from there, and ``parse_options`` takes any mapping of strings. An input that
``configparser`` itself rejects is skipped: PasteDeploy would refuse that file before calling
the filter. Comment lines carry directives the ini parser ignores:

* ``#!prefix=cors.`` calls ``parse_options(conf, key_prefix="cors.")`` (Pyramid's settings);
* ``#!py KEY=NAME`` sets ``KEY`` to a Python value (``_PY_VALUES``) instead of a string, as
  Pyramid settings passed from code may.

Checked on every input:

* ``parse_options`` returns a dict or raises ``ConfigError``; nothing else escapes (the
  docs: "Every mistake is collected into one ConfigError");
* a ``ConfigError`` lists at least one problem, each a string that (when every value is an
  ini string) starts with an ini key of the input, with the prefix; its text holds them all;
* on success: only known option names, the same result on a second call, and
  ``filter_factory({}, **conf)(app)`` builds the middleware (no ``ConfigError`` then: the
  parser validated everything), which answers a preflight and a GET without an exception.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

import atheris
import fuzz_common as common

atheris.enabled_hooks.add("str")
with atheris.instrument_imports(include=["wsgi_cors"]):
    from wsgi_cors import ConfigError, CORSMiddleware
    from wsgi_cors.core.config import DEFAULTS
    from wsgi_cors.paste import filter_factory, parse_options

logging.getLogger("wsgi_cors").disabled = True

_PREFIX = re.compile(r"#!prefix=(\S*)")
_PY = re.compile(r"#!py\s+(\S+?)=(\S+)")

_PY_VALUES: Dict[str, Callable[[], Any]] = {
    "true": lambda: True,
    "false": lambda: False,
    "none": lambda: None,
    "int": lambda: 600,
    "zero": lambda: 0,
    "neg": lambda: -5,
    "big": lambda: 10**30,
    "float": lambda: 1.5,
    "list": lambda: ["https://a.example.com", "http://localhost:*"],
    "tuple": lambda: ("GET", "PUT"),
    "dict": lambda: {"/api/*": {"origins": "*"}},
    "pattern": lambda: re.compile(r"https://[a-z]+\.example\.com"),
    "bytes": lambda: b"https://a.example.com",
    "object": lambda: object(),
    "timedelta": lambda: timedelta(seconds=90),
    "star": lambda: "*",
    "predicate": lambda: lambda origin: True,
}


def _app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"app"]


def read_conf(text: str) -> Optional[Tuple[Dict[str, Any], str]]:
    """The section's keys and values, and the key prefix; None if configparser refuses it."""
    ini = common.read_ini(text)
    if ini is None:
        return None
    conf: Dict[str, Any] = dict(ini)
    prefix = ""
    for line in text.splitlines():
        match = _PREFIX.match(line)
        if match:
            prefix = match.group(1)
        match = _PY.match(line)
        if match and match.group(2) in _PY_VALUES:
            conf[match.group(1)] = _PY_VALUES[match.group(2)]()
    return conf, prefix


def check_error(error: ConfigError, conf: Mapping[str, Any], prefix: str) -> None:
    problems = error.lines
    assert type(error.problems) is tuple, error.problems
    assert len(problems) == len(error.problems), error
    assert problems, error
    labels = {prefix + key for key in conf} | {prefix + "origins", prefix + "resources"}
    # A Python value (a resources dict) is checked by the core, which names its own parts.
    from_ini = all(isinstance(value, str) for value in conf.values())
    text = str(error)
    for problem in problems:
        assert type(problem) is str, problem
        if from_ini and not any(problem.startswith(label + ": ") for label in labels):
            assert common.known_violation(problem), (problem, sorted(labels))
        assert problem in text, problem


def call(middleware: CORSMiddleware, environ: Dict[str, Any]) -> str:
    statuses: List[str] = []

    def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Any:
        statuses.append(status)
        for name, value in headers:
            assert not common.has_header_breaker(name + value), (name, value)
        return lambda data: None

    body = middleware(environ, start_response)
    b"".join(body)
    assert len(statuses) == 1, statuses
    return statuses[0]


def check_success(options: Dict[str, Any], conf: Dict[str, Any], prefix: str) -> None:
    assert set(options) <= set(DEFAULTS), sorted(options)
    again = parse_options(conf, key_prefix=prefix)
    assert set(again) == set(options), (sorted(again), sorted(options))
    for key, value in options.items():
        if not callable(value):  # functions from #!py values compare by identity
            assert again[key] == value, (key, again[key], value)
    middleware = filter_factory({}, **conf)(_app)
    assert isinstance(middleware, CORSMiddleware)
    # Short request values: a fuzzed regex: pattern is matched against them.
    base = {"PATH_INFO": "/a", "HTTP_ORIGIN": "http://a.bc", "wsgi.url_scheme": "http"}
    preflight = {
        **base,
        "REQUEST_METHOD": "OPTIONS",
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x",
    }
    status = call(middleware, preflight)
    assert status.startswith("2") or status == "403 Forbidden", status
    status = call(middleware, {**base, "REQUEST_METHOD": "GET"})
    assert status == "200 OK", status


def check(data: bytes) -> None:
    read = read_conf(data.decode("utf-8", "surrogateescape"))
    if read is None:
        return
    conf, prefix = read
    try:
        options = parse_options(conf, key_prefix=prefix)
    except ConfigError as error:
        check_error(error, conf, prefix)
        return
    check_success(options, conf, prefix)


if __name__ == "__main__":
    common.fuzz(check)
