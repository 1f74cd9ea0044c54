"""Function calls per request, bare and wrapped: a count that does not move with the machine.

A timing on a shared machine drifts; the number of function calls a request makes does not (or
barely: see below). For each case the bare and the wrapped app run the same requests with a
profile hook (``sys.setprofile``, and ``threading.setprofile`` for threads started meanwhile)
that counts two events: ``call`` (a Python function or method is entered, or a generator or
coroutine resumed) and ``c_call`` (Python code calls a built-in function or method). Calls that
C code makes to C code are not seen; calls that C code makes to Python code are. The count
includes the harness's own calls per request (copying the environ, reading the body), the same
for the bare and the wrapped app, so the difference ``+calls`` is the middleware's.

A case is counted in ``BATCHES`` batches of ``n`` requests each (``n``: at least
``MIN_REQUESTS``, and a whole number of passes over the scenario's requests, so each batch
sees every request of a cycled scenario equally often), bare and wrapped alternately, after one
uncounted batch of each. Per batch, the count divided by ``n`` is the calls per request; the
figures reported are the medians over the batches, and ``plus_calls_min`` / ``plus_calls_max``
the spread of the per-batch differences. WSGI stacks give the same count in every batch.
Django's ``ASGIHandler`` does not quite: how many times the event loop polls while a worker
thread finishes (``response.close`` runs in a thread per request) depends on timing, so its
counts move by a few calls per request from batch to batch.

Run alone (no pyperf, no timing; seconds per case)::

    python benchmarks/calls.py --only '^(allowed-get|preflight)/django'
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import statistics
import sys
import threading
from typing import Any, Dict, List, Tuple

from harness import Timer
from scenarios import Scenario, all_scenarios
from stacks import STACKS, Pair, build_pair, unsupported

#: Requests per counted batch, at least (rounded up to whole passes over the scenario).
MIN_REQUESTS = 20
#: Counted batches per app.
BATCHES = 3


def count_calls(timer: Timer, requests: int) -> Tuple[int, int]:
    """Call events during ``timer(requests)``: on this thread, and on threads started meanwhile."""
    here, elsewhere = itertools.count(), itertools.count()
    this_thread = threading.get_ident()
    get_ident = threading.get_ident

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call" or event == "c_call":
            next(here if get_ident() == this_thread else elsewhere)

    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        timer(requests)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    return next(here), next(elsewhere)


def batch_size(scenario: Scenario) -> int:
    """Requests per batch: whole passes over the scenario's requests, at least MIN_REQUESTS."""
    distinct = len(scenario.requests)
    return distinct * math.ceil(MIN_REQUESTS / distinct)


def count_pair(pair: Pair, scenario: Scenario, batches: int = BATCHES) -> Dict[str, Any]:
    """Calls per request of the bare and the wrapped app of ``pair``, and their difference."""
    n = batch_size(scenario)
    pair.bare(n)
    pair.wrapped(n)
    bare: List[float] = []
    wrapped: List[float] = []
    threads: List[float] = []
    for _ in range(batches):
        for timer, into in ((pair.bare, bare), (pair.wrapped, wrapped)):
            here, elsewhere = count_calls(timer, n)
            into.append((here + elsewhere) / n)
            threads.append(elsewhere / n)
    plus = [w - b for b, w in zip(bare, wrapped)]
    return {
        "calls_bare": statistics.median(bare),
        "calls_wrapped": statistics.median(wrapped),
        "plus_calls": statistics.median(plus),
        "plus_calls_min": min(plus),
        "plus_calls_max": max(plus),
        "calls_other_threads": statistics.median(threads),
        "calls_requests_per_batch": n,
        "calls_batches": batches,
    }


def main() -> None:
    """Print the calls per request of the selected cases."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=None, help="regex on scenario/stack names")
    parser.add_argument("--batches", type=int, default=BATCHES)
    args = parser.parse_args()
    selected = re.compile(args.only) if args.only else None
    print(f"{'case':48} {'bare':>9} {'wrapped':>9} {'+calls':>9} {'range':>15}")
    for scenario in all_scenarios():
        for stack in STACKS:
            name = f"{scenario.key}/{stack.key}"
            if selected is not None and not selected.search(name):
                continue
            if unsupported(stack, scenario):
                continue
            counts = count_pair(build_pair(stack, scenario), scenario, args.batches)
            spread = f"{counts['plus_calls_min']:.1f} to {counts['plus_calls_max']:.1f}"
            print(
                f"{name:48} {counts['calls_bare']:9.1f} {counts['calls_wrapped']:9.1f} "
                f"{counts['plus_calls']:9.1f} {spread:>15}",
                flush=True,
            )


if __name__ == "__main__":
    main()
