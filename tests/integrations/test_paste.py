"""The PasteDeploy filter: entry points, the ini value syntax, and errors that name the ini key.

The values are strings, exactly as PasteDeploy hands them to ``filter_factory``; the
resulting middleware is driven with WebTest. ``tests/servers/test_gunicorn.py`` serves the same filter
from ``examples/cors.ini`` with a real gunicorn.
"""

from __future__ import annotations

import re
import textwrap
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Dict, List

import pytest
from paste.deploy import loadapp, loadfilter
from webtest import TestApp

from wsgi_cors import ConfigError, CORSMiddleware
from wsgi_cors.core.config import DEFAULTS
from wsgi_cors.paste import filter_factory, parse_options

from conftest import ALLOWED, OTHER, RecordingApp, client, header_values, preflight_headers

REPO = Path(__file__).resolve().parents[2]


def wrapped(**local_conf: str) -> TestApp:
    """``filter_factory`` called as PasteDeploy calls it, around a recording app."""
    middleware = filter_factory({"here": "/srv"}, **local_conf)(RecordingApp())
    assert isinstance(middleware, CORSMiddleware)
    return TestApp(middleware)


def problems(**local_conf: str) -> List[str]:
    with pytest.raises(ConfigError) as caught:
        filter_factory({}, **local_conf)
    return list(caught.value.lines)


def only_problem(**local_conf: str) -> str:
    found = problems(**local_conf)
    assert len(found) == 1, found
    return found[0]


def allowed_origin(app: TestApp, origin: str, path: str = "/") -> Any:
    return app.get(path, headers={"Origin": origin}).headers.get("Access-Control-Allow-Origin")


# --- entry points and PasteDeploy ---------------------------------------------------------


def test_entry_points_main_and_cors_are_the_filter_factory() -> None:
    found = {ep.name: ep for ep in entry_points(group="paste.filter_factory")}
    assert found["main"].load() is filter_factory
    assert found["cors"].load() is filter_factory


@pytest.mark.parametrize("use", ["egg:wsgi_cors", "egg:wsgi_cors#main", "egg:wsgi_cors#cors"])
def test_use_egg_wsgi_cors_in_an_ini_file(tmp_path: Path, use: str) -> None:
    ini = tmp_path / "cors.ini"
    ini.write_text(
        textwrap.dedent(
            f"""\
            [filter:main]
            use = {use}
            origins = {ALLOWED}
            max_age = 60
            """
        ),
        encoding="utf-8",
    )
    cors_filter = loadfilter(f"config:{ini}")
    app = TestApp(cors_filter(RecordingApp()))
    answer = app.options("/x", headers=preflight_headers())
    assert answer.status_int == 204
    assert answer.headers["Access-Control-Max-Age"] == "60"


def test_the_example_pipeline_loads_with_loadapp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO))
    app = TestApp(loadapp("config:examples/cors.ini", relative_to=str(REPO)))
    answer = app.options("/api/items", headers=preflight_headers(method="DELETE"))
    assert answer.status_int == 204
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    public = app.get("/public/status", headers={"Origin": OTHER})
    assert public.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in public.headers


def test_a_bad_ini_fails_when_paste_loads_it(tmp_path: Path) -> None:
    ini = tmp_path / "cors.ini"
    ini.write_text(
        "[filter:main]\nuse = egg:wsgi_cors\norigins = *\nsupports_credentials = maybe\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"supports_credentials: 'maybe' is not a boolean"):
        loadfilter(f"config:{ini}")


def test_the_filter_wraps_each_app_it_is_given() -> None:
    cors_filter = filter_factory({}, origins=ALLOWED)
    first, second = RecordingApp(body=b"one"), RecordingApp(body=b"two")
    assert cors_filter(first).app is first
    assert TestApp(cors_filter(second)).get("/", headers={"Origin": ALLOWED}).body == b"two"


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "https://a.example.com https://b.example.com",
        "https://a.example.com,https://b.example.com",
        "https://a.example.com, https://b.example.com",
        "https://a.example.com ,\thttps://b.example.com",
        "\n  https://a.example.com\n  https://b.example.com",
    ],
)
def test_lists_are_separated_by_white_space_or_commas(value: str) -> None:
    app = wrapped(origins=value)
    assert allowed_origin(app, "https://a.example.com") == "https://a.example.com"
    assert allowed_origin(app, "https://b.example.com") == "https://b.example.com"
    assert allowed_origin(app, "https://c.example.com") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("True", True),
        ("YES", True),
        ("on", True),
        ("1", True),
        ("false", False),
        ("No", False),
        ("OFF", False),
        ("0", False),
        (" true ", True),
    ],
)
def test_booleans(text: str, expected: bool) -> None:
    app = wrapped(origins=ALLOWED, supports_credentials=text)
    response = app.get("/", headers={"Origin": ALLOWED})
    assert ("Access-Control-Allow-Credentials" in response.headers) is expected


def test_every_boolean_option_is_parsed() -> None:
    options = parse_options(
        {
            "origins": "*",
            "send_wildcard": "no",
            "vary_header": "off",
            "allow_private_network": "yes",
            "automatic_options": "0",
            "intercept_exceptions": "TRUE",
        }
    )
    assert options == {
        "origins": "*",
        "send_wildcard": False,
        "vary_header": False,
        "allow_private_network": True,
        "automatic_options": False,
        "intercept_exceptions": True,
    }


def test_max_age_and_preflight_status_are_numbers() -> None:
    app = wrapped(origins=ALLOWED, max_age="0", preflight_status="200")
    answer = app.options("/", headers=preflight_headers())
    assert answer.status == "200 OK"
    assert answer.headers["Access-Control-Max-Age"] == "0"


def test_regex_origins_are_compiled_and_full_matched() -> None:
    app = wrapped(origins=r"https://app.example.com regex:https://[a-z]+\.example\.com")
    assert allowed_origin(app, "https://shop.example.com") == "https://shop.example.com"
    assert allowed_origin(app, ALLOWED) == ALLOWED
    assert allowed_origin(app, "https://shop.example.com.evil.net") is None
    assert allowed_origin(app, "https://x1.example.com") is None
    options = parse_options({"origins": r"regex:https://[a-z]+\.example\.com"})
    assert options["origins"] == [re.compile(r"https://[a-z]+\.example\.com")]


def test_a_regex_entry_may_contain_commas() -> None:
    app = wrapped(origins=r"regex:https://[a-z]{2,3}\.example\.com, https://b.example.com")
    assert allowed_origin(app, "https://ab.example.com") == "https://ab.example.com"
    assert allowed_origin(app, "https://abcd.example.com") is None
    assert allowed_origin(app, "https://b.example.com") == "https://b.example.com"


def test_wildcards_for_methods_and_headers() -> None:
    app = wrapped(origins=ALLOWED, methods="*", allow_headers="*", expose_headers="*")
    answer = app.options("/", headers=preflight_headers(method="PURGE", headers="x-custom"))
    assert answer.headers["Access-Control-Allow-Methods"] == "*"
    assert answer.headers["Access-Control-Allow-Headers"] == "x-custom"
    assert app.get("/", headers={"Origin": ALLOWED}).headers["Access-Control-Expose-Headers"] == "*"


def test_methods_and_header_lists() -> None:
    app = wrapped(
        origins=ALLOWED,
        methods="GET, put",
        allow_headers="Content-Type Authorization regex:x-trace-[a-z]+",
        expose_headers="X-Total-Count, ETag",
    )
    answer = app.options("/", headers=preflight_headers(headers="authorization,x-trace-id"))
    assert answer.status_int == 204
    assert answer.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    refused = app.options("/", headers=preflight_headers(headers="x-other"), status=403)
    assert "Access-Control-Allow-Origin" not in refused.headers
    exposed = app.get("/", headers={"Origin": ALLOWED}).headers["Access-Control-Expose-Headers"]
    assert exposed == "X-Total-Count, ETag"


def test_resources_limit_the_covered_paths() -> None:
    app = wrapped(origins=ALLOWED, resources="/api/* /health")
    assert allowed_origin(app, ALLOWED, "/api/items") == ALLOWED
    assert allowed_origin(app, ALLOWED, "/health") == ALLOWED
    outside = app.get("/admin", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in outside.headers
    assert header_values(outside, "Vary") == []


def test_per_resource_overrides() -> None:
    app = wrapped(
        origins=ALLOWED,
        supports_credentials="true",
        resources="/api/* /public/*",
        **{
            "resource./public/*.origins": "*",
            "resource./public/*.supports_credentials": "false",
        },
    )
    public = app.get("/public/logo", headers={"Origin": OTHER})
    assert public.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in public.headers
    api = app.get("/api/items", headers={"Origin": ALLOWED})
    assert api.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Origin" not in app.get("/api/x", headers={"Origin": OTHER}).headers


def test_a_regex_resource_is_named_without_its_prefix_in_override_keys() -> None:
    app = wrapped(
        origins=ALLOWED,
        resources=r"/api/* regex:/files/\d+",
        **{r"resource./files/\d+.methods": "GET"},
    )
    files = app.options("/files/12", headers=preflight_headers(method="PUT"), status=403)
    assert "Access-Control-Allow-Origin" not in files.headers
    assert app.options("/files/12", headers=preflight_headers(method="GET")).status_int == 204
    assert app.options("/api/x", headers=preflight_headers(method="PUT")).status_int == 204
    assert app.get("/files/12x", headers={"Origin": ALLOWED}).headers.get("Vary") is None


def test_the_parsed_options_are_the_cores() -> None:
    options = parse_options(
        {
            "origins": "https://app.example.com, http://localhost:*",
            "methods": "GET POST",
            "max_age": "600",
            "resources": r"/api/* regex:/files/\d+",
            "resource./api/*.max_age": "5",
        }
    )
    assert options == {
        "origins": ["https://app.example.com", "http://localhost:*"],
        "methods": ["GET", "POST"],
        "max_age": 600,
        "resources": {"/api/*": {"max_age": 5}, re.compile(r"/files/\d+"): {}},
    }


def test_values_that_are_not_strings_are_used_as_they_are() -> None:
    origins = [re.compile(r"https://.*\.example\.com")]
    options = parse_options({"origins": origins, "supports_credentials": True, "max_age": 5})
    assert options == {"origins": origins, "supports_credentials": True, "max_age": 5}


def test_the_ini_keys_are_exactly_the_core_options() -> None:
    # A new core option must get an ini parser: none of them is an unknown key.
    for name in DEFAULTS:
        for message in problems(origins="*", **{name: "???"}) if name != "origins" else []:
            assert "unknown key" not in message, message
    assert "unknown key" in only_problem(origins="*", app="x")


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_conf", "expected"),
    [
        (
            {"supports_credentials": "maybe"},
            "supports_credentials: 'maybe' is not a boolean; use true or false",
        ),
        ({"vary_header": "yes please"}, "vary_header: 'yes please' is not a boolean"),
        ({"max_age": "10m"}, "max_age: '10m' is not a whole number of seconds"),
        ({"max_age": "1.5"}, "max_age: '1.5' is not a whole number of seconds"),
        ({"preflight_status": "ok"}, "preflight_status: 'ok' is not a status code"),
        ({"methods": ""}, "methods: is empty; give a value, or delete the line"),
        ({"expose_headers": "  "}, "expose_headers: is empty; list the response headers"),
        ({"methods": "GET,,POST"}, "methods: 'GET,,POST' has an empty entry between two commas"),
        ({"methods": "GET, ,POST"}, "methods: 'GET, ,POST' has an empty entry between two"),
        ({"methods": "GET, POST,"}, "methods: 'GET, POST,' starts or ends with a comma"),
        ({"methods": "regex:GE."}, "methods: 'regex:GE.': regex: entries are allowed only in"),
        ({"allow_headers": "regex:x-[a"}, "allow_headers: 'regex:x-[a' is not a valid regular"),
        ({"allow_headers": "regex:"}, "allow_headers: an empty regex: entry"),
        ({"expose_headers": '"X-Total-Count"'}, "expose_headers: '\"X-Total-Count\"' looks quoted"),
        ({"methods": "['GET', 'POST']"}, "methods: \"['GET', 'POST']\" looks quoted or like a"),
        ({"methods": "'GET' 'POST'"}, "methods: \"'GET' 'POST'\" looks quoted or like a Python"),
        ({"orgins": ALLOWED}, "orgins: unknown key; did you mean 'origins'?"),
        ({"max-age": "5"}, "max-age: unknown key; did you mean 'max_age'?"),
        ({"colour": "red"}, "colour: unknown key; known keys are allow_headers, "),
    ],
)
def test_a_bad_value_names_its_ini_key(local_conf: Dict[str, str], expected: str) -> None:
    conf = {"origins": ALLOWED, **local_conf}
    assert only_problem(**conf).startswith(expected)


def test_origins_is_required() -> None:
    message = only_problem(supports_credentials="true")
    assert message.startswith("origins: is missing; list the origins that may read responses")
    assert "origins = * for any origin" in message
    assert only_problem(origins="").startswith("origins: is empty; list the origins")


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        origins="https://app.example.com/",
        supports_credentials="maybe",
        max_age="-1",
        methods="GET TRACE",
        orgins="x",
    )
    assert [message.split(":")[0] for message in found] == [
        "supports_credentials",
        "orgins",
        "origins",
        "methods",
        "max_age",
    ]
    assert "ends with a slash; browsers never send one" in found[2]


def test_core_problems_are_given_the_ini_key_and_an_ini_fix() -> None:
    found = problems(
        origins=r"https://.*\.example\.com",
        resources="/api/* files/*",
        **{"resource./api/*.origins": "*", "resource./api/*.supports_credentials": "true"},
    )
    assert found[0].startswith(
        r"origins: 'https://.*\\.example\\.com' looks like a regular expression, but strings "
        r"are matched literally; use regex:https://.*\.example\.com to match it"
    )
    assert found[1].startswith(
        "resource./api/*.origins: '*' cannot be combined with supports_credentials=True"
    )
    assert found[2].startswith(
        "resources: entry 'files/*': a path pattern must start with '/'; write '/files/*'"
    )
    assert len(found) == 3


def test_a_value_that_failed_to_parse_is_not_reported_again_by_the_core() -> None:
    # origins failed, so the core must not complain that the default '*' meets credentials.
    found = problems(origins="'https://app.example.com'", supports_credentials="true")
    assert len(found) == 1
    assert found[0].startswith("origins: \"'https://app.example.com'\" looks quoted")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (
            "resource./pubic/*.origins",
            "resource./pubic/*.origins: '/pubic/*' is not listed in resources; "
            "did you mean '/public/*'?",
        ),
        (
            "resource./other.origins",
            "resource./other.origins: '/other' is not listed in resources; add it to resources",
        ),
        (
            "resource./public/*.orgins",
            "resource./public/*.orgins: unknown key; did you mean 'resource./public/*.origins'?",
        ),
        (
            "resource./public/*.resources",
            "resource./public/*.resources: resources cannot be nested",
        ),
        (
            "resources./public/*.origins",
            "resources./public/*.origins: unknown key; did you mean 'resource./public/*.origins'?",
        ),
        ("resource./public/*", "resource./public/*: a per-resource key is resource.<pattern>."),
        # What ConfigParser makes of "resource.regex:/files/\d+.methods = GET":
        ("resource.regex", "resource.regex: a per-resource key is resource.<pattern>.<option>"),
    ],
)
def test_bad_per_resource_keys(key: str, expected: str) -> None:
    conf = {"origins": ALLOWED, "resources": "/public/*", key: "*"}
    assert only_problem(**conf).startswith(expected)


def test_overrides_need_resources() -> None:
    message = only_problem(origins=ALLOWED, **{"resource./api/*.origins": "*"})
    assert message.startswith(
        "resource./api/*.origins: overrides a resource, but resources is not set"
    )


def test_ambiguous_or_duplicate_resources() -> None:
    twice = only_problem(origins=ALLOWED, resources="/api/* /api/*")
    assert twice == "resources: '/api/*' is listed twice; list it once"
    both = only_problem(origins=ALLOWED, resources="/a regex:/a", **{"resource./a.methods": "GET"})
    assert both.startswith("resource./a.methods: '/a' is listed in resources both as a path")


def test_the_error_message_lists_every_problem() -> None:
    with pytest.raises(ConfigError) as caught:
        filter_factory({}, origins=ALLOWED, max_age="x", vary_header="maybe")
    text = str(caught.value)
    assert text.startswith("invalid CORS configuration (2 problems):\n")
    assert "  - max_age: 'x' is not a whole number" in text
    assert "  - vary_header: 'maybe' is not a boolean" in text


def test_conftest_client_agrees_with_the_filter() -> None:
    # The ini form and the Python form build the same behaviour.
    by_ini = wrapped(origins=ALLOWED, methods="GET PUT", max_age="30")
    by_python = client(origins=[ALLOWED], methods=["GET", "PUT"], max_age=30)
    for app in (by_ini, by_python):
        answer = app.options("/p", headers=preflight_headers())
        assert answer.headers["Access-Control-Allow-Methods"] == "GET, PUT"
        assert answer.headers["Access-Control-Max-Age"] == "30"
