"""``python -m wsgi_cors demo``: its page in a real browser, its ports, and a clean Ctrl-C."""

from __future__ import annotations

import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, TYPE_CHECKING, Dict, Iterator, List

import pytest

from wsgi_cors import __version__, demo
from wsgi_cors.cli import main

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.servers

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT_COPY = Path("/tmp/wsgi_cors_demo.png")


class DemoProcess:
    """``python -m wsgi_cors demo`` in a subprocess, its output read line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wsgi_cors", "demo", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout: List[str] = []
        self.stderr: List[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.stdout, True)),
            threading.Thread(target=self._read, args=(self.process.stderr, self.stderr, False)),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str], into: List[str], forward: bool) -> None:
        for line in stream:
            into.append(line)
            if forward:
                self._lines.put(line)

    def urls(self, timeout: float = 20.0) -> Dict[str, str]:
        """The page and API URLs the demo printed (waits up to ``timeout`` seconds)."""
        found: Dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while len(found) < 2:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no URLs printed: {self.stdout} {self.stderr}") from None
            match = re.match(r"\s+(page|API):\s+(http://127\.0\.0\.1:\d+/\S*)", line)
            if match:
                found[match.group(1)] = match.group(2)
        return found

    def stop(self, signum: int = signal.SIGINT, timeout: float = 20.0) -> int:
        """Send ``signum`` and return the exit status."""
        self.process.send_signal(signum)
        status = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=timeout)
        return status

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
        for reader in self._readers:
            reader.join(timeout=20)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def demo_process() -> Iterator[DemoProcess]:
    process = DemoProcess("--api-port", "0", "--page-port", "0")
    try:
        yield process
    finally:
        process.close()


# (card id, verdict, texts the card must show)
CARDS = [
    ("simple-get", "ALLOWED", ["HTTP 200 OK", '"apple"', "GET /api/items → 200 OK"]),
    (
        "preflight-put",
        "ALLOWED",
        [
            "OPTIONS /api/items/1 → 204 No Content",
            "answered by CORSMiddleware, app not called",
            "Access-Control-Allow-Methods: GET, POST, PUT, DELETE",
            "PUT /api/items/1 → 200 OK",
            "X-Custom: demo",
            '"name": "quince"',
        ],
    ),
    (
        "credentialed",
        "ALLOWED",
        [
            "POST /api/login → 200 OK",
            "Set-Cookie: demo_session=",
            "GET /api/me → 200 OK",
            '"cookie_received": "demo_session=',
            "Access-Control-Allow-Credentials: true",
        ],
    ),
    (
        "refused-method",
        "BLOCKED",
        [
            "TypeError: Failed to fetch",
            "Access-Control-Request-Method: PATCH",
            "OPTIONS /api/items/1 → 403 Forbidden",
            "Only the preflight arrived",
        ],
    ),
    (
        "refused-header",
        "BLOCKED",
        ["TypeError: Failed to fetch", "Access-Control-Request-Headers: x-debug", "403 Forbidden"],
    ),
    (
        "exposed-header",
        "ALLOWED",
        [
            'response.headers.get("X-Total") → "3"',
            'response.headers.get("X-Internal") → null',
            "X-Internal: not exposed to the page",
            "Access-Control-Expose-Headers: X-Total",
        ],
    ),
]


@pytest.mark.browser
def test_demo_page_in_a_browser(
    demo_process: DemoProcess, browser: Browser, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    urls = demo_process.urls()
    page_origin = urls["page"].rstrip("/")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(urls["page"])
        expect(page.locator("#policy")).to_contain_text(f"origins=['{page_origin}']")
        for card_id, verdict, texts in CARDS:
            card = page.locator(f"#card-{card_id}")
            card.locator("button").click()
            expect(card).to_have_attribute("data-state", "done", timeout=15_000)
            expect(card).to_have_attribute("data-verdict", verdict)
            expect(card.locator(".verdict")).to_contain_text(verdict)
            shown = card.inner_text()
            for text in texts:
                assert text in shown, f"{card_id}: {text!r} not in:\n{shown}"
        # The refused PATCH never left the browser: the API saw only its preflight.
        assert "PATCH /api" not in page.locator("#card-refused-method").inner_text()
        screenshot = tmp_path / "demo.png"
        page.screenshot(path=str(screenshot), full_page=True)
        shutil.copyfile(screenshot, SCREENSHOT_COPY)

        page.reload()  # "Run all" sends every request again, in order
        page.locator("#run-all").click()
        for card_id, verdict, _ in CARDS:
            card = page.locator(f"#card-{card_id}")
            expect(card).to_have_attribute("data-state", "done", timeout=15_000)
            expect(card).to_have_attribute("data-verdict", verdict)
    finally:
        context.close()

    assert demo_process.stop(signal.SIGINT) == 0
    output = "".join(demo_process.stdout)
    assert "API OPTIONS /api/items/1 -> 403 Forbidden  (answered by CORSMiddleware)" in output
    assert output.endswith("wsgi_cors demo: stopped.\n")
    assert "Traceback" not in "".join(demo_process.stderr)


def test_sigterm_stops_the_demo_cleanly(demo_process: DemoProcess) -> None:
    urls = demo_process.urls()
    with urllib.request.urlopen(urls["API"], timeout=10) as answer:  # the printed URL answers
        assert answer.status == 200
    assert demo_process.stop(signal.SIGTERM) == 0
    assert "Traceback" not in "".join(demo_process.stderr)


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_an_explicit_port_that_is_taken_is_an_error(taken_port: int) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wsgi_cors", "demo", "--api-port", str(taken_port)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{taken_port} (--api-port)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_taken_default_port_falls_back_to_a_free_one(
    taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "DEFAULT_API_PORT", taken_port)
    with demo.Demo(api_port=None, page_port=0) as running:
        port = running.api_origin.rsplit(":", 1)[1]
        assert port != str(taken_port)
        assert running.fallbacks == [f"port {taken_port} is taken; the API uses port {port}"]


def test_the_page_origin_answers_only_its_own_host() -> None:
    """Another Host (localhost, or a DNS-rebound name) gets 421, not the recorded exchanges."""
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    with demo.Demo(api_port=0, page_port=0) as running:
        port = running.page_origin.rsplit(":", 1)[1]
        with pytest.raises(urllib.error.HTTPError) as refused:
            direct.open(
                urllib.request.Request(
                    running.page_url + "exchanges?rid=x", headers={"Host": f"localhost:{port}"}
                ),
                timeout=20,
            )
        assert refused.value.code == 421
        refused.value.close()
        with direct.open(running.page_url + "exchanges?rid=x", timeout=20) as response:
            assert response.read() == b"[]"


def test_cli_needs_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--version"])
    assert __version__ in capsys.readouterr().out
