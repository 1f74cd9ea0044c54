"""MkDocs hooks: the parts of the site that are generated or kept elsewhere, filled in at build.

A page writes a placeholder on a line of its own; :func:`render_page` replaces it:

* ``<!-- options-table -->``: the options reference, from ``CORSConfig``'s fields
  (:func:`tables.options_table`);
* ``<!-- codes-table -->``: every problem code (:func:`tables.codes_table`);
* ``<!-- django-checks-table -->``: the Django drop-in's system check ids
  (:func:`tables.django_checks_table`);
* ``<!-- include PATH -->``: the repository file ``PATH`` (``CHANGELOG.md``, ``SECURITY.md``,
  ``benchmarks/README.md``), with ``drop-title`` to leave out its first-level heading and
  ``shift=N`` to move its headings N levels down. Its relative links and images are rewritten
  to point where the site holds them (:data:`ASSETS` copies the images in).

``tests/documentation/`` renders the pages with the same functions, so the tests see what the
site shows.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any, Dict

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

#: Files outside docs/ that the site shows (paths from the repository root).
ASSETS = ("benchmarks/overhead.png",)

#: Links inside the option documentation (written for a single page) to where the site has them.
OPTION_LINKS = {
    "](#origins)": "](origins-and-resources.md#origins)",
    "](#resources)": "](origins-and-resources.md#resources)",
}

_INCLUDE = re.compile(r"^<!-- include (?P<path>\S+)(?P<flags>[^>]*?) -->$", re.MULTILINE)
_HEADING = re.compile(r"^(#{1,6}) ", re.MULTILINE)
_LINK = re.compile(r"\]\((?!https?:|#|/)(?P<target>[^)\s]+)\)")


def _tables() -> Any:
    spec = importlib.util.spec_from_file_location("wsgi_cors_docs_tables", DOCS / "tables.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def options_table() -> str:
    """The options reference as the site shows it."""
    table: str = _tables().options_table()
    for written, wanted in OPTION_LINKS.items():
        table = table.replace(written, wanted)
    return table


def codes_table() -> str:
    """The problem codes as the site shows it."""
    table: str = _tables().codes_table()
    return table


def include(path: str, flags: str, page: str) -> str:
    """The repository file ``path`` as part of the page ``page`` (a path under docs/)."""
    text = (ROOT / path).read_text(encoding="utf-8")
    if "drop-title" in flags:
        text = re.sub(r"\A# .*\n+", "", text)
    shift = re.search(r"shift=(\d)", flags)
    if shift:
        text = _HEADING.sub(lambda m: "#" * (len(m.group(1)) + int(shift.group(1))) + " ", text)
    source_dir = Path(path).parent
    depth = len(Path(page).parent.parts)

    def relink(match: re.Match[str]) -> str:
        target = (source_dir / match.group("target")).as_posix()
        if target not in ASSETS:
            raise ValueError(f"{path} links to {target}, which the site does not hold")
        return "](" + "../" * depth + target + ")"

    return _LINK.sub(relink, text)


def render_page(markdown: str, page: str) -> str:
    """``markdown`` (the source of the page ``page``) with every placeholder filled in."""
    markdown = markdown.replace("<!-- options-table -->", options_table())
    markdown = markdown.replace("<!-- codes-table -->", codes_table())
    markdown = markdown.replace("<!-- django-checks-table -->", _tables().django_checks_table())
    return _INCLUDE.sub(lambda m: include(m.group("path"), m.group("flags"), page), markdown)


# --- MkDocs events --------------------------------------------------------------------------


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for asset in ASSETS:
        files.append(File.generated(config, asset, abs_src_path=str(ROOT / asset)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return render_page(markdown, page.file.src_uri)


def on_config(config: Dict[str, Any]) -> Dict[str, Any]:
    # Rebuild when a generated or included source changes (mkdocs serve).
    for path in ("wsgi_cors/core/config.py", "wsgi_cors/core/problems.py", *ASSETS):
        config["watch"].append(str(ROOT / path))
    for path in ("CHANGELOG.md", "SECURITY.md", "benchmarks/README.md"):
        config["watch"].append(str(ROOT / path))
    return config
