"""``cross_origin``: Flask-CORS's per-view decorator, deciding with the core policy."""

from __future__ import annotations

import functools
import logging
import weakref
from typing import Any, Callable, TypeVar

from flask import Flask, current_app, make_response, request

from ..policy import Policy
from ..resources import build_resource_table
from .extension import mark_decorated, resolve_for_decorator
from .responses import apply_policy

logger = logging.getLogger("wsgi_cors.flask")

View = TypeVar("View", bound=Callable[..., Any])


def cross_origin(*args: Any, **kwargs: Any) -> Callable[[View], View]:
    """Decorate a view with its own CORS options (Flask-CORS's ``cross_origin``).

    Put it below ``@app.route``. Options are Flask-CORS's; they are validated
    here, at decoration, and the policy is built once per app on first use
    (defaults < ``app.config["CORS_*"]`` < these kwargs). With
    ``automatic_options=True`` (the default) the view answers ``OPTIONS`` with
    Flask's default options response plus the preflight headers, without
    running the view. The decorator's decision wins over a ``CORS`` extension
    on the same app, for preflights too.
    """
    if "resources" in kwargs:
        logger.warning("cross_origin ignores the 'resources' option, as Flask-CORS does")
        kwargs = {key: value for key, value in kwargs.items() if key != "resources"}
    automatic_options = kwargs.get("automatic_options", True)
    build_resource_table(resolve_for_decorator(None, kwargs))  # fail fast on bad options
    policies: weakref.WeakKeyDictionary[Flask, Policy] = weakref.WeakKeyDictionary()

    def policy_for(app: Flask) -> Policy:
        policy = policies.get(app)
        if policy is None:
            policy, _ = build_resource_table(resolve_for_decorator(app, kwargs))
            policies[app] = policy
        return policy

    def decorator(view: View) -> View:
        if automatic_options:
            methods = set(getattr(view, "required_methods", ()))
            methods.add("OPTIONS")
            view.required_methods = methods  # type: ignore[attr-defined]
            view.provide_automatic_options = False  # type: ignore[attr-defined]

        @functools.wraps(view)
        def wrapped(*view_args: Any, **view_kwargs: Any) -> Any:
            app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
            if automatic_options and request.method == "OPTIONS":
                response = app.make_default_options_response()
            else:
                response = make_response(app.ensure_sync(view)(*view_args, **view_kwargs))
            apply_policy(policy_for(app), response)
            return response

        mark_decorated(wrapped)
        return wrapped  # type: ignore[return-value]

    return decorator
