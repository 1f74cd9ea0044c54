"""Bad configurations fail at construction with one ``ConfigError`` that lists every problem.

Each problem's line reads ``"<option path>: <what is wrong>; <how to fix it>"``, so a user can
find the option and the fix without reading the source.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Callable, Dict, Iterable, List
from wsgiref.validate import validator

import pytest
from webtest import TestApp

from wsgi_cors import ConfigError, CORSMiddleware


def trivial_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"ok"]


def problems_of(**options: Any) -> List[str]:
    """Construct the middleware, expect one ConfigError, and return its problems."""
    with pytest.raises(ConfigError) as caught:
        CORSMiddleware(trivial_app, **options)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.problems
    assert len(error.lines) == len(error.problems)
    for problem, line in zip(error.problems, error.lines):
        assert line == str(problem)  # keyword arguments: the path in Python's words
        assert line in str(error)
    return list(error.lines)


def only_problem(option: str, **options: Any) -> str:
    """The single problem of a configuration; it must start with ``option`` and ':'."""
    problems = problems_of(**options)
    assert len(problems) == 1, problems
    # The option, then the keys and indexes inside it: origins[0], resources['/x']['origins'].
    assert re.match(rf"{re.escape(option)}(\[[^\]]*\])*: ", problems[0]), problems[0]
    return problems[0]


def preflight(test_client: TestApp, method: str = "GET") -> Any:
    headers = {"Origin": "https://example.com", "Access-Control-Request-Method": method}
    return test_client.options("/", headers=headers)


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


# --- One bad option, one problem naming the option and the fix ------------------------------

ORIGIN_PROBLEMS = [
    pytest.param("https://example.com/api", ["path", "'https://example.com'"], id="path"),
    pytest.param("https://example.com/", ["slash", "'https://example.com'"], id="trailing-slash"),
    pytest.param("https://example.com#top", ["fragment", "'https://example.com'"], id="fragment"),
    pytest.param("example.com", ["no scheme", "'https://example.com'"], id="no-scheme"),
    pytest.param("https://a.com https://b.com", ["list"], id="space-separated-list"),
    pytest.param("https://a.com, https://b.com", ["list"], id="comma-space-list"),
    pytest.param(" https://example.com", ["white space"], id="leading-space"),
    pytest.param("NULL", ["'null'", "lower case"], id="upper-case-null"),
    pytest.param(
        "https://bücher.example", ["punycode", "'https://xn--bcher-kva.example'"], id="non-ascii"
    ),
    pytest.param("https://user@example.com", ["user information"], id="userinfo"),
    pytest.param("https://example.com:99999", ["port", "1 to 65535"], id="port-too-big"),
    pytest.param("https://example.com:0", ["port", "1 to 65535"], id="port-zero"),
    pytest.param("https://example.com:http", ["port", "1 to 65535"], id="port-not-a-number"),
    pytest.param("https://example.com:080", ["leading zeros", "'80'"], id="port-leading-zero"),
    pytest.param("https://*.com", ["top-level domain", "https://*.example.com"], id="too-broad"),
    pytest.param("https://*.1.2", ["ip range"], id="wildcard-over-ip"),
    pytest.param(
        "https://api-*.example.com",
        ["unsupported place", "https://*.example.com", "http://localhost:*"],
        id="wildcard-inside-a-label",
    ),
    pytest.param("https://*example.com", ["wildcard"], id="wildcard-glued-to-label"),
    pytest.param(r"https://.*\.example\.com", ["re.compile", "full-matched"], id="regex-string"),
    pytest.param(r"^https://example\.com$", ["re.compile"], id="anchored-regex-string"),
    pytest.param("", ["empty string"], id="empty-string"),
]


@pytest.mark.parametrize(("origin", "fragments"), ORIGIN_PROBLEMS)
def test_bad_origin_names_the_option_and_the_fix(origin: str, fragments: List[str]) -> None:
    problem = only_problem("origins", origins=[origin])
    for fragment in fragments:
        assert fragment.lower() in problem.lower()


@pytest.mark.parametrize(("origin", "fragments"), ORIGIN_PROBLEMS)
def test_bad_origin_given_as_a_bare_string_is_reported_the_same(
    origin: str, fragments: List[str]
) -> None:
    # The same problem, at the option itself rather than at the list's first entry.
    bare = only_problem("origins", origins=origin)
    listed = only_problem("origins", origins=[origin])
    assert listed == "origins[0]" + bare[len("origins") :]


def test_comma_list_without_spaces_is_reported_as_a_list() -> None:
    problem = only_problem("origins", origins="https://a.com,https://b.com")
    assert "list" in problem
    assert "https://a.com,https:'" not in problem


def test_misplaced_wildcard_label_names_the_supported_wildcards() -> None:
    problem = only_problem("origins", origins=["https://a.*.example.com"])
    assert "'https://*.example.com'" in problem
    assert "re.compile(r'https://a.*.example.com')" not in problem


@pytest.mark.parametrize(
    ("options", "option", "fragments"),
    [
        pytest.param(
            {"support_credentials": True},
            "support_credentials",
            ["unknown option", "did you mean 'supports_credentials'?"],
            id="typo-support_credentials",
        ),
        pytest.param(
            {"origin": "https://example.com"},
            "origin",
            ["unknown option", "did you mean 'origins'?"],
            id="typo-origin",
        ),
        pytest.param(
            {"colour": "blue"},
            "colour",
            ["unknown option", "known options are", "origins", "supports_credentials"],
            id="unknown-without-close-match",
        ),
        pytest.param(
            {"origins": "*", "supports_credentials": True},
            "origins",
            ["supports_credentials", "list the trusted origins", "predicate"],
            id="star-with-credentials",
        ),
        pytest.param(
            {"origins": ["*", "https://example.com"]},
            "origins",
            ["'*' alone"],
            id="star-mixed-with-origins",
        ),
        pytest.param({"origins": []}, "origins", ["empty", "at least one"], id="no-origins"),
        pytest.param({"origins": 5}, "origins", ["got int"], id="origins-int"),
        pytest.param({"origins": [5]}, "origins", ["int", "origin string"], id="origins-entry-int"),
        pytest.param(
            {"origins": [re.compile(rb"https://example\.com")]},
            "origins",
            ["bytes", "str pattern"],
            id="origins-bytes-regex",
        ),
        pytest.param({"methods": 5}, "methods", ["got int"], id="methods-int"),
        pytest.param(
            {"methods": ["GE T"]}, "methods", ["not a valid HTTP method"], id="method-with-space"
        ),
        pytest.param(
            {"methods": "GET;POST"}, "methods", ["not a valid HTTP method"], id="method-semicolon"
        ),
        pytest.param({"methods": []}, "methods", ["empty"], id="no-methods"),
        pytest.param({"methods": ["*", "GET"]}, "methods", ["methods='*'"], id="star-in-list"),
        pytest.param(
            {"allow_headers": ["X Custom"]},
            "allow_headers",
            ["not a valid header name"],
            id="allow-header-space",
        ),
        pytest.param(
            {"allow_headers": ["X-Custom:"]},
            "allow_headers",
            ["not a valid header name"],
            id="allow-header-colon",
        ),
        pytest.param(
            {"allow_headers": ["X-Ok", "*"]},
            "allow_headers",
            ["whole value"],
            id="allow-header-star-in-list",
        ),
        pytest.param(
            {"expose_headers": ["X Total"]},
            "expose_headers",
            ["not a valid header name"],
            id="expose-header-space",
        ),
        pytest.param(
            {"expose_headers": "X-Total; X-Page"},
            "expose_headers",
            ["not a valid header name"],
            id="expose-header-semicolon",
        ),
        pytest.param(
            {"expose_headers": "*", "supports_credentials": True, "origins": "https://a.com"},
            "expose_headers",
            ["credentialed", "list the response headers"],
            id="expose-star-with-credentials",
        ),
        pytest.param({"max_age": -1}, "max_age", ["negative", "use 0"], id="max-age-negative"),
        pytest.param(
            {"max_age": "600"}, "max_age", ["whole seconds", "int", "timedelta"], id="max-age-str"
        ),
        pytest.param({"max_age": True}, "max_age", ["whole seconds"], id="max-age-bool"),
        pytest.param({"max_age": 1.5}, "max_age", ["whole seconds"], id="max-age-float"),
        pytest.param(
            {"max_age": timedelta(seconds=1.5)},
            "max_age",
            ["not a whole number of seconds"],
            id="max-age-timedelta-fraction",
        ),
        pytest.param(
            {"max_age": timedelta(seconds=-10)}, "max_age", ["negative"], id="max-age-negative-td"
        ),
        pytest.param(
            {"supports_credentials": "false"},
            "supports_credentials",
            ["true or false", "str"],
            id="credentials-string-false",
        ),
        pytest.param(
            {"send_wildcard": 1}, "send_wildcard", ["true or false"], id="send-wildcard-int"
        ),
        pytest.param(
            {"preflight_status": 302},
            "preflight_status",
            ["2xx", "use 204 or 200"],
            id="preflight-status-redirect",
        ),
        pytest.param(
            {"preflight_status": "204"},
            "preflight_status",
            ["2xx", "use 204 or 200"],
            id="preflight-status-string",
        ),
        pytest.param(
            {"preflight_status": True},
            "preflight_status",
            ["2xx"],
            id="preflight-status-bool",
        ),
    ],
)
def test_bad_option_names_the_option_and_the_fix(
    options: Dict[str, Any], option: str, fragments: List[str]
) -> None:
    problem = only_problem(option, **options)
    for fragment in fragments:
        assert fragment.lower() in problem.lower()


@pytest.mark.parametrize("method", ["CONNECT", "TRACE", "TRACK", "connect", "Trace", "track"])
def test_forbidden_methods_are_refused_in_any_case(method: str) -> None:
    problem = only_problem("methods", methods=["GET", method])
    assert method.upper() in problem
    assert "never be allowed" in problem
    assert "remove it" in problem


@pytest.mark.parametrize("method", ["CONNECT", "trace"])
def test_forbidden_method_in_a_comma_string_is_refused(method: str) -> None:
    only_problem("methods", methods=f"GET, {method}")


# --- Several problems: one error listing them all -------------------------------------------


def test_several_problems_are_reported_together() -> None:
    problems = problems_of(
        origins=["https://example.com/", "example.org"],
        methods=["GET", "TRACE"],
        allow_headers=["X Custom"],
        max_age=-5,
        supports_credentials="yes",
        preflight_status=302,
        support_credentials=True,
    )
    options = [problem.split(":", 1)[0] for problem in problems]
    assert sorted(options) == sorted(
        [
            "support_credentials",
            "supports_credentials",
            "origins[0]",
            "origins[1]",
            "methods[1]",
            "allow_headers[0]",
            "max_age",
            "preflight_status",
        ]
    )
    with pytest.raises(ConfigError, match=r"\(8 problems\)"):
        CORSMiddleware(
            trivial_app,
            origins=["https://example.com/", "example.org"],
            methods=["GET", "TRACE"],
            allow_headers=["X Custom"],
            max_age=-5,
            supports_credentials="yes",
            preflight_status=302,
            support_credentials=True,
        )


def test_problems_in_several_resources_are_reported_together() -> None:
    problems = problems_of(
        resources={
            "/api/*": {"xyz": 1},
            "/static/*.css": {},
            "files/*": {"origins": ["https://example.com/"]},
        }
    )
    assert sorted(problem.split(":", 1)[0] for problem in problems) == sorted(
        [
            "resources['/api/*']['xyz']",
            "resources['/static/*.css']",
            "resources['files/*']",
            "resources['files/*']['origins'][0]",
        ]
    )


def test_top_level_and_resource_problems_are_reported_together() -> None:
    problems = problems_of(max_age=-1, resources={"api/*": {}})
    assert [problem.split(":", 1)[0] for problem in problems] == [
        "max_age",
        "resources['api/*']",
    ]


# --- resources --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resources", "option", "fragments"),
    [
        pytest.param(["/api/*"], "resources", ["mapping", "{'/api/*': {}}"], id="list"),
        pytest.param("/api/*", "resources", ["mapping"], id="string"),
        pytest.param({}, "resources", ["empty", "none"], id="empty-mapping"),
        pytest.param(
            {"/api/*": {"resources": {"/x": {}}}},
            "resources['/api/*']['resources']",
            ["cannot be nested", "top level"],
            id="nested-resources",
        ),
        pytest.param(
            {"/api/*": {"xyz": 1}},
            "resources['/api/*']['xyz']",
            ["unknown option"],
            id="unknown-option-in-resource",
        ),
        pytest.param(
            {"/api/*": {"origin": "https://example.com"}},
            "resources['/api/*']['origin']",
            ["did you mean 'origins'?"],
            id="typo-in-resource",
        ),
        pytest.param(
            {"/api/*.json": {}},
            "resources['/api/*.json']",
            ["re.compile", "'/api/*' covers"],
            id="glob-pattern",
        ),
        pytest.param(
            {"/api/v?/*": {}}, "resources['/api/v?/*']", ["re.compile"], id="regex-char-in-path"
        ),
        pytest.param(
            {"api/*": {}}, "resources['api/*']", ["start with '/'", "'/api/*'"], id="no-slash"
        ),
        pytest.param(
            {"/api/*": ["GET"]}, "resources['/api/*']", ["mapping"], id="overrides-not-mapping"
        ),
        pytest.param({5: {}}, "resources[5]", ["string", "re.Pattern"], id="pattern-not-str"),
        pytest.param(
            {"*": {}, "/*": {}}, "resources['/*']", ["both cover every path"], id="two-catch-alls"
        ),
        pytest.param(
            {"/api/*": {"origins": "*", "supports_credentials": True}},
            "resources['/api/*']['origins']",
            ["supports_credentials", "predicate"],
            id="star-with-credentials-in-resource",
        ),
        pytest.param(
            {"/api/*": {"methods": ["TRACE"]}},
            "resources['/api/*']['methods']",
            ["never be allowed"],
            id="forbidden-method-in-resource",
        ),
    ],
)
def test_bad_resources_name_the_resource_and_the_fix(
    resources: Any, option: str, fragments: List[str]
) -> None:
    problem = only_problem(option, resources=resources)
    for fragment in fragments:
        assert fragment.lower() in problem.lower()


@pytest.mark.parametrize(
    ("override", "option"),
    [({"max_age": -1}, "max_age"), ({"preflight_status": 302}, "preflight_status")],
    ids=["max_age", "preflight_status"],
)
def test_bad_value_inside_a_resource_names_the_resource(
    override: Dict[str, Any], option: str
) -> None:
    only_problem(f"resources['/api/*']['{option}']", resources={"/api/*": override})


# --- Valid edge cases that must not raise ------------------------------------------------------


def test_max_age_zero_is_valid_and_sent() -> None:
    test_client = TestApp(validator(CORSMiddleware(trivial_app, max_age=0)))
    assert preflight(test_client).headers["Access-Control-Max-Age"] == "0"


def test_max_age_timedelta_is_sent_in_whole_seconds() -> None:
    test_client = TestApp(validator(CORSMiddleware(trivial_app, max_age=timedelta(minutes=10))))
    response = preflight(test_client)
    assert response.status_int == 204
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_methods_comma_string_is_upper_cased() -> None:
    middleware = CORSMiddleware(trivial_app, origins=["https://example.com"], methods="get, post")
    response = preflight(TestApp(validator(middleware)), "POST")
    assert response.status_int == 204
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST"


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"origins": ("https://example.com",)}, id="origins-tuple"),
        pytest.param({"origins": frozenset({"https://example.com"})}, id="origins-frozenset"),
        pytest.param({"origins": "null"}, id="null-alone"),
        pytest.param({"origins": "http://localhost:*"}, id="port-wildcard"),
        pytest.param({"origins": "https://*.example.co.uk"}, id="wildcard-below-two-labels"),
        pytest.param({"origins": lambda origin: True, "supports_credentials": True}, id="pred"),
        pytest.param({"methods": "*"}, id="methods-star"),
        pytest.param({"expose_headers": "*"}, id="expose-star-without-credentials"),
        pytest.param({"preflight_status": 200}, id="preflight-status-200"),
        pytest.param({"resources": {"/api/*": {}, re.compile(r"/v\d+/.*"): {}}}, id="resources"),
    ],
)
def test_valid_configurations_do_not_raise(options: Dict[str, Any]) -> None:
    CORSMiddleware(trivial_app, **options)


def test_null_with_credentials_needs_the_explicit_opt_in() -> None:
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(
            trivial_app, origins=["https://a.example", "null"], supports_credentials=True
        )
    assert "allow_null_with_credentials=True" in str(raised.value)
    assert "origins" in str(raised.value)
    middleware = CORSMiddleware(
        trivial_app,
        origins=["https://a.example", "null"],
        supports_credentials=True,
        allow_null_with_credentials=True,
    )
    assert middleware.resources.policies[0].matcher.allows("null")
