"""Export an earlier commit's ``wsgi_cors`` as ``wsgi_cors_baseline``, to time it side by side.

    python benchmarks/baseline.py a3f194a
    python benchmarks/bench_overhead.py --only '/(wsgi_cors|baseline|floor)$'

The package of commit REF is written to ``benchmarks/.baseline/wsgi_cors_baseline`` (not
tracked by git); the ``baseline`` stack of ``stacks.py`` wraps the same trivial app with it,
given the same options as the current ``CORSMiddleware``, so both versions are timed in one
run, interleaved with the floor. The package must import itself only relatively (every commit
of wsgi_cors so far does).
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from stacks import BASELINE_DIR

ROOT = Path(__file__).resolve().parent.parent


def export(ref: str) -> Path:
    """Write ``ref``'s ``wsgi_cors/`` to ``BASELINE_DIR/wsgi_cors_baseline``; return that path."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "wsgi_cors"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    target = BASELINE_DIR / "wsgi_cors_baseline"
    shutil.rmtree(target, ignore_errors=True)
    staging = BASELINE_DIR / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(staging, filter="data")
    (staging / "wsgi_cors").rename(target)
    shutil.rmtree(staging)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    (BASELINE_DIR / "COMMIT").write_text(commit + "\n", encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the commit (or tag, or branch) to export")
    args = parser.parse_args()
    print(f"exported {args.ref} to {export(args.ref)}")


if __name__ == "__main__":
    main()
