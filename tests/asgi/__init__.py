"""Tests of the ASGI shell, ``wsgi_cors.asgi``, driven without a server."""
