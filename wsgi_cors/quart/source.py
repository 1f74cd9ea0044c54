"""One set of Quart-CORS keyword options, resolved against an app's config when requests arrive.

Quart-CORS reads ``app.config["QUART_CORS_*"]`` on every request, and its
tests change the config after ``cors(app)``. A :class:`PolicySource` does the
same work once per change: it keeps, per app, the config values it last saw
and what they resolved to (a validated :class:`~wsgi_cors.CORSConfig` and an
:class:`~wsgi_cors.core.Engine`, or the :class:`~wsgi_cors.ConfigError`).
"""

from __future__ import annotations

import copy
import logging
import weakref
from typing import Any, Dict, Mapping, NamedTuple, Optional, Tuple, Union

from quart import Quart

from ..compat.quart_cors import config_snapshot, resolve
from ..core.codec import HeaderCodec, StrHeader
from ..core.config import CORSConfig
from ..core.engine import Engine
from ..core.problems import ConfigError

logger = logging.getLogger("wsgi_cors.quart")


class QuartCodec(HeaderCodec[StrHeader, int]):
    """Headers as ``(str, str)`` pairs for a Quart ``Response``, statuses as ``int``."""

    def header(self, name: str, value: str) -> StrHeader:
        return (name, value)

    def status(self, code: int) -> int:
        return code


QUART_CODEC = QuartCodec()

QuartEngine = Engine[StrHeader, int]


class _Resolved(NamedTuple):
    snapshot: Tuple[Any, ...]
    result: Union[Tuple[CORSConfig, QuartEngine], ConfigError]


class PolicySource:
    """Keyword options (only those given) whose policy follows the app's ``QUART_CORS_*`` keys.

    ``websocket_only`` sources ignore credentials (they do not apply to WebSocket
    origin checks), so ``allow_credentials=True`` with ``"*"`` never blocks a handshake.
    """

    def __init__(self, keywords: Mapping[str, Any], *, websocket_only: bool = False) -> None:
        self.keywords: Dict[str, Any] = dict(keywords)
        if websocket_only:
            self.keywords["allow_credentials"] = False
        self._resolved: weakref.WeakKeyDictionary[Quart, _Resolved] = weakref.WeakKeyDictionary()

    def config(self, app: Quart) -> CORSConfig:
        """The validated configuration for ``app``'s config as it is now.

        Raises :class:`~wsgi_cors.ConfigError` when it is invalid (logged once per change).
        """
        return self._current(app)[0]

    def engine(self, app: Quart) -> QuartEngine:
        """The engine deciding for ``app``'s config as it is now (see :meth:`config`)."""
        return self._current(app)[1]

    def _current(self, app: Quart) -> Tuple[CORSConfig, QuartEngine]:
        snapshot = config_snapshot(app.config)
        resolved: Optional[_Resolved] = self._resolved.get(app)
        if resolved is None or resolved.snapshot != snapshot:
            resolved = self._resolved[app] = _Resolved(_copied(snapshot), self._build(app))
        if isinstance(resolved.result, ConfigError):
            raise resolved.result
        return resolved.result

    def _build(self, app: Quart) -> Union[Tuple[CORSConfig, QuartEngine], ConfigError]:
        try:
            config = resolve(self.keywords, app.config)
        except ConfigError as error:
            logger.error("CORS is not applied: %s", error)
            return error
        return config, Engine(config, QUART_CODEC)


def _copied(snapshot: Tuple[Any, ...]) -> Tuple[Any, ...]:
    """A copy that a later in-place change of a config list cannot alter."""
    try:
        return copy.deepcopy(snapshot)
    except Exception:  # an uncopyable value: compared as it is
        return snapshot
