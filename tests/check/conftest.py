"""Fixtures of the ``wsgi-cors check`` tests: canned loopback servers on 127.0.0.1."""

from __future__ import annotations

from typing import Iterator

import pytest

from check.check_servers import (
    CannedServer,
)


@pytest.fixture(scope="module")
def canned() -> Iterator[CannedServer]:
    server = CannedServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def canned_b() -> Iterator[CannedServer]:
    """A second server: another origin, for cross-origin redirects."""
    server = CannedServer()
    yield server
    server.close()
