"""Run every fuzz target in turn, each for a bounded time, on a scratch copy of its corpus.

    python fuzz/run_all.py --seconds 600          # 10 minutes per target, sequentially
    python fuzz/run_all.py --seconds 30 origins   # one target

The checked-in corpus (``fuzz/corpus/<target>/``) is copied to a scratch directory first, so
the inputs libFuzzer adds never touch the repository; crashes are written there too. Pass
``--work DIR`` to keep them somewhere known. Prints each target's final libFuzzer lines
(``#N DONE``, ``Done N runs in S second(s)``, ``stat::`` lines) and exits non-zero if a
target failed. Extra arguments after ``--`` go to every target (``-- -max_len=16384``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, NamedTuple, Optional

FUZZ_DIR = Path(__file__).resolve().parent
TARGETS = ("origins", "acrh", "paste")
_SUMMARY = re.compile(r"^(#\d+\s+DONE.*|Done \d+ runs.*|stat::.*|.*known bug .*|.*ERROR:.*)$")
_DONE = re.compile(r"^Done (\d+) runs in (\d+) second")


class Result(NamedTuple):
    target: str
    returncode: int
    runs: Optional[int]
    seconds: Optional[int]
    summary: List[str]
    log: Path


def run_target(
    target: str, seconds: int, work: Path, extra: List[str], python: str = sys.executable
) -> Result:
    corpus = work / "corpus" / target
    artifacts = work / "artifacts" / target
    if corpus.exists():
        shutil.rmtree(corpus)
    shutil.copytree(FUZZ_DIR / "corpus" / target, corpus)
    artifacts.mkdir(parents=True, exist_ok=True)
    log = work / f"{target}.log"
    command = [
        python,
        str(FUZZ_DIR / f"fuzz_{target}.py"),
        str(corpus),
        f"-max_total_time={seconds}",
        f"-artifact_prefix={artifacts}{os.sep}",
        "-timeout=60",
        "-print_final_stats=1",
        *extra,
    ]
    with log.open("w") as out:
        out.write("$ " + " ".join(command) + "\n")
        out.flush()
        completed = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=work, check=False
        )
    lines = log.read_text(errors="replace").splitlines()
    summary = [line for line in lines if _SUMMARY.match(line)]
    runs = duration = None
    for line in lines:
        done = _DONE.match(line)
        if done:
            runs, duration = int(done.group(1)), int(done.group(2))
    return Result(target, completed.returncode, runs, duration, summary, log)


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: List[str] = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help=f"any of {', '.join(TARGETS)} (default all)")
    parser.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    parser.add_argument("--work", type=Path, help="scratch directory to keep (default: a temp one)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    work: Path = args.work or Path(tempfile.mkdtemp(prefix="wsgi_cors_fuzz_"))
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    print(f"wsgi_cors fuzz: {started:%Y-%m-%d %H:%M} UTC, {args.seconds} s per target, in {work}")
    results = []
    for target in args.targets or TARGETS:
        result = run_target(target, args.seconds, work, extra)
        results.append(result)
        status = "clean" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
        print(f"\n== {target}: {status}; {result.runs} runs in {result.seconds} s")
        print(f"   log: {result.log}")
        for line in result.summary:
            print("   " + line)
        sys.stdout.flush()
    failed = [result.target for result in results if result.returncode != 0]
    if failed:
        print(f"\nfailed: {', '.join(failed)}; crashing inputs are under {work / 'artifacts'}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
