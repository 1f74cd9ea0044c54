"""wsgi_cors.flask as a drop-in for Flask-CORS: options, config, precedence, resources, decorator.

One test per Flask-CORS option, config key and resolution rule, and one per row of the docs'
"Differences from Flask-CORS" table.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any, Dict

import pytest
from flask import Blueprint, Flask, abort, request

from wsgi_cors import ConfigError, CORSMiddleware
from wsgi_cors.flask import ALL_METHODS, CORS, cross_origin

ORIGIN = "https://app.example.com"
EVIL = "https://evil.example.net"


def make_app() -> Flask:
    app = Flask(__name__)

    @app.route("/", methods=["GET", "POST", "PUT", "DELETE"])
    def index() -> str:
        return "index"

    @app.route("/api/v1/exact")
    def exact() -> str:
        return "exact"

    @app.route("/api/<path:rest>", methods=["GET", "PUT"])
    def api(rest: str) -> str:
        return "api"

    @app.route("/apiary")
    def apiary() -> str:
        return "apiary"

    @app.route("/other")
    def other() -> str:
        return "other"

    return app


def cors_app(config: Dict[str, Any] | None = None, **options: Any) -> Any:
    app = make_app()
    app.config.update(config or {})
    CORS(app, **options)
    return app.test_client()


def preflight(
    path: str = "/", origin: str = ORIGIN, method: str = "PUT", **headers: str
) -> Dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, **headers}


# --- Public surface ------------------------------------------------------------------------


def test_import_surface_matches_flask_cors() -> None:
    import wsgi_cors.flask as adapter

    assert {"CORS", "cross_origin", "__version__"} <= set(adapter.__all__)
    assert list(ALL_METHODS) == ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]


def test_default_cors_reflects_origin_with_vary_and_sends_star_without_origin() -> None:
    client = cors_app()
    response = client.get("/", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Vary"] == "Origin"
    assert client.get("/").headers["Access-Control-Allow-Origin"] == "*"


def test_init_app_later_and_for_several_apps() -> None:
    extension = CORS(origins=[ORIGIN])
    first, second = make_app(), make_app()
    extension.init_app(first)
    extension.init_app(second, origins=["https://second.example"])
    assert (
        first.test_client()
        .get("/", headers={"Origin": ORIGIN})
        .headers.get("Access-Control-Allow-Origin")
        == ORIGIN
    )
    second_client = second.test_client()
    assert (
        "Access-Control-Allow-Origin"
        not in second_client.get("/", headers={"Origin": ORIGIN}).headers
    )
    assert (
        second_client.get("/", headers={"Origin": "https://second.example"}).headers[
            "Access-Control-Allow-Origin"
        ]
        == "https://second.example"
    )


# --- §2: one test per option --------------------------------------------------------------


def test_option_origins_list_regex_string_and_compiled() -> None:
    client = cors_app(origins=[ORIGIN, r"https://.*\.trusted\.org", re.compile(r"https://x\d\.io")])
    for allowed in [ORIGIN, "https://a.trusted.org", "https://x1.io"]:
        assert (
            client.get("/", headers={"Origin": allowed}).headers.get("Access-Control-Allow-Origin")
            == allowed
        )
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": EVIL}).headers


def test_option_methods_sorted_upper_case_string_or_list() -> None:
    client = cors_app(methods="get, put")
    response = client.options("/", headers=preflight(method="PUT"))
    assert response.headers["Access-Control-Allow-Methods"] == "GET, PUT"


def test_option_allow_headers_literal_and_regex() -> None:
    client = cors_app(allow_headers=["Content-Type", "X-App-.*"])
    response = client.options(
        "/", headers=preflight(**{"Access-Control-Request-Headers": "content-type, x-app-id"})
    )
    assert response.headers["Access-Control-Allow-Headers"] == "content-type, x-app-id"


def test_option_expose_headers_are_sorted_as_flask_cors_sorts_them() -> None:
    response = cors_app(expose_headers=["X-B", "X-A"]).get("/", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Expose-Headers"] == "X-A, X-B"


def test_option_supports_credentials() -> None:
    response = cors_app(origins=[ORIGIN], supports_credentials=True).get(
        "/", headers={"Origin": ORIGIN}
    )
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize(
    ("max_age", "expected"), [(600, "600"), ("600", "600"), (timedelta(minutes=10), "600")]
)
def test_option_max_age_int_string_timedelta(max_age: Any, expected: str) -> None:
    response = cors_app(max_age=max_age).options("/", headers=preflight())
    assert response.headers["Access-Control-Max-Age"] == expected


def test_option_send_wildcard() -> None:
    response = cors_app(send_wildcard=True).get("/", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Vary" not in response.headers


def test_option_vary_header_false() -> None:
    response = cors_app(vary_header=False).get("/", headers={"Origin": ORIGIN})
    assert "Vary" not in response.headers


def test_option_always_send_false_sends_nothing_without_origin() -> None:
    assert "Access-Control-Allow-Origin" not in cors_app(always_send=False).get("/").headers


def test_option_allow_private_network() -> None:
    headers = preflight(**{"Access-Control-Request-Private-Network": "true"})
    allowed = cors_app(allow_private_network=True).options("/", headers=headers)
    assert allowed.headers["Access-Control-Allow-Private-Network"] == "true"
    refused = cors_app().options("/", headers=headers)
    assert refused.status_code == 200  # what is not allowed is left out, as Flask-CORS does
    assert "Access-Control-Allow-Private-Network" not in refused.headers  # never "false"


def test_option_intercept_exceptions_500_carries_cors_headers() -> None:
    app = make_app()

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    CORS(app, intercept_exceptions=True)
    response = app.test_client().get("/boom", headers={"Origin": ORIGIN})
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_option_automatic_options_is_ignored_by_the_extension() -> None:
    response = cors_app(automatic_options=False).options("/", headers=preflight())
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize(
    ("key", "value", "header", "expected"),
    [
        ("CORS_ORIGINS", [ORIGIN], "Access-Control-Allow-Origin", ORIGIN),
        ("CORS_SEND_WILDCARD", True, "Access-Control-Allow-Origin", "*"),
        ("CORS_EXPOSE_HEADERS", ["X-Total"], "Access-Control-Expose-Headers", "X-Total"),
        ("CORS_SUPPORTS_CREDENTIALS", True, "Access-Control-Allow-Credentials", None),
    ],
)
def test_config_keys_are_read_at_init_app(key: str, value: Any, header: str, expected: Any) -> None:
    config: Dict[str, Any] = {key: value}
    if key == "CORS_SUPPORTS_CREDENTIALS":
        config["CORS_ORIGINS"] = [ORIGIN]
        expected = "true"
    response = cors_app(config).get("/", headers={"Origin": ORIGIN})
    assert response.headers.get(header) == expected


def test_config_none_values_are_ignored_and_unknown_keys_warned(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="wsgi_cors"):
        client = cors_app({"CORS_ORIGINS": None, "CORS_HEADERS": "Content-Type"})
    assert client.get("/", headers={"Origin": EVIL}).headers["Access-Control-Allow-Origin"] == EVIL
    assert any("CORS_HEADERS" in record.getMessage() for record in caplog.records)


def test_config_max_age_and_methods_keys() -> None:
    client = cors_app({"CORS_MAX_AGE": 60, "CORS_METHODS": ["GET", "PUT"]})
    response = client.options("/", headers=preflight())
    assert response.headers["Access-Control-Max-Age"] == "60"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, PUT"


# --- Precedence ---------------------------------------------------------------------------


def test_precedence_defaults_config_constructor_init_app_resource() -> None:
    app = make_app()
    app.config.update(CORS_ORIGINS=["https://config.example"], CORS_MAX_AGE=1)
    extension = CORS(origins=["https://constructor.example"], max_age=2)
    extension.init_app(app, max_age=3, resources={"/api/*": {"max_age": 4}, "/*": {}})
    client = app.test_client()
    root = client.options("/", headers=preflight(origin="https://constructor.example"))
    assert root.headers["Access-Control-Max-Age"] == "3"
    api = client.options("/api/x", headers=preflight(origin="https://constructor.example"))
    assert api.headers["Access-Control-Max-Age"] == "4"
    refused = client.get("/", headers={"Origin": "https://config.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_config_is_read_once_at_init_app() -> None:
    app = make_app()
    CORS(app)
    app.config["CORS_ORIGINS"] = [ORIGIN]
    assert (
        app.test_client().get("/", headers={"Origin": EVIL}).headers["Access-Control-Allow-Origin"]
        == EVIL
    )


# --- §3: resources ------------------------------------------------------------------------


def test_resources_dict_ordering_literal_then_compiled_then_string_regex() -> None:
    resources = {
        "/.*": {"origins": ["https://catch.example"]},
        "/api/*": {"origins": ["https://api.example"]},
        "/api/v1/exact": {"origins": ["https://exact.example"]},
        re.compile(r"/api/v1/.*"): {"origins": ["https://compiled.example"]},
    }
    client = cors_app(resources=resources)

    def allowed(path: str, origin: str) -> bool:
        return (
            client.get(path, headers={"Origin": origin}).headers.get("Access-Control-Allow-Origin")
            == origin
        )

    assert allowed("/api/v1/exact", "https://exact.example")
    assert allowed("/api/v1/other", "https://compiled.example")
    assert allowed("/api/x", "https://api.example")
    assert allowed("/other", "https://catch.example")


def test_resources_dict_more_slashes_then_longer_first() -> None:
    resources = {
        "/api/*": {"origins": ["https://short.example"]},
        "/api/v1/*": {"origins": ["https://long.example"]},
    }
    client = cors_app(resources=resources)
    response = client.get("/api/v1/x", headers={"Origin": "https://long.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://long.example"


def test_resources_list_keeps_order() -> None:
    client = cors_app(resources=[r"/api/.*", r"/other"], origins=[ORIGIN])
    assert (
        client.get("/api/x", headers={"Origin": ORIGIN}).headers["Access-Control-Allow-Origin"]
        == ORIGIN
    )
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": ORIGIN}).headers


def test_resources_single_string_and_compiled_pattern() -> None:
    for resources in ["/other", re.compile("/oth")]:
        client = cors_app(resources=resources)
        assert (
            client.get("/other", headers={"Origin": ORIGIN}).headers["Access-Control-Allow-Origin"]
            == ORIGIN
        )
        assert (
            "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": ORIGIN}).headers
        )


def test_resources_unexpected_type_raises() -> None:
    with pytest.raises(ConfigError, match="resources"):
        cors_app(resources=5)


def test_literal_resource_is_exact_and_case_sensitive() -> None:
    client = cors_app(resources={"/other": {}})
    assert "Access-Control-Allow-Origin" in client.get("/other", headers={"Origin": ORIGIN}).headers
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/other/", headers={"Origin": ORIGIN}).headers
    )
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/OTHER", headers={"Origin": ORIGIN}).headers
    )


def test_response_that_already_has_allow_origin_is_left_alone() -> None:
    app = make_app()

    @app.route("/own")
    def own() -> Any:
        return "own", 200, {"Access-Control-Allow-Origin": "https://own.example"}

    CORS(app)
    response = app.test_client().get("/own", headers={"Origin": ORIGIN})
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["https://own.example"]


def test_blueprint_cors_applies_to_its_routes_only() -> None:
    app = Flask(__name__)
    blueprint = Blueprint("bp", __name__, url_prefix="/bp")

    @blueprint.route("/x", methods=["GET", "PUT"])
    def bp_view() -> str:
        return "bp"

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    CORS(blueprint, origins=[ORIGIN])
    app.register_blueprint(blueprint)
    client = app.test_client()
    assert (
        client.get("/bp/x", headers={"Origin": ORIGIN}).headers["Access-Control-Allow-Origin"]
        == ORIGIN
    )
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/plain", headers={"Origin": ORIGIN}).headers
    )
    response = client.options("/bp/x", headers=preflight())
    assert response.headers["Access-Control-Allow-Methods"] == ", ".join(ALL_METHODS)


def test_blueprint_via_init_app_ignores_app_config() -> None:
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = [ORIGIN]
    blueprint = Blueprint("bp", __name__)

    @blueprint.route("/x")
    def bp_view() -> str:
        return "bp"

    CORS().init_app(blueprint)
    app.register_blueprint(blueprint)
    assert (
        app.test_client().get("/x", headers={"Origin": EVIL}).headers["Access-Control-Allow-Origin"]
        == EVIL
    )


# --- The decorator ------------------------------------------------------------------------


def test_cross_origin_decorator_on_a_view() -> None:
    app = Flask(__name__)

    @app.route("/d")
    @cross_origin(origins=[ORIGIN], expose_headers=["X-Total"])
    def decorated() -> str:
        return "d"

    client = app.test_client()
    response = client.get("/d", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert "Access-Control-Allow-Origin" not in client.get("/d", headers={"Origin": EVIL}).headers


def test_cross_origin_automatic_options_answers_without_running_the_view() -> None:
    app = Flask(__name__)
    calls = []

    @app.route("/d", methods=["PUT"])
    @cross_origin(origins=[ORIGIN])
    def decorated() -> str:
        calls.append(1)
        return "d"

    response = app.test_client().options("/d", headers=preflight())
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    assert calls == []


def test_cross_origin_without_automatic_options_leaves_flasks_options_alone() -> None:
    app = Flask(__name__)

    @app.route("/d")
    @cross_origin(origins=[ORIGIN], automatic_options=False)
    def decorated() -> str:
        return "d"

    response = app.test_client().options("/d", headers=preflight(method="GET"))
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_decorator_wins_over_the_extension_for_actual_and_preflight_requests() -> None:
    app = Flask(__name__)

    @app.route("/d", methods=["GET", "PUT"])
    @cross_origin(origins=["https://decorator.example"], max_age=5)
    def decorated() -> str:
        return "d"

    CORS(app, origins=[ORIGIN], max_age=99)
    client = app.test_client()
    assert "Access-Control-Allow-Origin" not in client.get("/d", headers={"Origin": ORIGIN}).headers
    response = client.options("/d", headers=preflight(origin="https://decorator.example"))
    assert response.headers["Access-Control-Max-Age"] == "5"
    assert (
        client.get("/d", headers={"Origin": "https://decorator.example"}).headers[
            "Access-Control-Allow-Origin"
        ]
        == "https://decorator.example"
    )


def test_decorator_reads_app_config() -> None:
    app = Flask(__name__)
    app.config["CORS_EXPOSE_HEADERS"] = ["X-Config"]

    @app.route("/d")
    @cross_origin()
    def decorated() -> str:
        return "d"

    response = app.test_client().get("/d", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Expose-Headers"] == "X-Config"


def test_decorator_validates_its_options_at_decoration() -> None:
    with pytest.raises(ConfigError, match="supports_credentials"):
        cross_origin(supports_credentials=True)
    with pytest.raises(ConfigError, match="did you mean 'origins'"):
        cross_origin(origin=[ORIGIN])


# --- The most common Flask-CORS complaint ---------------------------------------------------


def test_before_request_401_does_not_break_a_preflight() -> None:
    app = make_app()

    @app.before_request
    def require_token() -> Any:
        if "Authorization" not in request.headers:
            abort(401)
        return None

    CORS(app, origins=[ORIGIN], supports_credentials=True)
    client = app.test_client()
    response = client.options("/api/x", headers=preflight())
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    unauthorised = client.get("/api/x", headers={"Origin": ORIGIN})
    assert unauthorised.status_code == 401
    assert unauthorised.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_preflight_to_a_strict_slash_route_is_not_redirected() -> None:
    app = Flask(__name__)

    @app.route("/folder/")
    def folder() -> str:
        return "f"

    CORS(app)
    response = app.test_client().options("/folder", headers=preflight(method="GET"))
    assert response.status_code == 200


# --- Differences from Flask-CORS (docs/migrating/flask-cors.md), each one tested --------------------------


def test_difference_regex_origin_is_full_matched() -> None:
    client = cors_app(origins=[r"https://.*\.example\.com"])
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/", headers={"Origin": "https://a.example.com.evil.net"}).headers
    )
    assert (
        client.get("/", headers={"Origin": "https://a.example.com"}).headers[
            "Access-Control-Allow-Origin"
        ]
        == "https://a.example.com"
    )


def test_difference_method_is_a_whole_token_not_a_substring() -> None:
    response = cors_app(methods=["POST"]).options("/", headers=preflight(method="OS"))
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Methods" not in response.headers


def test_difference_credentials_with_star_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="list the origins that may send credentials"):
        cors_app(supports_credentials=True)


def test_difference_null_with_credentials_needs_the_opt_in() -> None:
    with pytest.raises(ConfigError, match="allow_null_with_credentials=True"):
        cors_app(origins=["http://foo.com", "null"], supports_credentials=True)
    client = cors_app(
        origins=["http://foo.com", "null"],
        supports_credentials=True,
        allow_null_with_credentials=True,
    )
    response = client.get("/", headers={"Origin": "null"})
    assert response.headers["Access-Control-Allow-Origin"] == "null"


def test_difference_always_send_never_leaks_an_allowed_origin() -> None:
    response = cors_app(origins=["http://foo.com", "http://bar.com"]).get("/")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"


def test_difference_refused_responses_carry_vary() -> None:
    response = cors_app(origins=[ORIGIN]).get("/", headers={"Origin": EVIL})
    assert response.headers["Vary"] == "Origin"


def test_difference_misspelled_option_is_an_error() -> None:
    with pytest.raises(ConfigError, match="did you mean 'supports_credentials'"):
        cors_app(support_credentials=True)


def test_difference_path_is_not_decoded_twice() -> None:
    app = Flask(__name__)

    @app.route("/a%41")
    def encoded() -> str:
        return "encoded"

    CORS(app, resources={"/aA": {}})
    response = app.test_client().get("/a%2541", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_difference_prefix_glob_does_not_cover_sibling_names() -> None:
    client = cors_app(resources={r"/api/*": {}})
    assert "Access-Control-Allow-Origin" in client.get("/api/x", headers={"Origin": ORIGIN}).headers
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/apiary", headers={"Origin": ORIGIN}).headers
    )


def test_difference_null_origin_is_not_reflected_by_default() -> None:
    response = cors_app().get("/", headers={"Origin": "null"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_an_unlisted_request_header_is_left_out_as_in_flask_cors() -> None:
    client = cors_app(allow_headers=["X-Custom"])
    response = client.options(
        "/", headers=preflight(**{"Access-Control-Request-Headers": "x-other, X-CUSTOM"})
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Headers"] == "X-CUSTOM"
    response = client.options(
        "/", headers=preflight(**{"Access-Control-Request-Headers": "x-other"})
    )
    assert response.status_code == 200
    assert "Access-Control-Allow-Headers" not in response.headers


def test_lenient_preflights_false_refuses_what_is_not_allowed() -> None:
    response = cors_app(allow_headers=["X-Custom"], lenient_preflights=False).options(
        "/", headers=preflight(**{"Access-Control-Request-Headers": "x-other"})
    )
    assert response.status_code == 403


def test_difference_max_age_zero_is_sent() -> None:
    response = cors_app(max_age=0).options("/", headers=preflight())
    assert response.headers["Access-Control-Max-Age"] == "0"


def test_difference_expose_headers_not_on_preflights() -> None:
    response = cors_app(expose_headers=["X-Total"]).options("/", headers=preflight())
    assert "Access-Control-Expose-Headers" not in response.headers


def test_difference_invalid_origin_string_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="ends with a slash"):
        cors_app(origins=["https://app.example.com/"])


def test_exception_propagated_by_flask_still_propagates() -> None:
    app = make_app()
    app.testing = True

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    CORS(app, intercept_exceptions=True)
    with pytest.raises(RuntimeError, match="boom"):
        app.test_client().get("/boom", headers={"Origin": ORIGIN})


# --- Precedence: decorator > blueprint > app; several CORS(app) calls share one table ----------


PUBLIC = "https://public.example.com"


def blueprint_under_public_app(*, nested: bool = False, bp_resources: Any = None) -> Any:
    app = Flask(__name__)
    account = Blueprint("account", __name__, url_prefix="/account")

    @account.route("/me", methods=["GET", "PUT"])
    def me() -> str:
        return "me"

    @account.route("/open", methods=["GET", "PUT"])
    @cross_origin(origins=[EVIL])
    def opened() -> str:
        return "open"

    @app.route("/public", methods=["GET", "PUT"])
    def public() -> str:
        return "public"

    CORS(app, origins=[PUBLIC])
    options: Dict[str, Any] = {"origins": [ORIGIN], "supports_credentials": True}
    if bp_resources is not None:
        options["resources"] = bp_resources
    CORS(account, **options)
    if nested:
        outer = Blueprint("outer", __name__, url_prefix="/outer")
        outer.register_blueprint(account)
        app.register_blueprint(outer)
    else:
        app.register_blueprint(account)
    return app.test_client()


@pytest.mark.parametrize("nested", [False, True])
def test_a_blueprints_policy_answers_its_preflights_under_an_app_policy(nested: bool) -> None:
    client = blueprint_under_public_app(nested=nested)
    prefix = "/outer" if nested else ""
    response = client.options(f"{prefix}/account/me", headers=preflight())
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    # The app's policy does not apply under the blueprint: its origin is refused there.
    refused = client.options(f"{prefix}/account/me", headers=preflight(origin=PUBLIC))
    assert "Access-Control-Allow-Origin" not in refused.headers
    actual = client.put(f"{prefix}/account/me", headers={"Origin": ORIGIN})
    assert actual.headers["Access-Control-Allow-Credentials"] == "true"
    assert actual.headers.getlist("Access-Control-Allow-Origin") == [ORIGIN]


def test_the_apps_policy_still_answers_its_own_routes_before_flask() -> None:
    client = blueprint_under_public_app()
    response = client.options("/public", headers=preflight(origin=PUBLIC))
    assert response.headers["Access-Control-Allow-Origin"] == PUBLIC
    assert "Access-Control-Allow-Credentials" not in response.headers
    # Answered by the middleware: Flask's automatic OPTIONS would add an Allow header.
    assert "Allow" not in response.headers


def test_a_decorated_view_in_a_blueprint_wins_over_the_blueprint() -> None:
    client = blueprint_under_public_app()
    response = client.options("/account/open", headers=preflight(origin=EVIL))
    assert response.headers["Access-Control-Allow-Origin"] == EVIL
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_blueprint_path_its_resources_do_not_cover_falls_back_to_the_app() -> None:
    client = blueprint_under_public_app(bp_resources={"/account/other/*": {}})
    response = client.options("/account/me", headers=preflight(origin=PUBLIC))
    assert response.headers["Access-Control-Allow-Origin"] == PUBLIC
    assert "Access-Control-Allow-Credentials" not in response.headers
    actual = client.get("/account/me", headers={"Origin": PUBLIC})
    assert actual.headers["Access-Control-Allow-Origin"] == PUBLIC


def test_several_cors_app_calls_combine_their_resources() -> None:
    app = make_app()
    CORS(app, resources={r"/api/*": {"origins": [ORIGIN]}}, supports_credentials=True)
    CORS(app, resources={r"/other": {}}, origins=[PUBLIC])
    assert isinstance(app.wsgi_app, CORSMiddleware)
    assert not isinstance(app.wsgi_app.app, CORSMiddleware)  # one middleware, rebuilt
    client = app.test_client()
    api = client.options("/api/x", headers=preflight())
    assert api.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert api.headers["Access-Control-Allow-Credentials"] == "true"
    other = client.options("/other", headers=preflight(origin=PUBLIC, method="GET"))
    assert other.headers["Access-Control-Allow-Origin"] == PUBLIC
    assert "Access-Control-Allow-Credentials" not in other.headers
    actual = client.get("/api/x", headers={"Origin": ORIGIN})
    assert actual.headers.getlist("Access-Control-Allow-Origin") == [ORIGIN]


def test_several_cors_app_calls_most_specific_pattern_first_later_call_wins_a_tie() -> None:
    app = make_app()
    CORS(app, resources={r"/api/*": {"origins": [ORIGIN]}}, supports_credentials=True)
    CORS(app, origins=[PUBLIC])  # the default "/*": less specific than "/api/*"
    CORS(app, resources={r"/other": {"origins": [EVIL]}})
    CORS(app, resources={r"/other": {"origins": [ORIGIN]}})  # the same pattern: the later wins
    client = app.test_client()
    api = client.options("/api/x", headers=preflight())
    assert api.headers["Access-Control-Allow-Credentials"] == "true"
    assert client.get("/", headers={"Origin": PUBLIC}).headers["Access-Control-Allow-Origin"] == (
        PUBLIC
    )
    other = client.get("/other", headers={"Origin": ORIGIN})
    assert other.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert (
        "Access-Control-Allow-Origin" not in client.get("/other", headers={"Origin": EVIL}).headers
    )


def test_a_middleware_installed_between_calls_is_kept() -> None:
    app = make_app()
    CORS(app, resources={r"/api/*": {}}, origins=[ORIGIN])
    seen = []
    inner = app.wsgi_app

    def outer(environ: Any, start_response: Any) -> Any:
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = outer  # type: ignore[method-assign]
    CORS(app, resources={r"/other": {}}, origins=[PUBLIC])
    client = app.test_client()
    assert (
        client.get("/other", headers={"Origin": PUBLIC}).headers["Access-Control-Allow-Origin"]
        == PUBLIC
    )
    assert (
        client.get("/api/x", headers={"Origin": ORIGIN}).headers["Access-Control-Allow-Origin"]
        == ORIGIN
    )
    assert seen == ["/other", "/api/x"]


# --- Problems in the user's words ---------------------------------------------------------------


def test_credentials_with_star_hint_shows_the_fixed_call() -> None:
    with pytest.raises(ConfigError) as caught:
        CORS(Flask(__name__), supports_credentials=True)
    (line,) = caught.value.lines
    assert line.startswith("supports_credentials: ")
    assert 'CORS(app, supports_credentials=True, origins=["https://app.example.com"])' in line
    assert caught.value.problems[0].code == "credentials-with-any-origin"


def test_credentials_with_star_hint_for_the_decorator() -> None:
    with pytest.raises(ConfigError) as caught:
        cross_origin(supports_credentials=True)
    assert (
        '@cross_origin(supports_credentials=True, origins=["https://app.example.com"])'
        in (caught.value.lines[0])
    )


def test_credentials_with_star_from_config_names_the_key_and_the_line_to_add() -> None:
    app = Flask(__name__)
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True
    with pytest.raises(ConfigError) as caught:
        CORS(app)
    (line,) = caught.value.lines
    assert line.startswith("app.config['CORS_SUPPORTS_CREDENTIALS']: ")
    assert 'CORS_ORIGINS = ["https://app.example.com"]' in line


def test_unknown_config_key_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()
    app.config["CORS_HEADERS"] = "Content-Type"

    @app.route("/decorated")
    @cross_origin()
    def decorated() -> str:
        return "d"

    with caplog.at_level(logging.WARNING, logger="wsgi_cors.flask"):
        CORS(app)
        CORS(app, resources={r"/other": {}})
        app.test_client().get("/decorated", headers={"Origin": ORIGIN})
    messages = [r.getMessage() for r in caplog.records if "CORS_HEADERS" in r.getMessage()]
    assert len(messages) == 1


@pytest.mark.parametrize(
    "pattern",
    ["^a{99999999999}$", "^a{" + "9" * 5000 + "}$", "^" + "(" * 2000 + ")" * 2000 + "$"],
    ids=["overflow", "4301-digits", "nesting"],
)
@pytest.mark.parametrize("option", ["origins", "allow_headers"])
def test_a_pattern_python_cannot_compile_is_a_config_error_not_a_crash(
    option: str, pattern: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        cors_app(**{option: [pattern]})
    invalid = [
        line
        for problem, line in zip(caught.value.problems, caught.value.lines)
        if problem.code == "regex-invalid"
    ]
    assert len(invalid) == 1
    assert invalid[0].startswith(f"{option}[0]: ")
