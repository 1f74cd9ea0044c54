"""Properties of origin matching and resource selection, through the shell."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from hypothesis import event, given
from hypothesis import strategies as st

from conformance.configurations import (
    OPTIONS,
    PROBE_ORIGIN,
    RESOURCE_CASES,
    make_valid,
    pick,
    recording_probe,
)
from conformance.generation import (
    INDEX,
    REQUEST_ORIGINS,
    SAMPLE_ORIGIN,
    VALID_ENTRIES,
    AppSpec,
    mutate_origin,
)
from conformance.oracle import (
    ACAO,
    PROFILE,
    Entry,
    Origins,
    Request,
    Scenario,
    by_name,
    check_cors,
    check_preflight_added,
    is_cors,
    merged,
    origin_verdict,
    preflight_verdict,
    request_kind,
    resource_choices,
    serialised_verdict,
)
from conformance.scenarios import NORMAL_SHELL_APPS, answered, play
from shells import Shell, lowered

PLAIN_APP = AppSpec("normal", "200 OK", (("Content-Type", "text/plain"),), (b"ok",))


@PROFILE
@given(case=RESOURCE_CASES, preflight=st.booleans(), app=NORMAL_SHELL_APPS)
def test_resource_policy_is_the_one_the_precedence_rules_pick(
    shell: Shell, case: Tuple[Dict[str, Any], Any, Optional[str]], preflight: bool, app: AppSpec
) -> None:
    """exact > regex (declaration order) > longest prefix > catch-all, on the path as the
    server decoded it: never decoded again, never case-folded; a path with an empty, ``.`` or
    ``..`` segment only by an exact match. Each resource's origins are one predicate that
    records that it was asked, so the policy in use identifies itself."""
    top, resources, path = case
    choices = resource_choices(resources, path or "", decoded=shell.name == "asgi")
    names = [repr(resources[c][0]) if c is not None else "nothing" for c in choices]
    event(f"covered by: {' or '.join(names)}")
    request = (
        Request("OPTIONS", path, PROBE_ORIGIN, "GET")
        if preflight
        else Request("GET", path, PROBE_ORIGIN)
    )
    seen: List[int] = []
    table = []
    for index, (pattern, overrides) in enumerate(resources):
        probe = Entry(recording_probe(index, seen), "predicate")
        probed = {**overrides, "origins": Origins((probe,))}
        make_valid(probed, merged(top, probed))
        table.append((pattern, probed))
    outcome = play(shell, Scenario(top, tuple(table), request, app))
    assert seen in [[] if c is None else [c] for c in choices], (seen, choices)
    headers = answered(outcome).fields()
    if not seen:
        assert outcome.downstream.calls == 1
        assert headers == lowered(app.headers)
    elif not preflight and not [n for n, _ in lowered(app.headers) if n.lower() == ACAO]:
        assert by_name(headers).get(ACAO) == [PROBE_ORIGIN]


@PROFILE
@given(
    options=OPTIONS,
    others=st.lists(st.sampled_from(VALID_ENTRIES), max_size=3),
    origin=REQUEST_ORIGINS,
    preflight=st.booleans(),
)
def test_predicates_and_patterns_only_see_serialised_origins(
    shell: Shell, options: Dict[str, Any], others: List[Entry], origin: str, preflight: bool
) -> None:
    """A predicate is only asked about an origin that parses as a serialised origin, and
    is handed the request's Origin itself."""
    seen: List[str] = []

    def recorder(value: str) -> bool:
        seen.append(value)
        return True

    top = {**options, "origins": Origins((Entry(recorder, "predicate"), *others))}
    make_valid(top, merged(top))
    request = Request("OPTIONS", "/", origin, "GET") if preflight else Request("GET", "/", origin)
    exchange = answered(play(shell, Scenario(top, None, request, PLAIN_APP)))
    event(f"predicate asked: {bool(seen)}")
    assert all(value == origin for value in seen)
    if seen:
        assert serialised_verdict(origin) is not False, origin
    acao = by_name(exchange.fields()).get(ACAO, [])
    assert acao in ([], [origin]), acao


NEAR_MISS_ORIGINS = st.one_of(
    st.lists(st.sampled_from(VALID_ENTRIES), min_size=1, max_size=3, unique=True).map(
        lambda entries: Origins(tuple(entries))
    ),
    st.just("*"),
)


#: What "*" must not reflect (or must, byte for byte): ``null``, empty, non-canonical.
STAR_NEAR_MISSES = [
    "null",
    "",
    "*",
    "https://example.com",
    "HTTPS://EXAMPLE.COM",
    "https://example.com/",
    "https://example.com:443",
    "file://",
    "http://localhost:3000",
]


@st.composite
def near_miss_origins(draw: st.DrawFn, origins: Any) -> str:
    """An origin the configured ``origins`` allow, or a near miss of it."""
    if origins == "*":
        origin = pick(draw, STAR_NEAR_MISSES)
        return origin if draw(INDEX) % 2 else mutate_origin(draw, origin)
    examples = [x for entry in origins.entries for x in entry.examples]
    origin = pick(draw, examples) if examples else draw(SAMPLE_ORIGIN)
    return origin if draw(INDEX) % 4 == 0 else mutate_origin(draw, origin)


@PROFILE
@given(
    origins=NEAR_MISS_ORIGINS,
    options=OPTIONS,
    preflight=st.booleans(),
    data=st.data(),
)
def test_allow_origin_for_near_misses_of_configured_origins(
    shell: Shell, origins: Any, options: Dict[str, Any], preflight: bool, data: st.DataObject
) -> None:
    """A policy answers exactly the origins the docs' rules allow (a configured origin
    byte for byte, never its upper-case, slash, port, scheme, suffix, prefix, glued or parent
    variants; ``null`` only when listed), with exactly the docs' CORS headers."""
    origin = data.draw(near_miss_origins(origins), label="origin")
    top = {**options, "origins": origins}
    if origins == "*":
        top["send_wildcard"] = data.draw(st.booleans(), label="send_wildcard")
    make_valid(top, merged(top))
    policy = merged(top)
    request = Request("OPTIONS", "/", origin, "GET") if preflight else Request("GET", "/", origin)
    event(f"origin verdict {origin_verdict(policy, origin)}, {'preflight' if preflight else 'GET'}")
    scenario = Scenario(top, None, request, PLAIN_APP)
    kind = request_kind(scenario, policy)
    exchange = answered(play(shell, scenario))
    if kind != "preflight_answer":
        check_cors(scenario, policy, kind, lowered(PLAIN_APP.headers), exchange.fields())
        return
    verdict = preflight_verdict(policy, request)
    cors = by_name([header for header in exchange.fields() if is_cors(header[0])])
    assert verdict is not (exchange.status == 403), (exchange.status, verdict)
    if exchange.status == 403:
        assert cors == {}
    else:
        check_preflight_added(policy, request, cors)
