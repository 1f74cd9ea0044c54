"""Per-request CORS overhead of wsgi_cors and its peers, measured in process with pyperf.

Run from the repository root (10 to 15 minutes on 2 vCPUs; ``--fast`` 3 to 5)::

    pip install -e '.[bench]'
    python benchmarks/bench_overhead.py --results benchmarks/results.json
    python benchmarks/chart.py benchmarks/results.json -o benchmarks/overhead.png

For every scenario of ``scenarios.py`` and every stack of ``stacks.py`` the overhead is the
wrapped stack's time per request minus the same stack's time without CORS, measured as PAIRED
rounds: one pyperf value is one round of ``loops`` bare and ``loops`` wrapped calls, interleaved
in 16 slices (AB BA AB ...), and the reported overhead is the median of those per-call
differences over all rounds of all worker processes. Time is this process's CPU time by
default (``--clock cpu``: waiting for the CPU while other processes run is not counted);
``--clock wall`` uses the wall clock.

pyperf only stores values > 0, and a difference can be negative (a middleware that answers a
preflight itself is faster than the app it skips) or noise-negative. So each value handed to
pyperf is the difference plus a constant ``PAIR_OFFSET_S`` (1 s) per call, subtracted again
when the results are read: the median of shifted values is the shifted median, and no value is
ever clamped. The offset would skew pyperf's loop calibration, so the loop count of each
benchmark is calibrated here instead (a round lasts about ``--min-time``) and passed to pyperf
as ``--loops``. pyperf's own per-benchmark summary (in offset units) is not shown; the lines
printed here are the overheads.

Before anything is timed every stack is built and checked (``sanity.py``): the bare app sends no
CORS headers, the wrapped one allows and refuses what the policy says. A failure stops the run.
Each case's function calls per request, bare and wrapped, are counted then too (``calls.py``;
``--no-calls`` skips it) and written beside the times (``plus_calls``).
Any pyperf option works (``-p``, ``-n``, ``-w``, ``--rigorous``, ``-o raw.json`` for pyperf's
raw suite); ``--only REGEX`` runs the benchmarks whose ``scenario/stack`` name matches.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pyperf
from calls import count_pair
from harness import CLOCKS, paired_round
from report import format_table
from sanity import check_pair
from scenarios import Scenario, all_scenarios
from stacks import BASELINE_DIR, STACKS, Pair, Stack, build_pair, unsupported

#: Added to every paired per-call difference so pyperf receives a positive value.
PAIR_OFFSET_S = 1.0
DEFAULT_RESULTS = Path(__file__).resolve().with_name("results.json")
DEFAULT_PROCESSES = 6
DEFAULT_VALUES = 4
DEFAULT_MIN_TIME = 0.05
FAST_MIN_TIME = 0.025
#: Families whose paired rounds last this many times ``--min-time``. A request through
#: Django's ``ASGIHandler`` starts and joins worker threads, which makes single requests vary
#: by hundreds of microseconds; longer rounds average more of them.
ROUND_SCALE_BY_FAMILY: Dict[str, int] = {"django-asgi": 20}
PACKAGES = (
    "wsgi_cors",
    "pyperf",
    "wsgicors",
    "Flask",
    "Werkzeug",
    "flask-cors",
    "Django",
    "django-cors-headers",
    "asgiref",
    "starlette",
)
PYPERF_METADATA = ("python_version", "cpu_model_name", "cpu_count", "platform", "perf_version")


@dataclass(frozen=True)
class Case:
    """One stack on one scenario."""

    scenario: Scenario
    stack: Stack

    @property
    def name(self) -> str:
        """The pyperf benchmark name."""
        return f"{self.scenario.key}/{self.stack.key}"


@dataclass
class Prepared:
    """What the manager learnt about a case before timing it."""

    loops: int
    verdict: str
    approx_bare_ns: float
    approx_wrapped_ns: float
    calls: Dict[str, Any]


def baseline_commit() -> Optional[str]:
    """The commit ``baseline.py`` exported for the ``baseline`` stack, if any."""
    marker = BASELINE_DIR / "COMMIT"
    return marker.read_text(encoding="utf-8").strip() if marker.is_file() else None


def all_cases(only: Optional[str]) -> Tuple[List[Case], List[Tuple[Case, str]]]:
    """The cases to time, and those a stack cannot express with the reason; in table order."""
    selected = re.compile(only) if only else None
    timed: List[Case] = []
    not_applicable: List[Tuple[Case, str]] = []
    for scenario in all_scenarios():
        for stack in STACKS:
            case = Case(scenario, stack)
            if selected is not None and not selected.search(case.name):
                continue
            reason = unsupported(stack, scenario)
            if reason is None:
                timed.append(case)
            else:
                not_applicable.append((case, reason))
    return timed, not_applicable


# --- worker side ----------------------------------------------------------------------------


def make_time_func(case: Case, clock: str) -> Callable[[int], float]:
    """pyperf's time function for ``case``: one paired round on ``clock``, shifted by the offset.

    The stack is built and checked on the first call (a warm-up), outside the timed region.
    """
    built: List[Pair] = []

    def time_func(loops: int) -> float:
        if not built:
            pair = build_pair(case.stack, case.scenario, CLOCKS[clock])
            check_pair(
                case.stack.label,
                pair,
                case.scenario,
                every_request=False,
                require_vary=case.stack.vary_on_refusal,
            )
            built.append(pair)
        pair = built[0]
        return paired_round(pair.bare, pair.wrapped, loops) + loops * PAIR_OFFSET_S

    return time_func


# --- manager side ---------------------------------------------------------------------------


def calibrate(pair: Pair, min_time: float) -> Tuple[int, float, float]:
    """Calls per round so that a paired round lasts about ``min_time``; and per-call times.

    Returns ``(loops, bare_ns, wrapped_ns)``; the per-call times come from one short
    measurement and are only for orientation.
    """
    pair.bare(3)
    pair.wrapped(3)
    calls = 1
    while True:
        bare, wrapped = pair.bare(calls), pair.wrapped(calls)
        if bare + wrapped >= min_time / 5 or calls >= 1 << 24:
            break
        calls *= 2
    per_call = (bare + wrapped) / calls
    loops = max(2, round(min_time / per_call))
    return loops, bare / calls * 1e9, wrapped / calls * 1e9


def prepare(cases: List[Case], min_time: float, calls: bool = True) -> Dict[str, Prepared]:
    """Build, check (every request), calibrate and (with ``calls``) count the function calls
    of every case; stop at the first failure.

    Calibration uses the wall clock: a round should last about ``min_time`` of real time.
    """
    prepared: Dict[str, Prepared] = {}
    for index, case in enumerate(cases, 1):
        pair = build_pair(case.stack, case.scenario, CLOCKS["wall"])
        verdict = check_pair(
            case.stack.label,
            pair,
            case.scenario,
            every_request=True,
            require_vary=case.stack.vary_on_refusal,
        )
        scale = ROUND_SCALE_BY_FAMILY.get(case.stack.family, 1)
        loops, bare_ns, wrapped_ns = calibrate(pair, min_time * scale)
        counts = count_pair(pair, case.scenario) if calls else {}
        prepared[case.name] = Prepared(loops, verdict, bare_ns, wrapped_ns, counts)
        plus = f" +calls={counts['plus_calls']:g}" if counts else ""
        print(
            f"checked [{index:3}/{len(cases)}] {case.name:42} {verdict:15} loops={loops}{plus}",
            flush=True,
        )
    return prepared


def summarise(values_ns: List[float]) -> Dict[str, Any]:
    """Median, quartiles and the count of negative rounds of the per-call differences."""
    quartiles = statistics.quantiles(values_ns, n=4) if len(values_ns) > 1 else values_ns * 3
    return {
        "overhead_ns": statistics.median(values_ns),
        "q1_ns": quartiles[0],
        "q3_ns": quartiles[2],
        "rounds": len(values_ns),
        "negative_rounds": sum(1 for value in values_ns if value < 0),
        "values_ns": [round(value, 3) for value in values_ns],
    }


def time_case(runner: pyperf.Runner, case: Case, prep: Prepared) -> Dict[str, Any]:
    """Run ``case`` with pyperf (worker processes) and return its summary."""
    runner.args.loops = prep.loops
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured):
            bench = runner.bench_time_func(case.name, make_time_func(case, runner.args.clock))
    except BaseException:
        print(captured.getvalue(), file=sys.stderr)
        raise
    finally:
        runner.args.loops = 0
    values_ns = [(value - PAIR_OFFSET_S) * 1e9 for value in bench.get_values()]
    result = summarise(values_ns)
    result["pyperf_metadata"] = {
        key: bench.get_metadata().get(key) for key in PYPERF_METADATA if key in bench.get_metadata()
    }
    return result


def package_versions() -> Dict[str, str]:
    """Installed versions of the measured packages."""
    versions = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def measured_wsgi_cors() -> str:
    """Where the measured ``wsgi_cors`` was imported from (it may not be this checkout)."""
    import wsgi_cors

    return str(Path(wsgi_cors.__file__).resolve().parent)


def source_revision() -> Dict[str, Any]:
    """The repository's commit and whether ``wsgi_cors/`` has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent

    def git(*arguments: str) -> str:
        done = subprocess.run(
            ["git", *arguments], cwd=root, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    try:
        return {
            "commit": git("rev-parse", "--short", "HEAD"),
            "wsgi_cors_modified": bool(git("status", "--porcelain", "--", "wsgi_cors")),
        }
    except (OSError, subprocess.CalledProcessError):
        return {}


def case_record(case: Case) -> Dict[str, Any]:
    """The identifying part of a case's JSON record."""
    return {"scenario": case.scenario.key, "stack": case.stack.key, "name": case.name}


def run_manager(runner: pyperf.Runner, cases: List[Case], na: List[Tuple[Case, str]]) -> None:
    """Check and calibrate everything, time every case, write the results and print the table."""
    args = runner.args
    if args.fast:
        args.min_time = FAST_MIN_TIME
    started = time.time()
    source_at_start = source_revision()
    prepared = prepare(cases, args.min_time, calls=not args.no_calls)
    records: List[Dict[str, Any]] = []
    machine: Dict[str, Any] = {}
    for index, case in enumerate(cases, 1):
        prep = prepared[case.name]
        result = time_case(runner, case, prep)
        machine = machine or result["pyperf_metadata"]
        record = {**case_record(case), "status": "ok", "loops": prep.loops}
        record.update(verdict=prep.verdict, approx_bare_ns=round(prep.approx_bare_ns, 1))
        record.update(approx_wrapped_ns=round(prep.approx_wrapped_ns, 1))
        record.update(prep.calls)
        record.update({k: v for k, v in result.items() if k != "pyperf_metadata"})
        records.append(record)
        print(
            f"timed   [{index:3}/{len(cases)}] {case.name:42} "
            f"{record['overhead_ns']:10.0f} ns  (IQR {record['q1_ns']:.0f} to "
            f"{record['q3_ns']:.0f}, {record['negative_rounds']}/{record['rounds']} rounds < 0)",
            flush=True,
        )
    records += [{**case_record(case), "status": "n/a", "reason": why} for case, why in na]
    results = {
        "schema": 1,
        "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "duration_s": round(time.time() - started),
        "machine": machine,
        "versions": package_versions(),
        "source": {
            "at_start": source_at_start,
            "at_end": source_revision(),
            "wsgi_cors_imported_from": measured_wsgi_cors(),
            "baseline_commit": baseline_commit(),
        },
        "settings": {
            "processes": args.processes,
            "values_per_process": args.values,
            "warmups": args.warmups,
            "min_time_s": args.min_time,
            "round_scale_by_family": ROUND_SCALE_BY_FAMILY,
            "pair_offset_s": PAIR_OFFSET_S,
            "clock": args.clock,
        },
        "scenarios": [{"key": s.key, "title": s.title, "group": s.group} for s in all_scenarios()],
        "stacks": [
            {"key": s.key, "label": s.label, "family": s.family, "ours": s.ours, "floor": s.floor}
            for s in STACKS
        ],
        "cases": records,
    }
    path = Path(args.results)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print()
    print(format_table(results))
    print(f"\nresults written to {path} in {results['duration_s']} s")


def forward_options(cmd: List[str], args: Any) -> None:
    """Pass this script's own options to pyperf's worker processes."""
    cmd.extend(["--clock", args.clock])
    if args.only:
        cmd.extend(["--only", args.only])


def main() -> None:
    """Entry point for the manager and for pyperf's worker processes."""
    runner = pyperf.Runner(
        processes=DEFAULT_PROCESSES,
        values=DEFAULT_VALUES,
        warmups=1,
        min_time=DEFAULT_MIN_TIME,
        program_args=(str(Path(__file__).resolve()),),
        add_cmdline_args=forward_options,
    )
    runner.argparser.add_argument(
        "--results", default=str(DEFAULT_RESULTS), help="where to write the results JSON"
    )
    runner.argparser.add_argument(
        "--only", default=None, help="time only the scenario/stack names matching this regex"
    )
    runner.argparser.add_argument(
        "--no-calls",
        action="store_true",
        help="do not count the function calls per request (calls.py) before timing",
    )
    runner.argparser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: this process's CPU time (default; steadier on a shared machine); wall: "
        "wall-clock time",
    )
    args = runner.parse_args()
    cases, not_applicable = all_cases(args.only)
    if args.worker:
        for case in cases:
            runner.bench_time_func(case.name, make_time_func(case, args.clock))
        return
    run_manager(runner, cases, not_applicable)


if __name__ == "__main__":
    main()
