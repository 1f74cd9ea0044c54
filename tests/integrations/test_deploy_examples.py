"""``examples/`` and ``docs/getting-started.md`` cannot rot.

Each served example is started as its docstring says, on a free port of 127.0.0.1, and
checked over HTTP. The page's ``# examples/...`` snippets must be the examples' code, its ini
files the examples' files, and each of its commands one that a test runs. (Its other Python
blocks are run by ``tests/documentation/test_pages.py``.)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Callable, Dict

import pytest
from webtest import TestApp

from wsgi_cors import CORSMiddleware
from wsgi_cors.paste import filter_factory

from conftest import ALLOWED, preflight_headers
from integrations.test_django import GUNICORN_DJANGO
from servers.test_gunicorn import (
    EXAMPLES,
    GUNICORN_CHECK,
    GUNICORN_PASTE,
    GUNICORN_PASTE_WORKERS,
    GUNICORN_PLAIN,
    GUNICORN_PYRAMID,
    REPO,
    code_blocks,
    docs_argv,
    docs_commands,
    free_port,
    preflight,
    send,
    serving,
)

pytestmark = pytest.mark.servers

SERVE_PLAIN = "python examples/plain_wsgi.py --port 8000"
SERVE_FLASK = "python examples/flask_app.py --port 5000"
SERVE_DJANGO = "python examples/django_app.py --port 8001"
SERVE_PYRAMID = "python examples/pyramid_app.py --port 6543"

#: Every command of docs/getting-started.md, and the test module that runs it.
TESTED_COMMANDS = {
    GUNICORN_PASTE: "test_gunicorn",
    GUNICORN_PASTE_WORKERS: "test_gunicorn",
    GUNICORN_CHECK: "test_gunicorn",
    GUNICORN_PLAIN: "test_gunicorn",
    GUNICORN_PYRAMID: "test_gunicorn",
    GUNICORN_DJANGO: "test_django",
    SERVE_PLAIN: "test_deploy_examples",
    SERVE_FLASK: "test_deploy_examples",
    SERVE_DJANGO: "test_deploy_examples",
    SERVE_PYRAMID: "test_deploy_examples",
}


def check_plain(port: int) -> None:
    answer = preflight(port, "/api/items", ALLOWED, "PUT")
    assert answer.status == 204
    assert answer.get("Access-Control-Allow-Methods") == "GET, PUT"
    assert answer.get("Access-Control-Max-Age") == "600"
    assert send(port, "OPTIONS", "/api/items").status == 405  # the app alone
    actual = send(port, "GET", "/api/items", {"Origin": ALLOWED})
    assert actual.body == b'["apple", "pear"]'
    assert actual.get("Access-Control-Allow-Origin") == ALLOWED
    assert actual.get("Access-Control-Expose-Headers") == "X-Total-Count"


def check_flask(port: int) -> None:
    answer = preflight(port, "/api/items", ALLOWED, "GET", "authorization")
    assert answer.status == 204
    assert answer.get("Access-Control-Allow-Headers") == "Authorization"
    assert send(port, "OPTIONS", "/api/items").status == 401  # the before_request hook
    denied = send(port, "GET", "/api/items", {"Origin": ALLOWED})
    assert denied.status == 401
    assert denied.get("Access-Control-Allow-Origin") == ALLOWED
    actual = send(port, "GET", "/api/items", {"Origin": ALLOWED, "Authorization": "Bearer secret"})
    assert actual.status == 200
    assert actual.get("Access-Control-Allow-Credentials") == "true"


def check_django(port: int) -> None:
    answer = preflight(port, "/api/items", ALLOWED, "PUT")
    assert answer.status == 204  # the view is require_GET: Django alone answers 405
    assert send(port, "OPTIONS", "/api/items").status == 405
    actual = send(port, "GET", "/api/items", {"Origin": ALLOWED})
    assert actual.body == b'["apple", "pear"]'
    assert actual.get("Access-Control-Allow-Origin") == ALLOWED
    crashed = send(port, "GET", "/api/broken", {"Origin": ALLOWED})
    assert crashed.status == 500
    assert crashed.get("Access-Control-Allow-Origin") == ALLOWED


def check_pyramid(port: int) -> None:
    answer = preflight(port, "/api/account", ALLOWED, "GET", "authorization")
    assert answer.status == 204
    assert send(port, "OPTIONS", "/api/account").status == 404  # no OPTIONS view
    denied = send(port, "GET", "/api/account", {"Origin": ALLOWED})
    assert denied.status == 401
    assert denied.get("Access-Control-Allow-Origin") == ALLOWED
    items = send(port, "GET", "/api/items", {"Origin": ALLOWED})
    assert items.body == b'["apple", "pear"]'
    assert items.get("Access-Control-Allow-Credentials") == "true"


SERVED: Dict[str, Callable[[int], None]] = {
    SERVE_PLAIN: check_plain,
    SERVE_FLASK: check_flask,
    SERVE_DJANGO: check_django,
    SERVE_PYRAMID: check_pyramid,
}


@pytest.mark.parametrize("command", list(SERVED))
def test_a_served_example_runs_as_documented(command: str, tmp_path: Path) -> None:
    script = EXAMPLES / command.split()[1].split("/")[1]
    assert command in ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))), script
    port = free_port()
    with serving(docs_argv(command, port), port, tmp_path / "server.log"):
        SERVED[command](port)


def test_the_paste_app_factory_is_a_wsgi_app_behind_the_filter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(REPO))
    from examples.paste_app import app_factory

    app = TestApp(filter_factory({}, origins=ALLOWED)(app_factory({})))
    assert app.options("/api/items", headers=preflight_headers()).status_int == 204
    response = app.get("/api/items", headers={"Origin": ALLOWED})
    assert response.json == ["apple", "pear"]
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    with pytest.raises(ValueError, match="takes no options"):
        app_factory({}, colour="red")


#: The deployment examples (quickstart.py and flask_adapter.py are tested elsewhere).
EXAMPLE_FILES = [
    "plain_wsgi.py",
    "flask_app.py",
    "django_app.py",
    "pyramid_app.py",
    "pyramid.ini",
    "paste_app.py",
    "cors.ini",
]


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_every_example_documents_a_tested_command(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    documentation = text if name.endswith(".ini") else ast.get_docstring(ast.parse(text))
    assert documentation, name
    shown = [command for command in TESTED_COMMANDS if command in documentation]
    assert shown, f"{name} documents no command that a test runs"
    assert any(f"examples/{name}" in command or name == "paste_app.py" for command in shown)


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_nothing_listens_beyond_127_0_0_1(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert "0.0.0.0" not in text
    hosts = re.findall(r"make_server\(\s*([^,]*),|host=([^,)]*)", text)
    serves_itself = name in ("plain_wsgi.py", "flask_app.py", "django_app.py", "pyramid_app.py")
    assert bool(hosts) is serves_itself
    for found in hosts:
        assert '"127.0.0.1"' in found, found
    for command in TESTED_COMMANDS:
        if "--bind" in command:
            assert "--bind 127.0.0.1:" in command, command


def test_every_documented_command_is_run_by_a_test() -> None:
    assert sorted(docs_commands()) == sorted(TESTED_COMMANDS)


def test_the_documented_ini_files_are_the_examples() -> None:
    blocks = code_blocks("ini")
    assert len(blocks) == 2
    for block in blocks:
        name = re.match(r"# (examples/[a-z_]+\.ini):", block)
        assert name, block.splitlines()[0]
        assert block == (REPO / name.group(1)).read_text(encoding="utf-8")


def test_the_documented_python_snippets_are_the_examples_code() -> None:
    checked = 0
    for block in code_blocks("python"):
        first, _, code = block.partition("\n")
        if not first.startswith("# examples/"):
            continue  # run by tests/documentation/test_pages.py (mysite/wsgi.py: test_django.py)
        source = (REPO / first[2:]).read_text(encoding="utf-8")
        assert code in source, f"the page's {first} snippet is not in the file"
        checked += 1
    assert checked == 3


def test_the_wrapped_callables_are_middleware(monkeypatch: pytest.MonkeyPatch) -> None:
    # The objects a WSGI server is pointed at (gunicorn module:callable) are the middleware.
    monkeypatch.syspath_prepend(str(REPO))
    from examples import plain_wsgi, pyramid_app

    assert isinstance(plain_wsgi.application, CORSMiddleware)
    assert isinstance(pyramid_app.application, CORSMiddleware)
    assert isinstance(pyramid_app.main({}, **{"cors.origins": "*"}), CORSMiddleware)
