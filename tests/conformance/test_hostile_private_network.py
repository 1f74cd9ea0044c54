"""Private Network Access under hostile requests (SECURITY.md class 2.9)."""

from __future__ import annotations

import pytest

from conformance.hostile import (
    ACAO,
    ACAPN,
    APP,
    PNA_ROWS,
    PnaRow,
    ask,
    assert_not_echoed,
    assert_refused_preflight,
    fixed,
)
from shells import Shell


@pytest.mark.parametrize("row", PNA_ROWS)
def test_2_9_private_network_access_only_when_enabled_on_allowed_preflights(
    shell: Shell, row: PnaRow
) -> None:
    request = dict(row.request)
    method = request.pop("method", "GET")
    answer = ask(shell, fixed(row.options), method=method, path=row.path, **request)  # type: ignore[arg-type]
    assert answer.exchange.status == row.status
    assert answer.app_calls == row.app_calls
    assert answer.values(ACAPN) == (
        [row.allow_private_network] if row.allow_private_network else []
    )
    if answer.values(ACAPN):
        assert answer.values(ACAO) == [APP]
    if row.status == 403:
        assert_refused_preflight(answer)
    if row.app_calls and row.allow_private_network is None and "request_method" in request:
        assert answer.cors() == []
    assert_not_echoed(answer, "Injected")
