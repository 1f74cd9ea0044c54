"""The sans-IO engine: a configuration, its resource table, and one decision per request.

Shells read a request's few CORS inputs into a :class:`CORSRequest` (or pass
them to the policy one by one on their hot path) and send what
:meth:`Engine.decide` says. Nothing here knows WSGI, ASGI or a framework.
"""

from __future__ import annotations

from typing import Callable, Generic, NamedTuple, Optional, Tuple

from .codec import HeaderCodec, HeaderT, StatusT
from .config import CORSConfig
from .policy import Policy, PreflightAnswer
from .resources import ResourceTable, text_path


class CORSRequest(NamedTuple):
    """The parts of a request that CORS looks at (header values as received, or None)."""

    method: str
    path: str = "/"
    origin: Optional[str] = None
    request_method: Optional[str] = None
    request_headers: Optional[str] = None
    request_private_network: Optional[str] = None

    @property
    def is_preflight(self) -> bool:
        """``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``."""
        return (
            self.method == "OPTIONS" and self.origin is not None and self.request_method is not None
        )


class Decision(Generic[HeaderT, StatusT]):
    """What CORS does with one request.

    ``policy`` is None when no resource covers the path (then nothing is
    added). For a preflight, ``preflight`` is the answer; ``headers`` is what
    to add to a response the app makes (for a preflight, the headers of
    ``preflight``).
    """

    __slots__ = ("headers", "policy", "preflight")

    def __init__(
        self,
        policy: Optional[Policy[HeaderT, StatusT]],
        headers: Tuple[HeaderT, ...],
        preflight: Optional[PreflightAnswer[HeaderT, StatusT]],
    ) -> None:
        self.policy = policy
        self.headers = headers
        self.preflight = preflight


class Engine(Generic[HeaderT, StatusT]):
    """A validated configuration with its policies rendered through one shell's codec."""

    __slots__ = ("codec", "config", "table")

    def __init__(
        self,
        config: CORSConfig,
        codec: HeaderCodec[HeaderT, StatusT],
        path_form: Callable[[str], str] = text_path,
    ) -> None:
        self.config = config
        self.codec = codec
        self.table: ResourceTable[HeaderT, StatusT] = ResourceTable(config, codec, path_form)

    def policy_for(self, path: str) -> Optional[Policy[HeaderT, StatusT]]:
        """The policy of the resource covering ``path`` (in the shell's path form), or None."""
        return self.table.only_policy or self.table.select(path)

    def decide(self, request: CORSRequest) -> Decision[HeaderT, StatusT]:
        """Decide ``request``: its policy, the headers to add, and a preflight's answer."""
        policy = self.policy_for(request.path)
        if policy is None:
            return Decision(None, (), None)
        origin, request_method = request.origin, request.request_method
        if request.method == "OPTIONS" and origin is not None and request_method is not None:
            answer = policy.preflight(
                origin, request_method, request.request_headers, request.request_private_network
            )
            return Decision(policy, answer.headers, answer)
        return Decision(policy, policy.actual_by_origin[origin], None)
