"""Private Network Access: answered only when enabled, only on allowed preflights."""

from __future__ import annotations

from conformance.common import STRICT
from conftest import ALLOWED, OTHER, preflight_headers
from shells import Downstream, Shell


def test_private_network_allowed_only_when_enabled_and_only_on_preflights(
    shell: Shell,
) -> None:
    pna = {**preflight_headers(), "Access-Control-Request-Private-Network": "true"}
    enabled = shell.wrap(Downstream(), **STRICT, allow_private_network=True)
    assert enabled.options("/", pna).header("Access-Control-Allow-Private-Network") == "true"
    actual = enabled.get("/", {"Origin": ALLOWED, "Access-Control-Request-Private-Network": "true"})
    assert not actual.has("Access-Control-Allow-Private-Network")
    refused = shell.wrap(Downstream(), **STRICT).options("/", pna)
    assert refused.status == 403
    assert not refused.has("Access-Control-Allow-Private-Network")


def test_private_network_never_for_refused_origins(shell: Shell) -> None:
    pna = {**preflight_headers(origin=OTHER), "Access-Control-Request-Private-Network": "true"}
    response = shell.wrap(Downstream(), **STRICT, allow_private_network=True).options("/", pna)
    assert response.status == 403
    assert response.cors_headers() == []
