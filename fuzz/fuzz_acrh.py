"""Fuzz target: the bounded ``Access-Control-Request-Headers`` scanner, and preflights.

Run: ``python fuzz/fuzz_acrh.py fuzz/corpus/acrh -max_total_time=600`` (see README.md).

Input: lines read as latin-1 (as WSGI servers decode headers), escapes ``\\r \\n \\0 \\xHH``:

* line 1, controls, white-space separated: a number choosing one of the ``CONFIGS``,
  ``limit=N`` (a length limit for the direct scanner calls), ``pna=VALUE`` (sends
  ``Access-Control-Request-Private-Network: VALUE``);
* line 2: the ``Origin``; line 3: ``Access-Control-Request-Method``;
* line 4: ``Access-Control-Request-Headers`` (the preflight's); lines 5 and after: more values
  for the scanner alone.

Checked on every input:

* ``parse_request_headers(value, limit)`` never raises, returns ``None`` or a tuple of RFC 9110
  tokens unique in any case (each spelled as first sent), ``None`` whenever ``value`` is
  longer than ``limit``, never more names than ``value`` has commas + 1, each name one of
  ``value``'s comma-separated elements
  (stripped of spaces and tabs), and agrees with a reference implementation;
* the middleware answers the preflight (``wsgiref.validate`` around it) with its
  ``preflight_status`` or ``403 Forbidden``, never an exception; an allowed answer has
  exactly one ``Access-Control-Allow-Origin`` (``*`` or the request's origin), reflects only
  validated header names, and agrees with a reference decision; a refused one has no CORS
  header and the fixed body; no header value holds CR, LF or NUL; the same request gives the
  same answer twice (the decision memo is consistent);
* an actual ``GET`` with the same origin gets no header breaker either.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import atheris
import fuzz_common as common

atheris.enabled_hooks.add("str")
with atheris.instrument_imports(include=["wsgi_cors"]):
    from wsgi_cors import CORSMiddleware
    from wsgi_cors.core.http import (
        MAX_METHOD_LENGTH,
        MAX_WILDCARD_REQUEST_HEADERS_LENGTH,
        parse_request_headers,
        request_headers_length_limit,
    )
    from wsgi_cors.core.policy import REFUSED_PREFLIGHT_BODY, Policy

logging.getLogger("wsgi_cors").disabled = True
# wsgiref.validate reports some misuse as warnings; any of them is a finding here.
warnings.simplefilter("error")

Header = Tuple[str, str]
StartResponse = Callable[..., Any]

TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 tchar, written independently
ALLOWED_ORIGINS = ["https://app.example.com", "https://*.example.org", "http://localhost:*"]


def _app(environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"app"]


def _suffix_predicate(origin: str) -> bool:
    return origin.endswith(".example.net")


#: The middleware configurations an input chooses from (its first number, modulo the count).
CONFIGS: List[Dict[str, Any]] = [
    {"origins": ALLOWED_ORIGINS},
    {
        "origins": ALLOWED_ORIGINS,
        "allow_headers": ["Content-Type", "X-Custom", "Authorization"],
        "supports_credentials": True,
        "max_age": 600,
    },
    {
        "origins": "*",
        "send_wildcard": False,
        "methods": "*",
        "allow_headers": [re.compile(r"x-[a-z0-9-]+"), "content-type"],
        "allow_private_network": True,
    },
    {"origins": "*", "methods": "*", "preflight_status": 200, "vary_header": False},
    {
        "origins": ["https://app.example.com", "null"],
        "supports_credentials": True,
        "allow_null_with_credentials": True,
        "methods": "*",
        "allow_headers": [re.compile(r".*")],
    },
    {"origins": [_suffix_predicate], "allow_headers": ["X-A", "x-b"], "methods": "GET, PUT"},
    {"origins": ALLOWED_ORIGINS, "allow_headers": []},
]
MIDDLEWARES = [CORSMiddleware(_app, **options) for options in CONFIGS]
CLIENTS = [validator(middleware) for middleware in MIDDLEWARES]

_LIMIT = re.compile(r"limit=(-?[0-9]{1,9})")
_PNA = re.compile(r"pna=(\S*)")


class Controls:
    def __init__(self, line: str) -> None:
        number = re.match(r"\s*([0-9]{1,6})", line)
        self.config = int(number.group(1)) % len(CONFIGS) if number else 0
        limit = _LIMIT.search(line)
        self.limit: Optional[int] = int(limit.group(1)) if limit else None
        pna = _PNA.search(line)
        self.private_network: Optional[str] = pna.group(1) if pna else None


def reference_parse(value: str, limit: int) -> Optional[Tuple[str, ...]]:
    if len(value) > limit:
        return None
    names: List[str] = []
    for element in value.split(","):
        name = element.strip(" \t")
        if name and not TOKEN.fullmatch(name):
            return None
        if name and name.lower() not in [seen.lower() for seen in names]:
            names.append(name)
    return tuple(names)


def check_scanner(value: str, limit: int) -> Optional[Tuple[str, ...]]:
    names = parse_request_headers(value, limit)
    expected = reference_parse(value, limit)
    assert names == expected, (value[:200], limit, names, expected)
    if names is None:
        return None
    assert type(names) is tuple, type(names)
    assert len(value) <= limit, (len(value), limit)
    assert len(names) <= value.count(",") + 1, (len(names), value.count(","))
    assert len({name.lower() for name in names}) == len(names), names
    elements = {element.strip(" \t") for element in value.split(",")}
    for name in names:
        assert type(name) is str, name
        assert TOKEN.fullmatch(name), name
        assert name in elements, name
    return names


def limits_for(value: str, controls: Controls) -> List[int]:
    limits = [
        MAX_WILDCARD_REQUEST_HEADERS_LENGTH,
        request_headers_length_limit(("content-type", "x-custom", "authorization")),
        len(value),
        len(value) - 1,
        0,
    ]
    if controls.limit is not None:
        limits.append(controls.limit)
    return limits


class Response:
    def __init__(self) -> None:
        self.status = ""
        self.headers: List[Header] = []
        self.body = b""


def call(client: Any, environ: Dict[str, Any]) -> Response:
    response = Response()

    def start_response(
        status: str, headers: List[Header], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        response.status = status
        response.headers = list(headers)
        return lambda data: None

    result = client(environ, start_response)
    try:
        response.body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    for name, value in response.headers:
        assert type(name) is str, name
        assert type(value) is str, value
        assert not common.has_header_breaker(name + value), (name, value)
        value.encode("latin-1")  # a WSGI header value is latin-1 text
    return response


def make_environ(method: str, origin: str, extra: Dict[str, str]) -> Dict[str, Any]:
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/api/items",
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "HTTP_ORIGIN": origin,
        **extra,
    }
    setup_testing_defaults(environ)
    return environ


def values(headers: List[Header], name: str) -> List[str]:
    return [value for key, value in headers if key.lower() == name.lower()]


def reference_preflight(
    policy: Policy, origin: str, method: str, acrh: Optional[str], pna: Optional[str]
) -> Tuple[bool, Optional[Tuple[str, ...]]]:
    """Should the preflight be allowed, and which names should it reflect."""
    if not (policy.wildcard_origin or policy.matcher.allows(origin)):
        return False, None
    if policy.any_method:  # reflected, so it must be a token, and not a huge one
        if len(method) > MAX_METHOD_LENGTH or not TOKEN.fullmatch(method):
            return False, None
    elif method not in policy.methods:
        return False, None
    names: Optional[Tuple[str, ...]] = None
    if acrh:
        names = reference_parse(acrh, policy.request_headers_limit)
        if names is None:
            return False, None
        for name in names:
            allowed = (
                policy.any_header
                or name.lower() in policy.allowed_header_names
                or any(pattern.fullmatch(name.lower()) for pattern in policy.header_patterns)
            )
            if not allowed:
                return False, None
    if pna is not None and pna.lower() == "true" and not policy.allow_private_network:
        return False, None
    return True, names


def check_acao(policy: Policy, origin: str, acao: List[str], allowed: bool) -> None:
    """``*`` for a wildcard policy; otherwise the request's own origin, once, only if it is an
    exact entry, a serialised origin, or (reflecting '*') a value with no header breaker."""
    if policy.wildcard_origin:
        assert acao == ["*"], acao
    elif allowed:
        assert acao == [origin], (acao, origin)
        assert not common.has_header_breaker(origin), origin
        if origin not in policy.matcher.exact and not policy.matcher.any_origin:
            assert common.SERIALIZED_ORIGIN.fullmatch(origin), origin
    else:
        assert acao == [], acao


def check_preflight(controls: Controls, origin: str, method: str, acrh: str) -> None:
    middleware = MIDDLEWARES[controls.config]
    client = CLIENTS[controls.config]
    policy = middleware.resources.policies[0]
    extra = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": method}
    if acrh:
        extra["HTTP_ACCESS_CONTROL_REQUEST_HEADERS"] = acrh
    if controls.private_network is not None:
        extra["HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"] = controls.private_network
    first = call(client, make_environ("OPTIONS", origin, extra))
    second = call(client, make_environ("OPTIONS", origin, extra))
    assert (first.status, first.headers, first.body) == (
        second.status,
        second.headers,
        second.body,
    ), "the same preflight was answered differently"

    cors = [name for name, _ in first.headers if name.lower().startswith("access-control-")]
    expected, names = reference_preflight(
        policy, origin, method, acrh or None, controls.private_network
    )
    if first.status == "403 Forbidden":
        assert not expected, ("refused", origin, method, acrh[:200])
        assert not cors, cors
        assert first.body == REFUSED_PREFLIGHT_BODY, first.body
        return
    assert first.status == policy.preflight_status, first.status
    assert expected, ("allowed", origin, method, acrh[:200])
    assert first.body == b"", first.body
    check_acao(policy, origin, values(first.headers, "Access-Control-Allow-Origin"), True)
    assert len(values(first.headers, "Access-Control-Allow-Methods")) == 1
    if acrh:
        assert len(acrh) <= policy.request_headers_limit, len(acrh)
    acah = values(first.headers, "Access-Control-Allow-Headers")
    assert len(acah) <= 1, acah
    if acah and policy.reflect_headers:
        assert names is not None, acah
        assert acah[0] == ", ".join(names), (acah, names)


def check_actual(controls: Controls, origin: str) -> None:
    response = call(CLIENTS[controls.config], make_environ("GET", origin, {}))
    assert response.status == "200 OK", response.status
    assert response.body == b"app", response.body
    acao = values(response.headers, "Access-Control-Allow-Origin")
    check_acao(MIDDLEWARES[controls.config].resources.policies[0], origin, acao, bool(acao))


def check(data: bytes) -> None:
    lines = common.request_lines(data)
    controls = Controls(lines[0])
    rest = lines[1:]
    origin = common.as_wsgi_str(rest[0]) if rest else "https://app.example.com"
    method = common.as_wsgi_str(rest[1]) if len(rest) > 1 else "PUT"
    scanned = [common.as_wsgi_str(line) for line in rest[2:]] or [""]
    for value in scanned:
        for limit in limits_for(value, controls):
            check_scanner(value, limit)
    check_preflight(controls, origin, method, scanned[0])
    check_actual(controls, origin)


if __name__ == "__main__":
    common.fuzz(check)
