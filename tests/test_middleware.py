"""CORSMiddleware behaviour, one test (or table) per rule of shared/CORS_RULES.md and DESIGN.md."""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Iterable, List

import pytest

from wsgi_cors import ALL_METHODS, CORSMiddleware

from conftest import ALLOWED, OTHER, RecordingApp, client, header_values, preflight_headers

STRICT = {
    "origins": [ALLOWED, "https://other.example.com"],
    "supports_credentials": True,
    "methods": ["GET", "POST", "PUT", "DELETE"],
    "allow_headers": ["X-Custom", "Content-Type"],
    "expose_headers": ["X-Total"],
    "max_age": 600,
}

CORS_RESPONSE_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Allow-Private-Network",
)


def cors_headers_of(response: Any) -> Dict[str, str]:
    return {k: v for k, v in response.headerlist if k in CORS_RESPONSE_HEADERS}


# --- A. Recognising requests -------------------------------------------------------------


def test_r1_request_without_origin_passes_through_with_only_vary_added() -> None:
    app = RecordingApp(headers=[("Content-Type", "text/plain"), ("X-App", "1")])
    response = client(app, **STRICT).get("/")
    assert len(app.calls) == 1
    assert response.body == b"hello"
    assert cors_headers_of(response) == {}
    assert response.headers["X-App"] == "1"
    assert header_values(response, "Vary") == ["Origin"]


def test_r1_wildcard_config_sends_constant_star_even_without_origin() -> None:
    response = client().get("/")
    assert header_values(response, "Access-Control-Allow-Origin") == ["*"]
    assert header_values(response, "Vary") == []


def test_r2_options_without_request_method_reaches_the_app() -> None:
    app = RecordingApp()
    response = client(app, **STRICT).options("/", headers={"Origin": ALLOWED})
    assert len(app.calls) == 1
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Access-Control-Allow-Methods" not in response.headers


def test_r2_preflight_is_answered_without_calling_the_app() -> None:
    app = RecordingApp()
    response = client(app, **STRICT).options("/", headers=preflight_headers())
    assert app.calls == []
    assert response.status_int == 204
    assert response.body == b""


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_r3_every_simple_request_gets_cors_headers(method: str) -> None:
    app = RecordingApp()
    test_client = client(app, **STRICT)
    headers = {"Origin": ALLOWED, "Content-Type": "text/plain"}
    response = test_client._gen_request(
        method, "/", params=b"x" if method == "POST" else "", headers=headers
    )
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_r4_disallowed_origin_still_reaches_the_app_once_untouched() -> None:
    app = RecordingApp(status="201 Created")
    response = client(app, **STRICT).post(
        "/", b"data", headers={"Origin": OTHER, "Content-Type": "text/plain"}
    )
    assert len(app.calls) == 1
    assert response.status_int == 201
    assert response.body == b"hello"
    assert cors_headers_of(response) == {}


# --- B. Access-Control-Allow-Origin ------------------------------------------------------


def test_r5_allowed_origin_is_echoed_byte_exact_once() -> None:
    response = client(**STRICT).get("/", headers={"Origin": ALLOWED})
    assert header_values(response, "Access-Control-Allow-Origin") == [ALLOWED]


@pytest.mark.parametrize(
    "origin",
    [ALLOWED.upper(), ALLOWED + "/", ALLOWED + ":443", "http://app.example.com"],
    ids=["upper-case", "trailing-slash", "default-port", "scheme-downgrade"],
)
def test_r5_non_canonical_spellings_are_refused(origin: str) -> None:
    response = client(**STRICT).get("/", headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_r6_app_set_allow_origin_wins_and_stays_single() -> None:
    app = RecordingApp(
        headers=[("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", "https://x.test")]
    )
    response = client(app, **STRICT).get("/", headers={"Origin": ALLOWED})
    assert header_values(response, "Access-Control-Allow-Origin") == ["https://x.test"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert header_values(response, "Vary") == ["Origin"]


def test_r6_multi_origin_config_emits_only_the_matching_origin() -> None:
    response = client(**STRICT).get("/", headers={"Origin": "https://other.example.com"})
    assert header_values(response, "Access-Control-Allow-Origin") == ["https://other.example.com"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"origins": [ALLOWED]}, None),
        ({"origins": [ALLOWED, "null"]}, "null"),
        ({"origins": "*"}, "*"),
        ({"origins": "*", "send_wildcard": False}, None),
    ],
    ids=["list-without-null", "null-listed", "star", "star-reflecting"],
)
def test_r7_null_origin_only_when_listed(options: Dict[str, Any], expected: Any) -> None:
    response = client(**options).get("/", headers={"Origin": "null"})
    assert response.headers.get("Access-Control-Allow-Origin") == expected


def test_r9_credentials_reflect_the_origin_never_star() -> None:
    response = client(**STRICT).get("/", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_send_wildcard_false_reflects_origin_with_vary() -> None:
    response = client(send_wildcard=False).get("/", headers={"Origin": OTHER})
    assert response.headers["Access-Control-Allow-Origin"] == OTHER
    assert header_values(response, "Vary") == ["Origin"]


# --- C/D. Preflights ----------------------------------------------------------------------


def test_r10_preflight_succeeds_even_when_the_app_would_answer_401() -> None:
    app = RecordingApp(status="401 Unauthorized")
    response = client(app, **STRICT).options("/", headers=preflight_headers())
    assert response.status_int == 204
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert app.calls == []


@pytest.mark.parametrize("requested", ["x-custom", "authorization", "authorization,x-custom"])
def test_r11_r17_star_headers_are_reflected_by_name(requested: str) -> None:
    options = {"origins": [ALLOWED], "supports_credentials": True, "allow_headers": "*"}
    response = client(**options).options("/", headers=preflight_headers(headers=requested))
    assert response.headers["Access-Control-Allow-Headers"] == requested.replace(",", ", ")
    assert "*" not in response.headers["Access-Control-Allow-Headers"]


def test_r17_authorization_is_named_even_without_credentials() -> None:
    response = client().options("/", headers=preflight_headers(headers="authorization"))
    assert response.headers["Access-Control-Allow-Headers"] == "authorization"


def test_r12_request_headers_list_is_parsed_leniently_and_validated() -> None:
    response = client(**STRICT).options(
        "/", headers=preflight_headers(headers="X-Custom , content-type")
    )
    assert response.status_int == 204
    assert response.headers["Access-Control-Allow-Headers"] == "X-Custom, Content-Type"


@pytest.mark.parametrize("joined", ["x-custom,content-type", "x-custom, content-type", ""])
def test_r12_server_joined_and_empty_header_lists_are_accepted(joined: str) -> None:
    response = client(**STRICT).options("/", headers=preflight_headers(headers=joined))
    assert response.status_int == 204


def test_r13_preflight_lists_the_configured_methods() -> None:
    response = client(**STRICT).options("/", headers=preflight_headers(method="PUT"))
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST, PUT, DELETE"


def test_r13_disallowed_method_is_refused_with_403_and_no_cors_headers() -> None:
    app = RecordingApp()
    response = client(app, **STRICT).options(
        "/", headers=preflight_headers(method="PATCH"), status=403
    )
    assert cors_headers_of(response) == {}
    assert app.calls == []


@pytest.mark.parametrize("method", ["patch", "put", "OS", "ET", "", "PUT, DELETE"])
def test_r14_methods_are_case_sensitive_whole_tokens(method: str) -> None:
    options = {**STRICT, "methods": ["GET", "PUT", "PATCH", "POST"]}
    response = client(**options).options("/", headers=preflight_headers(method=method), status=403)
    assert cors_headers_of(response) == {}


def test_r14_configured_methods_are_emitted_upper_case() -> None:
    response = client(methods="get, patch").options("/", headers=preflight_headers(method="PATCH"))
    assert response.headers["Access-Control-Allow-Methods"] == "GET, PATCH"


def test_r15_star_methods_without_credentials_answers_star() -> None:
    response = client(methods="*").options("/", headers=preflight_headers(method="PROPFIND"))
    assert response.headers["Access-Control-Allow-Methods"] == "*"


def test_r15_star_methods_with_credentials_reflects_the_validated_method() -> None:
    options = {"origins": [ALLOWED], "supports_credentials": True, "methods": "*"}
    response = client(**options).options("/", headers=preflight_headers(method="PROPFIND"))
    assert response.headers["Access-Control-Allow-Methods"] == "PROPFIND"
    client(**options).options("/", headers=preflight_headers(method="BAD METHOD"), status=403)


def test_r16_header_names_compare_case_insensitively() -> None:
    response = client(**{**STRICT, "allow_headers": ["X-Custom"]}).options(
        "/", headers=preflight_headers(headers="x-custom")
    )
    assert response.status_int == 204
    assert response.headers["Access-Control-Allow-Headers"] == "X-Custom"


def test_unlisted_request_header_refuses_the_preflight() -> None:
    client(**STRICT).options("/", headers=preflight_headers(headers="x-other"), status=403)


def test_allow_headers_patterns_are_full_matched_and_reflected() -> None:
    import re

    options = {"allow_headers": [re.compile(r"x-app-[a-z]+"), "Content-Type"]}
    response = client(**options).options(
        "/", headers=preflight_headers(headers="content-type,x-app-id")
    )
    assert response.headers["Access-Control-Allow-Headers"] == "content-type, x-app-id"
    client(**options).options("/", headers=preflight_headers(headers="x-app-id2"), status=403)


def test_r18_preflight_carries_allow_origin_and_credentials() -> None:
    response = client(**STRICT).options("/", headers=preflight_headers())
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_r20_preflight_is_ok_even_where_the_app_would_404() -> None:
    app = RecordingApp(status="404 Not Found")
    response = client(app, **STRICT).options("/no/such/route", headers=preflight_headers())
    assert response.status_int == 204


def test_preflight_status_200_sends_an_empty_body_with_length() -> None:
    response = client(preflight_status=200).options("/", headers=preflight_headers())
    assert response.status == "200 OK"
    assert response.headers["Content-Length"] == "0"
    assert response.body == b""


def test_refused_preflight_body_never_echoes_request_data() -> None:
    hostile = "https://evil.example.net"
    response = client(**STRICT).options(
        "/", headers=preflight_headers(origin=hostile, headers="x-evil"), status=403
    )
    assert b"evil" not in response.body
    assert response.body == b"CORS preflight refused\n"
    assert header_values(response, "Vary") == [
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    ]


def test_r21_actual_put_response_carries_cors_headers() -> None:
    response = client(**STRICT).put("/", b"{}", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


# --- E. Non-preflight responses ------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
        "404 Not Found",
        "500 Internal Server Error",
    ],
)
def test_r22_r23_every_status_gets_cors_headers(status: str) -> None:
    app = RecordingApp(
        status=status,
        headers=[("Content-Type", "text/plain"), ("Location", "https://app.example.com/x")],
    )
    response = client(app, **STRICT).get("/", headers={"Origin": ALLOWED}, status="*")
    assert response.status == status
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_r22_exc_info_recall_of_start_response_gets_cors_headers() -> None:
    def failing_late(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info()
            )
        return [b"failed"]

    response = client(failing_late, **STRICT).get("/", headers={"Origin": ALLOWED}, status=500)
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_r24_expose_headers_on_actual_responses_only() -> None:
    test_client = client(**STRICT)
    actual = test_client.get("/", headers={"Origin": ALLOWED})
    assert actual.headers["Access-Control-Expose-Headers"] == "X-Total"
    preflight = test_client.options("/", headers=preflight_headers())
    assert "Access-Control-Expose-Headers" not in preflight.headers


def test_expose_star_without_credentials() -> None:
    response = client(expose_headers="*").get("/", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Expose-Headers"] == "*"


# --- F. Caching and Vary -------------------------------------------------------------------


def test_r25_max_age_on_preflights_only() -> None:
    test_client = client(**STRICT)
    assert (
        test_client.options("/", headers=preflight_headers()).headers["Access-Control-Max-Age"]
        == "600"
    )
    actual = test_client.get("/", headers={"Origin": ALLOWED})
    assert "Access-Control-Max-Age" not in actual.headers


@pytest.mark.parametrize(("max_age", "expected"), [(None, None), (0, "0")])
def test_r25_max_age_none_sends_nothing_and_zero_is_sent(max_age: Any, expected: Any) -> None:
    response = client(max_age=max_age).options("/", headers=preflight_headers())
    assert response.headers.get("Access-Control-Max-Age") == expected


@pytest.mark.parametrize("origin", [ALLOWED, OTHER, None], ids=["allowed", "refused", "no-origin"])
def test_r27_vary_origin_merged_into_app_vary(origin: Any) -> None:
    app = RecordingApp(headers=[("Content-Type", "text/plain"), ("Vary", "Accept-Encoding")])
    headers = {"Origin": origin} if origin else {}
    response = client(app, **STRICT).get("/", headers=headers)
    assert header_values(response, "Vary") == ["Accept-Encoding, Origin"]


@pytest.mark.parametrize(
    ("app_vary", "expected"),
    [
        (["*"], ["*"]),
        (["origin"], ["origin"]),
        (["Accept-Encoding", "Cookie"], ["Accept-Encoding, Origin", "Cookie"]),
        (["Cookie", "ORIGIN"], ["Cookie", "ORIGIN"]),
        ([""], ["Origin"]),
    ],
    ids=["star", "already-there", "two-lines", "two-lines-origin-in-second", "empty"],
)
def test_r27_vary_merge_edge_cases(app_vary: List[str], expected: List[str]) -> None:
    app = RecordingApp(headers=[("Content-Type", "text/plain")] + [("Vary", v) for v in app_vary])
    response = client(app, **STRICT).get("/", headers={"Origin": ALLOWED})
    assert header_values(response, "Vary") == expected


def test_r27_star_config_adds_no_vary() -> None:
    response = client().get("/", headers={"Origin": OTHER})
    assert header_values(response, "Vary") == []


def test_vary_header_false_adds_no_vary() -> None:
    response = client(**STRICT, vary_header=False).get("/", headers={"Origin": ALLOWED})
    assert header_values(response, "Vary") == []


def test_preflight_vary_lists_the_three_request_headers() -> None:
    response = client(**STRICT).options("/", headers=preflight_headers())
    assert header_values(response, "Vary") == [
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    ]


# --- G. Syntax -----------------------------------------------------------------------------


def test_r28_lists_use_comma_space_and_single_value_headers_appear_once() -> None:
    response = client(**STRICT).options("/", headers=preflight_headers(headers="x-custom"))
    for name in (
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Credentials",
        "Access-Control-Max-Age",
        "Access-Control-Allow-Methods",
    ):
        assert len(header_values(response, name)) == 1
    assert ", " in response.headers["Access-Control-Allow-Methods"]


def test_default_methods_are_flask_cors_all_methods() -> None:
    response = client().options("/", headers=preflight_headers(method="PATCH"))
    assert response.headers["Access-Control-Allow-Methods"] == ", ".join(ALL_METHODS)


# --- H. Private network access -------------------------------------------------------------


def test_r30_private_network_allowed_only_when_enabled_and_only_on_preflights() -> None:
    pna = {**preflight_headers(), "Access-Control-Request-Private-Network": "true"}
    enabled = client(**STRICT, allow_private_network=True)
    assert (
        enabled.options("/", headers=pna).headers["Access-Control-Allow-Private-Network"] == "true"
    )
    actual = enabled.get(
        "/", headers={"Origin": ALLOWED, "Access-Control-Request-Private-Network": "true"}
    )
    assert "Access-Control-Allow-Private-Network" not in actual.headers
    refused = client(**STRICT).options("/", headers=pna, status=403)
    assert "Access-Control-Allow-Private-Network" not in refused.headers


def test_r30_private_network_never_for_refused_origins() -> None:
    pna = {**preflight_headers(origin=OTHER), "Access-Control-Request-Private-Network": "true"}
    response = client(**STRICT, allow_private_network=True).options("/", headers=pna, status=403)
    assert cors_headers_of(response) == {}


# --- The start_response shim ---------------------------------------------------------------


def _environ(**extra: Any) -> Dict[str, Any]:
    from wsgiref.util import setup_testing_defaults

    environ: Dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(extra)
    return environ


def test_shim_returns_the_servers_write_and_the_apps_body_iterable_itself() -> None:
    body = iter([b"a", b"b"])
    seen: Dict[str, Any] = {}

    def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen["write"] = start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    def write(data: bytes) -> None:
        pass

    def start_response(status: str, headers: List[Any], exc_info: Any = None) -> Any:
        return write

    result = CORSMiddleware(app, **STRICT)(_environ(HTTP_ORIGIN=ALLOWED), start_response)
    assert result is body
    assert seen["write"] is write


def test_file_wrapper_passes_through_unwrapped() -> None:
    import io
    from wsgiref.util import FileWrapper

    def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](io.BytesIO(b"data"))

    result = CORSMiddleware(app)(
        _environ(HTTP_ORIGIN=ALLOWED, **{"wsgi.file_wrapper": FileWrapper}),
        lambda status, headers, exc_info=None: None,
    )
    assert isinstance(result, FileWrapper)


def test_the_apps_header_list_is_never_mutated() -> None:
    shared_headers = [("Content-Type", "text/plain"), ("Vary", "Accept-Encoding")]
    snapshot = list(shared_headers)
    app = RecordingApp(headers=shared_headers)
    test_client = client(app, **STRICT)
    for origin in [ALLOWED, OTHER, ALLOWED]:
        test_client.get("/", headers={"Origin": origin})
    assert shared_headers == snapshot


# --- automatic_options and intercept_exceptions ---------------------------------------------


def test_automatic_options_false_hands_the_preflight_to_the_app_and_decorates_it() -> None:
    app = RecordingApp(status="200 OK")
    response = client(app, **STRICT, automatic_options=False).options(
        "/", headers=preflight_headers(headers="x-custom")
    )
    assert len(app.calls) == 1
    assert response.body == b"hello"
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST, PUT, DELETE"
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_automatic_options_false_refused_preflight_gets_no_cors_headers() -> None:
    app = RecordingApp(status="200 OK")
    response = client(app, **STRICT, automatic_options=False).options(
        "/", headers=preflight_headers(origin=OTHER)
    )
    assert len(app.calls) == 1
    assert cors_headers_of(response) == {}


def _raising_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
    raise RuntimeError("database down")


def test_intercept_exceptions_turns_an_early_exception_into_a_logged_cors_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("ERROR", logger="wsgi_cors"):
        response = client(_raising_app, **STRICT, intercept_exceptions=True).get(
            "/", headers={"Origin": ALLOWED}, status=500
        )
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert b"database down" not in response.body
    assert any("database down" in (r.exc_text or "") for r in caplog.records)


def test_exceptions_propagate_by_default() -> None:
    with pytest.raises(RuntimeError, match="database down"):
        client(_raising_app, **STRICT).get("/", headers={"Origin": ALLOWED})


def test_intercept_exceptions_reraises_once_the_response_has_started() -> None:
    def fails_after_start(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        raise RuntimeError("late")

    middleware = CORSMiddleware(fails_after_start, intercept_exceptions=True)
    with pytest.raises(RuntimeError, match="late"):
        middleware(_environ(HTTP_ORIGIN=ALLOWED), lambda s, h, e=None: None)


# --- Logging --------------------------------------------------------------------------------


def test_every_rejection_is_logged_at_debug_with_repr(caplog: pytest.LogCaptureFixture) -> None:
    middleware = CORSMiddleware(RecordingApp(), **STRICT)
    hostile = "https://evil.test\r\nX-Injected: 1"
    with caplog.at_level("DEBUG", logger="wsgi_cors"):
        middleware(_environ(HTTP_ORIGIN=hostile), lambda s, h, e=None: None)
        middleware(
            _environ(
                REQUEST_METHOD="OPTIONS",
                HTTP_ORIGIN=ALLOWED,
                HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
            ),
            lambda s, h, e=None: None,
        )
    messages = [record.getMessage() for record in caplog.records]
    assert any("'https://evil.test\\r\\nX-Injected: 1'" in m for m in messages)
    assert any("'PATCH'" in m and "not allowed" in m for m in messages)
    assert all("\n" not in m for m in messages)


# --- always_send and the handled marker --------------------------------------------------------


def test_always_send_star_without_origin_when_reflecting_star() -> None:
    reflecting = client(send_wildcard=False)
    assert reflecting.get("/").headers["Access-Control-Allow-Origin"] == "*"
    quiet = client(send_wildcard=False, always_send=False)
    assert "Access-Control-Allow-Origin" not in quiet.get("/").headers
    assert header_values(quiet.get("/"), "Vary") == ["Origin"]


def test_always_send_never_sends_an_allow_list_entry() -> None:
    response = client(origins=[ALLOWED, "https://b.example"], always_send=True).get("/")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_inner_layer_marked_handled_is_passed_through_untouched() -> None:
    from wsgi_cors.middleware import HANDLED_ENVIRON_KEY

    def deciding_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        environ[HANDLED_ENVIRON_KEY] = True
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    response = client(deciding_app, **STRICT).get("/", headers={"Origin": ALLOWED})
    assert cors_headers_of(response) == {}
    assert header_values(response, "Vary") == []
