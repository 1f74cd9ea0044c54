"""``check_request_enabled``: decide CORS per request from your own code (a database, a view).

Connect a receiver that takes ``sender`` and ``request`` (and ``**kwargs``) and returns a
true value to enable CORS for the request, as with django-cors-headers' signal of the same
name. It is sent only when the settings do not decide: for a path outside
``CORS_URLS_REGEX`` (a true answer enables CORS for it), and for an ``Origin`` the settings
do not allow (a true answer allows it, with every other setting unchanged). Under ASGI it is
sent with ``Signal.asend``, so a receiver may query the database from an async view.
"""

from __future__ import annotations

from django.dispatch import Signal

check_request_enabled = Signal()
