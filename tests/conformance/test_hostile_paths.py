"""Hostile paths against per-path resources (SECURITY.md class 2.8).

A hostile path gets the policy of the docs' literal match, never a looser one than the
view a real router (Werkzeug) dispatches it to. The policy in use is read off the answer:
which probe origins may read it, and with credentials or not."""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Tuple, Union

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, Map, RequestRedirect, Rule

from conformance.hostile import (
    ACAC,
    ACAO,
    ADMIN,
    APP,
    CAFE,
    CANONICAL_PATHS,
    EVIL,
    FILES,
    HOSTILE_PATHS,
    ROUTED_RESOURCES,
    ask,
    assert_not_echoed,
    fixed,
)
from shells import Shell, wsgi_str


class DigitsConverter(BaseConverter):
    """The resource's own regular expression, as a Werkzeug converter."""

    regex = r"\d+"


#: The same rules as ROUTED_RESOURCES, as a Werkzeug router; endpoints name the resource.
ROUTER = Map(
    [
        Rule("/admin", endpoint="/admin"),
        Rule("/api/", endpoint="/api/*"),
        Rule("/api/<path:rest>", endpoint="/api/*"),
        Rule("/api/public/", endpoint="/api/public/*"),
        Rule("/api/public/<path:rest>", endpoint="/api/public/*"),
        Rule("/files/<digits:n>", endpoint="/files/<n>"),
        Rule("/caf\u00e9/", endpoint="/caf\u00e9/*"),
        Rule("/caf\u00e9/<path:rest>", endpoint="/caf\u00e9/*"),
    ],
    converters={"digits": DigitsConverter},
)
PROBE_ORIGINS = (APP, ADMIN, FILES, CAFE, EVIL, "null")


def router_endpoint(path: str) -> Optional[str]:
    """Where Werkzeug dispatches the path (request bytes, decoded as Werkzeug decodes
    PATH_INFO); None for a 404 or a redirect (no content)."""
    decoded = path.encode("latin-1").decode("utf-8", "replace")
    try:
        endpoint, _ = ROUTER.bind("testserver", path_info=decoded).match()
    except (NotFound, RequestRedirect):
        return None
    return str(endpoint)


def grants(shell: Shell, path: str) -> FrozenSet[Tuple[str, bool]]:
    """(origin, with credentials) for each probe origin the answer lets read the response."""
    granted = set()
    for origin in PROBE_ORIGINS:
        answer = ask(shell, fixed({"resources": ROUTED_RESOURCES}), path=path, origin=origin)
        if answer.values(ACAO) in ([origin], ["*"]):
            granted.add((origin, answer.values(ACAC) == ["true"]))
    return frozenset(granted)


def no_looser(granted: FrozenSet[Tuple[str, bool]], deserved: FrozenSet[Tuple[str, bool]]) -> bool:
    return all(
        (origin, credentials) in deserved or (origin, True) in deserved
        for origin, credentials in granted
    )


@pytest.mark.parametrize(("path", "literal"), HOSTILE_PATHS)
def test_2_8_hostile_path_gets_no_looser_policy_than_the_router_dispatches_to(
    shell: Shell, path: str, literal: Union[str, Dict[str, Optional[str]], None]
) -> None:
    if isinstance(literal, dict):
        literal = literal[shell.name]
    granted = grants(shell, path)
    documented = grants(shell, CANONICAL_PATHS[literal]) if literal is not None else frozenset()
    assert granted == documented, "the answer is not the documented literal match's"

    endpoint = router_endpoint(path)
    if endpoint is not None:
        assert no_looser(granted, grants(shell, CANONICAL_PATHS[endpoint]))

    answer = ask(shell, fixed({"resources": ROUTED_RESOURCES}), path=path, origin=EVIL)
    assert_not_echoed(answer, path, EVIL)


def test_2_8_router_table_is_not_vacuous(shell: Shell) -> None:
    """The comparison above does dispatch: these hostile paths reach a real endpoint, and
    the resources do grant differently."""
    assert router_endpoint("/api/../admin") == "/api/*"
    assert router_endpoint("/api/public/../x") == "/api/public/*"
    assert router_endpoint(wsgi_str("/files/\u0661\u0662")) == "/files/<n>"
    assert router_endpoint(wsgi_str("/caf\u00e9/x")) == "/caf\u00e9/*"
    assert (EVIL, False) in grants(shell, "/api/public/x")
    assert (EVIL, False) not in grants(shell, "/api/x")
    assert len({grants(shell, path) for path in CANONICAL_PATHS.values()}) == len(CANONICAL_PATHS)
