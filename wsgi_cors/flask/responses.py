"""Deciding CORS inside Flask, for the decorator and blueprints: the engine, asked about
Flask's current request, its headers added to the response."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Callable

from flask import Response, request

from ..core.codec import StrHeader
from ..core.engine import CORSRequest, Engine
from ..core.http import ACCESS_CONTROL_ALLOW_ORIGIN, VARY
from ..core.vary import STR_FORMS
from ..wsgi import ALREADY_HANDLED_KEY

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

#: View functions wrapped by ``cross_origin``: they decide CORS (and preflights) themselves.
DECORATED_VIEWS: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()


def cors_request(environ: WSGIEnvironment) -> CORSRequest:
    """The CORS parts of a WSGI request."""
    return CORSRequest(
        method=environ.get("REQUEST_METHOD", "GET"),
        path=environ.get("PATH_INFO", ""),
        origin=environ.get("HTTP_ORIGIN"),
        request_method=environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"),
        request_headers=environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
        request_private_network=environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"),
    )


def apply_engine(engine: Engine[StrHeader, str], response: Response) -> None:
    """Add the headers ``engine`` decides for the current request to ``response``.

    The same decisions as the middleware: a preflight gets the preflight
    headers if allowed, anything else the actual-response headers; ``Vary`` is
    merged. If a resource of ``engine`` covers the path, the request is then
    marked handled, so an outer :class:`~wsgi_cors.CORSMiddleware` adds
    nothing more; if none does, the response is left to the outer layers.
    """
    environ = request.environ
    decision = engine.decide(cors_request(environ))
    if decision.policy is None:
        return
    headers = response.headers
    app_sets_origin = ACCESS_CONTROL_ALLOW_ORIGIN in headers
    present = {
        token.strip().lower() for value in headers.getlist(VARY) for token in value.split(",")
    }
    for name, value in decision.headers:
        if name.lower() != STR_FORMS.vary:
            if not app_sets_origin:
                headers.add(name, value)
        elif "*" not in present:
            # Flask-CORS adds its Vary as a line of its own; the app's lines are kept as they are.
            missing = [t.strip() for t in value.split(",") if t.strip().lower() not in present]
            if missing:
                headers.add(VARY, ", ".join(missing))
    environ[ALREADY_HANDLED_KEY] = True


def already_handled() -> bool:
    """Whether an inner layer (the decorator) already decided CORS for this request."""
    return bool(request.environ.get(ALREADY_HANDLED_KEY))
