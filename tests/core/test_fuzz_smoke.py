"""A short CI run of each atheris fuzz target in ``fuzz/``, and the bugs the fuzzers found.

Each target runs in a subprocess for a fixed number of executions on a scratch copy of its
checked-in corpus (libFuzzer adds inputs to the corpus directory, so the repository's is never
used directly), and must exit 0 having executed them all. Without atheris these tests are
skipped, unless ``WSGI_CORS_REQUIRE_FUZZ=1`` (CI), which makes a missing atheris a failure.

The known bugs (``KNOWN_BUGS`` in ``fuzz/fuzz_common.py``, each with a ``crash-*`` seed) are
reproduced by strict ``xfail`` tests that call the library directly, without atheris. Fixing
one makes its test XPASS, which fails the suite: then delete the ``xfail`` mark, remove the
``KNOWN_BUGS`` entry and rename the seed (``crash-`` to ``regression-``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List

import pytest

from wsgi_cors import ConfigError, CORSMiddleware
from wsgi_cors.core.origins import canonicalize_origin
from wsgi_cors.paste import parse_options

REPO = Path(__file__).resolve().parents[2]
FUZZ = REPO / "fuzz"
CORPUS = FUZZ / "corpus"
TARGETS = ("origins", "acrh", "paste")
RUNS = 3000
REQUIRE_ENV = "WSGI_CORS_REQUIRE_FUZZ"

sys.path.insert(0, str(FUZZ))
import fuzz_common  # noqa: E402  (fuzz/ is not a package; this module does not need atheris)

HAVE_ATHERIS = importlib.util.find_spec("atheris") is not None


@pytest.fixture
def need_atheris() -> None:
    if HAVE_ATHERIS:
        return
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but atheris is not installed: pip install -e '.[fuzz]'")
    pytest.skip(f"atheris is not installed (pip install -e '.[fuzz]'; {REQUIRE_ENV}=1 to require)")


def run_target(target: str, args: List[str], cwd: Path, strict: bool = False) -> Any:
    env = {**os.environ, fuzz_common.STRICT_ENV: "1" if strict else "0"}
    return subprocess.run(
        [sys.executable, str(FUZZ / f"fuzz_{target}.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=600,
        check=False,
    )


def snapshot(directory: Path) -> Dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


# --- the smoke runs --------------------------------------------------------------------------


@pytest.mark.usefixtures("need_atheris")
@pytest.mark.parametrize("target", TARGETS)
def test_target_runs_clean(target: str, tmp_path: Path) -> None:
    seeds = CORPUS / target
    before = snapshot(seeds)
    assert len(before) >= 12, f"the {target} seed corpus should hold a dozen seeds"
    corpus = tmp_path / "corpus"
    shutil.copytree(seeds, corpus)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    result = run_target(
        target,
        [
            str(corpus),
            f"-runs={RUNS}",
            "-max_total_time=300",
            "-timeout=60",
            f"-artifact_prefix={artifacts}{os.sep}",
            "-print_final_stats=1",
        ],
        tmp_path,
    )
    output = result.stdout + result.stderr
    tail = "\n".join(output.splitlines()[-40:])
    assert result.returncode == 0, f"fuzz_{target} failed:\n{tail}"
    assert f"{len(before)} files found" in output, tail
    assert re.search(r"^#\d+\s+INITED", output, re.MULTILINE), tail
    # libFuzzer may run a few inputs past -runs (it finishes the batch it started: 3002 seen).
    done = re.search(r"^Done (\d+) runs in \d+ second", output, re.MULTILINE)
    assert done, tail
    assert int(done.group(1)) >= RUNS, tail
    executed = re.search(r"^stat::number_of_executed_units: (\d+)$", output, re.MULTILINE)
    assert executed, tail
    assert int(executed.group(1)) >= RUNS, tail
    assert not list(artifacts.iterdir()), "a crash or timeout artifact was written"
    # Each known bug whose crashing seed is in this corpus was hit and tolerated, not missed.
    for bug in fuzz_common.KNOWN_BUGS:
        if bug.seed.startswith(target + "/"):
            assert f"known bug {bug.ident} reproduced" in output, (bug.ident, tail)
    assert snapshot(seeds) == before, "the checked-in corpus was modified"


@pytest.mark.usefixtures("need_atheris")
@pytest.mark.parametrize("bug", fuzz_common.KNOWN_BUGS, ids=lambda bug: bug.ident)
def test_crash_seed_fails_in_strict_mode(bug: fuzz_common.KnownBug, tmp_path: Path) -> None:
    """Each checked-in ``crash-*`` seed still crashes its target once tolerance is off."""
    seed = CORPUS / bug.seed
    target = bug.seed.split("/", 1)[0]
    result = run_target(target, [str(seed), f"-artifact_prefix={tmp_path}{os.sep}"], tmp_path, True)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    assert "Uncaught Python exception" in output, output[-2000:]
    names = [kind.__name__ for kind in bug.types] or ["AssertionError"]
    assert any(f"\n{name}: " in output for name in names), output[-2000:]


def test_every_seed_directory_has_a_dozen_seeds() -> None:
    for target in TARGETS:
        assert len(list((CORPUS / target).iterdir())) >= 12, target


def test_every_known_bug_has_its_crash_seed() -> None:
    for bug in fuzz_common.KNOWN_BUGS:
        assert (CORPUS / bug.seed).is_file(), bug.seed
        assert Path(bug.seed).name.startswith(f"crash-{bug.ident.lower()}-"), bug.seed


# --- the known bugs, reproduced without atheris ----------------------------------------------


def _app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b""]


def seed_ini(name: str) -> Dict[str, str]:
    text = (CORPUS / "paste" / name).read_bytes().decode("utf-8", "surrogateescape")
    conf = fuzz_common.read_ini(text)
    assert conf is not None
    return conf


def test_kb1_port_over_4300_digits_is_a_config_problem() -> None:
    seed = CORPUS / "origins" / "regression-kb1-port-over-4300-digits-valueerror"
    entry = seed.read_text().strip()
    assert len(entry.rpartition(":")[2]) == 4301
    problem = canonicalize_origin(entry)[1]
    assert problem is not None
    assert problem.code == "origin-bad-port"
    assert "invalid port" in problem.message
    with pytest.raises(ConfigError, match="invalid port"):
        CORSMiddleware(_app, origins=[entry])


def test_kb2_max_age_over_4300_digits_is_a_config_error() -> None:
    conf = seed_ini("regression-kb2-max-age-over-4300-digits-valueerror")
    assert len(conf["max_age"]) == 4301
    with pytest.raises(ConfigError, match="max_age"):
        parse_options(conf)


@pytest.mark.parametrize(
    "seed",
    ["regression-kb3-regex-repeat-overflowerror", "regression-kb3-regex-nesting-recursionerror"],
)
def test_kb3_uncompilable_regex_entry_is_a_config_error(seed: str) -> None:
    conf = seed_ini(seed)
    with pytest.raises(ConfigError, match="origins"):
        parse_options(conf)


def test_kb4_problem_from_a_resource_override_names_an_ini_key() -> None:
    conf = seed_ini("regression-kb4-untranslated-resource-label")
    with pytest.raises(ConfigError) as caught:
        parse_options(conf)
    for problem in caught.value.lines:
        assert any(problem.startswith(key + ": ") for key in conf), problem


def test_kb5_path_pattern_with_a_lone_surrogate_raises_only_config_error() -> None:
    conf = seed_ini("regression-kb5-surrogate-in-path-pattern-unicodeencodeerror")
    assert conf["resources"] == "/caf\udce9"
    # Refusing the pattern (ConfigError) or accepting it are both fixes; any other error is not.
    try:
        options = parse_options(conf)
    except ConfigError:
        pass
    else:
        CORSMiddleware(_app, **options)
    with contextlib.suppress(ConfigError):
        CORSMiddleware(_app, resources={"/caf\udce9": {}})
