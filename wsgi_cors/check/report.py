"""The outcome of a check: steps that passed or failed, warnings, and its text and JSON forms."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .client import Exchange
from .request import PageRequest


@dataclass(frozen=True)
class Step:
    """One thing a browser verifies, and whether it held.

    A failed step names the ``rule`` it broke (a stable id), what the standard
    says (``explanation``), the header a server should send (``fix``) and, for a
    wsgi_cors server, the option to change (``wsgi_cors_fix``).
    """

    check: str
    ok: bool
    detail: str
    rule: Optional[str] = None
    explanation: Optional[str] = None
    fix: Optional[str] = None
    wsgi_cors_fix: Optional[str] = None


@dataclass(frozen=True)
class CheckWarning:
    """Something legal that is risky or slow, and how to change it."""

    rule: str
    message: str
    fix: str
    wsgi_cors_fix: Optional[str] = None


@dataclass
class Stage:
    """One request of the check (the preflight, the actual request, a redirect hop)."""

    title: str
    exchange: Optional[Exchange] = None
    steps: List[Step] = field(default_factory=list)
    note: Optional[str] = None

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)


@dataclass
class Report:
    """Everything ``wsgi-cors check`` found out about one page request."""

    request: PageRequest
    stages: List[Stage] = field(default_factory=list)
    warnings: List[CheckWarning] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    readable_headers: List[str] = field(default_factory=list)
    hidden_headers: List[str] = field(default_factory=list)
    #: For a preflight refused without any CORS header: which part the server refused.
    diagnosis: List[Step] = field(default_factory=list)
    #: The stage whose response the diagnosis explains.
    diagnosed_stage: Optional[Stage] = None
    completed: bool = False

    @property
    def allowed(self) -> bool:
        """True when the page would get the response (every step passed)."""
        return self.completed and all(stage.ok for stage in self.stages)

    @property
    def failures(self) -> List[Step]:
        return [step for stage in self.stages for step in stage.steps if not step.ok]

    @property
    def blocked_by(self) -> Optional[Step]:
        """The failure that explains the verdict: a diagnosed cause, else the first failure."""
        causes = [step for step in self.diagnosis if not step.ok] or self.failures
        return causes[0] if causes and not self.allowed else None

    @property
    def verdict(self) -> str:
        return "ALLOWED" if self.allowed else "BLOCKED"


def _describe_request(request: PageRequest) -> str:
    credentials = "with credentials" if request.credentials else "without credentials"
    return f"{request.method} {request.url} from origin {request.origin}, {credentials}"


def render_text(report: Report) -> str:
    """The report for a terminal: verdict first, then each request and its steps."""
    lines = [f"{report.verdict}: {_describe_request(report.request)}"]
    cause = report.blocked_by
    if cause is not None:
        lines.append(f"  blocked by [{cause.rule}] {cause.check}: {cause.detail}")
    for note in report.notes:
        lines.append(f"  note: {note}")
    for number, stage in enumerate(report.stages, 1):
        lines.append("")
        lines.append(f"{number}. {stage.title}")
        if stage.note:
            lines.append(f"   {stage.note}")
        if stage.exchange is not None:
            lines.extend(_exchange_lines(stage.exchange))
        if report.diagnosis and stage is report.diagnosed_stage:
            lines.extend(_diagnosed_lines(stage, report.diagnosis))
            continue
        for step in stage.steps:
            lines.extend(_step_lines(step))
    if report.allowed:
        lines.append("")
        lines.append("The page can read these response headers: " + _names(report.readable_headers))
        if report.hidden_headers:
            lines.append("Hidden from the page (not exposed): " + _names(report.hidden_headers))
    if report.warnings:
        lines.append("")
        lines.append("Warnings:")
        for warning in report.warnings:
            lines.append(f"  WARN [{warning.rule}] {warning.message}")
            lines.append(f"       fix: {warning.fix}")
            if warning.wsgi_cors_fix:
                lines.append(f"       wsgi_cors: {warning.wsgi_cors_fix}")
    return "\n".join(lines) + "\n"


def _diagnosed_lines(stage: Stage, diagnosis: List[Step]) -> List[str]:
    """A preflight refused with no CORS headers: its status, then what the diagnosis found."""
    lines: List[str] = []
    for step in stage.steps[:1]:
        lines.extend(_step_lines(step, explain=False))
    lines.append(
        "   FAIL  the answer has no CORS headers at all, so it does not say what was refused;"
    )
    lines.append("         preflights asking for one thing each found:")
    for step in diagnosis:
        lines.extend(_step_lines(step))
    return lines


def _names(names: List[str]) -> str:
    return ", ".join(names) if names else "(none)"


#: Request headers every exchange has, left out of the text report.
_HIDDEN = frozenset({"user-agent", "content-length"})
_UNREMARKABLE = frozenset({("accept", "*/*")})


def _exchange_lines(exchange: Exchange) -> List[str]:
    lines = [f"   > {exchange.method} {exchange.url}"]
    for name, value in exchange.request_headers:
        if (name.lower(), value) not in _UNREMARKABLE and name.lower() not in _HIDDEN:
            lines.append(f"   >   {name}: {value}")
    lines.append(f"   < {exchange.status} {exchange.reason}".rstrip())
    for name, value in exchange.headers:
        if name.lower().startswith("access-control-") or name.lower() in ("vary", "location"):
            lines.append(f"   <   {name}: {value}")
    return lines


def _step_lines(step: Step, explain: bool = True) -> List[str]:
    lines = [f"   {'PASS' if step.ok else 'FAIL'}  {step.check}: {step.detail}"]
    if not step.ok and explain:
        if step.rule:
            lines.append(f"         rule [{step.rule}]: {step.explanation}")
        if step.fix:
            lines.append(f"         fix: {step.fix}")
        if step.wsgi_cors_fix:
            lines.append(f"         wsgi_cors: {step.wsgi_cors_fix}")
    return lines


def _exchange_json(exchange: Exchange) -> Dict[str, Any]:
    return {
        "request": {
            "method": exchange.method,
            "url": exchange.url,
            "headers": [list(header) for header in exchange.request_headers],
        },
        "response": {
            "status": exchange.status,
            "reason": exchange.reason,
            "headers": [list(header) for header in exchange.headers],
        },
    }


def to_json(report: Report) -> Dict[str, Any]:
    """The report as plain data (what ``--json`` prints)."""
    request = report.request
    cause = report.blocked_by
    return {
        "verdict": report.verdict,
        "allowed": report.allowed,
        "blocked_by": cause.rule if cause else None,
        "request": {
            "url": request.url,
            "origin": request.origin,
            "method": request.method,
            "headers": [list(header) for header in request.headers],
            "dropped_headers": list(request.dropped_headers),
            "credentials": request.credentials,
            "needs_preflight": request.needs_preflight,
        },
        "stages": [
            {
                "title": stage.title,
                "note": stage.note,
                "ok": stage.ok,
                "exchange": _exchange_json(stage.exchange) if stage.exchange else None,
                "steps": [step.__dict__.copy() for step in stage.steps],
            }
            for stage in report.stages
        ],
        "diagnosis": [step.__dict__.copy() for step in report.diagnosis],
        "warnings": [warning.__dict__.copy() for warning in report.warnings],
        "notes": list(report.notes),
        "readable_headers": report.readable_headers,
        "hidden_headers": report.hidden_headers,
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2) + "\n"
