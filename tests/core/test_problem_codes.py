"""Problems are data: a path into the options, a stable code, a message and a hint.

One row per code the engine can raise: the options that cause it, and the path and code
of the problem. The text is for people; programs (and these tests) match the code.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Dict, List, Tuple

import pytest

from wsgi_cors import CODES, ConfigError, CORSConfig, Problem
from wsgi_cors.core.problems import keyword_path, raw_string

PATTERN = re.compile(r"/files/\d+")

BY_CODE: List[Tuple[str, Dict[str, Any], Tuple[Any, ...]]] = [
    ("unknown-option", {"support_credentials": True}, ("support_credentials",)),
    ("wrong-type", {"origins": 42}, ("origins",)),
    ("wrong-type", {"origins": ["https://a.example", 42]}, ("origins", 1)),
    ("wrong-type", {"max_age": "600"}, ("max_age",)),
    ("not-a-boolean", {"supports_credentials": "false"}, ("supports_credentials",)),
    ("origins-empty", {"origins": []}, ("origins",)),
    ("origin-star-with-others", {"origins": ["*", "https://a.example"]}, ("origins",)),
    ("origin-invalid", {"origins": ["https://a.example", "NULL"]}, ("origins", 1)),
    ("origin-invalid", {"origins": "https://a.example https://b.example"}, ("origins",)),
    ("origin-no-scheme", {"origins": "a.example"}, ("origins",)),
    ("origin-has-path", {"origins": ["https://a.example/"]}, ("origins", 0)),
    ("origin-bad-port", {"origins": "https://a.example:0443"}, ("origins",)),
    ("origin-non-ascii-host", {"origins": "https://bücher.example"}, ("origins",)),
    ("origin-looks-like-regex", {"origins": r"https://.*\.example\.com"}, ("origins",)),
    ("origin-bad-wildcard", {"origins": "https://*.com"}, ("origins",)),
    ("bytes-pattern", {"origins": re.compile(rb"x")}, ("origins",)),
    ("credentials-with-any-origin", {"supports_credentials": True}, ("origins",)),
    ("null-with-credentials", {"origins": "null", "supports_credentials": True}, ("origins",)),
    (
        "expose-star-with-credentials",
        {"origins": "https://a.example", "supports_credentials": True, "expose_headers": "*"},
        ("expose_headers",),
    ),
    ("methods-empty", {"methods": []}, ("methods",)),
    ("method-invalid", {"methods": ["GET", "PUT POST"]}, ("methods", 1)),
    ("method-forbidden", {"methods": ["TRACE"]}, ("methods", 0)),
    ("header-invalid", {"allow_headers": ["X-Ok", "X:Bad"]}, ("allow_headers", 1)),
    ("star-in-list", {"expose_headers": ["X-A", "*"]}, ("expose_headers", 1)),
    ("max-age-invalid", {"max_age": -5}, ("max_age",)),
    ("max-age-invalid", {"max_age": timedelta(seconds=1.5)}, ("max_age",)),
    ("status-not-2xx", {"preflight_status": 302}, ("preflight_status",)),
    ("resources-invalid", {"resources": {}}, ("resources",)),
    ("resources-invalid", {"resources": ["/api/*"]}, ("resources",)),
    ("resources-invalid", {"resources": {"/api/*": ["GET"]}}, ("resources", "/api/*")),
    (
        "resources-nested",
        {"resources": {"/a/*": {"resources": None}}},
        ("resources", "/a/*", "resources"),
    ),
    ("path-pattern-invalid", {"resources": {"api/*": {}}}, ("resources", "api/*")),
    ("path-pattern-invalid", {"resources": {"*": {}, "/*": {}}}, ("resources", "/*")),
    (
        "path-pattern-looks-like-regex",
        {"resources": {"/files/\\d+": {}}},
        ("resources", "/files/\\d+"),
    ),
    (
        "wrong-type",
        {"resources": {PATTERN: {"max_age": "5"}}},
        ("resources", PATTERN, "max_age"),
    ),
    (
        "credentials-with-any-origin",
        {"origins": "*", "resources": {"/api/*": {"supports_credentials": True}}},
        ("resources", "/api/*", "supports_credentials"),
    ),
]


@pytest.mark.parametrize(("code", "options", "path"), BY_CODE)
def test_each_problem_has_its_code_and_path(
    code: str, options: Dict[str, Any], path: Tuple[Any, ...]
) -> None:
    with pytest.raises(ConfigError) as caught:
        CORSConfig.from_mapping(options)
    problems = caught.value.problems
    assert [(p.code, p.path) for p in problems] == [(code, path)]
    problem = problems[0]
    assert problem.message
    assert str(problem) in str(caught.value)
    assert str(problem).startswith(keyword_path(path) + ": ")


def test_the_table_covers_every_engine_code() -> None:
    front_end_only = {
        "config-and-options",
        "regex-invalid",
        "value-missing",
        "value-unparsable",
        "resource-key-invalid",
        "setting-removed",  # django-cors-headers' removed settings (wsgi_cors.compat)
    }
    assert {code for code, _, _ in BY_CODE} == set(CODES) - front_end_only


def test_every_problem_is_collected_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSConfig.from_mapping(
            {"origins": ["https://a.example/", "b.example"], "methods": ["TRACE"], "max_age": -1}
        )
    assert [p.code for p in caught.value.problems] == [
        "origin-has-path",
        "origin-no-scheme",
        "method-forbidden",
        "max-age-invalid",
    ]
    assert str(caught.value).startswith(
        "invalid CORS configuration (4 problems):\n  - origins[0]: "
    )


@pytest.mark.parametrize(
    ("entry", "fix"),
    [
        ("localhost:3000", "'http://localhost:3000'"),
        ("127.0.0.1:8000", "'http://127.0.0.1:8000'"),
        ("app.example.com", "'https://app.example.com'"),
    ],
)
def test_a_missing_scheme_is_fixed_with_http_for_this_machine(entry: str, fix: str) -> None:
    with pytest.raises(ConfigError) as caught:
        CORSConfig.from_mapping({"origins": entry})
    assert caught.value.problems[0].hint.endswith(f"write {fix}")


def test_an_inherited_problem_is_reported_once_under_its_own_name() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSConfig.from_mapping({"max_age": -1, "resources": {"/a/*": {}, "/b/*": {}}})
    assert [p.path for p in caught.value.problems] == [("max_age",)]


def test_a_top_level_problem_every_resource_overrides_is_not_reported() -> None:
    CORSConfig.from_mapping({"max_age": -1, "resources": {"/a/*": {"max_age": 5}}})


def test_an_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown problem code"):
        Problem(("origins",), "no-such-code", "x")


@pytest.mark.parametrize(
    "source",
    [r"https://.*\.example\.com", "https://it's.example", "a\"b'c", "ends\\", "/files/\\d+"],
)
def test_a_suggested_pattern_is_valid_python_that_compiles_to_the_same_pattern(source: str) -> None:
    literal = raw_string(source)
    assert eval(literal) == source  # the hint can be pasted into code as it is


def test_the_regex_hint_for_a_resource_pattern_with_a_quote_is_valid_python() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSConfig.from_mapping({"resources": {"/it's/(x)": {}}})
    hint = caught.value.problems[0].hint
    call = re.search(r"re\.compile\((.*)\), which", hint)
    assert call is not None, hint
    assert eval(call.group(1)) == "/it's/(x)"


def test_keyword_paths_read_like_python() -> None:
    assert keyword_path(("origins", 2)) == "origins[2]"
    assert (
        keyword_path(("resources", "/api/*", "origins", 0)) == "resources['/api/*']['origins'][0]"
    )
    assert keyword_path(("resources", PATTERN, "max_age")) == (
        r"resources[re.compile(r'/files/\d+')]['max_age']"
    )


def test_config_error_rewords_its_problems_for_another_front_end() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSConfig.from_mapping({"max_age": -1})
    ini = caught.value.reworded(lambda path: "ini:" + ".".join(map(str, path)))
    assert ini.problems == caught.value.problems
    assert ini.lines[0].startswith("ini:max_age: -1 is negative")
