"""The WebSocket origin check of ``cors()`` and ``websocket_cors``.

Browsers open WebSockets to any origin and send the page's ``Origin``; the
server must check it (cross-site WebSocket hijacking). The check uses the same
policy as HTTP: an allowed origin passes, any other is refused with 400, as in
Quart-CORS. A handshake without ``Origin`` comes from a client that is not a
browser: it passes when the policy is ``"*"`` and is refused (400) by an
allow-list, since nothing then says where it comes from.
"""

from __future__ import annotations

import logging
from typing import Optional

from quart import abort, current_app, websocket

from .source import PolicySource

logger = logging.getLogger("wsgi_cors.quart")


def origin_allowed(source: PolicySource, origin: Optional[str]) -> bool:
    """Whether the current app's policy from ``source`` lets a handshake with ``origin`` in."""
    policy = source.engine(current_app._get_current_object()).policy_for("/")  # type: ignore[attr-defined]
    if policy is None:
        return True
    if origin is None:
        return policy.matcher.any_origin
    return policy.wildcard_origin or policy.matcher.allows(origin)


def check_websocket_origin(source: PolicySource) -> None:
    """Refuse the current handshake with 400 unless its ``Origin`` is allowed."""
    origins = websocket.headers.getlist("Origin")
    origin = ",".join(origins) if origins else None
    if not origin_allowed(source, origin):
        logger.debug("WebSocket handshake refused: origin %.200r is not allowed", origin)
        abort(400)
