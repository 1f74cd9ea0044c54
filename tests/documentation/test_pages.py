"""Every code block and command of the documentation is run or checked, so the docs cannot rot.

The pages are read as the site shows them (``docs/hooks.py`` fills in the generated tables and
the included files), together with ``README.md``. Each fenced block must be claimed by one of
the checks below, or by the test module named for it; a block nobody checks fails
:func:`test_every_block_is_checked`.

* ``python``: a ``# examples/...`` block is the example file's code; ``# mysite/wsgi.py`` is
  run in a Django project by ``tests/integrations/test_django.py``; any other block is run in a
  fresh interpreter (where ``app`` is a small WSGI application unless the block defines its
  own), and a ``# ...`` comment after a ``print`` line is the output it must print.
* ``ini``: the example file it names, byte for byte.
* ``sh``: each command of ``docs/getting-started.md`` is run by the test named in
  ``test_deploy_examples.TESTED_COMMANDS``; any other command is checked against what it names
  (scripts and the options they parse, extras, test paths, the lines of ``.ci/run``).
* ``text``: ``wsgi-cors check`` transcripts (``tests/check/test_check_transcripts.py``), its
  synopsis (against ``--help``), the ini error (``tests/servers/test_gunicorn.py``) and the log
  lines of refusals (run here).
"""

from __future__ import annotations

import logging
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
from docs_modules import load_docs_module

from wsgi_cors import CORSMiddleware
from wsgi_cors.cli import build_parser

from integrations.test_deploy_examples import TESTED_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


HOOKS = load_docs_module("hooks")


def pages() -> Dict[str, str]:
    """Each page as the site shows it, by its path under docs/, and README.md."""
    rendered = {
        path.relative_to(DOCS).as_posix(): HOOKS.render_page(
            path.read_text(encoding="utf-8"), path.relative_to(DOCS).as_posix()
        )
        for path in sorted(DOCS.rglob("*.md"))
    }
    rendered["../README.md"] = (ROOT / "README.md").read_text(encoding="utf-8")
    return rendered


Block = Tuple[str, str, str]  # page, language, text

_FENCE = re.compile(r"^```(?P<language>\w*)\n(?P<text>.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks() -> List[Block]:
    return [
        (page, match.group("language"), match.group("text"))
        for page, text in pages().items()
        for match in _FENCE.finditer(text)
    ]


def _id(block: Block) -> str:
    page, language, text = block
    return f"{page}:{language}:{text.splitlines()[0][:40] if text else ''}"


# --- python ------------------------------------------------------------------------------------

#: Run before each block: a WSGI application named ``app``, as the examples' wrapped apps are.
PREAMBLE = """\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
"""

#: Run after each block: the wsgi_cors entries of a settings block import.
POSTAMBLE = """
import importlib
for _entry in [*globals().get("MIDDLEWARE", []), *globals().get("INSTALLED_APPS", [])]:
    if _entry.startswith("wsgi_cors"):
        _module, _, _name = _entry.rpartition(".")
        try:
            importlib.import_module(_entry)
        except ImportError:
            getattr(importlib.import_module(_module), _name)
"""


def _expected_output(code: str) -> List[str]:
    """The ``# ...`` comment lines right after a ``print`` line: what the block prints."""
    lines = code.splitlines()
    expected = []
    for line, following in zip(lines, lines[1:]):
        if line.strip().startswith("print(") and following.strip().startswith("# "):
            expected.append(following.strip()[2:])
    return expected


def _run_python(page: str, code: str) -> None:
    first = code.splitlines()[0]
    if first.startswith("# examples/"):
        source = (ROOT / first[2:].split(":")[0]).read_text(encoding="utf-8")
        assert code.partition("\n")[2] in source, f"{page}: the {first} snippet is not in the file"
        return
    if first == "# mysite/wsgi.py":
        assert page == "getting-started.md"  # tests/integrations/test_django.py runs it
        return
    result = subprocess.run(
        [sys.executable, "-c", PREAMBLE + code + POSTAMBLE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{page}: the block failed:\n{code}\n{result.stderr}"
    expected = _expected_output(code)
    if expected:
        assert result.stdout.splitlines() == expected, page


# --- ini ---------------------------------------------------------------------------------------


def _check_ini(page: str, text: str) -> None:
    name = re.match(r"# (examples/[a-z_]+\.ini):", text)
    assert name, f"{page}: an ini block must name its example file"
    assert text == (ROOT / name.group(1)).read_text(encoding="utf-8"), page


# --- sh ----------------------------------------------------------------------------------------

#: The extras of pyproject.toml (its [project.optional-dependencies] keys).
_PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
EXTRAS = set(
    re.findall(
        r"^([a-z]+) = \[",
        _PYPROJECT.split("[project.optional-dependencies]")[1].split("\n[")[0],
        re.MULTILINE,
    )
)
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

#: Shell steps that need no check of their own (they name nothing in the repository).
PLAIN_STEPS = ("python3 -m venv .venv", ". .venv/bin/activate", "apt-get install chromium")


#: pyperf's own options, which the benchmark scripts pass on to it.
PYPERF_OPTIONS = {"--fast", "--rigorous"}


def commands(text: str) -> Iterator[str]:
    """The commands of an ``sh`` block: continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", "", text)
    for line in joined.splitlines():
        line = re.sub(r"(^|\s+)#.*$", "", line).strip()
        if line:
            yield line


def _check_python_command(argv: List[str]) -> None:
    if argv[:2] == ["-m", "pytest"]:
        for arg in argv[2:]:
            if not arg.startswith("-") and "/" in arg:
                assert (ROOT / arg).exists(), arg
        return
    if argv[:2] == ["-m", "wsgi_cors"]:
        _check_cli(argv[2:])
        return
    script = ROOT / argv[0]
    assert script.is_file(), argv[0]
    source = script.read_text(encoding="utf-8")
    for arg in argv[1:]:
        option = arg.split("=")[0]
        if option in PYPERF_OPTIONS and "pyperf" in source:
            continue  # the script runs pyperf, which takes these
        if option.startswith("--"):
            assert f'"{option}"' in source, f"{argv[0]} does not take {option}"


def _check_cli(argv: List[str]) -> None:
    """``wsgi-cors ...``: the subcommand exists and takes each option."""
    parser = build_parser()
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args([*argv, "--help"])
    assert exit_.value.code == 0, argv


def _check_step(step: str) -> None:
    argv = shlex.split(step)
    while argv and re.match(r"^[A-Z_]+=", argv[0]):
        argv = argv[1:]  # an environment variable for the command
    if step in PLAIN_STEPS or argv[0] in ("rm", "mkdir", "git", "tar"):
        return
    if argv[0] == "pip":
        assert argv[1] == "install", step
        for target in argv[2:]:
            extras = re.fullmatch(r"\.(?:\[(?P<extras>[a-z,]+)\])?", target)
            if target != "-e":
                assert extras, step
                assert set((extras.group("extras") or "").split(",")) - {""} <= EXTRAS, step
        return
    if argv[0] == "python":
        _check_python_command(argv[1:])
        return
    if argv[0] == "wsgi-cors":
        _check_cli(argv[1:])
        return
    if step == "bash .ci/run":
        return
    assert step in CI, f"{step!r} is neither checked here nor a line of .ci/run"


def _check_sh(page: str, text: str) -> None:
    for command in commands(text):
        if page == "getting-started.md":
            assert command in TESTED_COMMANDS, command
            continue
        for pipeline in re.split(r"\s*(?:&&|;)\s*", command):
            _check_step(pipeline)


# --- text --------------------------------------------------------------------------------------


def _check_text(page: str, text: str) -> None:
    first = text.splitlines()[0]
    if first.startswith("$ wsgi-cors check "):
        assert page == "check.md"  # tests/check/test_check_transcripts.py runs them
    elif first.startswith("wsgi-cors check URL"):
        help_text = _help("check")
        for option in re.findall(r"(--[a-z-]+|-H)\b", text):
            assert option in help_text, option
    elif first.startswith("wsgi_cors.core.problems.ConfigError"):
        assert page == "getting-started.md"  # tests/servers/test_gunicorn.py compares it
    elif first.startswith("DEBUG:wsgi_cors:"):
        assert text.splitlines() == _refusal_log_lines()
    else:
        raise AssertionError(f"{page}: no test checks the text block {first!r}")


def _help(subcommand: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "wsgi_cors", subcommand, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def _refusal_log_lines() -> List[str]:
    """What the logging recipe of behaviour.md shows for a refused method and origin."""
    records: List[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("wsgi_cors")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        app = CORSMiddleware(_hello, origins=["https://app.example.com"], methods=["GET"])
        for environ in (
            {
                "REQUEST_METHOD": "OPTIONS",
                "HTTP_ORIGIN": "https://app.example.com",
                "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PATCH",
            },
            {"REQUEST_METHOD": "GET", "HTTP_ORIGIN": "https://evil.example.net"},
        ):
            list(app({"PATH_INFO": "/", **environ}, lambda status, headers, exc=None: None))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    return [f"DEBUG:{record.name}:{record.getMessage()}" for record in records]


def _hello(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


# --- the tests ---------------------------------------------------------------------------------

CHECKS: Dict[str, Callable[[str, str], None]] = {
    "python": _run_python,
    "ini": _check_ini,
    "sh": _check_sh,
    "text": _check_text,
}


def test_every_block_is_checked() -> None:
    unchecked = [_id(block) for block in blocks() if block[1] not in CHECKS]
    assert not unchecked, f"blocks without a language that a check knows: {unchecked}"


@pytest.mark.parametrize("block", blocks(), ids=_id)
def test_block(block: Block) -> None:
    page, language, text = block
    CHECKS[language](page, text)


def test_every_extra_named_in_the_docs_exists() -> None:
    for page, text in pages().items():
        for extras in re.findall(r"wsgi_cors\[([a-z,]+)\]", text):
            assert set(extras.split(",")) <= EXTRAS, (page, extras)


def test_every_file_named_in_the_docs_exists() -> None:
    pattern = r"`((?:tests|examples|benchmarks|fuzz|wsgi_cors|docs)/[\w./-]*\w)(?:::\w+)?`"
    for page, text in pages().items():
        for path in re.findall(pattern, text):
            assert (ROOT / path).exists(), (page, path)


def test_every_test_named_in_the_docs_exists() -> None:
    """A test named in backticks (a differences-table row, a security rule) is in tests/."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("*.py"))
    named = 0
    for page, text in pages().items():
        for name in re.findall(r"\b(test_\w*[a-z0-9])\b(?![.*])", text):
            named += 1
            assert re.search(rf"\b{name}\b", sources), (page, name)
    assert named > 100


def test_no_page_cites_a_document_outside_the_repository() -> None:
    for page, text in pages().items():
        # No relative path that climbs out of the repository from the page's own folder.
        folder = (DOCS / page).parent
        for path in re.findall(r"(?:\.\./)+[\w./-]+", text):
            assert ROOT in (folder / path).resolve().parents, (page, path)
        for name in re.findall(r"\b([A-Z][A-Z_]+\.md)\b", text):
            assert (ROOT / name).exists(), (page, name)
