"""What only the WSGI shell has: the start_response shim, exc_info, write(), the body
iterable and wsgi.file_wrapper passed through, the app's header list, the handled marker."""

from __future__ import annotations

import io
import sys
from typing import Any, Callable, Dict, Iterable, List
from wsgiref.util import FileWrapper, setup_testing_defaults

from wsgi_cors import ALREADY_HANDLED_KEY as HANDLED_ENVIRON_KEY
from wsgi_cors import CORSMiddleware

from conformance.common import STRICT
from conftest import ALLOWED, OTHER, RecordingApp, client, header_values


def _environ(**extra: Any) -> Dict[str, Any]:
    environ: Dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(extra)
    return environ


def test_exc_info_recall_of_start_response_gets_cors_headers() -> None:
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


def test_inner_layer_marked_handled_is_passed_through_untouched() -> None:
    def deciding_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        environ[HANDLED_ENVIRON_KEY] = True
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    response = client(deciding_app, **STRICT).get("/", headers={"Origin": ALLOWED})
    assert [k for k, _ in response.headerlist if k.startswith("Access-Control-")] == []
    assert header_values(response, "Vary") == []
