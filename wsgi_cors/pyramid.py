"""Pyramid: ``CORSMiddleware`` configured from ``cors.*`` settings.

Pyramid apps read their configuration from the ``[app:main]`` section of an
ini file, with one dotted prefix per component (``sqlalchemy.url``,
``session.secret``). ``middleware_from_settings`` reads the ``cors.`` keys with
the same parser as the PasteDeploy filter (see :mod:`wsgi_cors.paste`)::

    [app:main]
    use = egg:myapp
    cors.origins = https://app.example.com
    cors.supports_credentials = true
    cors.resources = /api/*

    def main(global_config, **settings):
        with Configurator(settings=settings) as config:
            config.scan()
            app = config.make_wsgi_app()
        return middleware_from_settings(app, settings)

It does not import Pyramid: any mapping of strings works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from .paste import load_config
from .wsgi import CORSMiddleware

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["middleware_from_settings"]


def middleware_from_settings(
    app: WSGIApplication, settings: Mapping[str, Any], prefix: str = "cors."
) -> CORSMiddleware:
    """Wrap ``app`` in ``CORSMiddleware`` configured by the ``prefix`` keys of ``settings``.

    Keys without the prefix are ignored; ``<prefix>origins`` is required. A
    string value is parsed as in an ini file, any other value is used as it is
    (and validated the same way). Raises one :class:`~wsgi_cors.ConfigError`
    whose lines name the settings keys
    (``cors.supports_credentials: 'maybe' is not a boolean; use true or false``).
    In the ``main`` of a Pyramid app::

        def main(global_config, **settings):
            with Configurator(settings=settings) as config:
                ...
                return middleware_from_settings(config.make_wsgi_app(), settings)
    """
    conf = {key[len(prefix) :]: value for key, value in settings.items() if key.startswith(prefix)}
    return CORSMiddleware(app, config=load_config(conf, key_prefix=prefix))
