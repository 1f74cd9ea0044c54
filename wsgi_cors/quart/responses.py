"""Deciding CORS inside Quart: the current request's CORS inputs, headers merged into a response,
and the mark that tells the ASGI shell an inner layer already decided."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from quart import Response, has_request_context, request
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as WerkzeugResponse

from ..asgi import ALREADY_HANDLED_KEY
from ..core.engine import CORSRequest
from ..core.vary import STR_FORMS, add_cors_headers
from .source import QuartEngine


def _joined(headers: Headers, name: str) -> Optional[str]:
    """Every line of request header ``name`` joined with ``,`` (as the ASGI shell reads them)."""
    values = headers.getlist(name)
    return ",".join(values) if values else None


def cors_request() -> CORSRequest:
    """The CORS parts of Quart's current request."""
    headers = request.headers
    return CORSRequest(
        method=request.method,
        path=request.path,
        origin=_joined(headers, "Origin"),
        request_method=_joined(headers, "Access-Control-Request-Method"),
        request_headers=_joined(headers, "Access-Control-Request-Headers"),
        request_private_network=_joined(headers, "Access-Control-Request-Private-Network"),
    )


def apply_cors(engine: QuartEngine, response: Response | WerkzeugResponse) -> None:
    """Add what ``engine`` decides for the current request to ``response``, and mark it handled.

    A preflight gets the preflight headers when allowed (``Vary`` only when
    refused); any other request the actual-response headers. ``Vary`` is merged.
    """
    decision = engine.decide(cors_request())
    current = list(response.headers.items())
    updated = add_cors_headers(current, decision.headers, STR_FORMS)
    if updated is not current:
        response.headers = Headers(updated)
    mark_handled()


def mark_handled() -> None:
    """Tell an outer ASGI shell to leave this request's response alone."""
    if has_request_context():
        scope: Dict[str, Any] = request.scope  # type: ignore[assignment]
        scope[ALREADY_HANDLED_KEY] = True


def already_handled() -> bool:
    """Whether an inner layer (``route_cors``, a blueprint, an exemption) decided already."""
    if not has_request_context():
        return False
    scope: Mapping[str, Any] = request.scope
    return bool(scope.get(ALREADY_HANDLED_KEY))


async def options_response() -> Response:
    """Quart's automatic ``OPTIONS`` answer (200, ``Allow``), built without Quart's internals.

    ``Quart.make_default_options_response`` changed its signature in Quart 0.23,
    so it is not called: the ``Allow`` header lists the matched rule's methods.
    """
    rule = request.url_rule
    methods = sorted(rule.methods or ()) if rule is not None else ["OPTIONS"]
    return Response("", status=200, headers={"Allow": ", ".join(methods)})
