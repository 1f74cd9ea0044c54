"""Per-path resources: coverage, precedence, overrides, and paths taken exactly as decoded."""

from __future__ import annotations

import re
from typing import Any, Dict

import pytest

from wsgi_cors import CORSMiddleware

from conftest import ALLOWED, RecordingApp, client, header_values, preflight_headers

PUBLIC = "https://public.example.org"


def acao(path: str, origin: str = ALLOWED, **options: Any) -> Any:
    response = client(**options).get(path, headers={"Origin": origin}, status="*")
    return response.headers.get("Access-Control-Allow-Origin")


@pytest.mark.parametrize(
    ("path", "covered"),
    [
        ("/api/", True),
        ("/api/x", True),
        ("/api/x/y", True),
        ("/api", False),
        ("/apiary", False),
        ("/API/x", False),
        ("/other", False),
    ],
)
def test_prefix_pattern_covers_the_folder_and_below_only(path: str, covered: bool) -> None:
    options = {"origins": [ALLOWED], "resources": {"/api/*": {}}}
    assert (acao(path, **options) == ALLOWED) is covered


def test_uncovered_path_passes_through_untouched() -> None:
    app = RecordingApp(headers=[("Content-Type", "text/plain")])
    response = client(app, origins=[ALLOWED], resources={"/api/*": {}}).get(
        "/page", headers={"Origin": ALLOWED}
    )
    assert response.headerlist == [("Content-Type", "text/plain"), ("Content-Length", "5")]


def test_uncovered_preflight_reaches_the_app() -> None:
    app = RecordingApp()
    client(app, resources={"/api/*": {}}).options("/page", headers=preflight_headers())
    assert len(app.calls) == 1


def test_precedence_exact_then_regex_then_longest_prefix_then_catch_all() -> None:
    resources: Dict[Any, Dict[str, Any]] = {
        "*": {"origins": ["https://catch.example"]},
        "/api/*": {"origins": ["https://api.example"]},
        "/api/v1/*": {"origins": ["https://v1.example"]},
        re.compile(r"/api/v1/items/\d+"): {"origins": ["https://regex.example"]},
        "/api/v1/items/7": {"origins": ["https://exact.example"]},
    }
    middleware = CORSMiddleware(RecordingApp(), resources=resources)
    expected = {
        "/api/v1/items/7": "https://exact.example",
        "/api/v1/items/8": "https://regex.example",
        "/api/v1/items/8x": "https://v1.example",
        "/api/v2": "https://api.example",
        "/else": "https://catch.example",
    }
    for path, origin in expected.items():
        policy = middleware.resources.select(path)
        assert policy is not None
        assert policy.matcher.exact == frozenset({origin}), path


def test_regexes_tie_in_declaration_order() -> None:
    first, second = re.compile(r"/a.*"), re.compile(r"/ab.*")
    middleware = CORSMiddleware(
        RecordingApp(),
        resources={
            first: {"origins": ["https://one.example"]},
            second: {"origins": ["https://two.example"]},
        },
    )
    policy = middleware.resources.select("/abc")
    assert policy is not None
    assert policy.matcher.exact == frozenset({"https://one.example"})


def test_regex_resources_are_full_matched() -> None:
    options = {"origins": [ALLOWED], "resources": {re.compile(r"/api/\d+"): {}}}
    assert acao("/api/12", **options) == ALLOWED
    assert acao("/api/12/secret", **options) is None


def test_resource_overrides_merge_over_the_top_level_options() -> None:
    options = {
        "origins": [ALLOWED],
        "supports_credentials": True,
        "resources": {"/public/*": {"origins": "*", "supports_credentials": False}, "/api/*": {}},
    }
    test_client = client(**options)
    public = test_client.get("/public/x", headers={"Origin": PUBLIC})
    assert public.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in public.headers
    api = test_client.get("/api/x", headers={"Origin": ALLOWED})
    assert api.headers["Access-Control-Allow-Credentials"] == "true"
    assert (
        test_client.get("/api/x", headers={"Origin": PUBLIC}).headers.get(
            "Access-Control-Allow-Origin"
        )
        is None
    )


@pytest.mark.parametrize(
    "path_info",
    ["/api/../admin", "/api/%2e%2e/admin", "/api/a+b", "//api/x"],
    ids=["dot-dot", "still-encoded", "plus", "double-slash"],
)
def test_paths_are_matched_exactly_as_decoded_by_the_server(path_info: str) -> None:
    """A path is never decoded or normalised again: '%2e' stays three characters, and a path
    with a '..' or empty segment is covered by no pattern (it fails closed); an exact rule for
    '/admin' is not confused."""
    middleware = CORSMiddleware(
        RecordingApp(),
        resources={
            "/admin": {"origins": ["https://admin.example"]},
            "/api/*": {"origins": [ALLOWED]},
        },
    )
    policy = middleware.resources.select(path_info)
    if path_info.startswith("/api/") and "/../" not in path_info:
        assert policy is not None
        assert policy.matcher.exact == frozenset({ALLOWED})
    else:
        assert policy is None


def test_percent_encoded_path_is_not_decoded_twice() -> None:
    middleware = CORSMiddleware(RecordingApp(), resources={"/aA": {"origins": [ALLOWED]}})
    assert middleware.resources.select("/a%41") is None
    assert middleware.resources.select("/aA") is not None


def test_non_ascii_patterns_match_the_wsgi_form_of_the_path() -> None:
    options = {"origins": [ALLOWED], "resources": {"/café/*": {}}}
    wsgi_path = "/café/menu".encode().decode("latin-1")
    middleware = CORSMiddleware(RecordingApp(), **options)
    assert middleware.resources.select(wsgi_path) is not None
    assert middleware.resources.select("/cafe/menu") is None


def test_preflight_uses_the_resources_policy() -> None:
    options = {"resources": {"/api/*": {"origins": [ALLOWED], "methods": ["PUT"]}}}
    response = client(**options).options("/api/x", headers=preflight_headers(method="PUT"))
    assert response.headers["Access-Control-Allow-Methods"] == "PUT"
    assert header_values(response, "Access-Control-Allow-Origin") == [ALLOWED]
