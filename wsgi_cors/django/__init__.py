"""A drop-in for django-cors-headers: its settings, signal and checks, on wsgi_cors's engine.

Migrating is one string in ``settings.MIDDLEWARE``::

    MIDDLEWARE = [
        "wsgi_cors.django.CorsMiddleware",  # was "corsheaders.middleware.CorsMiddleware"
        "django.middleware.common.CommonMiddleware",
        ...
    ]
    INSTALLED_APPS = [..., "wsgi_cors.django"]  # was "corsheaders": the system checks

Every ``CORS_*`` setting keeps its name and default. ``check_request_enabled`` (from here)
replaces ``corsheaders.signals.check_request_enabled``.
"""

from __future__ import annotations

from .middleware import CorsMiddleware
from .signals import check_request_enabled

__all__ = ["CorsMiddleware", "check_request_enabled"]
