"""Properties of every answer: random configurations, random (often hostile) requests,
random apps, through the shell, checked against the docs oracle (conformance/oracle.py).

The app answers with any status, its own Vary and Access-Control-Allow-Origin and body
chunks, or fails before or after it starts to answer (SHELL_MODES); the WSGI-only ways to
answer (exc_info, a lazy start, write(), a failing body) are in tests/wsgi/."""

from __future__ import annotations

from hypothesis import event, given

from conformance.configurations import scenarios
from conformance.oracle import (
    ACAC,
    ACAO,
    PROFILE,
    Scenario,
    by_name,
    check_app_headers_kept,
    check_cors,
    check_preflight_added,
    check_vary,
    expected_failure,
    intercepted,
    is_cors,
    is_token,
    origin_mode,
    policy_options,
    request_kind,
    required_vary,
)
from conformance.scenarios import FAILING_SHELL_APPS, SHELL_APPS, answered, play
from shells import Shell, lowered


@PROFILE
@given(scenario=scenarios(apps=FAILING_SHELL_APPS))
def test_middleware_never_raises_except_the_apps_own_exception(
    shell: Shell, scenario: Scenario
) -> None:
    """Only the app's own exception escapes, only when it must: intercept_exceptions off, or
    raised once the app has begun to answer."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    where = expected_failure(scenario, options, kind)
    event(f"app mode {scenario.app.mode}, kind {kind}, escapes: {where or 'nothing'}")
    outcome = play(shell, scenario)
    assert outcome.raised is (outcome.error if where == "call" else None)
    if intercepted(scenario, options, kind):
        assert answered(outcome).status == 500


@PROFILE
@given(scenario=scenarios(apps=SHELL_APPS))
def test_no_response_pairs_star_with_credentials(shell: Shell, scenario: Scenario) -> None:
    outcome = play(shell, scenario)
    if outcome.exchange is not None:
        values = by_name(outcome.exchange.fields())
        assert not ("*" in values.get(ACAO, []) and "true" in values.get(ACAC, []))


@PROFILE
@given(scenario=scenarios(apps=SHELL_APPS))
def test_allow_origin_is_single_and_only_what_the_policy_allows(
    shell: Shell, scenario: Scenario
) -> None:
    """ACAO at most once; ``*`` or the request's own Origin, byte for byte, when the oracle
    allows it; and exactly the CORS headers the docs give for the response."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    event(f"kind {kind}, mode {origin_mode(options) if options else '-'}")
    outcome = play(shell, scenario)
    if outcome.exchange is None:
        return  # the app's error escaped: test_middleware_never_raises says when
    headers = outcome.exchange.fields()
    assert len(by_name(headers).get(ACAO, [])) <= 1
    if kind == "preflight_answer":
        if outcome.exchange.status == 403:
            assert not [h for h in headers if is_cors(h[0])]
        else:
            assert options is not None
            cors = [header for header in headers if is_cors(header[0])]
            check_preflight_added(options, scenario.request, by_name(cors))
    elif intercepted(scenario, options, kind):
        check_cors(scenario, options, kind, [], headers)
    else:
        check_cors(scenario, options, kind, lowered(scenario.app.headers), headers)


@PROFILE
@given(scenario=scenarios(apps=SHELL_APPS))
def test_vary_has_origin_whenever_the_answer_depends_on_it(
    shell: Shell, scenario: Scenario
) -> None:
    """``Vary: Origin`` on every response of a non-``*`` policy (allowed, refused and
    Origin-less alike), the three preflight tokens on preflight answers, merged into the
    app's Vary without duplicates; ``Vary: *`` and uncovered paths left alone."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    required = required_vary(options, kind)
    event(f"required Vary: {', '.join(required) or 'none'}")
    outcome = play(shell, scenario)
    if outcome.exchange is None:
        return
    if kind == "preflight_answer" or intercepted(scenario, options, kind):
        check_vary([], outcome.exchange.fields(), required)
    else:
        check_vary(lowered(scenario.app.headers), outcome.exchange.fields(), required)


@PROFILE
@given(scenario=scenarios(apps=SHELL_APPS))
def test_status_body_and_app_headers_are_preserved(shell: Shell, scenario: Scenario) -> None:
    """The app's status, body and headers pass through, with only CORS headers added."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    spec = scenario.app
    outcome = play(shell, scenario)
    if kind == "preflight_answer":
        assert outcome.downstream.calls == 0
        return
    assert outcome.downstream.calls == 1
    if outcome.exchange is None:
        return
    exchange = outcome.exchange
    if intercepted(scenario, options, kind):
        assert exchange.status == 500
        assert str(outcome.error).encode() not in exchange.body
        return
    assert exchange.status == int(spec.status[:3])
    check_app_headers_kept(lowered(spec.headers), exchange.fields())
    assert exchange.body == b"".join(spec.chunks)


@PROFILE
@given(scenario=scenarios(apps=SHELL_APPS))
def test_emitted_headers_are_well_formed(shell: Shell, scenario: Scenario) -> None:
    """No header name or value with CR, LF or NUL, every name a token, values latin-1."""
    outcome = play(shell, scenario)
    if outcome.exchange is None:
        return
    assert 100 <= outcome.exchange.status <= 999
    assert not set("\r\n\x00") & set(outcome.exchange.reason)
    for name, value in outcome.exchange.fields():
        assert is_token(name), name
        assert not set("\r\n\x00") & set(name + value), (name, value)
        value.encode("latin-1")
