"""Every stack measured, each built twice per scenario: without CORS (bare) and with it.

Families share their bare app: ``wsgi`` (a trivial WSGI app), ``flask`` (a one-route Flask
app), ``django`` (Django's ``WSGIHandler`` with one view and no middleware), ``asgi`` (a
trivial ASGI app) and ``django-asgi`` (Django's ``ASGIHandler`` with one async view and no
middleware, driven on an event loop: ``harness.LoopASGITimer``). Each family has its floor
(:data:`FLOOR_BY_FAMILY`): ``floor`` for the WSGI families, ``asgi-floor`` for the ASGI ones.
Each stack turns the scenario's :class:`~scenarios.OriginPolicy` into its own configuration:
stacks without subdomain wildcards get the wildcard's regular-expression form; a stack that
cannot express a scenario at all says why (:func:`unsupported`).

Frameworks and peers are imported only when a stack that needs them is built.
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any, Callable, Dict, List, MutableMapping, Optional, Tuple

from floor import ASGIFloorCORS, FloorCORS, RegexOrigins, SuffixOrigins, bytes_origins
from harness import (
    ASGIApp,
    ASGITimer,
    Environ,
    LoopASGITimer,
    Response,
    StartResponse,
    Timer,
    WSGIApp,
    WSGITimer,
    make_environ,
    make_scope,
    probe_asgi,
    probe_asgi_loop,
    probe_wsgi,
)
from scenarios import (
    ALLOW_HEADERS,
    EXPOSE_HEADERS,
    MAX_AGE,
    METHODS,
    OriginPolicy,
    Request,
    Scenario,
)


@dataclass(frozen=True)
class Stack:
    """One measured stack. ``ours`` names the wsgi_cors stack its overhead is compared with.

    ``vary_on_refusal``: the stack claims the Fetch standard's cache rule, so the sanity check
    also requires ``Vary: Origin`` on its answers to a refused Origin and to no Origin.
    """

    key: str
    label: str
    family: str
    ours: Optional[str] = None
    vary_on_refusal: bool = False

    @property
    def floor(self) -> str:
        """The key of the floor of this stack's family."""
        return FLOOR_BY_FAMILY[self.family]


#: The floor each family's stacks are divided by ("x floor").
FLOOR_BY_FAMILY: Dict[str, str] = {
    "wsgi": "floor",
    "flask": "floor",
    "django": "floor",
    "asgi": "asgi-floor",
    "django-asgi": "asgi-floor",
}

STACKS: Tuple[Stack, ...] = (
    Stack("wsgi_cors", "CORSMiddleware", "wsgi", vary_on_refusal=True),
    Stack("baseline", "CORSMiddleware at the baseline commit", "wsgi", ours="wsgi_cors"),
    Stack("floor", "floor shim", "wsgi", ours="wsgi_cors", vary_on_refusal=True),
    Stack("wsgicors", "wsgicors", "wsgi", ours="wsgi_cors"),
    Stack("flask+wsgi_cors", "Flask + wsgi_cors.flask", "flask", vary_on_refusal=True),
    Stack("flask-cors", "Flask + Flask-CORS", "flask", ours="flask+wsgi_cors"),
    Stack("django+wsgi_cors", "Django + CORSMiddleware", "django", vary_on_refusal=True),
    Stack("django+dropin", "Django + wsgi_cors.django", "django", vary_on_refusal=True),
    Stack("django-cors-headers", "Django + django-cors-headers", "django", ours="django+dropin"),
    Stack("asgi", "wsgi_cors.asgi.CORSMiddleware", "asgi", vary_on_refusal=True),
    Stack("asgi-baseline", "asgi CORSMiddleware at the baseline commit", "asgi", ours="asgi"),
    Stack("asgi-floor", "ASGI floor shim", "asgi", ours="asgi", vary_on_refusal=True),
    Stack("starlette", "Starlette CORSMiddleware", "asgi", ours="asgi"),
    Stack(
        "django-asgi+dropin", "Django ASGI + wsgi_cors.django", "django-asgi", vary_on_refusal=True
    ),
    Stack(
        "django-asgi-cors-headers",
        "Django ASGI + django-cors-headers",
        "django-asgi",
        ours="django-asgi+dropin",
    ),
)
STACKS_BY_KEY: Dict[str, Stack] = {stack.key: stack for stack in STACKS}


@dataclass
class Pair:
    """The bare and the wrapped app of one stack for one scenario, with their timers and probes."""

    bare: Timer
    wrapped: Timer
    probe_bare: Callable[[Request], Response]
    probe_wrapped: Callable[[Request], Response]


#: Where ``benchmarks/baseline.py`` exports an earlier commit's package, as ``wsgi_cors_baseline``.
BASELINE_DIR = Path(__file__).resolve().parent / ".baseline"


def unsupported(stack: Stack, scenario: Scenario) -> Optional[str]:
    """Why ``stack`` cannot express ``scenario``'s policy, or ``None`` when it can."""
    if stack.key in ("baseline", "asgi-baseline"):
        package = BASELINE_DIR / "wsgi_cors_baseline"
        if not package.is_dir():
            return "no baseline exported: run python benchmarks/baseline.py REF first"
        if stack.key == "asgi-baseline" and not (package / "asgi.py").is_file():
            return "the baseline commit has no ASGI shell (wsgi_cors/asgi.py)"
    if stack.key == "wsgicors" and scenario.origins.kind == "regex":
        return "wsgicors matches origins with fnmatch globs only; it has no regular expressions"
    return None


# --- the policy in each stack's terms -----------------------------------------------------


def wsgi_cors_options(origins: OriginPolicy) -> Dict[str, Any]:
    """Options for ``CORSMiddleware`` and ``wsgi_cors.flask.CORS`` (the same names)."""
    allowed: Any
    if origins.kind == "exact":
        allowed = list(origins.exact)
    elif origins.kind == "wildcard":
        allowed = [origins.wildcard]
    else:
        allowed = [re.compile(pattern) for pattern in origins.regexes]
    return {
        "origins": allowed,
        "methods": list(METHODS),
        "allow_headers": list(ALLOW_HEADERS),
        "expose_headers": list(EXPOSE_HEADERS),
        "supports_credentials": True,
        "max_age": MAX_AGE,
    }


def flask_cors_options(origins: OriginPolicy) -> Dict[str, Any]:
    """Flask-CORS options: the same names; wildcards and regexes as compiled patterns.

    ``always_send=False``: with its default ``True``, Flask-CORS answers a request without an
    Origin with an allowed origin in ``Access-Control-Allow-Origin``, which the policy does not
    allow (the sanity check refuses it). Both Flask stacks get it; for an allow-list it changes
    nothing in wsgi_cors.
    """
    options = wsgi_cors_options(origins)
    options["always_send"] = False
    if origins.kind != "exact":
        options["origins"] = [re.compile(pattern) for pattern in origins.regexes]
    return options


def wsgicors_options(origins: OriginPolicy) -> Dict[str, str]:
    """wsgicors' direct configuration: space-separated fnmatch globs and comma lists."""
    if origins.kind == "exact":
        origin = " ".join(origins.exact)
    elif origins.kind == "wildcard" and origins.wildcard is not None:
        origin = origins.wildcard
    else:
        raise ValueError("wsgicors has no regular expressions")
    return {
        "origin": origin,
        "methods": ", ".join(METHODS),
        "headers": ", ".join(ALLOW_HEADERS),
        "expose_headers": ", ".join(EXPOSE_HEADERS),
        "credentials": "true",
        "maxage": str(MAX_AGE),
    }


def starlette_options(origins: OriginPolicy) -> Dict[str, Any]:
    """Starlette options: a list of origins, or its single regex (several joined with ``|``)."""
    options: Dict[str, Any] = {
        "allow_methods": list(METHODS),
        "allow_headers": list(ALLOW_HEADERS),
        "allow_credentials": True,
        "expose_headers": list(EXPOSE_HEADERS),
        "max_age": MAX_AGE,
    }
    if origins.kind == "exact":
        options["allow_origins"] = list(origins.exact)
    else:
        options["allow_origin_regex"] = "|".join(f"(?:{p})" for p in origins.regexes)
    return options


def django_cors_settings(origins: OriginPolicy) -> Dict[str, Any]:
    """django-cors-headers settings: a list of origins, or of regexes."""
    return {
        "CORS_ALLOWED_ORIGINS": list(origins.exact),
        "CORS_ALLOWED_ORIGIN_REGEXES": list(origins.regexes) if origins.kind != "exact" else [],
        "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ALLOW_METHODS": list(METHODS),
        "CORS_ALLOW_HEADERS": [name.lower() for name in ALLOW_HEADERS],
        "CORS_EXPOSE_HEADERS": list(EXPOSE_HEADERS),
        "CORS_PREFLIGHT_MAX_AGE": MAX_AGE,
    }


def floor_allowed(origins: OriginPolicy) -> Any:
    """The floor's container: a frozenset, a suffix test, or one combined regex."""
    if origins.kind == "exact":
        return frozenset(origins.exact)
    if origins.kind == "wildcard" and origins.wildcard is not None:
        scheme, rest = origins.wildcard.split("://", 1)
        return SuffixOrigins(scheme, rest[2:])
    return RegexOrigins(origins.regexes)


def floor_headers() -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
    """The floor's precomputed headers: for actual responses, and for allowed preflights."""
    actual = [
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Expose-Headers", ", ".join(EXPOSE_HEADERS)),
        ("Vary", "Origin"),
    ]
    preflight = [
        ("Access-Control-Allow-Methods", ", ".join(METHODS)),
        ("Access-Control-Allow-Headers", ", ".join(ALLOW_HEADERS)),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Max-Age", str(MAX_AGE)),
        ("Vary", "Origin"),
    ]
    return actual, preflight


def asgi_floor_headers() -> Tuple[List[Tuple[bytes, bytes]], List[Tuple[bytes, bytes]]]:
    """:func:`floor_headers` in ASGI's form: lower-case names, ``bytes``."""
    actual, preflight = floor_headers()

    def encode(headers: List[Tuple[str, str]]) -> List[Tuple[bytes, bytes]]:
        return [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ]

    return encode(actual), encode(preflight)


# --- bare apps ------------------------------------------------------------------------------


def trivial_app(environ: Environ, start_response: StartResponse) -> List[bytes]:
    """The bare WSGI app: 200, two headers (a new list each call), a two-byte body."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


async def trivial_asgi_app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    """The bare ASGI app: the same response as :func:`trivial_app`."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


def flask_app() -> Any:
    """A Flask app whose only route, ``/``, answers ``ok``."""
    from flask import Flask

    app = Flask("bench")
    app.add_url_rule("/", "index", lambda: "ok")
    return app


_DJANGO_URLCONF = "bench_django_urls"
#: The path of the async view, which the ``django-asgi`` family requests (``/`` is sync).
DJANGO_ASYNC_PATH = "/async"


def _django_view(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(b"ok", content_type="text/plain")


async def _django_async_view(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(b"ok", content_type="text/plain")


def setup_django() -> None:
    """Configure Django in process once: a sync view at ``/`` and an async one at
    :data:`DJANGO_ASYNC_PATH`; no apps, no database."""
    from django.conf import settings

    if settings.configured:
        return
    import django
    from django.urls import path

    urls = types.ModuleType(_DJANGO_URLCONF)
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("", _django_view),
        path(DJANGO_ASYNC_PATH.lstrip("/"), _django_async_view),
    ]
    sys.modules[_DJANGO_URLCONF] = urls
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=_DJANGO_URLCONF,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={},
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()


def django_handler(middleware: List[str]) -> WSGIApp:
    """A new ``WSGIHandler`` that loads ``middleware`` (read from settings when built)."""
    from django.core.handlers.wsgi import WSGIHandler

    handler: WSGIApp = _django_handler_with(WSGIHandler, middleware)
    return handler


def django_asgi_handler(middleware: List[str]) -> ASGIApp:
    """A new ``ASGIHandler`` that loads ``middleware`` (read from settings when built)."""
    from django.core.handlers.asgi import ASGIHandler

    handler: ASGIApp = _django_handler_with(ASGIHandler, middleware)
    return handler


def _django_handler_with(handler_class: Any, middleware: List[str]) -> Any:
    setup_django()
    from django.conf import settings

    settings.MIDDLEWARE = middleware
    try:
        return handler_class()
    finally:
        settings.MIDDLEWARE = []


#: The two middlewares that read the ``CORS_*`` settings, by stack.
CORS_SETTINGS_MIDDLEWARE: Dict[str, str] = {
    "django+dropin": "wsgi_cors.django.CorsMiddleware",
    "django-cors-headers": "corsheaders.middleware.CorsMiddleware",
    "django-asgi+dropin": "wsgi_cors.django.CorsMiddleware",
    "django-asgi-cors-headers": "corsheaders.middleware.CorsMiddleware",
}


def apply_django_cors_settings(origins: OriginPolicy) -> None:
    """Set the ``CORS_*`` settings of ``origins`` and announce each change.

    django-cors-headers reads its settings on every request. ``wsgi_cors.django`` validates
    them once and rebuilds its policies when Django's ``setting_changed`` signal names a
    ``CORS_*`` setting (what ``override_settings`` sends); ``setattr`` alone sends nothing, so
    the signal is sent here, as ``override_settings`` would.
    """
    setup_django()
    from django.conf import settings
    from django.core.signals import setting_changed

    for name, value in django_cors_settings(origins).items():
        setattr(settings, name, value)
        setting_changed.send(sender=type(settings), setting=name, value=value, enter=True)


# --- wrapped apps ---------------------------------------------------------------------------


def _wrap_wsgi(stack_key: str, origins: OriginPolicy) -> Tuple[WSGIApp, WSGIApp]:
    """Bare and wrapped apps of the ``wsgi`` family."""
    if stack_key == "wsgi_cors":
        from wsgi_cors import CORSMiddleware

        return trivial_app, CORSMiddleware(trivial_app, **wsgi_cors_options(origins))
    if stack_key == "baseline":
        if str(BASELINE_DIR) not in sys.path:
            sys.path.insert(0, str(BASELINE_DIR))
        from wsgi_cors_baseline import CORSMiddleware as BaselineMiddleware

        return trivial_app, BaselineMiddleware(trivial_app, **wsgi_cors_options(origins))
    if stack_key == "floor":
        actual, preflight = floor_headers()
        return trivial_app, FloorCORS(trivial_app, floor_allowed(origins), actual, preflight)
    if stack_key == "wsgicors":
        from wsgicors import CORS

        return trivial_app, CORS(trivial_app, **wsgicors_options(origins))
    raise KeyError(stack_key)


def _wrap_flask(stack_key: str, origins: OriginPolicy) -> Tuple[WSGIApp, WSGIApp]:
    """Bare and wrapped apps of the ``flask`` family (two separate Flask apps)."""
    bare, wrapped = flask_app(), flask_app()
    if stack_key == "flask+wsgi_cors":
        from wsgi_cors.flask import CORS

        CORS(wrapped, **wsgi_cors_options(origins), always_send=False)
    elif stack_key == "flask-cors":
        import flask_cors

        flask_cors.CORS(wrapped, **flask_cors_options(origins))
    else:
        raise KeyError(stack_key)
    return bare, wrapped


def _wrap_django(stack_key: str, origins: OriginPolicy) -> Tuple[WSGIApp, WSGIApp]:
    """Bare and wrapped apps of the ``django`` family.

    The ``CORS_*`` settings are process-wide: they are set here and stay set, so a process
    uses one Django pair at a time (the one built last).
    """
    bare = django_handler([])
    if stack_key == "django+wsgi_cors":
        from wsgi_cors import CORSMiddleware

        return bare, CORSMiddleware(django_handler([]), **wsgi_cors_options(origins))
    if stack_key in CORS_SETTINGS_MIDDLEWARE:
        apply_django_cors_settings(origins)
        return bare, django_handler([CORS_SETTINGS_MIDDLEWARE[stack_key]])
    raise KeyError(stack_key)


def _wrap_asgi(stack_key: str, origins: OriginPolicy) -> ASGIApp:
    """The wrapped app of the ``asgi`` family (the bare one is :func:`trivial_asgi_app`)."""
    if stack_key == "asgi":
        from wsgi_cors.asgi import CORSMiddleware

        return CORSMiddleware(trivial_asgi_app, **wsgi_cors_options(origins))
    if stack_key == "asgi-baseline":
        if str(BASELINE_DIR) not in sys.path:
            sys.path.insert(0, str(BASELINE_DIR))
        from wsgi_cors_baseline.asgi import CORSMiddleware as BaselineMiddleware

        return BaselineMiddleware(trivial_asgi_app, **wsgi_cors_options(origins))
    if stack_key == "asgi-floor":
        actual, preflight = asgi_floor_headers()
        allowed = bytes_origins(floor_allowed(origins))
        return ASGIFloorCORS(trivial_asgi_app, allowed, actual, preflight)
    if stack_key == "starlette":
        from starlette.middleware.cors import CORSMiddleware as StarletteCORS

        return StarletteCORS(trivial_asgi_app, **starlette_options(origins))
    raise KeyError(stack_key)


def _asgi_pair(
    stack_key: str,
    origins: OriginPolicy,
    requests: Tuple[Request, ...],
    clock: Callable[[], float],
) -> Pair:
    wrapped = _wrap_asgi(stack_key, origins)
    scopes = [make_scope(request) for request in requests]
    return Pair(
        bare=ASGITimer(trivial_asgi_app, scopes, clock),
        wrapped=ASGITimer(wrapped, scopes, clock),
        probe_bare=lambda request: probe_asgi(trivial_asgi_app, make_scope(request)),
        probe_wrapped=lambda request: probe_asgi(wrapped, make_scope(request)),
    )


def _django_asgi_pair(
    stack_key: str,
    origins: OriginPolicy,
    requests: Tuple[Request, ...],
    clock: Callable[[], float],
) -> Pair:
    """The ``django-asgi`` family: bare and wrapped ``ASGIHandler``, on this process's loop.

    The requests go to the async view, so the middleware runs in async mode; the settings
    stay set, as for :func:`_wrap_django`.
    """
    if stack_key not in CORS_SETTINGS_MIDDLEWARE:
        raise KeyError(stack_key)
    apply_django_cors_settings(origins)
    bare = django_asgi_handler([])
    wrapped = django_asgi_handler([CORS_SETTINGS_MIDDLEWARE[stack_key]])
    scopes = [make_scope(request, DJANGO_ASYNC_PATH) for request in requests]
    return Pair(
        bare=LoopASGITimer(bare, scopes, clock),
        wrapped=LoopASGITimer(wrapped, scopes, clock),
        probe_bare=lambda request: probe_asgi_loop(bare, make_scope(request, DJANGO_ASYNC_PATH)),
        probe_wrapped=lambda request: probe_asgi_loop(
            wrapped, make_scope(request, DJANGO_ASYNC_PATH)
        ),
    )


_WSGI_FAMILIES = {"wsgi": _wrap_wsgi, "flask": _wrap_flask, "django": _wrap_django}


def build_pair(stack: Stack, scenario: Scenario, clock: Callable[[], float] = perf_counter) -> Pair:
    """Build ``stack`` for ``scenario``: its bare and wrapped apps, timers (on ``clock``) and
    probes."""
    if stack.family == "asgi":
        return _asgi_pair(stack.key, scenario.origins, scenario.requests, clock)
    if stack.family == "django-asgi":
        return _django_asgi_pair(stack.key, scenario.origins, scenario.requests, clock)
    bare, wrapped = _WSGI_FAMILIES[stack.family](stack.key, scenario.origins)
    environs = [make_environ(request) for request in scenario.requests]
    copy_environ = stack.family != "wsgi"
    return Pair(
        bare=WSGITimer(bare, environs, copy_environ, clock),
        wrapped=WSGITimer(wrapped, environs, copy_environ, clock),
        probe_bare=lambda request: probe_wsgi(bare, make_environ(request)),
        probe_wrapped=lambda request: probe_wsgi(wrapped, make_environ(request)),
    )
