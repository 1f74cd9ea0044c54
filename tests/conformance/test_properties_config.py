"""Configuration errors: construction raises ConfigError, and nothing else, exactly for the
configurations the docs call mistakes; every problem names its option."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List, Optional, Tuple

from hypothesis import event, given
from hypothesis import strategies as st

from wsgi_cors import ConfigError

from conformance.configurations import OPTIONS, RESOURCE_PATTERNS, pick
from conformance.generation import INDEX, INVALID_ENTRIES, STAR_ENTRY, VALID_ENTRIES
from conformance.oracle import (
    FORBIDDEN_METHODS,
    PROFILE,
    Origins,
    Verdict,
    configured_methods,
    expose_names,
    header_config,
    is_resource_catch_all,
    is_token,
    merged,
    seconds,
    to_kwargs,
)
from shells import Downstream, Shell

INVALID_OPTION_VALUES: Dict[str, List[Any]] = {
    "methods": [["CONNECT"], ["GET", "TRACE"], ["track"], ["GET POST"], "GET, TR ACE"],
    "allow_headers": [["X Bad"], ["x:y"], "X-A, bad name"],
    "expose_headers": [["bad name"], "X-A, x:y"],
    "max_age": [-1, timedelta(seconds=-5)],
    "preflight_status": [199, 300, 302, 404, 500],
}


MIXED_ENTRIES = st.lists(
    st.sampled_from([*VALID_ENTRIES, *INVALID_ENTRIES, STAR_ENTRY]),
    min_size=1,
    max_size=3,
    unique=True,
)


@st.composite
def maybe_invalid_options(draw: st.DrawFn) -> Dict[str, Any]:
    """Valid options, with now and then one or more of the docs' mistakes."""
    options = dict(draw(OPTIONS))
    for name, bad_values in INVALID_OPTION_VALUES.items():
        if draw(INDEX) % 16 == 0:
            options[name] = pick(draw, bad_values)
    if draw(INDEX) % 6 == 0:
        options["origins"] = Origins(tuple(draw(MIXED_ENTRIES)))
    return options


def valid_path_pattern(pattern: str) -> bool:
    """docs: "*" or "/*", or a path from "/" with at most a trailing "/*" as wildcard."""
    if is_resource_catch_all(pattern):
        return True
    stem = pattern[:-2] if pattern.endswith("/*") else pattern
    return pattern.startswith("/") and not set(stem) & set("*?[]")


def policy_problems(options: Dict[str, Any]) -> List[str]:
    """The options of one policy that break a documented rule."""
    problems = []
    origins = options["origins"]
    credentials = options["supports_credentials"]
    if origins != "*":
        entries = origins.entries
        if any(entry.kind == "invalid" for entry in entries):
            problems.append("origins")
        if STAR_ENTRY in entries and len(entries) > 1:
            problems.append("origins")
        if STAR_ENTRY in entries and credentials:
            problems.append("origins")
        if (
            credentials
            and any(entry.canonical == "null" for entry in entries)
            and not options["allow_null_with_credentials"]
            # Rules between options run once each option is valid on its own.
            and not any(entry.kind == "invalid" for entry in entries)
        ):
            # A rule between three options: the line names the one the resource (or the top
            # level) wrote last, so the check is on the message, which always names 'null'.
            problems.append("'null' together with")
    elif credentials:
        problems.append("origins")
    if options["methods"] != "*" and any(
        not is_token(method) or method in FORBIDDEN_METHODS
        for method in configured_methods(options)
    ):
        problems.append("methods")
    if options["allow_headers"] != "*" and not all(
        is_token(name) for name in header_config(options)[1]
    ):
        problems.append("allow_headers")
    expose = options["expose_headers"]
    if expose == "*" and credentials:
        problems.append("expose_headers")
    if expose not in (None, "*") and not all(is_token(name) for name in expose_names(options)):
        problems.append("expose_headers")
    max_age = options["max_age"]
    if max_age is not None and float(seconds(max_age)) < 0:
        problems.append("max_age")
    if not 200 <= options["preflight_status"] <= 299:
        problems.append("preflight_status")
    return problems


@PROFILE
@given(
    top=maybe_invalid_options(),
    resources=st.one_of(
        st.none(),
        st.lists(
            st.tuples(
                st.sampled_from([*RESOURCE_PATTERNS, "api/*", "/a*b", "/api/v[12]", "/x?"]),
                st.one_of(st.just({}), maybe_invalid_options()),
            ),
            min_size=1,
            max_size=4,
            unique_by=lambda item: item[0],
        ),
    ),
    misspelled=st.sampled_from([None] * 9 + ["support_credentials", "orgins", "max_ages"]),
)
def test_bad_configurations_raise_config_error_at_construction_only(
    shell: Shell,
    top: Dict[str, Any],
    resources: Optional[List[Tuple[Any, Dict[str, Any]]]],
    misspelled: Optional[str],
) -> None:
    """Construction raises ConfigError, and nothing else, exactly for the configurations the
    docs call mistakes; every problem names its option."""
    expected: Dict[str, Verdict] = {}  # option name (as it appears in messages) -> must fail
    top_problems = policy_problems(merged(top))
    if misspelled:
        expected[misspelled] = True
    if resources is None:
        expected.update(dict.fromkeys(top_problems, True))
    else:
        patterns = [pattern for pattern, _ in resources]
        if "*" in patterns and "/*" in patterns:
            expected["resources"] = True
        for pattern, overrides in resources:
            if isinstance(pattern, str) and not valid_path_pattern(pattern):
                expected[f"resources[{pattern!r}]"] = True
            for problem in policy_problems(merged(top, overrides)):
                expected[problem] = True
        if top_problems and not any(expected.values()):
            expected["top-level only"] = None  # all resources override the mistake away
    if any(expected.values()):
        must_fail: Verdict = True
    else:
        must_fail = None if "top-level only" in expected else False
    kwargs = to_kwargs(top)
    if resources is not None:
        kwargs["resources"] = {pattern: to_kwargs(overrides) for pattern, overrides in resources}
    if misspelled:
        kwargs[misspelled] = True
    event(f"expected: {'error' if must_fail else 'either' if must_fail is None else 'valid'}")
    error = construction_error(shell, kwargs)
    if error is None:
        assert must_fail is not True, f"invalid configuration accepted: {expected}"
        return
    assert must_fail is not False, f"valid configuration refused: {error}"
    assert error.problems
    for name, verdict in expected.items():
        if verdict:
            assert any(name in problem for problem in error.lines), (name, error.lines)
    if misspelled:
        assert any("did you mean" in problem for problem in error.lines)


def construction_error(shell: Shell, kwargs: Dict[str, Any]) -> Optional[ConfigError]:
    """The ConfigError building the middleware raises (any other exception propagates)."""
    try:
        shell.wrap(Downstream(), **kwargs)
    except ConfigError as error:
        return error
    return None
