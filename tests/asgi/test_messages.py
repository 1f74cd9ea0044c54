"""What only the ASGI shell has: messages, scopes, WebSockets, lifespan, concurrency.

The behaviour every shell shares (every CORS rule, the hostile tables, the properties) is in
``tests/conformance/``, run over this shell too. Here the apps are plain ASGI callables and
the middleware runs on real event loops (asyncio, and trio where installed).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import pytest

from wsgi_cors import ConfigError
from wsgi_cors.asgi import ALREADY_HANDLED_KEY, CORSMiddleware, own_path

Message = Dict[str, Any]
ALLOWED = "https://app.example.com"
EVIL = "https://evil.example.net"
STRICT: Dict[str, Any] = {"origins": [ALLOWED], "supports_credentials": True}


def scope(
    method: str = "GET",
    path: str = "/",
    origin: Optional[str] = None,
    extra: Tuple[Tuple[bytes, bytes], ...] = (),
    kind: str = "http",
    **more: Any,
) -> Dict[str, Any]:
    headers = [(b"host", b"testserver"), *extra]
    if origin is not None:
        headers.append((b"origin", origin.encode("latin-1")))
    return {
        "type": kind,
        "asgi": {"version": "3.0"},
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        **more,
    }


async def call(
    middleware: Any, request: Dict[str, Any], incoming: Optional[List[Message]] = None
) -> List[Message]:
    sent: List[Message] = []
    queue = list(incoming or [{"type": "http.request", "body": b"", "more_body": False}])

    async def receive() -> Message:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(request, receive, send)
    return sent


def run(coroutine: Awaitable[Any]) -> Any:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def headers_of(message: Message) -> Dict[bytes, bytes]:
    return dict(message["headers"])


# --- http ---------------------------------------------------------------------------------


def test_every_message_after_the_start_passes_through_unchanged_and_in_order() -> None:
    messages: List[Message] = [
        {"type": "http.response.start", "status": 200, "headers": [(b"x", b"1")], "trailers": True},
        {"type": "http.response.body", "body": b"a", "more_body": True},
        {"type": "http.response.zerocopysend", "file": 3, "more_body": True},
        {"type": "http.response.pathsend", "path": "/srv/file"},
        {
            "type": "http.response.trailers",
            "headers": [(b"x-checksum", b"1")],
            "more_trailers": False,
        },
        {"type": "an.extension.nobody.knows", "value": object()},
    ]
    informational = {"type": "http.response.informational", "status": 103, "headers": []}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(informational)
        for message in messages:
            await send(message)

    sent = run(call(CORSMiddleware(app, **STRICT), scope(origin=ALLOWED)))
    assert sent[0] is informational
    assert sent[1] is not messages[0]  # a new start message: the app's is never mutated
    assert messages[0]["headers"] == [(b"x", b"1")]
    assert {k: v for k, v in sent[1].items() if k != "headers"} == {
        k: v for k, v in messages[0].items() if k != "headers"
    }
    assert headers_of(sent[1])[b"access-control-allow-origin"] == ALLOWED.encode()
    assert all(a is b for a, b in zip(sent[2:], messages[1:]))
    assert len(sent) == len(messages) + 1


def test_messages_are_not_buffered() -> None:
    seen_by_client: List[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        assert seen_by_client == ["http.response.start"]
        await send({"type": "http.response.body", "body": b"1", "more_body": True})
        assert seen_by_client[-1] == "http.response.body"
        await send({"type": "http.response.body", "body": b"2"})

    async def go() -> None:
        async def receive() -> Message:
            return {"type": "http.request", "body": b""}

        async def send(message: Message) -> None:
            seen_by_client.append(message["type"])

        await CORSMiddleware(app, **STRICT)(scope(origin=ALLOWED), receive, send)

    run(go())
    assert seen_by_client == ["http.response.start", "http.response.body", "http.response.body"]


def test_receive_is_handed_to_the_app_untouched() -> None:
    received: List[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        received.append(receive)
        received.append(await receive())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def go() -> Any:
        body = {"type": "http.request", "body": b"x" * 1_000_000, "more_body": False}

        async def receive() -> Message:
            return body

        async def send(message: Message) -> None:
            pass

        await CORSMiddleware(app, **STRICT)(scope(origin=ALLOWED), receive, send)
        return receive, body

    receive, body = run(go())
    assert received[0] is receive
    assert received[1] is body


def test_the_apps_header_list_is_never_mutated() -> None:
    app_headers = [(b"content-type", b"text/plain"), (b"vary", b"accept")]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": app_headers})
        await send({"type": "http.response.body", "body": b""})

    middleware = CORSMiddleware(app, **STRICT)
    for _ in range(3):
        sent = run(call(middleware, scope(origin=ALLOWED)))
        assert headers_of(sent[0])[b"vary"] == b"accept, Origin"
    assert app_headers == [(b"content-type", b"text/plain"), (b"vary", b"accept")]


@pytest.mark.parametrize(
    ("vary", "allow_origin"),
    [(b"vary", b"access-control-allow-origin"), (b"Vary", b"Access-Control-Allow-Origin")],
    ids=["lower-case, as ASGI requires", "capitalised, from a non-conforming app"],
)
def test_the_apps_own_vary_and_allow_origin_are_merged_not_repeated(
    vary: bytes, allow_origin: bytes
) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(vary, b"Accept-Encoding"), (allow_origin, b"https://mine.example")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    sent = run(call(CORSMiddleware(app, **STRICT), scope(origin=ALLOWED)))
    names = [name.lower() for name, _ in sent[0]["headers"]]
    assert names.count(b"vary") == 1
    assert names.count(b"access-control-allow-origin") == 1
    (merged,) = [value for name, value in sent[0]["headers"] if name.lower() == b"vary"]
    assert merged == b"Accept-Encoding, Origin"


def test_a_preflight_is_answered_without_calling_the_app() -> None:
    calls: List[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope)

    request = scope("OPTIONS", origin=ALLOWED, extra=((b"access-control-request-method", b"PUT"),))
    sent = run(call(CORSMiddleware(app, **STRICT), request))
    assert calls == []
    assert sent[0]["status"] == 204
    assert sent[1] == {"type": "http.response.body", "body": b""}


def test_repeated_origin_lines_are_joined_and_refused() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    request = scope(extra=((b"origin", ALLOWED.encode()), (b"origin", ALLOWED.encode())))
    sent = run(call(CORSMiddleware(app, **STRICT), request))
    assert b"access-control-allow-origin" not in headers_of(sent[0])


def test_intercepted_exception_becomes_a_500_with_cors_headers_and_a_fixed_body() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("secret detail")

    sent = run(
        call(CORSMiddleware(app, intercept_exceptions=True, **STRICT), scope(origin=ALLOWED))
    )
    assert sent[0]["status"] == 500
    assert headers_of(sent[0])[b"access-control-allow-origin"] == ALLOWED.encode()
    assert sent[1]["body"] == b"Internal Server Error\n"
    with pytest.raises(RuntimeError):
        run(call(CORSMiddleware(app, **STRICT), scope(origin=ALLOWED)))


def test_an_exception_after_the_start_is_never_swallowed() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("mid-stream")

    with pytest.raises(RuntimeError, match="mid-stream"):
        run(call(CORSMiddleware(app, intercept_exceptions=True, **STRICT), scope(origin=ALLOWED)))


def test_cancellation_is_never_intercepted() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        run(call(CORSMiddleware(app, intercept_exceptions=True, **STRICT), scope(origin=ALLOWED)))


def test_an_inner_layer_that_marks_the_scope_is_left_alone() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        scope[ALREADY_HANDLED_KEY] = True
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x", b"1")]})
        await send({"type": "http.response.body", "body": b""})

    sent = run(call(CORSMiddleware(app, **STRICT), scope(origin=ALLOWED)))
    assert sent[0]["headers"] == [(b"x", b"1")]


def test_app_answers_preflight_hands_chosen_preflights_to_the_app() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"allow", b"GET")]})
        await send({"type": "http.response.body", "body": b""})

    middleware = CORSMiddleware(app, app_answers_preflight=lambda s: s["path"] == "/own", **STRICT)
    extra = ((b"access-control-request-method", b"PUT"),)
    own = run(call(middleware, scope("OPTIONS", "/own", ALLOWED, extra)))
    assert own[0]["status"] == 200
    assert headers_of(own[0])[b"allow"] == b"GET"
    assert headers_of(own[0])[b"access-control-allow-methods"]
    other = run(call(middleware, scope("OPTIONS", "/other", ALLOWED, extra)))
    assert other[0]["status"] == 204


@pytest.mark.parametrize(
    ("path", "root_path", "own"),
    [
        ("/mount/api/x", "/mount", "/api/x"),
        ("/mount", "/mount", "/"),
        ("/mountain/api/x", "/mount", "/mountain/api/x"),
        ("/api/x", "/mount", "/api/x"),
        ("/api/x", "", "/api/x"),
    ],
)
def test_resources_match_the_path_below_the_mount_point(
    path: str, root_path: str, own: str
) -> None:
    assert own_path({"path": path, "root_path": root_path}) == own


def test_a_mounted_app_matches_its_own_paths() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = CORSMiddleware(app, resources={"/api/*": {}}, **STRICT)
    mounted = scope(path="/mount/api/x", origin=ALLOWED, root_path="/mount")
    assert b"access-control-allow-origin" in headers_of(run(call(middleware, mounted))[0])
    outside = scope(path="/mount/other", origin=ALLOWED, root_path="/mount")
    assert b"access-control-allow-origin" not in headers_of(run(call(middleware, outside))[0])


# --- other scope types ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["lifespan", "something-new"])
def test_lifespan_and_unknown_scopes_pass_straight_through(kind: str) -> None:
    seen: List[Tuple[Any, Any, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope, receive, send))

    async def go() -> Tuple[Any, Any, Any]:
        request = {"type": kind}

        async def receive() -> Message:
            return {}

        async def send(message: Message) -> None:
            pass

        await CORSMiddleware(app, check_websocket_origin=True, **STRICT)(request, receive, send)
        return request, receive, send

    assert seen == [run(go())]


# --- websockets -----------------------------------------------------------------------------


def websocket_app(ran: List[str]) -> Callable[..., Awaitable[None]]:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        ran.append(scope["path"])
        await receive()
        await send({"type": "websocket.accept"})

    return app


def handshake(origin: Optional[str], extensions: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return scope(path="/ws", origin=origin, kind="websocket", extensions=extensions or {})


CONNECT = [{"type": "websocket.connect"}]


def test_websocket_from_an_allowed_origin_reaches_the_app() -> None:
    ran: List[str] = []
    middleware = CORSMiddleware(websocket_app(ran), check_websocket_origin=True, **STRICT)
    sent = run(call(middleware, handshake(ALLOWED), CONNECT))
    assert ran == ["/ws"]
    assert sent == [{"type": "websocket.accept"}]


def test_websocket_from_a_refused_origin_is_closed_before_the_app_runs() -> None:
    ran: List[str] = []
    middleware = CORSMiddleware(websocket_app(ran), check_websocket_origin=True, **STRICT)
    sent = run(call(middleware, handshake(EVIL), CONNECT))
    assert ran == []
    assert sent == [{"type": "websocket.close", "code": 1008}]


def test_websocket_refusal_is_a_403_where_the_server_offers_http_responses() -> None:
    ran: List[str] = []
    middleware = CORSMiddleware(websocket_app(ran), check_websocket_origin=True, **STRICT)
    sent = run(call(middleware, handshake(EVIL, {"websocket.http.response": {}}), CONNECT))
    assert ran == []
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 403
    assert sent[1] == {
        "type": "websocket.http.response.body",
        "body": b"WebSocket origin refused\n",
    }


def test_websocket_without_origin_is_not_a_browser_and_passes() -> None:
    ran: List[str] = []
    middleware = CORSMiddleware(websocket_app(ran), check_websocket_origin=True, **STRICT)
    run(call(middleware, handshake(None), CONNECT))
    assert ran == ["/ws"]


def test_websockets_are_not_checked_unless_asked() -> None:
    ran: List[str] = []
    run(call(CORSMiddleware(websocket_app(ran), **STRICT), handshake(EVIL), CONNECT))
    assert ran == ["/ws"]


def test_websocket_outside_every_resource_is_not_checked() -> None:
    ran: List[str] = []
    middleware = CORSMiddleware(
        websocket_app(ran), check_websocket_origin=True, resources={"/api/*": {}}, **STRICT
    )
    run(call(middleware, handshake(EVIL), CONNECT))
    assert ran == ["/ws"]


def test_check_websocket_origin_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSMiddleware(websocket_app([]), check_websocket_origin="yes", **STRICT)  # type: ignore[arg-type]
    assert [p.path for p in caught.value.problems] == [("check_websocket_origin",)]


# --- concurrency and event loops ------------------------------------------------------------


def test_a_thousand_concurrent_requests_never_cross_talk() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(0)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": scope["path"].encode()})

    middleware = CORSMiddleware(app, origins=["https://*.example.com"], supports_credentials=True)

    async def one(index: int) -> Tuple[int, List[Message]]:
        origin = f"https://h{index % 700}.example.com" if index % 3 else EVIL
        return index, await call(middleware, scope(path=f"/{index}", origin=origin))

    async def everything() -> List[Tuple[int, List[Message]]]:
        return await asyncio.gather(*(one(index) for index in range(1500)))

    for index, sent in run(everything()):
        assert sent[1]["body"] == f"/{index}".encode()
        acao = headers_of(sent[0]).get(b"access-control-allow-origin")
        expected = f"https://h{index % 700}.example.com".encode() if index % 3 else None
        assert acao == expected


def test_the_shell_needs_no_asyncio() -> None:
    trio = pytest.importorskip("trio")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await trio.sleep(0)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent = trio.run(call, CORSMiddleware(app, **STRICT), scope(origin=ALLOWED))
    assert headers_of(sent[0])[b"access-control-allow-origin"] == ALLOWED.encode()


def test_websocket_refusal_copes_with_a_server_that_sets_no_extensions() -> None:
    ran: List[str] = []
    middleware = CORSMiddleware(websocket_app(ran), check_websocket_origin=True, **STRICT)
    request = {**handshake(EVIL), "extensions": None}
    assert run(call(middleware, request, CONNECT)) == [{"type": "websocket.close", "code": 1008}]
    assert ran == []


def test_another_cors_layer_inside_is_reported_once(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"access-control-allow-origin", b"*")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    middleware = CORSMiddleware(app, **STRICT)
    with caplog.at_level(logging.WARNING, logger="wsgi_cors"):
        first = run(call(middleware, scope(path="/one", origin=EVIL)))
        run(call(middleware, scope(path="/two", origin=EVIL)))
    assert headers_of(first[0])[b"access-control-allow-origin"] == b"*"  # the app's header won
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "another CORS layer is active" in warnings[0]
    assert "'/one'" in warnings[0]
