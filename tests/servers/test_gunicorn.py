"""gunicorn serves ``examples/cors.ini`` with ``--paste``, run exactly as the docs say.

Each test starts a real gunicorn as a subprocess bound to 127.0.0.1 on a free port, talks to
it over HTTP with ``http.client``, and stops it by its PID. The helpers here (free port,
bounded start-up wait, teardown, the commands of ``docs/getting-started.md``) are shared by the other deployment tests.
"""

from __future__ import annotations

import http.client
import re
import shlex
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import pytest

pytestmark = pytest.mark.servers

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GETTING_STARTED = REPO / "docs" / "getting-started.md"

#: Bounded waits: for a server to accept connections, and for it to stop.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

#: The commands of docs/getting-started.md that these tests run (with the port replaced).
GUNICORN_PASTE = "gunicorn --paste examples/cors.ini --bind 127.0.0.1:8000"
GUNICORN_PASTE_WORKERS = "gunicorn --paste examples/cors.ini --bind 127.0.0.1:8000 --workers 2"
GUNICORN_CHECK = "gunicorn --check-config --paste examples/cors.ini"
GUNICORN_PYRAMID = "gunicorn --paste examples/pyramid.ini --bind 127.0.0.1:6543"
GUNICORN_PLAIN = "gunicorn examples.plain_wsgi:application --bind 127.0.0.1:8000 --workers 2"

ALLOWED = "https://app.example.com"


# --- docs/getting-started.md -----------------------------------------------------------------------------


def getting_started() -> str:
    """The text of ``docs/getting-started.md``."""
    return GETTING_STARTED.read_text(encoding="utf-8")


def code_blocks(language: str) -> List[str]:
    """The fenced ``language`` blocks of the getting-started page, in order."""
    pattern = re.compile(rf"^```{language}\n(.*?)^```$", re.MULTILINE | re.DOTALL)
    return pattern.findall(getting_started())


def docs_block(first_line: str, language: str) -> str:
    """The one ``language`` block of the getting-started page that starts with ``first_line``."""
    found = [block for block in code_blocks(language) if block.splitlines()[0] == first_line]
    assert len(found) == 1, f"docs/getting-started.md has no ```{language} block {first_line!r}"
    return found[0]


def docs_commands() -> List[str]:
    """Every command line of the ``sh`` blocks of the getting-started page."""
    lines: List[str] = []
    for block in code_blocks("sh"):
        lines.extend(line.strip() for line in block.splitlines() if line.strip() and line[0] != "#")
    return lines


def docs_argv(command: str, port: Optional[int] = None) -> List[str]:
    """``command`` as argv for this interpreter, after checking the page shows it verbatim.

    ``gunicorn ...`` becomes ``python -m gunicorn ...`` and ``python x.py`` this Python;
    the port of ``127.0.0.1:<port>`` or ``--port <port>`` becomes ``port``.
    """
    assert command in docs_commands(), f"docs/getting-started.md does not show {command!r}"
    argv = shlex.split(command)
    if argv[0] == "gunicorn":
        argv = [sys.executable, "-m", "gunicorn", *argv[1:]]
        if "--check-config" not in argv and CONTROL_SOCKET_FLAG:
            argv.append(CONTROL_SOCKET_FLAG)  # keep ~/.gunicorn out of tests
    elif argv[0] == "python":
        argv = [sys.executable, *argv[1:]]
    if port is not None:
        argv = [re.sub(r"^127\.0\.0\.1:\d+$", f"127.0.0.1:{port}", arg) for arg in argv]
        if "--port" in argv:
            argv[argv.index("--port") + 1] = str(port)
        assert f"127.0.0.1:{port}" in argv or str(port) in argv, argv
    return argv


def _control_socket_flag() -> str:
    """gunicorn 24+ opens a control socket under ~/.gunicorn; tests turn it off."""
    from gunicorn.config import KNOWN_SETTINGS

    names = {setting.name for setting in KNOWN_SETTINGS}
    return "--no-control-socket" if "control_socket_disable" in names else ""


CONTROL_SOCKET_FLAG = _control_socket_flag()


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server(NamedTuple):
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process`` by its PID: terminate, wait (bounded), kill if it is still there."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def serving(
    argv: List[str], port: int, log: Path, cwd: Path = REPO, env: Optional[Dict[str, str]] = None
) -> Iterator[Server]:
    """Start ``argv`` (which must bind 127.0.0.1:``port``), wait until it accepts, stop it."""
    assert all("0.0.0.0" not in arg for arg in argv)
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        server = Server(process, port, log)
        try:
            wait_until_accepting(server)
            yield server
        finally:
            stop(process)


def wait_until_accepting(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.process.poll() is not None:
            pytest.fail(
                f"{server.process.args} exited with {server.process.returncode}:\n{server.output()}"
            )
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"nothing accepted on 127.0.0.1:{server.port}:\n{server.output()}")
            time.sleep(0.05)


def wait_for_output(server: Server, pattern: str, count: int) -> List[str]:
    """Wait (bounded) until ``pattern`` has matched ``count`` times in the server's output."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        found = re.findall(pattern, server.output())
        if len(found) >= count:
            return found
        if server.process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{pattern!r} not seen {count} times:\n{server.output()}")
        time.sleep(0.05)


class Reply(NamedTuple):
    status: int
    headers: List[Tuple[str, str]]
    body: bytes

    def get(self, name: str) -> Optional[str]:
        values = self.all(name)
        assert len(values) <= 1, f"{name} appears {len(values)} times"
        return values[0] if values else None

    def all(self, name: str) -> List[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


def send(port: int, method: str, path: str, headers: Optional[Dict[str, str]] = None) -> Reply:
    """One HTTP request to 127.0.0.1:``port`` on a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def preflight(port: int, path: str, origin: str, method: str, headers: str = "") -> Reply:
    request = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request["Access-Control-Request-Headers"] = headers
    return send(port, "OPTIONS", path, request)


# --- the tests ----------------------------------------------------------------------------


def check_cors_ini_deployment(port: int) -> None:
    """What examples/cors.ini promises, checked over HTTP."""
    answer = preflight(port, "/api/items", ALLOWED, "PUT", "content-type,authorization")
    assert answer.status == 204, answer
    assert answer.get("Access-Control-Allow-Origin") == ALLOWED
    assert answer.get("Access-Control-Allow-Methods") == "GET, POST, PUT, DELETE"
    assert answer.get("Access-Control-Allow-Headers") == "Content-Type, Authorization"
    assert answer.get("Access-Control-Allow-Credentials") == "true"
    assert answer.get("Access-Control-Max-Age") == "600"
    # The app answers OPTIONS with 405: the preflight never reached it.
    assert send(port, "OPTIONS", "/api/items").status == 405

    # regex:https://[a-z]+\.example\.com is full-matched.
    shop = preflight(port, "/api/items", "https://shop.example.com", "DELETE")
    assert shop.status == 204
    assert shop.get("Access-Control-Allow-Origin") == "https://shop.example.com"
    assert preflight(port, "/api/items", "https://shop.example.com.evil.net", "GET").status == 403
    assert preflight(port, "/api/items", ALLOWED, "PATCH").status == 403

    actual = send(port, "GET", "/api/items", {"Origin": ALLOWED})
    assert actual.status == 200
    assert actual.body == b'["apple", "pear"]'
    assert actual.get("Access-Control-Allow-Origin") == ALLOWED
    assert actual.get("Access-Control-Allow-Credentials") == "true"
    assert actual.get("Access-Control-Expose-Headers") == "X-Total-Count"
    assert actual.get("Vary") == "Origin"

    refused = send(port, "GET", "/api/items", {"Origin": "https://evil.example.net"})
    assert refused.status == 200
    assert refused.get("Access-Control-Allow-Origin") is None
    assert refused.get("Vary") == "Origin"

    # resource./public/*.origins = * and .supports_credentials = false
    public = send(port, "GET", "/public/status", {"Origin": "https://anyone.example.org"})
    assert public.get("Access-Control-Allow-Origin") == "*"
    assert public.get("Access-Control-Allow-Credentials") is None

    # Not listed in resources: untouched.
    other = send(port, "GET", "/other", {"Origin": ALLOWED})
    assert other.status == 404
    assert other.get("Access-Control-Allow-Origin") is None
    assert other.get("Vary") is None


def test_gunicorn_paste_serves_the_documented_ini(tmp_path: Path) -> None:
    port = free_port()
    with serving(docs_argv(GUNICORN_PASTE, port), port, tmp_path / "gunicorn.log"):
        check_cors_ini_deployment(port)


def test_gunicorn_paste_with_two_workers(tmp_path: Path) -> None:
    port = free_port()
    argv = docs_argv(GUNICORN_PASTE_WORKERS, port)
    with serving(argv, port, tmp_path / "gunicorn.log") as server:
        booted = wait_for_output(server, r"Booting worker with pid: (\d+)", 2)
        assert len(set(booted)) == 2
        # Every worker loaded the same ini; whichever answers, the answer is the same.
        for _ in range(6):
            check_cors_ini_deployment(port)


def test_gunicorn_check_config_accepts_the_documented_ini() -> None:
    result = subprocess.run(
        docs_argv(GUNICORN_CHECK), cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_a_bad_ini_stops_gunicorn_at_start_up_naming_the_keys(tmp_path: Path) -> None:
    ini = (EXAMPLES / "cors.ini").read_text(encoding="utf-8")
    ini = ini.replace("supports_credentials = true", "supports_credentials = maybe")
    ini = ini.replace("max_age = 600", "max_age = 10m\nsupport_credentials = true")
    bad = tmp_path / "bad.ini"
    bad.write_text(ini, encoding="utf-8")

    checked = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--paste", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 1
    # The error the page shows, line for line.
    shown = docs_block(
        "wsgi_cors.core.problems.ConfigError: invalid CORS configuration (3 problems):", "text"
    )
    for line in shown.splitlines():
        assert line in checked.stderr.splitlines(), line

    # Served, the worker fails to boot and gunicorn exits instead of serving without CORS.
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "--paste", str(bad), "--bind", f"127.0.0.1:{port}"]
    if CONTROL_SOCKET_FLAG:
        argv.append(CONTROL_SOCKET_FLAG)
    process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        stop(process)
    assert process.returncode != 0
    assert b"supports_credentials: 'maybe' is not a boolean" in output


def test_gunicorn_paste_serves_the_pyramid_ini(tmp_path: Path) -> None:
    port = free_port()
    with serving(docs_argv(GUNICORN_PYRAMID, port), port, tmp_path / "gunicorn.log"):
        answer = preflight(port, "/api/account", ALLOWED, "GET", "authorization")
        assert answer.status == 204
        assert answer.get("Access-Control-Allow-Headers") == "Authorization"
        assert answer.get("Access-Control-Max-Age") == "600"
        # Pyramid answers 401 without credentials; the page can read that 401.
        denied = send(port, "GET", "/api/account", {"Origin": ALLOWED})
        assert denied.status == 401
        assert denied.get("Access-Control-Allow-Origin") == ALLOWED
        assert denied.get("Access-Control-Allow-Credentials") == "true"


def test_gunicorn_serves_a_wrapped_callable_with_two_workers(tmp_path: Path) -> None:
    port = free_port()
    with serving(docs_argv(GUNICORN_PLAIN, port), port, tmp_path / "gunicorn.log") as server:
        assert len(set(wait_for_output(server, r"Booting worker with pid: (\d+)", 2))) == 2
        for _ in range(4):
            answer = preflight(port, "/api/items", ALLOWED, "PUT")
            assert answer.status == 204
            assert answer.get("Access-Control-Allow-Methods") == "GET, PUT"
            actual = send(port, "GET", "/api/items", {"Origin": ALLOWED})
            assert actual.get("Access-Control-Allow-Origin") == ALLOWED
            assert actual.get("Access-Control-Expose-Headers") == "X-Total-Count"
