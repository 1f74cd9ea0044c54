"""The app config: add ``"wsgi_cors.django"`` to ``INSTALLED_APPS`` for the system checks."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class WsgiCorsConfig(AppConfig):
    """Registers :func:`wsgi_cors.django.checks.check_settings` (tag ``security``)."""

    name = "wsgi_cors.django"
    label = "wsgi_cors"
    verbose_name = "wsgi_cors"

    def ready(self) -> None:
        from .checks import check_settings

        checks.register(check_settings, checks.Tags.security)
