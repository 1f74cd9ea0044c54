"""Per-path resources: which :class:`~wsgi_cors.core.policy.Policy` covers a request path.

A shell gives paths in its own form: WSGI's ``PATH_INFO`` is the URL's UTF-8
bytes read as latin-1, ASGI's ``path`` is real text. The table converts the
configured patterns to that form once (``path_form``), so a request path is
never decoded or case-folded. Precedence, most specific first:

1. exact paths (``"/health"``), one dict lookup;
2. compiled ``re.Pattern`` objects, full-matched, in declaration order;
3. prefixes (``"/api/*"`` covers ``/api/`` and everything below it), longest
   prefix first, one dict lookup per distinct configured prefix length;
4. the catch-all (``"*"`` or ``"/*"``).

A path that no pattern covers gets no policy, and so does (unless the table is
a lone catch-all) a path with an empty, ``.`` or ``..`` segment (``/api//x``,
``/api/./x``, ``/api/../x``) that no exact pattern names: routers disagree on
those.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, Generic, List, Optional, Pattern, Tuple

from .codec import HeaderCodec, HeaderT, StatusT
from .config import CORSConfig
from .paths import CATCH_ALL, EXACT, PREFIX, REGEX, classify_path_pattern
from .policy import Policy


def text_path(path: str) -> str:
    """The path form of ASGI and of the engine's tests: the path as text."""
    return path


def wsgi_path(path: str) -> str:
    """The path form of WSGI's ``PATH_INFO``: UTF-8 bytes read as latin-1."""
    return path.encode("utf-8").decode("latin-1")


class ResourceTable(Generic[HeaderT, StatusT]):
    """Maps a request path to the policy of the resource that covers it."""

    __slots__ = (
        "_catch_all",
        "_exact",
        "_prefix_lengths",
        "_prefixes",
        "_regexes",
        "only_policy",
        "policies",
    )

    def __init__(
        self,
        config: CORSConfig,
        codec: HeaderCodec[HeaderT, StatusT],
        path_form: Callable[[str], str] = text_path,
    ) -> None:
        self._exact: Dict[str, Policy[HeaderT, StatusT]] = {}
        regexes: List[Tuple[Pattern[str], Policy[HeaderT, StatusT]]] = []
        self._prefixes: Dict[str, Policy[HeaderT, StatusT]] = {}
        self._catch_all: Optional[Policy[HeaderT, StatusT]] = None
        if config.resources is None:
            self._catch_all = Policy(config, codec)
        for pattern, resource in config.resource_configs:
            policy = Policy(resource, codec)
            kind, key, _ = classify_path_pattern(pattern)
            if kind == REGEX and isinstance(pattern, re.Pattern):
                regexes.append((pattern, policy))
            elif kind == CATCH_ALL:
                self._catch_all = policy
            elif kind == PREFIX:
                self._prefixes[path_form(key)] = policy
            elif kind == EXACT:
                self._exact[path_form(key)] = policy
        self._regexes = tuple(regexes)
        self._prefix_lengths = tuple(sorted({len(p) for p in self._prefixes}, reverse=True))
        #: Every policy, in precedence order.
        self.policies: Tuple[Policy[HeaderT, StatusT], ...] = (
            *self._exact.values(),
            *(policy for _, policy in self._regexes),
            *self._prefixes.values(),
            *((self._catch_all,) if self._catch_all else ()),
        )
        #: The policy of every path when a catch-all is the only pattern (no lookup needed).
        self.only_policy: Optional[Policy[HeaderT, StatusT]] = (
            None if self._exact or self._regexes or self._prefixes else self._catch_all
        )

    def select(self, path: str) -> Optional[Policy[HeaderT, StatusT]]:
        """The policy covering ``path`` (in the shell's path form), or ``None``."""
        policy = self._exact.get(path)
        if policy is not None:
            return policy
        if self.only_policy is not None:
            return self.only_policy
        if _is_unnormalized(path):
            return None
        for pattern, candidate in self._regexes:
            if pattern.fullmatch(path) is not None:
                return candidate
        prefixes = self._prefixes
        for length in self._prefix_lengths:
            policy = prefixes.get(path[:length])
            if policy is not None:
                return policy
        return self._catch_all


def _is_unnormalized(path: str) -> bool:
    """Whether ``path`` has an empty, ``.`` or ``..`` segment.

    Routers disagree on such paths (Werkzeug merges ``//``, others do not), so
    a pattern could pick another resource than the one the router serves: such
    paths get no resource at all (no CORS headers; preflights go to the app).
    """
    return "//" in path or "/./" in path or "/../" in path or path.endswith(("/.", "/.."))
