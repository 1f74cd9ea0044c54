"""Per-path resources: which :class:`~wsgi_cors.policy.Policy` covers a request path.

Patterns are matched against ``PATH_INFO`` exactly as the server decoded it:
never decoded again, never case-folded. Precedence, most specific first:

1. exact paths (``"/health"``), one dict lookup;
2. compiled ``re.Pattern`` objects, full-matched, in declaration order;
3. prefixes (``"/api/*"`` covers ``/api/`` and everything below it), longest
   prefix first, one dict lookup per distinct configured prefix length;
4. the catch-all (``"*"`` or ``"/*"``).

A path that no pattern covers passes through untouched, and so does (unless
the table is a lone catch-all) a path with an empty, ``.`` or ``..`` segment
(``/api//x``, ``/api/./x``, ``/api/../x``) that no exact pattern names:
routers disagree on those.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Pattern, Tuple

from .errors import Problems
from .options import DEFAULTS, check_option_names
from .policy import Policy

_GLOB_OR_REGEX = frozenset("*\\^$()[]?+|{}")


class ResourceTable:
    """Maps a request path to the policy of the resource that covers it."""

    __slots__ = ("_catch_all", "_exact", "_prefix_lengths", "_prefixes", "_regexes", "policies")

    def __init__(
        self,
        *,
        exact: Dict[str, Policy],
        regexes: Tuple[Tuple[Pattern[str], Policy], ...],
        prefixes: Dict[str, Policy],
        catch_all: Optional[Policy],
    ) -> None:
        self._exact = exact
        self._regexes = regexes
        self._prefixes = prefixes
        self._prefix_lengths = tuple(sorted({len(p) for p in prefixes}, reverse=True))
        self._catch_all = catch_all
        self.policies: Tuple[Policy, ...] = (
            tuple(exact.values())
            + tuple(policy for _, policy in regexes)
            + tuple(prefixes.values())
            + ((catch_all,) if catch_all else ())
        )

    @property
    def only_policy(self) -> Optional[Policy]:
        """The catch-all policy when no other pattern exists (it then covers every path)."""
        if self._exact or self._regexes or self._prefixes:
            return None
        return self._catch_all

    def select(self, path: str) -> Optional[Policy]:
        """The policy covering ``path`` (a ``PATH_INFO`` string), or ``None``."""
        policy = self._exact.get(path)
        if policy is not None:
            return policy
        if _is_unnormalized(path):
            return None
        for pattern, candidate in self._regexes:
            if pattern.fullmatch(path) is not None:
                return candidate
        prefixes = self._prefixes
        for length in self._prefix_lengths:
            policy = prefixes.get(path[:length])
            if policy is not None:
                return policy
        return self._catch_all


def _is_unnormalized(path: str) -> bool:
    """Whether ``path`` has an empty, ``.`` or ``..`` segment.

    Routers disagree on such paths (Werkzeug merges ``//``, others do not), so
    a pattern could pick another resource than the one the router serves: such
    paths get no resource at all (no CORS headers; preflights go to the app).
    """
    return "//" in path or "/./" in path or "/../" in path or path.endswith(("/.", "/.."))


def build_resource_table(options: Mapping[str, Any]) -> Tuple[Policy, ResourceTable]:
    """Validate ``options`` and build the base policy and the resource table.

    Raises :class:`~wsgi_cors.errors.ConfigError` listing every problem.
    """
    problems = Problems()
    check_option_names(options, problems)
    merged = {**DEFAULTS, **options}
    resources = merged["resources"]
    if resources is None:
        base = Policy(merged, problems)
        problems.raise_if_any()
        return base, ResourceTable(exact={}, regexes=(), prefixes={}, catch_all=base)
    # With resources, the top-level options are only the defaults of each resource:
    # a problem in them counts (once, under its own name) if some resource keeps it.
    base_problems = Problems()
    base = Policy(merged, base_problems)
    base_messages = set(base_problems.messages)
    inherited: Dict[str, None] = {}
    if not isinstance(resources, Mapping):
        problems.add(
            "resources",
            f"expected None or a mapping {{path_pattern: {{option overrides}}}}, got "
            f"{type(resources).__name__}; for patterns without overrides write "
            "{'/api/*': {}}",
        )
        problems.raise_if_any()

    exact: Dict[str, Policy] = {}
    regexes: List[Tuple[Pattern[str], Policy]] = []
    prefixes: Dict[str, Policy] = {}
    catch_all: Optional[Policy] = None
    found = Problems()
    for pattern, overrides in resources.items():
        where = f"resources[{pattern!r}]."
        if overrides is None:
            overrides = {}
        if not isinstance(overrides, Mapping):
            found.add(where[:-1], f"expected a mapping of option overrides, got {overrides!r}")
            continue
        check_option_names(overrides, found, where)
        resource_problems = Problems()
        policy = Policy({**merged, **overrides}, resource_problems, where)
        for message in resource_problems.messages:
            unprefixed = message[len(where) :]
            if unprefixed in base_messages:
                inherited[unprefixed] = None
            else:
                found.add_recorded(message)
        if isinstance(pattern, re.Pattern):
            if isinstance(pattern.pattern, str):
                regexes.append((pattern, policy))
            else:
                found.add(where[:-1], "is a bytes pattern; compile a str pattern")
            continue
        if not isinstance(pattern, str):
            found.add(where[:-1], "a path pattern must be a string or a compiled re.Pattern")
            continue
        kind, key, message = classify_path_pattern(pattern)
        if message:
            found.add(where[:-1], message)
        elif kind == "catch_all":
            if catch_all is not None:
                found.add(where[:-1], "'*' and '/*' both cover every path; keep one")
            catch_all = policy
        elif kind == "prefix":
            prefixes[key] = policy
        else:
            exact[key] = policy
    if not resources:
        problems.add("resources", "is empty, so no path would get CORS headers; use None for all")
        inherited = dict.fromkeys(base_messages)
    for message in [*inherited, *found.messages]:
        problems.add_recorded(message)
    problems.raise_if_any()
    return base, ResourceTable(
        exact=exact, regexes=tuple(regexes), prefixes=prefixes, catch_all=catch_all
    )


def classify_path_pattern(pattern: str) -> Tuple[str, str, str]:
    """Classify a path pattern string as ``catch_all``, ``prefix`` or ``exact``.

    Returns ``(kind, key, problem)``; ``key`` is in the WSGI form of
    ``PATH_INFO`` (UTF-8 bytes read as latin-1), so non-ASCII paths match.
    """
    if pattern in ("*", "/*"):
        return "catch_all", "", ""
    if not pattern.startswith("/"):
        return "", "", f"a path pattern must start with '/', as in '/{pattern}'"
    stem = pattern[:-1] if pattern.endswith("/*") else pattern
    if _GLOB_OR_REGEX.intersection(stem):
        return (
            "",
            "",
            (
                "only a trailing '/*' is a wildcard ('/api/*' covers /api/ and below); "
                f"for anything else use re.compile(r'{pattern}'), which is full-matched"
            ),
        )
    try:
        key = stem.encode("utf-8").decode("latin-1")
    except UnicodeEncodeError:
        return (
            "",
            "",
            f"{pattern!r} is not valid text (it holds a lone surrogate, as from undecodable "
            "bytes); write the path as text",
        )
    return ("prefix" if pattern.endswith("/*") else "exact"), key, ""
