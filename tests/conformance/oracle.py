"""The docs, written down independently of wsgi_cors: what a policy allows, which
resource covers a path, and checks of the CORS headers and Vary of an answer.

Where the docs leave a case open, the oracle answers "either" (``None``) and only what
holds for both answers is checked. Also: the hypothesis profiles of the property tests
(``HYPOTHESIS_PROFILE``: ``ci``, the default, the same 400 examples per property on every run;
``long``, 5,000 new ones per run).
They are registered under their own names and applied to the property tests only, so other
modules keep their settings."""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from hypothesis import HealthCheck, event, settings

if TYPE_CHECKING:
    from conformance.generation import AppSpec


Header = Tuple[str, str]
Verdict = Optional[bool]  # True: must be allowed, False: must be refused, None: either

# --- Profiles --------------------------------------------------------------------------------

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
# The CI profile draws the same examples on every run (a gate must not fail at random); the long
# profile, run by hand, draws new ones each time to find what the fixed ones miss.
settings.register_profile(
    "wsgi_cors.test_properties.ci",
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=_HEALTH,
)
settings.register_profile(
    "wsgi_cors.test_properties.long",
    max_examples=5_000,
    deadline=None,
    derandomize=False,
    suppress_health_check=_HEALTH,
)
PROFILE_NAME = os.environ.get("HYPOTHESIS_PROFILE", "ci")
#: The settings every property test of this module runs with.
PROFILE = settings.get_profile(
    f"wsgi_cors.test_properties.{PROFILE_NAME}"
    if PROFILE_NAME in ("ci", "long")
    else PROFILE_NAME  # another registered profile, or a clear InvalidArgument
)

# --- What the docs say, written down independently of wsgi_cors ------------------------------

ACAO = "access-control-allow-origin"
ACAC = "access-control-allow-credentials"
ACAM = "access-control-allow-methods"
ACAH = "access-control-allow-headers"
ACEH = "access-control-expose-headers"
ACMA = "access-control-max-age"
ACAPN = "access-control-allow-private-network"

DOCUMENTED_ALL_METHODS = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE")
#: The options reference of the docs (docs/options.md), with its defaults.
DOCUMENTED_DEFAULTS: Dict[str, Any] = {
    "origins": "*",
    "methods": DOCUMENTED_ALL_METHODS,
    "allow_headers": "*",
    "expose_headers": None,
    "supports_credentials": False,
    "max_age": None,
    "send_wildcard": True,
    "always_send": True,
    "vary_header": True,
    "allow_private_network": False,
    "automatic_options": True,
    "intercept_exceptions": False,
    "preflight_status": 204,
    "allow_null_with_credentials": False,
}
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
MAX_ORIGIN_LENGTH = 2048
MAX_WILDCARD_ACRH_LENGTH = 4096

TCHARS = frozenset("!#$%&'*+-.^_`|~" + string.digits + string.ascii_letters)
ORIGIN_ALPHABET = frozenset(string.ascii_lowercase + string.digits + "+-._:/[]")
SCHEME_ALPHABET = frozenset(string.ascii_lowercase + string.digits + "+-.")
LABEL_ALPHABET = frozenset(string.ascii_lowercase + string.digits + "-")
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
STRICT_IPV6 = re.compile(r"\[[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\]")


def is_token(value: str) -> bool:
    """An RFC 9110 token: one or more tchars."""
    return bool(value) and all(ch in TCHARS for ch in value)


def any_of(verdicts: Sequence[Verdict]) -> Verdict:
    if True in verdicts:
        return True
    return None if None in verdicts else False


def all_of(verdicts: Sequence[Verdict]) -> Verdict:
    if False in verdicts:
        return False
    return None if None in verdicts else True


def wsgi_form(text: str) -> str:
    """A str as a WSGI server hands it over: its UTF-8 bytes decoded as latin-1."""
    return text.encode("utf-8").decode("latin-1")


def split_host_port(authority: str) -> Tuple[str, Optional[str]]:
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0 or authority[end + 1 :] == "":
            return authority, None
        if authority[end + 1] == ":":
            return authority[: end + 1], authority[end + 2 :]
        return authority, None
    host, sep, port = authority.rpartition(":")
    return (host, port) if sep else (authority, None)


def port_verdict(scheme: str, port: Optional[str]) -> Verdict:
    if port is None:
        return True
    if not port or not all(ch in string.digits for ch in port) or port.startswith("0"):
        return False
    if int(port) > 65535 or DEFAULT_PORTS.get(scheme) == port:
        return None  # browsers never send these; the docs do not say what they match
    return True


def strict_host(host: str) -> bool:
    if host.startswith("["):
        return STRICT_IPV6.fullmatch(host) is not None
    return all(
        label and set(label) <= LABEL_ALPHABET and label[0] != "-" and label[-1] != "-"
        for label in host.split(".")
    )


def reflectable_verdict(origin: str) -> Verdict:
    """Whether a reflecting ``"*"`` echoes ``origin`` (docs: any value safe in a header line,
    visible ASCII without a comma, at most 2048 characters; never ``null`` or ``*``)."""
    if not origin or len(origin) > MAX_ORIGIN_LENGTH or origin in ("null", "*"):
        return False
    return all(0x21 <= ord(character) <= 0x7E and character != "," for character in origin)


def serialised_verdict(origin: str) -> Verdict:
    """Whether ``origin`` is a serialised origin (lower case, no path, no white space or
    control bytes, at most 2048 characters): True, False, or None for the grey zone."""
    if not origin or len(origin) > MAX_ORIGIN_LENGTH or not set(origin) <= ORIGIN_ALPHABET:
        return False
    scheme, sep, authority = origin.partition("://")
    if not sep or not scheme or not authority or "/" in authority:
        return False
    if scheme[0] not in string.ascii_lowercase or not set(scheme) <= SCHEME_ALPHABET:
        return False
    host, port = split_host_port(authority)
    if not host:
        return False
    ported = port_verdict(scheme, port)
    if ported is False:
        return False
    return ported if strict_host(host) else None


@dataclass(frozen=True)
class Entry:
    """One configured ``origins`` entry, with what the docs say it allows."""

    value: Any
    kind: str  # exact, subdomain, host, regex, predicate, star, invalid
    canonical: str = ""  # exact: the one origin it allows, byte for byte
    scheme: str = ""  # wildcards
    host: str = ""  # host: that host; subdomain: the domain whole labels go below
    port: Optional[str] = None  # wildcards: None no port, "*" any port or none, else that port
    examples: Tuple[str, ...] = ()  # request origins it allows (to aim requests at it)

    def __repr__(self) -> str:
        return repr(self.value)


def wildcard_matches(entry: Entry, origin: str) -> bool:
    scheme, _, authority = origin.partition("://")
    if scheme != entry.scheme:
        return False
    host, port = split_host_port(authority)
    if entry.kind == "host":
        host_ok = host == entry.host
    else:
        below = host[: -len(entry.host) - 1] if host.endswith("." + entry.host) else ""
        host_ok = bool(below) and all(below.split("."))
    return host_ok and (entry.port == "*" or port == entry.port)


def entry_verdict(entry: Entry, origin: str, serialised: Verdict) -> Verdict:
    if entry.kind == "exact":
        return origin == entry.canonical
    if serialised is False:
        return False
    if entry.kind in ("subdomain", "host"):
        matched = wildcard_matches(entry, origin)
    elif entry.kind == "regex":
        matched = entry.value.fullmatch(origin) is not None
    else:
        try:
            matched = bool(entry.value(origin))
        except Exception:
            matched = False
    return serialised if matched else False


@dataclass(frozen=True)
class Origins:
    """An ``origins`` value other than ``"*"``: entries passed as a list, tuple or alone."""

    entries: Tuple[Entry, ...]
    shape: str = "list"

    def value(self) -> Any:
        values = [entry.value for entry in self.entries]
        if self.shape == "single":
            return values[0]
        return tuple(values) if self.shape == "tuple" else values

    def __repr__(self) -> str:
        return repr(self.value())


def origin_mode(options: Dict[str, Any]) -> str:
    if options["origins"] == "*":
        return "wildcard" if options["send_wildcard"] else "reflect"
    return "list"


def origin_verdict(options: Dict[str, Any], origin: str) -> Verdict:
    """Whether a policy allows a present ``Origin``."""
    mode = origin_mode(options)
    if mode == "wildcard":
        return True
    if mode == "reflect":
        return reflectable_verdict(origin)
    serialised = serialised_verdict(origin)
    return any_of([entry_verdict(e, origin, serialised) for e in options["origins"].entries])


def split_list(value: str) -> List[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def configured_methods(options: Dict[str, Any]) -> List[str]:
    methods = options["methods"]
    names = split_list(methods) if isinstance(methods, str) else [m.strip() for m in methods]
    return list(dict.fromkeys(name.upper() for name in names))


def header_config(options: Dict[str, Any]) -> Tuple[bool, List[str], List[re.Pattern[str]]]:
    """``allow_headers`` as (any name, names, patterns)."""
    value = options["allow_headers"]
    if value == "*":
        return True, [], []
    if isinstance(value, re.Pattern):
        return False, [], [value]
    items = split_list(value) if isinstance(value, str) else list(value)
    names = [item.strip() for item in items if isinstance(item, str)]
    return False, names, [item for item in items if isinstance(item, re.Pattern)]


def expose_names(options: Dict[str, Any]) -> List[str]:
    value = options["expose_headers"]
    return split_list(value) if isinstance(value, str) else [name.strip() for name in value]


def method_verdict(options: Dict[str, Any], method: str) -> Verdict:
    if options["methods"] == "*":
        if not is_token(method):
            return False
        # The docs do not say whether "*" covers CONNECT (which it refuses to list) or
        # a method longer than any real one; either answer is accepted.
        return None if method.upper() in FORBIDDEN_METHODS or len(method) > 64 else True
    return method in configured_methods(options)


def requested_names(value: Optional[str]) -> Optional[List[str]]:
    """The lower-cased names of an ACRH value, or None if an element is not a token."""
    names: Dict[str, None] = {}
    for element in (value or "").split(","):
        name = element.strip(" \t")
        if not name:
            continue
        if not is_token(name):
            return None
        names[name.lower()] = None
    return list(names)


def request_headers_verdict(options: Dict[str, Any], value: Optional[str]) -> Verdict:
    any_name, names, patterns = header_config(options)
    requested = requested_names(value)
    if requested is None:
        return False
    lowered = {name.lower() for name in names}
    if not all(
        any_name or name in lowered or any(p.fullmatch(name) for p in patterns)
        for name in requested
    ):
        return False
    if any_name or patterns:
        return len(value or "") <= MAX_WILDCARD_ACRH_LENGTH
    if len(value or "") <= sum(len(name) + 2 for name in lowered):
        return True
    return None  # only allowed names, but longer than they are once each with separators


def private_network_requested(value: Optional[str]) -> Verdict:
    if value is None:
        return False
    if value == "true":
        return True
    return None if value.strip(" \t").lower() == "true" else False


@dataclass(frozen=True)
class Request:
    method: str
    path: Optional[str]  # None: no PATH_INFO (SCRIPT_NAME carries the path)
    origin: Optional[str] = None
    acrm: Optional[str] = None
    acrh: Optional[str] = None
    acrpn: Optional[str] = None

    def is_preflight(self) -> bool:
        return self.method == "OPTIONS" and self.origin is not None and self.acrm is not None


def preflight_verdict(options: Dict[str, Any], request: Request) -> Verdict:
    assert request.origin is not None
    assert request.acrm is not None
    requested = private_network_requested(request.acrpn)
    private_network: Verdict = True
    if requested is not False and not options["allow_private_network"]:
        private_network = False if requested else None
    return all_of(
        [
            origin_verdict(options, request.origin),
            method_verdict(options, request.acrm),
            request_headers_verdict(options, request.acrh),
            private_network,
        ]
    )


def is_resource_catch_all(pattern: Any) -> bool:
    return pattern in ("*", "/*")


def is_unnormalised(path: str) -> bool:
    """Whether ``path`` has an empty, ``.`` or ``..`` segment (a final ``/`` is fine)."""
    segments = path.split("/")[1:]
    return any(segment in ("", ".", "..") for segment in segments[:-1]) or (
        bool(segments) and segments[-1] in (".", "..")
    )


def resource_choices(
    resources: Sequence[Tuple[Any, Any]], path: str, *, decoded: bool = False
) -> List[Optional[int]]:
    """The resources (by index; None: none) the docs allow to cover ``path``.

    ``path`` is in the shells' request form (UTF-8 bytes, one character each). With
    ``decoded`` the shell matches the decoded text (ASGI's ``scope["path"]``) instead of
    ``PATH_INFO``'s form, and the patterns are compared as text.

    Precedence: exact paths, regexes in declaration order, longest prefix, the catch-all; on
    ``PATH_INFO`` as given (never decoded again, never case-folded). "With several patterns",
    a path with an empty, ``.`` or ``..`` segment is covered only by an exact match. With one
    pattern other than the catch-all the docs' "several" does not apply, but that is the
    point of the rule, so both answers are accepted there. (A lone catch-all covers all.)
    """
    patterns = [pattern for pattern, _ in resources]
    form = wsgi_form
    if decoded:
        path = path.encode("latin-1").decode("utf-8", "replace")
        form = str
    for index, pattern in enumerate(patterns):
        if isinstance(pattern, str) and not pattern.endswith("*") and form(pattern) == path:
            return [index]
    chosen = select_by_precedence(patterns, path, form)
    if not is_unnormalised(path) or all(is_resource_catch_all(p) for p in patterns):
        return [chosen]
    return [None] if len(patterns) > 1 or chosen is None else [None, chosen]


def select_by_precedence(
    patterns: Sequence[Any], path: str, form: Callable[[str], str] = wsgi_form
) -> Optional[int]:
    """Regexes in declaration order, then the longest prefix, then the catch-all."""
    for index, pattern in enumerate(patterns):
        if isinstance(pattern, re.Pattern) and pattern.fullmatch(path):
            return index
    prefixes = [
        (form(pattern[:-1]), index)
        for index, pattern in enumerate(patterns)
        if isinstance(pattern, str)
        and pattern.endswith("/*")
        and not is_resource_catch_all(pattern)
    ]
    for prefix, index in sorted(prefixes, key=lambda item: -len(item[0])):
        if path.startswith(prefix):
            return index
    for index, pattern in enumerate(patterns):
        if is_resource_catch_all(pattern):
            return index
    return None


def long_origin(total: int) -> str:
    """Valid labels below example.com, ``total`` characters in all."""
    stem = "https://"
    tail = ".example.com"
    middle = total - len(stem) - len(tail)
    first = "a" * (2 - middle % 2)
    origin = stem + first + ".a" * ((middle - len(first)) // 2) + tail
    assert len(origin) == total
    return origin


STATUS_LINE = re.compile(r"[1-9][0-9]{2} [^\r\n\x00]+")


@dataclass(frozen=True)
class Scenario:
    top: Dict[str, Any]
    resources: Optional[Tuple[Tuple[Any, Dict[str, Any]], ...]]
    request: Request
    app: AppSpec


def to_kwargs(options: Dict[str, Any]) -> Dict[str, Any]:
    return {
        name: value.value() if isinstance(value, Origins) else value
        for name, value in options.items()
    }


def middleware_kwargs(scenario: Scenario) -> Dict[str, Any]:
    kwargs = to_kwargs(scenario.top)
    if scenario.resources is not None:
        kwargs["resources"] = {
            pattern: to_kwargs(overrides) for pattern, overrides in scenario.resources
        }
    return kwargs


def merged(top: Dict[str, Any], overrides: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return {**DOCUMENTED_DEFAULTS, **top, **(overrides or {})}


def policy_options(scenario: Scenario) -> Optional[Dict[str, Any]]:
    """The options of the resource covering the request's path (None: not covered)."""
    if scenario.resources is None:
        return merged(scenario.top)
    choices = resource_choices(scenario.resources, scenario.request.path or "")
    assert len(choices) == 1, "scenarios() never draws an ambiguous path"
    index = choices[0]
    if index is None:
        return None
    return merged(scenario.top, scenario.resources[index][1])


def request_kind(scenario: Scenario, options: Optional[Dict[str, Any]]) -> str:
    if options is None:
        return "uncovered"
    if scenario.request.is_preflight():
        return "preflight_answer" if options["automatic_options"] else "preflight_app"
    return "actual"


def expected_failure(scenario: Scenario, options: Optional[Dict[str, Any]], kind: str) -> str:
    """Where the app's exception must surface: "", "call" or "body"."""
    mode = scenario.app.mode
    if kind == "preflight_answer":
        return ""
    if mode == "raise_before":
        return "" if options is not None and options["intercept_exceptions"] else "call"
    if mode == "raise_after_start":
        return "call"
    return "body" if mode in ("raise_in_body", "late_exc_info") else ""


def intercepted(scenario: Scenario, options: Optional[Dict[str, Any]], kind: str) -> bool:
    return (
        kind in ("actual", "preflight_app")
        and scenario.app.mode == "raise_before"
        and bool(options and options["intercept_exceptions"])
    )


# --- Response checks --------------------------------------------------------------------------


def is_cors(name: str) -> bool:
    return name.lower().startswith("access-control-")


def by_name(headers: Sequence[Header]) -> Dict[str, List[str]]:
    result: Dict[str, List[str]] = {}
    for name, value in headers:
        result.setdefault(name.lower(), []).append(value)
    return result


def vary_tokens(value: str) -> List[str]:
    return split_list(value)


def seconds(max_age: Any) -> str:
    return str(int(max_age.total_seconds()) if isinstance(max_age, timedelta) else max_age)


def check_expose(options: Dict[str, Any], values: List[str]) -> None:
    if options["expose_headers"] == "*":
        assert values == ["*"]
        return
    assert len(values) == 1, values
    listed = [name.lower() for name in values[0].split(", ")]  # one header, names joined with ", "
    assert len(listed) == len(set(listed)), values
    assert set(listed) == {name.lower() for name in expose_names(options)}, values


def check_actual_added(
    options: Dict[str, Any], origin: Optional[str], added: Dict[str, List[str]]
) -> None:
    """The CORS headers the middleware added to a non-preflight response."""
    mode = origin_mode(options)
    acao = added.pop(ACAO, [])
    if mode == "wildcard":
        expected_star = ["*"] if origin is not None or options["always_send"] else []
        assert acao == expected_star, acao
    elif origin is None:
        expected = ["*"] if mode == "reflect" and options["always_send"] else []
        assert acao == expected, (acao, expected)
    else:
        verdict = origin_verdict(options, origin)
        choices = {True: [[origin]], False: [[]], None: [[], [origin]]}[verdict]
        event(f"actual origin verdict: {verdict}")
        assert acao in choices, f"ACAO {acao!r} for {origin!r}, verdict {verdict}"
    if acao:
        if options["supports_credentials"]:
            assert added.pop(ACAC, []) == ["true"]
        if options["expose_headers"] not in (None, [], ""):
            check_expose(options, added.pop(ACEH, []))
    assert added == {}, f"unexpected CORS headers {added}"


def check_preflight_added(
    options: Dict[str, Any], request: Request, added: Dict[str, List[str]]
) -> None:
    """The CORS headers of an allowed preflight answer."""
    mode = origin_mode(options)
    credentials = options["supports_credentials"]
    assert added.pop(ACAO, []) == ["*" if mode == "wildcard" else request.origin]
    acam = added.pop(ACAM, [])
    if options["methods"] == "*":
        assert acam == [request.acrm if credentials else "*"], acam
    else:
        assert len(acam) == 1, acam
        listed = acam[0].split(", ")
        assert sorted(listed) == sorted(configured_methods(options)), acam
        assert request.acrm in listed
    any_name, names, patterns = header_config(options)
    acah = added.pop(ACAH, [])
    requested = requested_names(request.acrh) or []
    if any_name or patterns:
        if requested:
            assert len(acah) == 1, acah
            reflected = [name.lower() for name in acah[0].split(", ")]
            assert sorted(reflected) == sorted(requested), (acah, requested)
        else:
            assert acah == [], acah
    elif names:
        assert len(acah) == 1, acah
        listed = [
            name.lower() for name in acah[0].split(", ")
        ]  # one header, names joined with ", "
        assert sorted(set(listed)) == sorted(listed), acah
        assert set(listed) == {name.lower() for name in names}, acah
    else:
        assert acah == [], acah
    assert added.pop(ACAC, []) == (["true"] if credentials else [])
    max_age = options["max_age"]
    assert added.pop(ACMA, []) == ([] if max_age is None else [seconds(max_age)])
    acapn = added.pop(ACAPN, [])
    requested_pn = private_network_requested(request.acrpn)
    choices = {True: [["true"]], False: [[]], None: [[], ["true"]]}[requested_pn]
    assert acapn in choices, (acapn, request.acrpn)
    assert not acapn or options["allow_private_network"]
    assert added == {}, f"unexpected CORS headers on a preflight answer: {added}"


def check_cors(
    scenario: Scenario,
    options: Optional[Dict[str, Any]],
    kind: str,
    app_headers: Sequence[Header],
    emitted: Sequence[Header],
) -> None:
    """The CORS headers of one start_response call the app made (or the middleware's 500)."""
    if kind == "uncovered":
        assert list(emitted) == list(app_headers), "an uncovered path must pass untouched"
        return
    assert options is not None
    app_cors = [header for header in app_headers if is_cors(header[0])]
    emitted_cors = [header for header in emitted if is_cors(header[0])]
    if any(name.lower() == ACAO for name, _ in app_headers):
        assert emitted_cors == app_cors, "the app set ACAO: its CORS headers win, alone"
        return
    added = by_name(emitted_cors)
    if kind == "actual":
        check_actual_added(options, scenario.request.origin, added)
        return
    verdict = preflight_verdict(options, scenario.request)
    event(f"preflight to the app: verdict {verdict}, {'allowed' if added else 'refused'}")
    if added:
        assert verdict is not False, f"refused preflight decorated: {added}"
        check_preflight_added(options, scenario.request, added)
    else:
        assert verdict is not True, "allowed preflight got no CORS headers"


def required_vary(options: Optional[Dict[str, Any]], kind: str) -> Tuple[str, ...]:
    if options is None or not options["vary_header"]:
        return ()
    if kind.startswith("preflight"):
        return PREFLIGHT_VARY
    if origin_mode(options) == "wildcard" and options["always_send"]:
        return ()  # "*" for every request: one answer for all
    return ("Origin",)


def check_vary(
    app_headers: Sequence[Header], emitted: Sequence[Header], required: Sequence[str]
) -> None:
    """``required`` merged into the app's Vary: once each, without duplicates, nothing else."""
    app_lines = [(name, value) for name, value in app_headers if name.lower() == "vary"]
    out_lines = [(name, value) for name, value in emitted if name.lower() == "vary"]
    app_tokens = [token.lower() for _, value in app_lines for token in vary_tokens(value)]
    missing = [token.lower() for token in required if token.lower() not in app_tokens]
    if not missing or "*" in app_tokens:
        assert out_lines == app_lines, (app_lines, out_lines, required)
        return
    if not app_lines:
        assert len(out_lines) == 1, out_lines
        assert sorted(t.lower() for t in vary_tokens(out_lines[0][1])) == sorted(missing)
        return
    assert len(out_lines) == len(app_lines), (app_lines, out_lines)
    for (app_name, app_value), (out_name, out_value) in zip(app_lines, out_lines):
        assert out_name == app_name
        kept = vary_tokens(app_value)
        assert vary_tokens(out_value)[: len(kept)] == kept, (app_value, out_value)
    out_tokens = [token.lower() for _, value in out_lines for token in vary_tokens(value)]
    assert sorted(out_tokens) == sorted(app_tokens + missing), (app_lines, out_lines)


def check_app_headers_kept(app_headers: Sequence[Header], emitted: Sequence[Header]) -> None:
    """The app's headers other than Vary, in order, with only CORS headers added."""
    app_plain = [header for header in app_headers if header[0].lower() != "vary"]
    position = 0
    for header in emitted:
        if header[0].lower() == "vary":
            continue
        if position < len(app_plain) and header == app_plain[position]:
            position += 1
        else:
            assert is_cors(header[0]), f"{header!r} added, and it is not a CORS header"
    assert position == len(app_plain), f"app headers dropped or reordered: {emitted!r}"
