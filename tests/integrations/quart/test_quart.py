"""wsgi_cors.quart with real Quart apps: Quart-CORS's behaviour, and each fix over it.

Every test named ``test_fix_*`` fails against Quart-CORS 0.8 (the docs'
"Differences from Quart-CORS" table names the same tests).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from quart import Blueprint, Quart, abort, request, websocket

from wsgi_cors import ConfigError
from wsgi_cors.quart import DEFAULTS, cors, cors_exempt, route_cors, websocket_cors

from .helpers import ALLOWED, OTHER, preflight, run, simple_app, websocket_status
from .helpers import request as send


def get(app: Quart, path: str = "/", **headers: str) -> Any:
    return run(send(app, "GET", path, {k.replace("_", "-"): v for k, v in headers.items()}))


def options(app: Quart, path: str = "/", headers: Any = None) -> Any:
    return run(send(app, "OPTIONS", path, headers))


# --- Quart-CORS's API and behaviour ---------------------------------------------------------


def test_cors_returns_its_argument_for_apps_and_blueprints() -> None:
    app = Quart(__name__)
    blueprint = Blueprint("bp", __name__)
    assert cors(app) is app
    assert cors(blueprint) is blueprint
    assert DEFAULTS["QUART_CORS_ALLOW_ORIGIN"] == ["*"]
    assert DEFAULTS["QUART_CORS_EXPOSE_HEADERS"] == [""]


def test_defaults_send_star_and_the_seven_methods() -> None:
    app = cors(simple_app())
    response = get(app, Origin=ALLOWED)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    answer = options(app, headers=preflight(method="DELETE", headers="X-Token"))
    assert answer.status_code == 200
    assert answer.access_control_allow_methods.as_set() == {
        "get",
        "head",
        "post",
        "options",
        "put",
        "patch",
        "delete",
    }
    assert answer.headers["Access-Control-Allow-Headers"].lower() == "x-token"


def test_exact_origin_is_echoed_with_vary_and_credentials() -> None:
    app = cors(
        simple_app(), allow_origin=[ALLOWED], allow_credentials=True, expose_headers=["X-Id"]
    )
    response = get(app, Origin=ALLOWED)
    assert response.access_control_allow_origin == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Id"
    assert response.headers.getlist("Vary") == ["Origin"]
    refused = get(app, Origin="https://APP.example.com")
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert refused.headers["Vary"] == "Origin"


def test_max_age_from_timedelta_and_config_keys_are_read() -> None:
    app = simple_app()
    app.config["QUART_CORS_ALLOW_METHODS"] = ["GET", "PUT"]
    cors(app, max_age=timedelta(minutes=1))
    answer = options(app, headers=preflight())
    assert answer.access_control_max_age == 60
    assert answer.headers["Access-Control-Allow-Methods"] == "GET, PUT"


def test_config_changed_after_cors_is_read_on_the_next_request() -> None:
    app = cors(simple_app())
    assert get(app, Origin=ALLOWED).access_control_allow_origin == "*"
    app.config["QUART_CORS_ALLOW_ORIGIN"] = [ALLOWED]
    assert "Access-Control-Allow-Origin" not in get(app, Origin=OTHER).headers
    assert get(app, Origin=ALLOWED).access_control_allow_origin == ALLOWED


def test_route_cors_beats_app_cors_and_its_refusal_wins() -> None:
    app = simple_app()
    cors(app, allow_origin=[ALLOWED])

    @app.route("/route")
    @route_cors(allow_origin=["https://route.example.com"])
    async def route() -> str:
        return "route"

    assert "Access-Control-Allow-Origin" not in get(app, "/route", Origin=ALLOWED).headers
    assert "Access-Control-Allow-Origin" not in options(app, "/route", preflight()).headers
    allowed = options(app, "/route", preflight("https://route.example.com"))
    assert allowed.access_control_allow_origin == "https://route.example.com"
    assert allowed.headers["Allow"]  # Quart's automatic OPTIONS answer, built by the adapter


def test_blueprint_cors_decides_for_its_endpoints_only() -> None:
    app = simple_app()
    cors(app, allow_origin=[ALLOWED])
    blueprint = cors(Blueprint("blue", __name__), allow_origin=["https://blue.example.com"])

    @blueprint.route("/blue", methods=["POST"])
    async def blue() -> str:
        return "blue"

    app.register_blueprint(blueprint)
    assert options(app, "/blue", preflight("https://blue.example.com", "POST")).status_code == 200
    answer = options(app, "/blue", preflight("https://blue.example.com", "POST"))
    assert answer.access_control_allow_origin == "https://blue.example.com"
    assert "Access-Control-Allow-Origin" not in options(app, "/blue", preflight()).headers
    actual = run(send(app, "POST", "/blue", {"Origin": "https://blue.example.com"}))
    assert actual.access_control_allow_origin == "https://blue.example.com"
    assert get(app, Origin=ALLOWED).access_control_allow_origin == ALLOWED


def test_cors_exempt_views_get_nothing_not_even_vary() -> None:
    app = simple_app()
    cors(app, allow_origin=[ALLOWED])

    @app.route("/exempt")
    @cors_exempt
    async def exempt() -> str:
        return "exempt"

    for response in (get(app, "/exempt", Origin=ALLOWED), options(app, "/exempt", preflight())):
        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Vary" not in response.headers


def test_cors_exempt_is_marked_before_an_auth_hook_aborts() -> None:
    app = simple_app()

    @app.before_request
    async def auth() -> None:
        if request.path == "/exempt":
            abort(401)

    cors(app)

    @app.route("/exempt")
    @cors_exempt
    async def exempt() -> str:
        return "exempt"

    response = get(app, "/exempt", Origin=ALLOWED)
    assert response.status_code == 401
    assert "Access-Control-Allow-Origin" not in response.headers


def test_websocket_origin_is_checked_and_exempt_handlers_are_not() -> None:
    app = simple_app()
    cors(app, allow_origin=[ALLOWED])

    @app.websocket("/open")
    @cors_exempt
    async def open_socket() -> None:
        await websocket.send(b"hi")

    assert run(websocket_status(app, origin=ALLOWED)) == 101
    assert run(websocket_status(app, origin=OTHER)) == 400
    assert run(websocket_status(app, "/open", origin=OTHER)) == 101


def test_websocket_cors_decorator_checks_its_own_list() -> None:
    app = Quart(__name__)

    @app.websocket("/ws")
    @websocket_cors(allow_origin=ALLOWED)
    async def ws() -> None:
        await websocket.send(b"hi")

    assert run(websocket_status(app, origin=ALLOWED)) == 101
    assert run(websocket_status(app, origin=OTHER)) == 400
    # An allow-list cannot tell where an Origin-less handshake comes from: refused, as before.
    assert run(websocket_status(app, origin=None)) == 400


def test_sync_views_work_under_route_cors() -> None:
    app = Quart(__name__)

    @app.route("/")
    @route_cors()
    def index() -> str:
        return "sync"

    response = get(app, Origin=ALLOWED)
    assert run(response.get_data()) == b"sync"
    assert response.access_control_allow_origin == "*"


def test_fix_credentials_with_star_configured_later_is_a_500_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = cors(simple_app())
    app.config["QUART_CORS_ALLOW_CREDENTIALS"] = True
    with caplog.at_level(logging.ERROR, logger="wsgi_cors"):
        assert get(app, Origin=ALLOWED).status_code == 500
        assert get(app).status_code == 500
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "allow_origin: '*' cannot be combined with allow_credentials=True" in caplog.text


def test_fix_route_cors_does_not_call_quarts_default_options_response() -> None:
    """Quart 0.23 changed ``make_default_options_response``'s signature; it is never called."""
    app = Quart(__name__)

    async def broken(*args: Any) -> Any:
        raise AssertionError("make_default_options_response was called")

    app.make_default_options_response = broken  # type: ignore[method-assign]

    @app.route("/", methods=["GET", "POST"])
    @route_cors()
    async def index() -> str:
        return "x"

    answer = options(app, headers=preflight(method="POST"))
    assert answer.status_code == 200
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


# --- Fixes over Quart-CORS 0.8 --------------------------------------------------------------


def test_fix_regex_origins_are_full_matched() -> None:
    app = cors(simple_app(), allow_origin=[re.compile(r"https://.*\.quart\.com")])
    assert (
        get(app, Origin="https://a.quart.com").access_control_allow_origin == "https://a.quart.com"
    )
    for hostile in ("https://a.quart.com.evil.net", "https://evil.com/.quart.com"):
        assert "Access-Control-Allow-Origin" not in get(app, Origin=hostile).headers
        assert "Access-Control-Allow-Origin" not in options(app, headers=preflight(hostile)).headers


def test_fix_no_empty_expose_headers() -> None:
    app = cors(simple_app())
    response = get(app, Origin=ALLOWED)
    assert response.access_control_allow_origin == "*"
    assert "Access-Control-Expose-Headers" not in response.headers


def test_fix_send_origin_wildcard_false_keyword_is_honoured() -> None:
    app = cors(simple_app(), send_origin_wildcard=False)
    response = get(app, Origin=ALLOWED)
    assert response.access_control_allow_origin == ALLOWED
    assert response.headers["Vary"] == "Origin"


def test_fix_allow_credentials_false_keyword_is_honoured() -> None:
    app = simple_app()
    app.config["QUART_CORS_ALLOW_CREDENTIALS"] = True
    app.config["QUART_CORS_ALLOW_ORIGIN"] = [ALLOWED]
    cors(app, allow_credentials=False)
    response = get(app, Origin=ALLOWED)
    assert response.access_control_allow_origin == ALLOWED
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_fix_route_cors_does_not_freeze_config_at_the_first_request() -> None:
    decorator = route_cors()
    app = Quart(__name__)
    app.config["QUART_CORS_ALLOW_ORIGIN"] = [ALLOWED]

    @app.route("/")
    @decorator
    async def index() -> str:
        return "x"

    assert get(app, Origin=ALLOWED).access_control_allow_origin == ALLOWED
    app.config["QUART_CORS_ALLOW_ORIGIN"] = ["https://b.example.com"]
    assert get(app, Origin="https://b.example.com").access_control_allow_origin == (
        "https://b.example.com"
    )
    assert "Access-Control-Allow-Origin" not in get(app, Origin=ALLOWED).headers


def test_fix_a_string_config_list_is_rejected_in_the_users_words() -> None:
    app = simple_app()
    app.config["QUART_CORS_ALLOW_METHODS"] = "GET, POST"
    with pytest.raises(ConfigError) as caught:
        cors(app)
    (line,) = caught.value.lines
    assert line.startswith("app.config['QUART_CORS_ALLOW_METHODS']: expected a list")
    assert "['GET', 'POST']" in line


def test_fix_a_bad_value_raises_at_cors_and_at_decoration_not_per_request() -> None:
    with pytest.raises(ConfigError, match="max_age: expected whole seconds"):
        cors(simple_app(), max_age="soon")
    with pytest.raises(ConfigError, match="max_age: expected whole seconds"):
        route_cors(max_age="soon")
    with pytest.raises(
        ConfigError, match=r"allow_origin\[1\]: 'https://b.example/' ends with a slash"
    ):
        cors(Blueprint("bp", __name__), allow_origin=["https://a.example", "https://b.example/"])
    app = simple_app()
    app.config["QUART_CORS_MAX_AGE"] = "soon"
    with pytest.raises(ConfigError, match=r"app.config\['QUART_CORS_MAX_AGE'\]: expected whole"):
        cors(app)


def test_fix_credentials_with_star_is_a_config_error_at_construction() -> None:
    with pytest.raises(
        ConfigError, match=r"allow_origin: '\*' cannot be combined with allow_credentials"
    ):
        cors(simple_app(), allow_credentials=True)
    with pytest.raises(ConfigError, match="cannot be combined with allow_credentials"):
        route_cors(allow_credentials=True, allow_origin="*")
    with pytest.raises(ConfigError, match="cannot be combined with allow_credentials"):
        cors(Blueprint("bp", __name__), allow_credentials=True, allow_origin=["*"])


def test_fix_preflights_are_answered_before_auth_hooks_and_404() -> None:
    app = simple_app()

    @app.before_request
    async def auth() -> None:
        if "Authorization" not in request.headers:
            abort(401)

    cors(app, allow_origin=[ALLOWED])
    answer = options(app, headers=preflight(headers="Authorization"))
    assert answer.status_code == 200
    assert answer.access_control_allow_origin == ALLOWED
    assert options(app, "/missing", preflight()).status_code == 200
    assert get(app, Origin=ALLOWED).status_code == 401
    assert get(app, Origin=ALLOWED).access_control_allow_origin == ALLOWED


def test_a_refused_method_gets_the_origin_but_no_allowed_methods_as_in_quart_cors() -> None:
    app = simple_app()
    app.config["QUART_CORS_ALLOW_METHODS"] = ["GET", "POST"]
    cors(app, allow_origin=[ALLOWED])
    answer = options(app, headers=preflight(method="DELETE"))
    assert answer.status_code == 200
    assert answer.access_control_allow_origin == ALLOWED
    assert "Access-Control-Allow-Methods" not in answer.headers
    assert "Access-Control-Max-Age" not in answer.headers
    refused = options(app, headers=preflight(origin="https://evil.example"))
    assert refused.status_code == 200
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_headers_not_allowed_are_left_out_as_in_quart_cors() -> None:
    app = cors(simple_app(), allow_headers=["X-Match", "X-Other"])
    answer = options(app, headers=preflight(headers="X-Match, X-No-Match"))
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Headers"] == "X-Match"
    allowed = options(app, headers=preflight(headers="x-match, X-OTHER"))
    assert allowed.headers["Access-Control-Allow-Headers"] == "x-match, X-OTHER"


def test_fix_a_star_mixed_with_origins_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"allow_origin: '\*' allows every origin"):
        cors(simple_app(), allow_origin=[ALLOWED, "*"])


def test_fix_websocket_without_origin_is_allowed_under_star() -> None:
    app = Quart(__name__)

    @app.websocket("/ws")
    @websocket_cors()
    async def ws() -> None:
        await websocket.send(b"hi")

    assert run(websocket_status(app, origin=None)) == 101
    assert run(websocket_status(cors(simple_app()), origin=None)) == 101


def test_credentials_do_not_block_websockets() -> None:
    app = simple_app()
    app.config["QUART_CORS_ALLOW_CREDENTIALS"] = True

    @app.websocket("/checked")
    @websocket_cors(allow_origin=[ALLOWED])
    async def checked() -> None:
        await websocket.send(b"hi")

    assert run(websocket_status(app, "/checked", origin=ALLOWED)) == 101


def test_fix_configured_origins_are_canonicalised() -> None:
    app = cors(simple_app(), allow_origin=["https://App.Example.com:443"])
    assert get(app, Origin=ALLOWED).access_control_allow_origin == ALLOWED


def test_star_goes_only_to_requests_with_an_origin_as_in_quart_cors() -> None:
    """As Quart-CORS: no Access-Control-Allow-Origin without Origin, even under '*'; the answer
    then depends on the Origin, so it varies on it."""
    app = cors(simple_app())
    without = get(app)
    assert without.access_control_allow_origin is None
    assert without.headers["Vary"] == "Origin"
    with_origin = get(app, Origin=ALLOWED)
    assert with_origin.access_control_allow_origin == "*"
    assert with_origin.headers["Vary"] == "Origin"
