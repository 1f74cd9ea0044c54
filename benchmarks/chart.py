"""Chart of a results file: overhead per scenario and stack, as grouped horizontal bars.

Run from the repository root::

    python benchmarks/chart.py benchmarks/results.json -o benchmarks/overhead.png

The x axis is symmetric-logarithmic (linear within +-100 ns, logarithmic beyond), because the
overheads span four orders of magnitude and some are negative: a middleware that answers a
preflight itself spares the framework's own OPTIONS handling. A stack that cannot express a
scenario has no bar and is marked "n/a".
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Dict, List

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from report import HOSTILE_GROUP, index, load, overhead

LINEAR_THRESHOLD_NS = 100.0
COLOURS = (
    "#1f77b4",
    "#7f7f7f",
    "#ff7f0e",
    "#17becf",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#bcbd22",
)


def draw_group(axes: Axes, results: Dict[str, Any], scenarios: List[Dict[str, Any]]) -> None:
    """Draw one panel: a group of bars per scenario, one bar per stack."""
    cases = index(results)
    stacks = results["stacks"]
    height = 0.85 / len(stacks)
    for position, stack in enumerate(stacks):
        shift = (position - (len(stacks) - 1) / 2) * height
        offsets = [row + shift for row in range(len(scenarios))]
        values = [overhead(cases.get((scenario["key"], stack["key"]))) for scenario in scenarios]
        axes.barh(
            offsets,
            [0.0 if value is None else value for value in values],
            height=height,
            color=COLOURS[position % len(COLOURS)],
            label=stack["label"],
        )
        for offset, value in zip(offsets, values):
            if value is None:
                axes.text(0, offset, " n/a", va="center", fontsize=6)
    axes.set_xscale("symlog", linthresh=LINEAR_THRESHOLD_NS)
    axes.axvline(0, color="black", linewidth=0.6)
    axes.set_yticks(range(len(scenarios)))
    axes.set_yticklabels([scenario["title"] for scenario in scenarios])
    axes.invert_yaxis()
    axes.grid(axis="x", which="major", linewidth=0.4, alpha=0.6)
    axes.set_xlabel("overhead per request, ns (wrapped - bare; median of paired rounds)")


def render(results: Dict[str, Any], output: Path) -> None:
    """Write the chart of ``results`` to ``output`` (PNG)."""
    scenarios = results["scenarios"]
    present = {case["scenario"] for case in results["cases"]}
    requests = [s for s in scenarios if s["group"] != HOSTILE_GROUP and s["key"] in present]
    hostile = [s for s in scenarios if s["group"] == HOSTILE_GROUP and s["key"] in present]
    groups = [group for group in (requests, hostile) if group]
    figure, panels = plt.subplots(
        len(groups),
        1,
        figsize=(12, 1.8 + 0.62 * (len(requests) + len(hostile))),
        gridspec_kw={"height_ratios": [len(group) for group in groups]},
        squeeze=False,
    )
    for axes, group in zip(panels[:, 0], groups):
        draw_group(axes, results, group)
    versions = results["versions"]
    figure.suptitle(
        "CORS overhead per request, in process "
        f"(Python {versions['python']}, wsgi_cors {versions['wsgi_cors']}, {results['date']})",
        fontsize=11,
    )
    handles, labels = panels[0, 0].get_legend_handles_labels()
    figure.legend(
        handles, labels, loc="upper center", ncol=4, fontsize=8, bbox_to_anchor=(0.5, 0.965)
    )
    figure.tight_layout(rect=(0, 0, 1, 0.93))
    figure.savefig(output, dpi=110)
    plt.close(figure)


def main() -> None:
    """Read a results file and write its chart."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("results", nargs="?", default=str(here / "results.json"))
    parser.add_argument("-o", "--output", default=str(here / "overhead.png"))
    args = parser.parse_args()
    render(load(args.results), Path(args.output))
    print(f"chart written to {args.output}")


if __name__ == "__main__":
    main()
