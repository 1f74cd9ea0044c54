"""Release hygiene: the sdist and the wheel a release would upload, and the wheel installed.

One session-scoped build (``python -m build --sdist --wheel``, isolated, so the build
requirements come from PyPI as on a release machine) of a clean copy of the working tree:
the copy leaves out ``.git``, virtual environments, ``build/``, ``dist/`` and every
``*.egg-info``, because setuptools re-reads a stale ``*.egg-info/SOURCES.txt`` and a stale
``build/lib`` into the sdist and the wheel, which would hide a missing ``MANIFEST.in`` entry or
ship a deleted module. Caches below the top level (``tests/.mypy_cache``, ``__pycache__``) are
copied on purpose: ``MANIFEST.in`` must keep them out.

One virtual environment per session gets the wheel with its ``flask`` extra from PyPI (what a
user's ``pip install 'wsgi_cors[flask]'`` does), and runs the README's quick start from a
directory outside the checkout, the console script and mypy against it.

Needs PyPA ``build`` (the ``test`` extra) and PyPI; without ``build`` the module is skipped.
"""

from __future__ import annotations

import configparser
import email.parser
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from email.message import Message
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "wsgi_cors"

pytestmark = [
    pytest.mark.release,
    pytest.mark.network,
    pytest.mark.skipif(
        importlib.util.find_spec("build") is None,
        reason="PyPA build is not installed: pip install -e '.[test]'",
    ),
]

# What the sdist ships beside the package (see MANIFEST.in): the test suite, so the sdist's
# tests run; what those tests import or run (the examples, also used by the docs, and the
# fuzz targets); the benchmarks behind the performance figures.
SDIST_TREES = ("tests", "examples", "benchmarks", "fuzz", PACKAGE)
SDIST_FILES = (
    "README.md",
    "CHANGELOG.md",
    "pyproject.toml",
    "PKG-INFO",
    f"{PACKAGE}/py.typed",
    f"{PACKAGE}/demo_page.html",
    "tests/conftest.py",
    "tests/browser/conftest.py",
    "examples/quickstart.py",
    "benchmarks/README.md",
)
BUILD_TIMEOUT_S = 600
INSTALL_TIMEOUT_S = 600
RUN_TIMEOUT_S = 120


def _version() -> str:
    text = (ROOT / PACKAGE / "_version.py").read_text(encoding="utf-8")
    match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.MULTILINE)
    assert match, "wsgi_cors/_version.py has no __version__ = '...' line"
    return match.group(1)


def _clean_env() -> dict[str, str]:
    """The environment minus whatever could make a subprocess import the checkout."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "MYPYPATH"}
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def _run(
    args: list[str], *, cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env if env is not None else _clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _explain(result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"{' '.join(map(str, result.args))} exited {result.returncode}\n"
        f"--- stdout (tail)\n{result.stdout[-4000:]}\n--- stderr (tail)\n{result.stderr[-4000:]}"
    )


def _is_junk(relative: str) -> bool:
    """Caches, bytecode and dot-files: never part of a distribution."""
    parts = PurePosixPath(relative).parts
    return (
        any(part.startswith(".") or part == "__pycache__" for part in parts)
        or relative.endswith((".pyc", ".pyo"))
        or parts[0] in {"build", "dist"}
    )


def _stage_ignore(directory: str, names: list[str]) -> set[str]:
    ignored = {name for name in names if name.endswith(".egg-info")}
    if Path(directory).resolve() == ROOT:
        ignored |= {name for name in names if name.startswith(".") or name in {"build", "dist"}}
    return ignored


@dataclass(frozen=True)
class Dists:
    version: str
    stage: Path
    sdist: Path
    wheel: Path
    build_log: str


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """Build the sdist and the wheel once, from a clean copy of the working tree."""
    base = tmp_path_factory.mktemp("release")
    stage = base / "src"
    shutil.copytree(ROOT, stage, ignore=_stage_ignore)
    outdir = base / "dist"
    result = _run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(outdir), str(stage)],
        cwd=base,
        timeout=BUILD_TIMEOUT_S,
    )
    if result.returncode != 0:
        pytest.fail(f"the build failed:\n{_explain(result)}")
    sdists = sorted(outdir.glob("*.tar.gz"))
    wheels = sorted(outdir.glob("*.whl"))
    assert len(sdists) == 1, sdists
    assert len(wheels) == 1, wheels
    return Dists(_version(), stage, sdists[0], wheels[0], result.stdout + result.stderr)


@pytest.fixture(scope="session")
def sdist_members(dists: Dists) -> dict[str, tarfile.TarInfo]:
    """The sdist's members by path below its top directory ('' for the directory itself)."""
    top = f"{PACKAGE}-{dists.version}"
    with tarfile.open(dists.sdist, "r:gz") as archive:
        members = archive.getmembers()
    names = [member.name for member in members]
    assert len(names) == len(set(names)), "the sdist has duplicate members"
    result: dict[str, tarfile.TarInfo] = {}
    for member in members:
        path = PurePosixPath(member.name)
        assert path.parts[0] == top, f"{member.name} is outside the top directory {top}/"
        result["/".join(path.parts[1:])] = member
    return result


@pytest.fixture(scope="session")
def sdist_files(sdist_members: dict[str, tarfile.TarInfo]) -> set[str]:
    return {name for name, member in sdist_members.items() if member.isfile()}


@pytest.fixture(scope="session")
def wheel_members(dists: Dists) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(dists.wheel) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert len(names) == len(set(names)), "the wheel has duplicate members"
    return {info.filename: info for info in infos}


def _wheel_text(dists: Dists, name: str) -> str:
    with zipfile.ZipFile(dists.wheel) as archive:
        return archive.read(f"{PACKAGE}-{dists.version}.dist-info/{name}").decode("utf-8")


@pytest.fixture(scope="session")
def wheel_metadata(dists: Dists) -> Message:
    return email.parser.Parser().parsestr(_wheel_text(dists, "METADATA"))


def _source_files(root: Path, trees: tuple[str, ...]) -> set[str]:
    """Files under ``trees`` of ``root``, as posix paths relative to it, junk left out."""
    found = set()
    for tree in trees:
        if not (root / tree).is_dir():
            continue
        for path in (root / tree).rglob("*"):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and not _is_junk(relative):
                found.add(relative)
    return found


# --- the build ---------------------------------------------------------------------------


def test_build_makes_one_sdist_and_one_pure_python_wheel_of_the_version(dists: Dists) -> None:
    assert dists.sdist.name == f"{PACKAGE}-{dists.version}.tar.gz"
    assert dists.wheel.name == f"{PACKAGE}-{dists.version}-py3-none-any.whl"


def test_manifest_in_names_no_missing_files(dists: Dists) -> None:
    stale = [line for line in dists.build_log.splitlines() if "no files found matching" in line]
    assert not stale, "MANIFEST.in names files that do not exist:\n" + "\n".join(stale)


# --- the sdist ---------------------------------------------------------------------------


def test_sdist_contains_every_git_tracked_file(sdist_files: set[str]) -> None:
    """Every tracked file but repository plumbing (dot-files: .ci/, .gitignore) is in the sdist.

    A new top-level directory fails this until MANIFEST.in grafts it (or it is given a reason
    to stay out here), so nothing the tests need is left out of the sdist by accident.
    """
    if shutil.which("git") is None:
        pytest.skip("git is not installed: no tracked files to compare the sdist with")
    toplevel = _run(["git", "rev-parse", "--show-toplevel"], cwd=ROOT, timeout=RUN_TIMEOUT_S)
    if toplevel.returncode != 0 or Path(toplevel.stdout.strip()).resolve() != ROOT:
        pytest.skip(f"{ROOT} is not a git checkout (an unpacked sdist?): nothing to compare with")
    listed = _run(["git", "ls-files", "-z"], cwd=ROOT, timeout=RUN_TIMEOUT_S)
    assert listed.returncode == 0, _explain(listed)
    # A tracked file deleted in the working tree is not built from; it is not missing.
    tracked = {
        name
        for name in listed.stdout.split("\0")
        if name and not _is_junk(name) and (ROOT / name).is_file()
    }
    assert any(name.startswith("tests/") for name in tracked), "git lists no file under tests/"
    missing = sorted(tracked - sdist_files)
    assert not missing, (
        f"tracked files missing from the sdist (graft them in MANIFEST.in): {missing}"
    )


def test_sdist_contains_every_source_file_of_the_tree_it_was_built_from(
    dists: Dists, sdist_files: set[str]
) -> None:
    missing = sorted(_source_files(dists.stage, SDIST_TREES) - sdist_files)
    assert not missing, f"files missing from the sdist (fix MANIFEST.in): {missing}"


def test_sdist_contains_the_release_files(sdist_files: set[str]) -> None:
    expected = set(SDIST_FILES)
    expected |= {path.name for path in ROOT.glob("LICEN[CS]E*") if path.is_file()}
    missing = sorted(expected - sdist_files)
    assert not missing, f"missing from the sdist: {missing}"


def test_sdist_carries_no_caches_bytecode_or_dot_files(sdist_files: set[str]) -> None:
    junk = sorted(name for name in sdist_files if _is_junk(name))
    assert not junk, f"junk in the sdist (exclude it in MANIFEST.in): {junk}"


def test_sdist_members_are_plain_safe_and_not_world_writable(
    sdist_members: dict[str, tarfile.TarInfo],
) -> None:
    problems = []
    for name, member in sdist_members.items():
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or "\\" in member.name:
            problems.append(f"{member.name}: unsafe path")
        if not (member.isfile() or member.isdir()):
            problems.append(f"{member.name}: neither a file nor a directory (type {member.type!r})")
        if member.mode & stat.S_IWOTH:
            problems.append(f"{member.name}: world-writable mode {oct(member.mode)}")
        if name.endswith(".py") and not member.mode & stat.S_IRUSR:
            problems.append(f"{member.name}: unreadable mode {oct(member.mode)}")
    assert not problems, "\n".join(problems)


# --- the wheel ---------------------------------------------------------------------------


def test_wheel_contains_the_package_its_data_and_nothing_else(
    dists: Dists, wheel_members: dict[str, zipfile.ZipInfo]
) -> None:
    names = set(wheel_members)
    dist_info = f"{PACKAGE}-{dists.version}.dist-info"
    tops = {PurePosixPath(name).parts[0] for name in names}
    assert tops == {PACKAGE, dist_info}, f"unexpected top-level entries: {tops}"
    assert f"{PACKAGE}/py.typed" in names
    assert f"{PACKAGE}/demo_page.html" in names
    source_modules = {
        name for name in _source_files(dists.stage, (PACKAGE,)) if name.endswith(".py")
    }
    wheel_modules = {name for name in names if name.endswith(".py")}
    assert wheel_modules == source_modules, {
        "missing from the wheel": sorted(source_modules - wheel_modules),
        "not in the source tree": sorted(wheel_modules - source_modules),
    }
    junk = sorted(name for name in names if _is_junk(name))
    assert not junk, f"junk in the wheel: {junk}"
    for tree in ("tests", "benchmarks", "examples", "fuzz"):
        assert not any(f"/{tree}/" in f"/{name}" for name in names), f"{tree}/ is in the wheel"


def test_wheel_members_are_safe_and_not_world_writable(
    wheel_members: dict[str, zipfile.ZipInfo],
) -> None:
    problems = []
    for name, info in wheel_members.items():
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or "\\" in name or ":" in path.parts[0]:
            problems.append(f"{name}: unsafe path")
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            problems.append(f"{name}: a symbolic link")
        if mode & stat.S_IWOTH:
            problems.append(f"{name}: world-writable mode {oct(mode)}")
    assert not problems, "\n".join(problems)


def test_wheel_metadata_has_no_runtime_dependency(dists: Dists, wheel_metadata: Message) -> None:
    assert wheel_metadata["Name"].replace("-", "_").lower() == PACKAGE
    assert wheel_metadata["Version"] == dists.version
    assert wheel_metadata["Requires-Python"]
    assert wheel_metadata["Description-Content-Type"] == "text/markdown"
    requirements = wheel_metadata.get_all("Requires-Dist") or []
    unconditional = [
        requirement
        for requirement in requirements
        if not re.search(r"""\bextra\s*==\s*["']""", requirement.partition(";")[2])
    ]
    assert not unconditional, f"runtime dependencies without an extra: {unconditional}"
    extras = set(wheel_metadata.get_all("Provides-Extra") or [])
    assert {"flask", "paste", "test"} <= extras, extras
    assert "Typing :: Typed" in (wheel_metadata.get_all("Classifier") or [])


class _CaseSensitiveParser(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr


def test_wheel_declares_the_console_script_and_the_paste_filter(dists: Dists) -> None:
    entry_points = _CaseSensitiveParser(delimiters=("=",))
    entry_points.read_string(_wheel_text(dists, "entry_points.txt"))
    assert dict(entry_points["console_scripts"]) == {"wsgi-cors": "wsgi_cors.cli:main"}
    assert dict(entry_points["paste.filter_factory"]) == {
        "main": "wsgi_cors.paste:filter_factory",
        "cors": "wsgi_cors.paste:filter_factory",
    }


def test_wheel_metadata_has_an_spdx_license_expression(wheel_metadata: Message) -> None:
    assert wheel_metadata["License-Expression"] == "MIT"
    classifiers = wheel_metadata.get_all("Classifier") or []
    assert not [item for item in classifiers if item.startswith("License ::")], classifiers


def test_the_license_text_ships_in_the_sdist_and_the_wheel(
    sdist_files: set[str], wheel_members: dict[str, zipfile.ZipInfo]
) -> None:
    assert any(re.fullmatch(r"LICEN[CS]E(\..*)?", name) for name in sdist_files)
    assert any(
        re.fullmatch(rf"{PACKAGE}-[^/]+\.dist-info/(licenses/)?LICEN[CS]E(\..*)?", name)
        for name in wheel_members
    )


# --- the wheel installed in a fresh virtual environment -----------------------------------


@dataclass(frozen=True)
class Installed:
    python: Path
    scripts: Path
    workdir: Path


@pytest.fixture(scope="session")
def installed(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A fresh virtual environment with the wheel and its ``flask`` extra from PyPI."""
    base = tmp_path_factory.mktemp("venv")
    venv = base / "venv"
    created = _run([sys.executable, "-m", "venv", str(venv)], cwd=base, timeout=RUN_TIMEOUT_S)
    assert created.returncode == 0, _explain(created)
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    pip = _run(
        [str(python), "-m", "pip", "install", "--quiet", f"{dists.wheel}[flask]"],
        cwd=base,
        timeout=INSTALL_TIMEOUT_S,
    )
    if pip.returncode != 0:
        pytest.fail(f"installing the wheel with its flask extra failed:\n{_explain(pip)}")
    workdir = base / "work"  # not the checkout: `import wsgi_cors` must find the installed copy
    workdir.mkdir()
    return Installed(python, scripts, workdir)


def test_the_venv_imports_the_installed_wheel_with_its_data_and_entry_points(
    dists: Dists, installed: Installed
) -> None:
    probe = """
import importlib.metadata, importlib.resources, json, wsgi_cors
dist = importlib.metadata.distribution("wsgi_cors")
print(json.dumps({
    "file": wsgi_cors.__file__,
    "version": wsgi_cors.__version__,
    "dist_version": dist.version,
    "page": len(importlib.resources.files("wsgi_cors").joinpath("demo_page.html").read_text("utf-8")),
    "paste": sorted(
        ep.name for ep in dist.entry_points
        if ep.group == "paste.filter_factory" and callable(ep.load())
    ),
    "requires": dist.requires or [],
}))
"""
    result = _run(
        [str(installed.python), "-c", probe], cwd=installed.workdir, timeout=RUN_TIMEOUT_S
    )
    assert result.returncode == 0, _explain(result)
    facts = json.loads(result.stdout)
    location = Path(facts["file"]).resolve()
    assert ROOT not in location.parents, f"imported the checkout, not the wheel: {location}"
    assert Path(installed.python).parent.parent.resolve() in location.parents, location
    assert facts["version"] == facts["dist_version"] == dists.version
    assert facts["page"] > 0
    assert facts["paste"] == ["cors", "main"]


def test_installed_package_ships_py_typed(installed: Installed) -> None:
    check = (
        "import wsgi_cors, pathlib; "
        "assert (pathlib.Path(wsgi_cors.__file__).parent/'py.typed').exists()"
    )
    result = _run(
        [str(installed.python), "-c", check], cwd=installed.workdir, timeout=RUN_TIMEOUT_S
    )
    assert result.returncode == 0, _explain(result)


def test_console_script_prints_the_version(dists: Dists, installed: Installed) -> None:
    script = installed.scripts / ("wsgi-cors.exe" if os.name == "nt" else "wsgi-cors")
    result = _run([str(script), "--version"], cwd=installed.workdir, timeout=RUN_TIMEOUT_S)
    assert result.returncode == 0, _explain(result)
    assert result.stdout.strip() == f"wsgi-cors {dists.version}"


def _sections(output: str) -> dict[str, tuple[str, dict[str, str]]]:
    """quickstart.py's output: ``--- title: status`` lines, each followed by its headers."""
    sections: dict[str, tuple[str, dict[str, str]]] = {}
    headers: dict[str, str] = {}
    for line in output.splitlines():
        if line.startswith("--- "):
            title, _, status = line[4:].rpartition(": ")
            headers = {}
            sections[title] = (status, headers)
        elif line.strip():
            name, _, value = line.strip().partition(": ")
            headers[name] = value
    return sections


def test_readme_quick_start_runs_against_the_installed_wheel(installed: Installed) -> None:
    """README: `examples/quickstart.py` shows a preflight, an allowed GET and a refused GET."""
    quickstart = installed.workdir / "quickstart.py"
    shutil.copyfile(ROOT / "examples" / "quickstart.py", quickstart)
    result = _run(
        [str(installed.python), str(quickstart)], cwd=installed.workdir, timeout=RUN_TIMEOUT_S
    )
    assert result.returncode == 0, _explain(result)
    sections = _sections(result.stdout)
    assert list(sections) == [
        "preflight for PUT with Authorization",
        "GET from an allowed origin",
        "GET from a refused origin",
    ], result.stdout

    status, headers = sections["preflight for PUT with Authorization"]
    assert status == "204 No Content"
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers["Access-Control-Allow-Methods"] == "GET, POST, PUT, DELETE"
    assert headers["Access-Control-Allow-Headers"] == "Content-Type, Authorization"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Access-Control-Max-Age"] == "600"
    assert "Origin" in headers["Vary"]

    status, headers = sections["GET from an allowed origin"]
    assert status == "200 OK"
    assert headers == {
        "Access-Control-Allow-Origin": "https://app.example.com",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "X-Total-Count",
        "Vary": "Origin",
    }

    status, headers = sections["GET from a refused origin"]
    assert status == "200 OK"  # the request still reaches the app; the browser hides the answer
    assert headers == {"Vary": "Origin"}


def test_mypy_sees_the_installed_package_as_typed(installed: Installed) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (it is in the test extra)")
    checked = installed.workdir / "typed_check.py"
    checked.write_text(
        "from wsgi_cors import CORSMiddleware, __version__\n\n"
        "version: str = __version__\n"
        "reveal_type(CORSMiddleware)\n",
        encoding="utf-8",
    )
    result = _run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file=",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(installed.workdir / ".mypy_cache"),
            "--python-executable",
            str(installed.python),
            str(checked),
        ],
        cwd=installed.workdir,
        timeout=RUN_TIMEOUT_S,
    )
    assert result.returncode == 0, _explain(result)
    assert "import-untyped" not in result.stdout
    assert 'Revealed type is "Any"' not in result.stdout
    assert "wsgi_cors.wsgi.CORSMiddleware" in result.stdout
