"""Tables from a results file written by ``bench_overhead.py``.

``python benchmarks/report.py benchmarks/results.json`` prints the long table (the one printed
at the end of a run); ``--markdown`` prints the tables used in ``benchmarks/README.md``.

Ratios: "x floor" is a stack's overhead divided by the overhead of its family's floor shim on
the same scenario (``floor`` for WSGI stacks, ``asgi-floor`` for ASGI ones; results files from
before the ASGI floor have no ``floor`` field and use ``floor``); "peer/ours" is a stack's
overhead divided by the overhead of the wsgi_cors stack it is compared with (same framework;
plain ``CORSMiddleware`` for the plain-WSGI peers, ``wsgi_cors.asgi.CORSMiddleware`` for
Starlette; results files from before it name the WSGI ``CORSMiddleware``). A ratio whose
divisor is zero or negative means nothing and is shown as ``n/m``; a negative overhead (the
stack is faster with CORS, or the overhead is lost in noise) as ``< 0``.

"+calls" is the wrapped app's function calls per request minus the bare app's (``calls.py``;
results files from before it have none, shown as empty cells).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

Results = Dict[str, Any]
Record = Dict[str, Any]

HOSTILE_GROUP = "hostile preflights"


def load(path: str) -> Results:
    """Read a results file."""
    results: Results = json.loads(Path(path).read_text(encoding="utf-8"))
    return results


def index(results: Results) -> Dict[Tuple[str, str], Record]:
    """The case records by ``(scenario, stack)``."""
    return {(case["scenario"], case["stack"]): case for case in results["cases"]}


def overhead(record: Optional[Record]) -> Optional[float]:
    """The median overhead in ns, or ``None`` for a missing or n/a case."""
    if record is None or record.get("status") != "ok":
        return None
    value: float = record["overhead_ns"]
    return value


def ratio(numerator: Optional[float], divisor: Optional[float]) -> str:
    """``numerator / divisor`` as ``1.23``; ``n/m`` when the divisor is not positive, ``< 0``
    when the numerator is negative (that stack is faster with CORS than without)."""
    if numerator is None or divisor is None:
        return "n/a"
    if divisor <= 0:
        return "n/m"
    if numerator < 0:
        return "< 0"
    return f"{numerator / divisor:.2f}"


def ns(value: Optional[float]) -> str:
    """A nanosecond figure with thousands separators, or ``n/a``."""
    return "n/a" if value is None else f"{value:,.0f}"


def ratios_for(results: Results, scenario: str, stack: Dict[str, Any]) -> Tuple[str, str]:
    """The "x floor" and "peer/ours" cells of one stack on one scenario."""
    cases = index(results)
    own = overhead(cases.get((scenario, stack["key"])))
    floor_key = stack.get("floor", "floor")
    floor = overhead(cases.get((scenario, floor_key)))
    ours = overhead(cases.get((scenario, stack["ours"]))) if stack["ours"] else None
    x_floor = "" if stack["key"] == floor_key else ratio(own, floor)
    versus = ratio(own, ours) if stack["ours"] else ""
    return x_floor, versus


def plus_calls(record: Optional[Record]) -> str:
    """The "+calls" cell: ``+65``, or ``+85.9`` with its spread where batches differed."""
    if record is None or record.get("status") != "ok" or "plus_calls" not in record:
        return ""
    low, high = record["plus_calls_min"], record["plus_calls_max"]
    if abs(high - low) < 1e-6 and abs(low - round(low)) < 1e-6:
        return f"{record['plus_calls']:+,.0f}"
    return f"{record['plus_calls']:+,.1f} ({low:+,.1f} to {high:+,.1f})"


def format_table(results: Results) -> str:
    """The long table: every scenario and stack, with overhead, quartiles, ratios and +calls."""
    cases = index(results)
    head = (
        f"{'scenario':26} {'stack':32} {'overhead ns':>12} {'IQR ns':>21} "
        f"{'x floor':>8} {'peer/ours':>9} {'+calls':>8}  verdict"
    )
    lines = [head, "-" * len(head)]
    for scenario in results["scenarios"]:
        records = [
            (stack, cases.get((scenario["key"], stack["key"]))) for stack in results["stacks"]
        ]
        for stack, record in records:
            if record is None:
                continue
            if record["status"] != "ok":
                reason = record["reason"]
                lines.append(f"{scenario['title']:26} {stack['label']:32} {'n/a':>12}  ({reason})")
                continue
            x_floor, versus = ratios_for(results, scenario["key"], stack)
            iqr = f"{ns(record['q1_ns'])} to {ns(record['q3_ns'])}"
            shown = record["verdict"] if scenario["group"] == HOSTILE_GROUP else ""
            lines.append(
                f"{scenario['title']:26} {stack['label']:32} {ns(record['overhead_ns']):>12} "
                f"{iqr:>21} {x_floor:>8} {versus:>9} {plus_calls(record):>8}  {shown}".rstrip()
            )
        if any(record is not None for _, record in records):
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _markdown(header: List[str], rows: List[List[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def measured_stacks(results: Results) -> List[str]:
    """The keys of the stacks with at least one figure in ``results``, in table order."""
    cases = index(results)
    found = {key for (_, key), record in cases.items() if overhead(record) is not None}
    return [stack["key"] for stack in results["stacks"] if stack["key"] in found]


def measured_scenarios(results: Results) -> List[Dict[str, Any]]:
    """The scenarios with at least one figure in ``results`` (a ``--only`` run has few)."""
    found = {
        scenario for (scenario, _), record in index(results).items() if overhead(record) is not None
    }
    return [scenario for scenario in results["scenarios"] if scenario["key"] in found]


def markdown_overheads(results: Results) -> str:
    """Scenario by stack: the median overhead in ns (stacks without figures left out)."""
    cases = index(results)
    keys = measured_stacks(results)
    rows = [
        [scenario["title"], *(ns(overhead(cases.get((scenario["key"], key)))) for key in keys)]
        for scenario in measured_scenarios(results)
    ]
    return _markdown(["scenario", *(f"`{key}`" for key in keys)], rows)


def markdown_ratios(results: Results) -> str:
    """Scenario by comparison: ours against the floor, and each peer against ours."""
    stacks = {stack["key"]: stack for stack in results["stacks"]}
    floors = {stack.get("floor", "floor") for stack in stacks.values()}
    columns = [
        (key, 0, f"`{key}` ÷ `{stacks[key].get('floor', 'floor')}`")
        for key in ("wsgi_cors", "flask+wsgi_cors", "asgi", "asgi-baseline")
        if key in stacks and key not in floors
    ]
    columns += [
        (key, 1, f"`{key}` ÷ `{stack['ours']}`")
        for key, stack in stacks.items()
        if stack["ours"] and key not in floors
    ]
    present = measured_stacks(results)
    columns = [column for column in columns if column[0] in present]
    rows = []
    for scenario in measured_scenarios(results):
        cells = [
            ratios_for(results, scenario["key"], stacks[key])[which] for key, which, _ in columns
        ]
        rows.append([scenario["title"], *cells])
    return _markdown(["scenario", *(title for _, _, title in columns)], rows)


def markdown_detail(results: Results) -> str:
    """One row per scenario and stack: overhead, IQR, +calls (and the bare app's calls), and a
    peer's overhead and +calls against its ``ours`` stack's."""
    cases = index(results)
    keys = measured_stacks(results)
    stacks = {stack["key"]: stack for stack in results["stacks"]}
    rows = []
    for scenario in measured_scenarios(results):
        for key in keys:
            record = cases.get((scenario["key"], key))
            if overhead(record) is None:
                continue
            assert record is not None
            ours_key = stacks[key]["ours"]
            ours = cases.get((scenario["key"], ours_key)) if ours_key else None
            versus = calls_versus = ""
            if ours_key:
                versus = ratio(overhead(record), overhead(ours))
                if ours is not None and "plus_calls" in record and "plus_calls" in ours:
                    calls_versus = ratio(record["plus_calls"], ours["plus_calls"])
            bare_calls = f"{record['calls_bare']:,.0f}" if "calls_bare" in record else ""
            rows.append(
                [
                    scenario["title"],
                    f"`{key}`",
                    ns(overhead(record)),
                    f"{ns(record['q1_ns'])} to {ns(record['q3_ns'])}",
                    plus_calls(record),
                    bare_calls,
                    versus,
                    calls_versus,
                ]
            )
    header = [
        "scenario",
        "stack",
        "overhead ns",
        "IQR ns",
        "+calls",
        "bare calls",
        "÷ ours (ns)",
        "÷ ours (+calls)",
    ]
    return _markdown(header, rows)


def markdown_verdicts(results: Results) -> str:
    """Hostile preflights: what each stack answered (``allowed`` or ``refused (status)``)."""
    cases = index(results)
    keys = measured_stacks(results)
    rows = []
    for scenario in measured_scenarios(results):
        if scenario["group"] != HOSTILE_GROUP:
            continue
        cells = []
        for key in keys:
            record = cases.get((scenario["key"], key))
            cells.append("n/a" if record is None or record["status"] != "ok" else record["verdict"])
        rows.append([scenario["title"], *cells])
    return _markdown(["scenario", *(f"`{key}`" for key in keys)], rows)


def main() -> None:
    """Print the tables of a results file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="?", default=str(Path(__file__).with_name("results.json")))
    parser.add_argument("--markdown", action="store_true", help="markdown tables")
    parser.add_argument(
        "--detail",
        action="store_true",
        help="one markdown row per scenario and stack, with IQR and +calls",
    )
    args = parser.parse_args()
    results = load(args.results)
    if args.detail:
        print(markdown_detail(results))
        return
    if not args.markdown:
        print(format_table(results), end="")
        return
    for table in (markdown_overheads, markdown_ratios, markdown_verdicts):
        print(table(results), end="\n\n")


if __name__ == "__main__":
    main()
