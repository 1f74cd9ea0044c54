"""``BoundedMemo``: a dict that decides missing keys and remembers some, up to a size."""

from __future__ import annotations

from typing import Callable, Dict, Hashable, Mapping, Tuple, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(Dict[K, V]):
    """``memo[key]`` is ``decide(key)``'s value; decided values marked to keep are remembered.

    ``pinned`` entries are always present. When the memo holds ``limit``
    remembered entries besides them, it forgets all of those (pinned ones stay),
    so its size never exceeds ``len(pinned) + limit`` and eviction costs nothing
    per lookup. Lookups of present keys are plain dict lookups.
    """

    __slots__ = ("_decide", "_limit", "_pinned")

    def __init__(
        self,
        decide: Callable[[K], Tuple[V, bool]],
        limit: int,
        pinned: Mapping[K, V],
    ) -> None:
        super().__init__(pinned)
        self._decide = decide
        self._pinned = dict(pinned)
        self._limit = len(self._pinned) + limit

    def __missing__(self, key: K) -> V:
        value, keep = self._decide(key)
        if keep:
            if len(self) >= self._limit:
                self.clear()
                self.update(self._pinned)
            self[key] = value
        return value
