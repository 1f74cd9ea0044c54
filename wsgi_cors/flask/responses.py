"""Applying a core policy to a Flask response, for the decorator and blueprints."""

from __future__ import annotations

from flask import Response, request
from werkzeug.datastructures import Headers

from ..middleware import HANDLED_ENVIRON_KEY, cors_for_request
from ..policy import Policy
from ..response import add_cors_headers


def apply_policy(policy: Policy, response: Response) -> None:
    """Add the CORS headers ``policy`` decides for the current request to ``response``.

    The same decisions as the middleware: a preflight gets the preflight
    headers if allowed, anything else the actual-response headers; ``Vary`` is
    merged. The request is then marked handled, so an outer
    :class:`~wsgi_cors.CORSMiddleware` adds nothing more.
    """
    environ = request.environ
    current = response.headers.to_wsgi_list()
    updated = add_cors_headers(current, cors_for_request(policy, environ))
    if updated is not current:
        response.headers = Headers(updated)
    environ[HANDLED_ENVIRON_KEY] = True


def already_handled() -> bool:
    """Whether an inner layer (the decorator) already decided CORS for this request."""
    return bool(request.environ.get(HANDLED_ENVIRON_KEY))
