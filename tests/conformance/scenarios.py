"""A property-test scenario (configuration, request, app) played through a shell."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import List, Optional, Tuple

from hypothesis import strategies as st

from conformance.generation import APP_MODES, AppSpec, app_specs
from conformance.oracle import Request, Scenario, middleware_kwargs
from shells import Downstream, Exchange, Shell

Header = Tuple[str, str]

#: How an app can behave in every shell: answer, fail before answering, or fail once it has
#: begun to answer. (exc_info, a lazy start, write() and a failing body: tests/wsgi/.)
SHELL_MODES = ["normal", "raise_before", "raise_after_start"]
assert set(SHELL_MODES) <= set(APP_MODES)
#: Apps as the shells can play them (no write() calls).
SHELL_APPS = app_specs(st.one_of(st.just("normal"), st.sampled_from(SHELL_MODES))).map(
    lambda spec: replace(spec, writes=())
)
FAILING_SHELL_APPS = app_specs(st.sampled_from(SHELL_MODES)).map(
    lambda spec: replace(spec, writes=())
)
NORMAL_SHELL_APPS = app_specs(st.just("normal")).map(lambda spec: replace(spec, writes=()))


class AppError(Exception):
    """The app's own exception: the only one allowed to escape the middleware."""


@dataclass
class Outcome:
    downstream: Downstream
    error: AppError
    exchange: Optional[Exchange] = None
    raised: Optional[BaseException] = None


def downstream_for(spec: AppSpec, error: AppError) -> Downstream:
    assert spec.mode in SHELL_MODES, spec.mode
    code, _, reason = spec.status.partition(" ")
    return Downstream(
        status=int(code),
        reason=reason,
        headers=list(spec.headers),
        body=list(spec.chunks),
        raises=error if spec.mode == "raise_before" else None,
        raises_after_start=error if spec.mode == "raise_after_start" else None,
    )


def request_headers(request: Request) -> List[Header]:
    fields = [
        ("Origin", request.origin),
        ("Access-Control-Request-Method", request.acrm),
        ("Access-Control-Request-Headers", request.acrh),
        ("Access-Control-Request-Private-Network", request.acrpn),
    ]
    return [(name, value) for name, value in fields if value is not None]


def play(shell: Shell, scenario: Scenario) -> Outcome:
    """Send the scenario's request through the shell; the app's own error is caught."""
    error = AppError(f"app error {id(scenario)}")
    downstream = downstream_for(scenario.app, error)
    outcome = Outcome(downstream, error)
    client = shell.wrap(downstream, **middleware_kwargs(scenario))
    request = scenario.request
    try:
        outcome.exchange = client.request(request.method, request.path, request_headers(request))
    except AppError as raised:
        outcome.raised = raised
    return outcome


def answered(outcome: Outcome) -> Exchange:
    assert outcome.exchange is not None, f"the app's error escaped: {outcome.raised!r}"
    return outcome.exchange
