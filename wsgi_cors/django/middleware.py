"""``CorsMiddleware`` for ``settings.MIDDLEWARE``: django-cors-headers' settings, this engine.

Put ``"wsgi_cors.django.CorsMiddleware"`` where ``"corsheaders.middleware.CorsMiddleware"``
was (as high as possible: above ``CommonMiddleware`` and anything else that can answer a
request). It is sync- and async-capable, so Django runs it without a thread hop under WSGI
and ASGI alike.

Per request it reads ``request.path_info`` and the ``Origin`` and ``Access-Control-Request-*``
headers from ``request.META``; the settings were read and validated once, when the middleware
was built, and again only after a ``CORS_*`` setting changed (``override_settings`` sends
Django's ``setting_changed`` signal).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Generator, List, Optional, Tuple, Union

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers

from ..compat.django_cors_headers import read_settings, translate
from ..core.codec import HeaderCodec, StrHeader
from ..core.config import CORSConfig
from ..core.engine import Engine
from ..core.http import ACCESS_CONTROL_ALLOW_ORIGIN, VARY
from ..core.policy import Policy, PreflightAnswer
from ..core.problems import ConfigError
from ..core.resources import text_path
from .signals import check_request_enabled

__all__ = ["CorsMiddleware"]

logger = logging.getLogger("wsgi_cors.django")


class DjangoCodec(HeaderCodec[StrHeader, int]):
    """``(str, str)`` headers for ``HttpResponse.headers`` and ``int`` statuses.

    ``Vary`` tokens are rendered in lower case (``Vary: origin``), as django-cors-headers
    sends them, so a project's tests that compare the header keep passing.
    """

    def header(self, name: str, value: str) -> StrHeader:
        return (name, value.lower() if name == VARY else value)

    def status(self, code: int) -> int:
        return code


DJANGO_CODEC = DjangoCodec()

DjangoPolicy = Policy[StrHeader, int]
PreflightRequest = Tuple[str, str, Optional[str], Optional[str]]


def _any_origin(origin: str) -> bool:
    """The origins a ``check_request_enabled`` receiver allowed: it already decided."""
    return True


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


class _State:
    """The settings as policies: built once, and again after a ``CORS_*`` setting changes."""

    __slots__ = ("any_path", "engine", "signal_origins")

    def __init__(self) -> None:
        try:
            translation = translate(read_settings(_setting))
        except ConfigError as error:
            raise ImproperlyConfigured(
                "wsgi_cors: invalid CORS settings (run 'manage.py check' for each with its "
                "fix):\n  " + "\n  ".join(error.lines)
            ) from error
        self.engine: Engine[StrHeader, int] = Engine(translation.config, DJANGO_CODEC, text_path)
        #: The policy of a path outside CORS_URLS_REGEX that a receiver enabled.
        self.any_path: DjangoPolicy = Policy(translation.every_path, DJANGO_CODEC)
        #: For an origin the settings refuse and a receiver allows (None under "*").
        self.signal_origins: Optional[DjangoPolicy] = None
        every_path = translation.every_path
        if every_path.origins != "*":
            self.signal_origins = Policy(
                CORSConfig.from_mapping(
                    {**every_path.options(), "origins": _any_origin, "resources": None}
                ),
                DJANGO_CODEC,
            )


_state: Optional[_State] = None


def current_state() -> _State:
    """The policies of the current settings (built now if a setting changed since)."""
    global _state
    state = _state
    if state is None:
        state = _state = _State()
    return state


def _forget_state(*, setting: str, **kwargs: Any) -> None:
    global _state
    if setting.startswith("CORS_"):
        _state = None


setting_changed.connect(_forget_state, dispatch_uid="wsgi_cors.django.settings")


#: What the request flow asks its driver for: the signal's answer, or the view's response.
_ASK_SIGNAL = "signal"
_ASK_RESPONSE = "response"
Flow = Generator[str, Any, HttpResponseBase]


class CorsMiddleware:
    """django-cors-headers' middleware, on wsgi_cors's engine: validated once, decided fast.

    Reads django-cors-headers' settings (``CORS_ALLOWED_ORIGINS``,
    ``CORS_ALLOWED_ORIGIN_REGEXES``, ``CORS_ALLOW_ALL_ORIGINS``, ``CORS_URLS_REGEX``,
    ``CORS_ALLOW_METHODS``, ``CORS_ALLOW_HEADERS``, ``CORS_EXPOSE_HEADERS``,
    ``CORS_PREFLIGHT_MAX_AGE``, ``CORS_ALLOW_CREDENTIALS``, ``CORS_ALLOW_PRIVATE_NETWORK``,
    and the old names), with their defaults. A preflight on a covered path is answered here
    (``200``, empty body), before the views and every middleware below; every other response
    of a covered path gets the CORS headers and ``Vary: origin``, error responses included.
    Invalid settings raise ``ImproperlyConfigured`` when the middleware is built; add
    ``"wsgi_cors.django"`` to ``INSTALLED_APPS`` to have ``manage.py check`` report each
    mistake with its fix. Put it at the top of ``MIDDLEWARE``::

        INSTALLED_APPS = [..., "wsgi_cors.django"]
        MIDDLEWARE = [
            "wsgi_cors.django.CorsMiddleware",
            "django.middleware.common.CommonMiddleware",
            ...
        ]
        CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
        CORS_ALLOW_CREDENTIALS = True

    The settings, their defaults and what differs from django-cors-headers are in
    ``docs/migrating/django-cors-headers.md``.
    """

    sync_capable = True
    async_capable = True

    def __init__(
        self,
        get_response: Callable[[HttpRequest], Union[HttpResponseBase, Awaitable[HttpResponseBase]]],
    ) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)
        current_state()  # invalid settings fail here, at start-up

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        flow = _flow(request)
        try:
            step = next(flow)
            while True:
                if step == _ASK_RESPONSE:
                    step = flow.send(self.get_response(request))
                else:
                    step = flow.send(_enabled_by_signal(request))
        except StopIteration as done:
            return done.value

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        flow = _flow(request)
        try:
            step = next(flow)
            while True:
                if step == _ASK_RESPONSE:
                    step = flow.send(await self.get_response(request))  # type: ignore[misc]
                else:
                    step = flow.send(await _enabled_by_signal_async(request))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


def _flow(request: HttpRequest) -> Flow:
    """One request's CORS, written once for both drivers: it yields what it needs."""
    state = current_state()
    policy = state.engine.policy_for(request.path_info)
    if policy is None:
        if not check_request_enabled.receivers or not (yield _ASK_SIGNAL):
            bypassed: HttpResponseBase = yield _ASK_RESPONSE
            return bypassed
        policy = state.any_path
    meta = request.META
    origin: Optional[str] = meta.get("HTTP_ORIGIN")
    if (
        origin is not None
        and request.method == "OPTIONS"
        and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in meta
    ):
        asked: PreflightRequest = (
            origin,
            meta["HTTP_ACCESS_CONTROL_REQUEST_METHOD"],
            meta.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
            meta.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"),
        )
        answer = policy.preflight(*asked)
        if (
            answer.reason == "origin"
            and state.signal_origins is not None
            and check_request_enabled.receivers
            and (yield _ASK_SIGNAL)
        ):
            answer = state.signal_origins.preflight(*asked)
        return _preflight_response(answer)
    response: HttpResponseBase = yield _ASK_RESPONSE
    added = policy.actual_by_origin[origin]
    if (
        origin is not None
        and not _grants(added)
        and state.signal_origins is not None
        and check_request_enabled.receivers
        and (yield _ASK_SIGNAL)
    ):
        added = state.signal_origins.actual_by_origin[origin]
    _add_headers(response, added, request)
    return response


def _grants(added: Tuple[StrHeader, ...]) -> bool:
    """Whether the headers for an actual response allow its origin (they start with ACAO)."""
    return bool(added) and added[0][0] == ACCESS_CONTROL_ALLOW_ORIGIN


def _enabled_by_signal(request: HttpRequest) -> bool:
    return any(answer for _, answer in check_request_enabled.send(sender=None, request=request))


async def _enabled_by_signal_async(request: HttpRequest) -> bool:
    send = getattr(check_request_enabled, "asend", None)
    if send is None:  # Django < 5.0: the receivers run in a thread, as sync code must
        replies = await sync_to_async(check_request_enabled.send)(sender=None, request=request)
    else:
        replies = await send(sender=None, request=request)
    return any(answer for _, answer in replies)


def _preflight_response(answer: PreflightAnswer[StrHeader, int]) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status)
    headers = response.headers
    for name, value in answer.response_headers:
        headers[name] = value
    return response


_other_layer_reported = False


def _add_headers(
    response: HttpResponseBase, added: Tuple[StrHeader, ...], request: HttpRequest
) -> None:
    """Add the CORS headers; merge ``Vary``; leave a view's own CORS headers alone."""
    headers = response.headers
    # One pass over the names the response has: a membership test on Django's
    # case-insensitive headers raises and catches a KeyError for each name that is absent.
    present = {name.lower() for name in headers}
    own = _ALLOW_ORIGIN_KEY in present
    if own:
        _report_other_layer(request)
    for name, value in added:
        if name == VARY:
            if _VARY_KEY in present:
                patch_vary_headers(response, _vary_tokens(value))
            else:
                headers[VARY] = value
        elif not own:
            headers[name] = value


_ALLOW_ORIGIN_KEY = ACCESS_CONTROL_ALLOW_ORIGIN.lower()
_VARY_KEY = VARY.lower()


def _vary_tokens(value: str) -> List[str]:
    return [token.strip() for token in value.split(",")]


def _report_other_layer(request: HttpRequest) -> None:
    global _other_layer_reported
    if _other_layer_reported:
        return
    _other_layer_reported = True
    logger.warning(
        "another CORS layer is active: the response to %r already had "
        "Access-Control-Allow-Origin, so its CORS headers won and wsgi_cors added only Vary; "
        "remove the other layer (django-cors-headers in MIDDLEWARE?) or wsgi_cors (logged "
        "once)",
        request.path_info,
    )
