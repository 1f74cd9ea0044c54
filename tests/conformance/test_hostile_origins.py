"""Hostile origins (SECURITY.md classes 2.1, 2.2, 2.3, 2.5, 2.7): the documented answer through
the shell, nothing echoed. The bounded-work side of the same rows: core/test_bounded_work.py."""

from __future__ import annotations

from typing import Callable, List, Optional

import pytest

from conformance.expected import MAX_ORIGIN_LENGTH
from conformance.hostile import (
    ACAC,
    ACAO,
    APP_HEADERS,
    HEADER_BREAKING,
    HEADER_BREAKING_KINDS,
    IDN_ROWS,
    JOINED,
    JOINED_CONFIGS,
    KIB64,
    KINDS,
    NON_CANONICAL,
    NULL_CONFIGS,
    NULL_LISTED,
    NULL_MISSPELLINGS,
    REFLECTING_STAR,
    SHARED_SUFFIX_KINDS,
    SHARED_SUFFIX_TRICKS,
    SUFFIX_TRICKS,
    Kind,
    Options,
    app,
    ask,
    assert_hostile_origin_refused,
    assert_not_echoed,
    assert_predicates_asked_at_most_once,
    assert_refused_actual,
    assert_refused_preflight,
    fixed,
    header_breaking_kind,
    non_canonical,
)
from shells import Shell

# --- 2.1 Unanchored / over-broad origin matching --------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_2_1_each_entry_kind_allows_its_own_origin_byte_exact(shell: Shell, kind: str) -> None:
    """The control for every table below: the harness does see an allowed answer."""
    origin = KINDS[kind].allowed
    actual = ask(shell, KINDS[kind].make_options, origin=origin)
    assert actual.values(ACAO) == [origin]
    assert actual.values(ACAC) == ["true"]
    assert_predicates_asked_at_most_once(actual)
    preflight = ask(
        shell, KINDS[kind].make_options, method="OPTIONS", origin=origin, request_method="PUT"
    )
    assert preflight.exchange.status == 204
    assert preflight.values(ACAO) == [origin]


@pytest.mark.parametrize("origin", SUFFIX_TRICKS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_2_1_suffix_trick_is_rejected(shell: Shell, kind: str, origin: str) -> None:
    assert_hostile_origin_refused(shell, KINDS[kind], origin)


@pytest.mark.parametrize("template", NON_CANONICAL)
@pytest.mark.parametrize("kind", list(KINDS))
def test_2_1_non_canonical_spelling_is_rejected(shell: Shell, kind: str, template: str) -> None:
    assert_hostile_origin_refused(shell, KINDS[kind], non_canonical(KINDS[kind], template))


@pytest.mark.parametrize("origin", SHARED_SUFFIX_TRICKS)
@pytest.mark.parametrize("kind", list(SHARED_SUFFIX_KINDS))
def test_2_1_entries_sharing_a_suffix_do_not_combine(shell: Shell, kind: str, origin: str) -> None:
    make_options, _ = SHARED_SUFFIX_KINDS[kind]
    assert_hostile_origin_refused(shell, Kind(make_options, ""), origin)


@pytest.mark.parametrize("kind", list(SHARED_SUFFIX_KINDS))
def test_2_1_entries_sharing_a_suffix_still_allow_their_own_origins(
    shell: Shell, kind: str
) -> None:
    make_options, allowed = SHARED_SUFFIX_KINDS[kind]
    for origin in allowed:
        assert ask(shell, make_options, origin=origin).values(ACAO) == [origin]


# --- 2.2 Origin reflection with credentials -------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("https://example.com.evil.com", id="suffix-trick"),
        pytest.param("https://EXAMPLE.com", id="upper-case"),
        pytest.param("https://example.com\r\nX-Injected: 1", id="crlf"),
        pytest.param("null", id="null"),
        pytest.param("*", id="literal-star"),
        pytest.param("", id="empty"),
    ],
)
@pytest.mark.parametrize("kind", list(KINDS))
def test_2_2_credentials_go_only_with_the_validated_request_origin(
    shell: Shell, kind: str, origin: str
) -> None:
    """With credentials, Allow-Credentials appears only next to an Allow-Origin equal to the
    request's own origin: never with '*', another entry, or a refused origin."""
    for candidate in (origin, KINDS[kind].allowed):
        for shape in ({}, {"method": "OPTIONS", "request_method": "PUT"}):
            answer = ask(shell, KINDS[kind].make_options, origin=candidate, **shape)  # type: ignore[arg-type]
            allowed = candidate == KINDS[kind].allowed
            assert answer.values(ACAO) == ([candidate] if allowed else [])
            assert answer.values(ACAC) == (["true"] if allowed else [])


# --- 2.3 Missing or clobbered Vary ----------------------------------------------------------


@pytest.mark.parametrize(
    ("app_vary", "expected"),
    [
        pytest.param(None, ["Origin"], id="app-without-vary"),
        pytest.param(["Accept-Encoding"], ["Accept-Encoding, Origin"], id="merged"),
        pytest.param(["accept-encoding", "ORIGIN"], ["accept-encoding", "ORIGIN"], id="present"),
        pytest.param(["*"], ["*"], id="vary-star-left-alone"),
    ],
)
@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("https://example.com\r\nVary: Cookie", id="crlf-forging-vary"),
        pytest.param("https://example.com, https://evil.com", id="joined-origins"),
        pytest.param("null", id="null"),
        pytest.param("x" * KIB64, id="64-KiB"),
    ],
)
def test_2_3_hostile_origin_still_varies_on_origin(
    shell: Shell, origin: str, app_vary: Optional[List[str]], expected: List[str]
) -> None:
    headers = APP_HEADERS + [("Vary", value) for value in app_vary or []]
    answer = ask(
        shell, KINDS["exact"].make_options, origin=origin, downstream=lambda: app(headers=headers)
    )
    assert answer.cors() == []
    assert answer.values("Vary") == expected
    assert_not_echoed(answer, origin)


# --- 2.5 Header injection via CR/LF, and other unparsable origins ---------------------------


@pytest.mark.parametrize("template", HEADER_BREAKING)
@pytest.mark.parametrize("kind", HEADER_BREAKING_KINDS)
def test_2_5_header_breaking_origin_is_never_echoed(shell: Shell, kind: str, template: str) -> None:
    chosen = header_breaking_kind(kind)
    assert_hostile_origin_refused(shell, chosen, template.replace("{o}", chosen.allowed))


@pytest.mark.parametrize(
    ("length", "allowed"),
    [
        pytest.param(MAX_ORIGIN_LENGTH, True, id="2048-characters"),
        pytest.param(MAX_ORIGIN_LENGTH + 1, False, id="2049-characters"),
    ],
)
def test_2_5_reflected_origin_length_limit_is_exact(
    shell: Shell, length: int, allowed: bool
) -> None:
    """A wildcard, regex, predicate or reflecting '*' only accepts an origin of at most 2048
    characters; a predicate is not even asked about a longer one."""
    origin = "https://" + "a" * (length - len("https://.example.com")) + ".example.com"
    assert len(origin) == length
    for kind in (REFLECTING_STAR, KINDS["wildcard"], KINDS["predicate"]):
        answer = ask(shell, kind.make_options, origin=origin)
        assert answer.values(ACAO) == ([origin] if allowed else [])
        assert_predicates_asked_at_most_once(answer)
        if not allowed:
            assert answer.predicate_calls == []


@pytest.mark.parametrize(("options", "origin", "allowed"), IDN_ROWS)
def test_2_5_idn_origin_is_allowed_only_in_its_punycode_form(
    shell: Shell, options: Options, origin: str, allowed: bool
) -> None:
    answer = ask(shell, fixed(options), origin=origin)
    if allowed:
        assert answer.values(ACAO) == [origin]
    else:
        assert_refused_actual(answer)
        assert_not_echoed(answer, origin)


@pytest.mark.parametrize("origin", JOINED)
@pytest.mark.parametrize("config", list(JOINED_CONFIGS))
def test_2_5_origin_values_joined_by_the_server_are_refused(
    shell: Shell, config: str, origin: str
) -> None:
    assert_hostile_origin_refused(shell, Kind(JOINED_CONFIGS[config], ""), origin)


@pytest.mark.parametrize("origin", JOINED)
def test_2_5_origin_values_joined_by_the_server_get_only_star_under_star(
    shell: Shell, origin: str
) -> None:
    answer = ask(shell, fixed({}), origin=origin)
    assert answer.values(ACAO) == ["*"]
    assert_not_echoed(answer, origin)


def test_2_5_two_origin_lines_reach_the_middleware_joined_and_are_refused(shell: Shell) -> None:
    """Two Origin lines are one joined value by the time the middleware sees them."""
    client = shell.wrap(app(), origins=["https://a.example.com", "https://b.example.com"])
    exchange = client.get(
        "/", [("Origin", "https://a.example.com"), ("Origin", "https://b.example.com")]
    )
    assert exchange.header_values(ACAO) == []
    assert exchange.header_values("Vary") == ["Origin"]


# --- 2.7 The null origin --------------------------------------------------------------------


@pytest.mark.parametrize(("make_options", "allow_origin"), NULL_CONFIGS)
def test_2_7_null_origin_gets_the_documented_answer(
    shell: Shell, make_options: Callable[[List[str]], Options], allow_origin: Optional[str]
) -> None:
    actual = ask(shell, make_options, origin="null")
    preflight = ask(shell, make_options, method="OPTIONS", origin="null", request_method="PUT")
    assert actual.predicate_calls == preflight.predicate_calls == []
    if allow_origin is None:
        assert_refused_actual(actual)
        assert_refused_preflight(preflight)
        return
    assert actual.values(ACAO) == [allow_origin]
    assert preflight.values(ACAO) == [allow_origin]
    credentialed = make_options([]).get("supports_credentials", False)
    assert actual.values(ACAC) == (["true"] if credentialed else [])
    assert actual.values("Vary") == ([] if allow_origin == "*" else ["Origin"])


@pytest.mark.parametrize("origin", NULL_MISSPELLINGS)
def test_2_7_null_spelled_otherwise_is_not_null(shell: Shell, origin: str) -> None:
    assert_hostile_origin_refused(shell, NULL_LISTED, origin)
