"""The one exception a bad configuration raises, and the collector that builds it."""

from __future__ import annotations

from typing import List


class ConfigError(ValueError):
    """A CORS configuration is invalid.

    Raised once, at construction, listing every problem found. Each problem
    names the option and says how to fix it; ``problems`` holds them as a list.
    """

    def __init__(self, problems: List[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        heading = (
            "invalid CORS configuration"
            if count == 1
            else (f"invalid CORS configuration ({count} problems)")
        )
        super().__init__(heading + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class Problems:
    """Collects configuration problems so that one :class:`ConfigError` reports them all."""

    def __init__(self) -> None:
        self._messages: List[str] = []

    def add(self, option: str, message: str) -> None:
        """Record that ``option`` is wrong, with a message that says how to fix it."""
        self._messages.append(f"{option}: {message}")

    def add_recorded(self, message: str) -> None:
        """Record a message another collector already formatted as ``"option: message"``."""
        self._messages.append(message)

    @property
    def messages(self) -> List[str]:
        """The problems recorded so far, each as ``"option: message"``."""
        return list(self._messages)

    def __bool__(self) -> bool:
        return bool(self._messages)

    def raise_if_any(self) -> None:
        """Raise one :class:`ConfigError` listing everything recorded so far."""
        if self._messages:
            raise ConfigError(self._messages)
