"""Properties of preflight answers, through the shell, against the docs oracle."""

from __future__ import annotations

from typing import Any, Dict

from hypothesis import event, given
from hypothesis import strategies as st

from conformance.configurations import HEADER_LISTS, OPTIONS, ORIGINS, aimed, make_valid, scenarios
from conformance.generation import INDEX, AppSpec
from conformance.oracle import (
    PROFILE,
    Request,
    Scenario,
    by_name,
    check_preflight_added,
    is_cors,
    merged,
    policy_options,
    preflight_verdict,
    request_kind,
)
from conformance.scenarios import SHELL_APPS, answered, play
from shells import Shell

PLAIN_APP = AppSpec("normal", "200 OK", (("Content-Type", "text/plain"),), (b"ok",))


def refusal_body(shell: Shell, scenario: Scenario) -> bytes:
    """The body of a preflight this middleware must refuse (a method that is not a token)."""
    request = Request("OPTIONS", scenario.request.path, "https://reference.invalid", "\x00")
    reference = Scenario(scenario.top, scenario.resources, request, PLAIN_APP)
    exchange = answered(play(shell, reference))
    assert exchange.status == 403
    return exchange.body


@PROFILE
@given(scenario=scenarios(shape="preflight", apps=SHELL_APPS))
def test_preflight_is_answered_2xx_only_when_everything_asked_is_allowed(
    shell: Shell, scenario: Scenario
) -> None:
    """2xx only if the origin, the method (case-sensitive) and every requested header
    (case-insensitive) are allowed, and private network access if asked; then the
    configured status, the docs' headers and an empty body."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    if kind != "preflight_answer":
        event(f"not answered by the middleware: {kind}")
        return
    assert options is not None
    verdict = preflight_verdict(options, scenario.request)
    outcome = play(shell, scenario)
    exchange = answered(outcome)
    assert outcome.downstream.calls == 0
    allowed = exchange.status != 403
    event(f"preflight verdict {verdict}, {'allowed' if allowed else 'refused'}")
    if not allowed:
        assert verdict is not True, "an allowed preflight was refused"
        return
    assert verdict is not False, f"a refused preflight was answered {exchange.status}"
    assert exchange.status == options["preflight_status"]
    cors = [header for header in exchange.fields() if is_cors(header[0])]
    check_preflight_added(options, scenario.request, by_name(cors))
    assert exchange.body == b""
    assert by_name(exchange.fields()).get("content-length", ["0"]) == ["0"]


@PROFILE
@given(scenario=scenarios(shape="preflight", apps=SHELL_APPS))
def test_refused_preflight_is_403_without_cors_headers_or_request_data(
    shell: Shell, scenario: Scenario
) -> None:
    options = policy_options(scenario)
    if request_kind(scenario, options) != "preflight_answer":
        return
    exchange = answered(play(shell, scenario))
    if exchange.status != 403:
        return
    assert exchange.reason in ("", "Forbidden")
    assert [h for h in exchange.fields() if is_cors(h[0])] == []
    assert exchange.body == refusal_body(shell, scenario), "the refusal body depends on the request"
    request = scenario.request
    for value in (request.origin, request.acrm, request.acrh, request.path):
        if value and len(value) >= 12:
            assert value.encode("latin-1") not in exchange.body


@PROFILE
@given(options=OPTIONS, data=st.data())
def test_preflight_decision_for_near_misses_of_an_allowed_preflight(
    shell: Shell, options: Dict[str, Any], data: st.DataObject
) -> None:
    """A preflight the policy allows, or one near miss of it (the origin mutated, the method
    in another case or unlisted, one header not allowed or not a token, anywhere in the list,
    private network asked): allowed exactly when the oracle says so, with the docs'
    headers; refused with 403 and no CORS headers."""
    top = dict(options)
    if "origins" not in top and data.draw(INDEX) % 4:
        top["origins"] = data.draw(ORIGINS)
    if data.draw(INDEX) % 2:
        top["allow_headers"] = data.draw(HEADER_LISTS)
    make_valid(top, merged(top))
    policy = merged(top)
    request = aimed(data.draw, policy, Request("OPTIONS", "/", "", ""))
    verdict = preflight_verdict(policy, request)
    event(f"preflight verdict {verdict}")
    exchange = answered(play(shell, Scenario(top, None, request, PLAIN_APP)))
    cors = by_name([header for header in exchange.fields() if is_cors(header[0])])
    allowed = bool(cors)
    if policy["automatic_options"]:
        assert allowed == (exchange.status != 403), (exchange.status, cors)
    assert verdict is not (not allowed), f"{'allowed' if allowed else 'refused'}: {verdict}"
    if allowed:
        check_preflight_added(policy, request, cors)


def test_preflight_status_accepts_every_2xx_code(shell: Shell) -> None:
    """A bug found: 299 was refused as a preflight_status."""
    scenario = Scenario(
        {"preflight_status": 299},
        None,
        Request("OPTIONS", "/", "https://example.com", "GET"),
        AppSpec("normal", "200 OK", (), ()),
    )
    assert answered(play(shell, scenario)).status == 299
