"""The package-index gate of tests marked ``network`` (tests/conftest.py): a local index or
wheelhouse counts without any traffic, an index that does not answer does not."""

from __future__ import annotations

import socket
from pathlib import Path

from conftest import index_unreachable_reason


def test_a_local_wheelhouse_makes_the_index_reachable(tmp_path: Path) -> None:
    assert index_unreachable_reason([str(tmp_path), (tmp_path / "simple").as_uri()]) is None


def test_a_missing_local_index_is_unreachable(tmp_path: Path) -> None:
    missing = (tmp_path / "no-such-index").as_uri()
    reason = index_unreachable_reason([missing])
    assert reason is not None
    assert missing in reason


def test_an_index_that_refuses_connections_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/simple"
    reason = index_unreachable_reason([url])
    assert reason is not None
    assert url in reason
