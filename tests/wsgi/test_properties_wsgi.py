"""The property tests played by a strict recording WSGI server, with every way a WSGI app
can answer: start_response re-called with exc_info, a lazy start from the body iterable,
write() calls, a body that fails, an exception after start_response.

Every exchange runs twice: calling the middleware directly with a PEP 3333 environ (also
without PATH_INFO) and a recording ``start_response``, and as
``validator(CORSMiddleware(validator(app)))``. Beyond the oracle's checks (see
tests/conformance/oracle.py) this asserts what only WSGI has: the body iterable returned as
is, close() forwarded once, the server's write callable handed to the app, exc_info passed
through, the app's header list never mutated, and each start_response call checked."""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple
from wsgiref.validate import WSGIWarning, validator

from hypothesis import event, given
from hypothesis import strategies as st

from wsgi_cors import CORSMiddleware

from conformance.configurations import (
    PROBE_ORIGIN,
    RESOURCE_APPS,
    RESOURCE_CASES,
    make_valid,
    recording_probe,
    scenarios,
)
from conformance.generation import APP_MODES, AppSpec, app_specs
from conformance.oracle import (
    ACAC,
    ACAO,
    PROFILE,
    STATUS_LINE,
    Entry,
    Header,
    Origins,
    Request,
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
    merged,
    middleware_kwargs,
    origin_mode,
    policy_options,
    request_kind,
    required_vary,
    resource_choices,
)
from conftest import make_environ


class AppError(Exception):
    """The app's own exception: the only one allowed to escape the middleware."""


class Body:
    """The app's body iterable: counts close() and may call start_response lazily."""

    def __init__(self, app: RandomApp, start_response: Callable[..., Any]) -> None:
        self.app = app
        self.start_response = start_response
        self.closed = 0
        self.yielded: List[bytes] = []

    def __iter__(self) -> Iterator[bytes]:
        app, spec = self.app, self.app.spec
        if spec.mode in ("lazy", "late_exc_info"):
            app.start(self.start_response, spec.status, spec.headers)
        for index, chunk in enumerate(spec.chunks):
            if spec.mode == "raise_in_body" and index == spec.fail_at:
                raise app.error
            self.yielded.append(chunk)
            yield chunk
        if spec.mode == "raise_in_body":
            raise app.error
        if spec.mode == "late_exc_info":
            try:
                raise app.error
            except AppError:
                app.start(self.start_response, spec.second_status, spec.second_headers, True)

    def close(self) -> None:
        self.closed += 1


class RandomApp:
    """A WSGI app that behaves as its :class:`AppSpec` says and records what it did."""

    def __init__(self, spec: AppSpec) -> None:
        self.spec = spec
        self.error = AppError(f"app error {id(self)}")
        self.calls = 0
        #: Each header list passed to start_response, with a snapshot taken then.
        self.passed: List[Tuple[List[Header], Tuple[Header, ...], Any]] = []
        #: What each start_response call returned (the write callable).
        self.returned: List[Any] = []
        self.body: Optional[Body] = None

    def start(
        self, start_response: Callable[..., Any], status: str, headers: Any, exc: bool = False
    ) -> Any:
        passed = list(headers)
        exc_info = sys.exc_info() if exc else None
        self.passed.append((passed, tuple(passed), exc_info))
        write = start_response(status, passed, exc_info) if exc else start_response(status, passed)
        self.returned.append(write)
        return write

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Body:
        self.calls += 1
        spec = self.spec
        if spec.mode == "raise_before":
            raise self.error
        body = Body(self, start_response)
        if spec.mode not in ("lazy", "late_exc_info"):
            write = self.start(start_response, spec.status, spec.headers)
            if spec.mode == "raise_after_start":
                raise self.error
            if spec.mode == "exc_info":
                try:
                    raise self.error
                except AppError:
                    write = self.start(
                        start_response, spec.second_status, spec.second_headers, True
                    )
            for data in spec.writes:
                write(data)
        self.body = body
        return body


# --- The server side --------------------------------------------------------------------------


class Server:
    """A strict recording server: start_response, write and the body, in order."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, List[Header], Any]] = []
        self.output: List[bytes] = []
        self.sent = False
        #: The one write callable start_response returns (a bound method is new each time).
        self.write = self._write

    def start_response(self, status: str, headers: List[Header], exc_info: Any = None) -> Any:
        assert isinstance(status, str)
        assert STATUS_LINE.fullmatch(status), status
        assert type(headers) is list, headers
        for header in headers:
            assert type(header) is tuple, header
            assert len(header) == 2, header
            assert isinstance(header[0], str), header
            assert isinstance(header[1], str), header
        if exc_info is not None:
            if self.sent:
                raise exc_info[1].with_traceback(exc_info[2])
        else:
            assert not self.calls, "start_response called again without exc_info"
        self.calls.append((status, list(headers), exc_info))
        return self.write

    def _write(self, data: bytes) -> None:
        assert isinstance(data, bytes)
        assert self.calls, "write before start_response"
        self.sent = self.sent or bool(data)
        self.output.append(data)


@dataclass
class Outcome:
    validated: bool
    app: RandomApp
    server: Server
    result: Any = None
    raised: Optional[BaseException] = None
    body_raised: Optional[BaseException] = None
    chunks: List[bytes] = field(default_factory=list)


def exchange(scenario: Scenario, *, validated: bool) -> Outcome:
    """Send the scenario's request through the middleware; play the server to the end."""
    app = RandomApp(scenario.app)
    middleware = CORSMiddleware(validator(app) if validated else app, **middleware_kwargs(scenario))
    wsgi = validator(middleware) if validated else middleware
    server = Server()
    outcome = Outcome(validated, app, server)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WSGIWarning)  # e.g. REQUEST_METHOD "PURGE"
        try:
            environ = build_environ(scenario.request, validated=validated)
            outcome.result = wsgi(environ, server.start_response)
        except AppError as error:
            outcome.raised = error
            return outcome
        try:
            for chunk in outcome.result:
                assert server.calls, "body before start_response"
                server.sent = server.sent or bool(chunk)
                server.output.append(chunk)
                outcome.chunks.append(chunk)
        except AppError as error:
            outcome.body_raised = error
        finally:
            close = getattr(outcome.result, "close", None)
            if close is not None:
                close()
    return outcome


def both_exchanges(scenario: Scenario) -> List[Outcome]:
    return [exchange(scenario, validated=False), exchange(scenario, validated=True)]


def build_environ(request: Request, *, validated: bool = False) -> Dict[str, Any]:
    """A PEP 3333 environ; header values are latin-1 strings, as servers give them.

    wsgiref.validate cannot check an environ without PATH_INFO (formatting its own message
    raises KeyError), so under the validator a missing path is sent as the equivalent "".
    """
    path = "" if request.path is None and validated else request.path
    return make_environ(
        method=request.method,
        path=path,
        origin=request.origin,
        request_method=request.acrm,
        request_headers=request.acrh,
        private_network=request.acrpn,
    )


def call_pairs(outcome: Outcome) -> List[Tuple[Sequence[Header], Tuple[str, List[Header], Any]]]:
    """(app's headers, what the server received) for each start_response the app made."""
    return [
        (snapshot, call) for (_, snapshot, _), call in zip(outcome.app.passed, outcome.server.calls)
    ]


# --- The properties ----------------------------------------------------------------------------


@PROFILE
@given(scenario=scenarios(apps=app_specs(st.sampled_from(APP_MODES))))
def test_middleware_never_raises_except_the_apps_own_exception(scenario: Scenario) -> None:
    """Only the app's own exception escapes, only when it must: intercept_exceptions off, or
    raised after start_response, or from the body (the middleware never wraps the body)."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    where = expected_failure(scenario, options, kind)
    event(f"app mode {scenario.app.mode}, kind {kind}, escapes: {where or 'nothing'}")
    for outcome in both_exchanges(scenario):
        assert outcome.raised is (outcome.app.error if where == "call" else None)
        assert outcome.body_raised is (outcome.app.error if where == "body" else None)
        if intercepted(scenario, options, kind):
            assert outcome.server.calls[-1][0].startswith("500 ")


@PROFILE
@given(scenario=scenarios())
def test_no_response_pairs_star_with_credentials(scenario: Scenario) -> None:
    for outcome in both_exchanges(scenario):
        for _, headers, _ in outcome.server.calls:
            values = by_name(headers)
            assert not ("*" in values.get(ACAO, []) and "true" in values.get(ACAC, []))


@PROFILE
@given(scenario=scenarios())
def test_allow_origin_is_single_and_only_what_the_policy_allows(scenario: Scenario) -> None:
    """ACAO at most once; ``*`` or the request's own Origin, byte for byte, when the oracle
    allows it; and exactly the CORS headers the docs give for the response."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    event(f"kind {kind}, mode {origin_mode(options) if options else '-'}")
    for outcome in both_exchanges(scenario):
        for _, headers, _ in outcome.server.calls:
            assert len(by_name(headers).get(ACAO, [])) <= 1
        if kind == "preflight_answer":
            status, headers, _ = outcome.server.calls[0]
            if status.startswith("403"):
                assert not [h for h in headers if is_cors(h[0])]
            else:
                assert options is not None
                cors = [header for header in headers if is_cors(header[0])]
                check_preflight_added(options, scenario.request, by_name(cors))
        elif intercepted(scenario, options, kind):
            _, headers, _ = outcome.server.calls[0]
            check_cors(scenario, options, kind, [], headers)
        else:
            for app_headers, (_, headers, _) in call_pairs(outcome):
                check_cors(scenario, options, kind, app_headers, headers)


@PROFILE
@given(scenario=scenarios())
def test_vary_has_origin_whenever_the_answer_depends_on_it(scenario: Scenario) -> None:
    """``Vary: Origin`` on every response of a non-``*`` policy (allowed, refused and
    Origin-less alike), the three preflight tokens on preflight answers, merged into the
    app's Vary without duplicates; ``Vary: *`` and uncovered paths left alone."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    required = required_vary(options, kind)
    event(f"required Vary: {', '.join(required) or 'none'}")
    for outcome in both_exchanges(scenario):
        if kind == "preflight_answer" or intercepted(scenario, options, kind):
            _, headers, _ = outcome.server.calls[0]
            check_vary([], headers, required)
        else:
            for app_headers, (_, headers, _) in call_pairs(outcome):
                check_vary(app_headers, headers, required)


@PROFILE
@given(scenario=scenarios())
def test_status_body_and_app_headers_are_preserved(scenario: Scenario) -> None:
    """The app's status, exc_info, body (the iterable itself, chunks in order, close()
    forwarded), write() calls and headers pass through; its header list is never mutated."""
    options = policy_options(scenario)
    kind = request_kind(scenario, options)
    spec = scenario.app
    for outcome in both_exchanges(scenario):
        app, server = outcome.app, outcome.server
        for passed, snapshot, _ in app.passed:
            assert passed == list(snapshot), "the app's header list was mutated"
        if kind == "preflight_answer":
            assert app.calls == 0
            continue
        assert app.calls == 1
        if intercepted(scenario, options, kind):
            assert server.calls[0][0] == "500 Internal Server Error"
            assert str(app.error).encode() not in b"".join(server.output)
            continue
        for (app_headers, (status, headers, exc_info)), (_, _, app_exc_info) in zip(
            call_pairs(outcome), app.passed
        ):
            expected_status = spec.second_status if app_exc_info else spec.status
            assert status == expected_status
            assert exc_info is app_exc_info
            check_app_headers_kept(app_headers, headers)
        if not outcome.validated:
            assert all(write is server.write for write in app.returned)
        if app.body is None:
            continue
        if not outcome.validated:
            assert outcome.result is app.body, "the body iterable must be returned as is"
            assert len(outcome.chunks) == len(app.body.yielded)
            assert all(a is b for a, b in zip(outcome.chunks, app.body.yielded))
        fail_at = spec.fail_at if spec.mode == "raise_in_body" else len(spec.chunks)
        assert app.body.yielded == list(spec.chunks[:fail_at]), "the body was cut short"
        assert outcome.chunks == app.body.yielded
        assert server.output == [*spec.writes, *app.body.yielded]
        assert app.body.closed == 1


@PROFILE
@given(scenario=scenarios())
def test_emitted_headers_are_well_formed(scenario: Scenario) -> None:
    """No header name or value with CR, LF or NUL, every name a token, values latin-1."""
    for outcome in both_exchanges(scenario):
        for status, headers, _ in outcome.server.calls:
            assert STATUS_LINE.fullmatch(status)
            for name, value in headers:
                assert is_token(name), name
                assert not set("\r\n\x00") & set(name + value), (name, value)
                value.encode("latin-1")


@PROFILE
@given(
    case=RESOURCE_CASES,
    preflight=st.booleans(),
    app=RESOURCE_APPS,
)
def test_resource_policy_is_the_one_the_precedence_rules_pick(
    case: Tuple[Dict[str, Any], Any, Optional[str]], preflight: bool, app: AppSpec
) -> None:
    """exact > regex (declaration order) > longest prefix > catch-all, on PATH_INFO as the
    server decoded it: never decoded again, never case-folded; a path with an empty, ``.`` or
    ``..`` segment only by an exact match. Each resource's origins are one predicate that
    records that it was asked, so the policy in use identifies itself."""
    top, resources, path = case
    choices = resource_choices(resources, path or "")
    names = [repr(resources[c][0]) if c is not None else "nothing" for c in choices]
    event(f"covered by: {' or '.join(names)}")
    request = (
        Request("OPTIONS", path, PROBE_ORIGIN, "GET")
        if preflight
        else Request("GET", path, PROBE_ORIGIN)
    )
    for validated in (False, True):
        seen: List[int] = []
        table = []
        for index, (pattern, overrides) in enumerate(resources):
            probe = Entry(recording_probe(index, seen), "predicate")
            probed = {**overrides, "origins": Origins((probe,))}
            make_valid(probed, merged(top, probed))
            table.append((pattern, probed))
        scenario = Scenario(top, tuple(table), request, app)
        outcome = exchange(scenario, validated=validated)
        assert seen in [[] if c is None else [c] for c in choices], (seen, choices)
        headers = outcome.server.calls[-1][1]
        if not seen:
            assert outcome.app.calls == 1
            assert headers == list(outcome.app.passed[-1][1])
        elif not preflight and not [n for n, _ in outcome.app.passed[-1][1] if n.lower() == ACAO]:
            assert by_name(headers).get(ACAO) == [PROBE_ORIGIN]
