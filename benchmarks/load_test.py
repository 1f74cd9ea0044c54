"""Load test: requests per second of a bare app and the same app with CORS, under a real server.

Installs nothing. Needs ``wrk`` (Debian: ``apt-get install wrk``), and gunicorn (WSGI) or
uvicorn (ASGI) in this Python. Run from the repository root::

    python benchmarks/load_test.py                      # WSGI, GET with an allowed Origin
    python benchmarks/load_test.py --kind preflight     # allowed preflights instead
    python benchmarks/load_test.py --interface asgi     # ASGI: uvicorn, wsgi_cors.asgi

Both apps of the interface (``load_app.py``) are served at once, each by its own server on a
free port of 127.0.0.1. WSGI: gunicorn, 1 worker, ``gthread`` with 4 threads by default, so
keep-alive connections are reused (``--worker-class sync`` is the other choice). ASGI: uvicorn,
one process, its default event loop and HTTP parser (asyncio and h11 unless uvloop and httptools
are installed; the versions are recorded), no access log. ``--reference`` puts another app in
the bare one's place: ``cors-headers`` (GET only), the bare app writing the wrapped app's CORS
headers itself, so that the ratio leaves out what the server spends writing them; ``floor``,
the floor shim of ``floor.py``, so that the ratio is ours against the cheapest CORS layer.
After a check that only the wrapped app (and a reference other than ``bare``) sends CORS headers,
``wrk`` drives them in turn for ``--rounds`` rounds of ``--duration`` seconds each (default 10
rounds of 5 s, ``wrk -t2 -c16``), alternating which goes first; the report gives each round's
requests per second, the ratio wrapped / bare of each round, and their median. Every process
started here is stopped by its PID when the test ends, fails or is interrupted (Ctrl-C).
Traffic goes to 127.0.0.1 only.

On a 2-vCPU machine wrk and the server share the CPUs, so the absolute rates say little; the
ratio, from rounds run back to back, is the figure to read.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any, Dict, Iterator, List, Optional, Tuple

from scenarios import ALLOWED_ORIGIN, PREFLIGHT_HEADERS, PREFLIGHT_METHOD

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
APPS = ("bare", "wrapped")


@dataclass
class Server:
    """One server (gunicorn or uvicorn) serving one app of ``load_app.py``."""

    app: str
    port: int
    process: subprocess.Popen[bytes]


@dataclass
class WrkResult:
    """What one wrk run reported."""

    requests_per_s: float
    latency: str
    errors: str


def free_port() -> int:
    """A TCP port of 127.0.0.1 that is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def request_headers(kind: str) -> Tuple[str, Dict[str, str]]:
    """The method and headers of the request the load test sends."""
    if kind == "preflight":
        return "OPTIONS", {
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": PREFLIGHT_METHOD,
            "Access-Control-Request-Headers": PREFLIGHT_HEADERS,
        }
    return "GET", {"Origin": ALLOWED_ORIGIN}


#: The app of ``load_app.py`` that each ``--reference`` puts in the bare app's place.
REFERENCES = {"bare": "bare", "cors-headers": "bare_cors_headers", "floor": "floor"}


def app_name(interface: str, app: str, reference: str = "bare") -> str:
    """The name in ``load_app.py`` of ``app`` (bare or wrapped) for ``interface``; the bare
    one is the ``reference`` app."""
    name = REFERENCES[reference] if app == "bare" else app
    return name if interface == "wsgi" else f"asgi_{name}"


def uvicorn_command(app: str, port: int) -> List[str]:
    """uvicorn serving ``load_app:<app>`` on ``port`` of 127.0.0.1, one process."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(HERE),
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        f"load_app:{app}",
    ]


def start_server(app: str, options: argparse.Namespace, log: Path) -> Server:
    """Start gunicorn (WSGI) or uvicorn (ASGI) for ``app`` in its own process group."""
    port = free_port()
    name = app_name(options.interface, app, options.reference)
    if options.interface == "asgi":
        command = uvicorn_command(name, port)
    else:
        command = gunicorn_command(name, options.worker_class, options.threads, port)
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(app, port, process)


def gunicorn_command(app: str, worker_class: str, threads: int, port: int) -> List[str]:
    """gunicorn serving ``load_app:<app>`` on ``port`` of 127.0.0.1, one worker."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(HERE),
        "--workers",
        "1",
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        f"load_app:{app}",
    ]


def probe(server: Server, kind: str) -> Tuple[int, Optional[str]]:
    """One request to ``server``: its status and ``Access-Control-Allow-Origin``."""
    method, headers = request_headers(kind)
    connection = http.client.HTTPConnection(HOST, server.port, timeout=5)
    try:
        connection.request(method, "/", headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Access-Control-Allow-Origin")
    finally:
        connection.close()


def wait_ready(server: Server, kind: str, log: Path) -> Tuple[int, Optional[str]]:
    """Wait until ``server`` answers; return its answer to one request of ``kind``."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server for {server.app} exited; see {log}")
        try:
            return probe(server, kind)
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server for {server.app} did not start; see {log}"
                ) from None
            time.sleep(0.1)


def stop_server(server: Server) -> None:
    """Stop ``server``'s process group (gunicorn's master and worker, or uvicorn) by its PID."""
    if server.process.poll() is not None:
        return
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=STOP_TIMEOUT_S)
    except ProcessLookupError:
        pass


def lua_script(kind: str, directory: Path) -> Path:
    """A wrk script that sends the request of ``kind``."""
    method, headers = request_headers(kind)
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    path = directory / f"{kind}.lua"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_wrk(server: Server, script: Path, options: argparse.Namespace) -> WrkResult:
    """Drive ``server`` with wrk for ``options.duration`` seconds."""
    command = [
        "wrk",
        f"-t{options.wrk_threads}",
        f"-c{options.connections}",
        f"-d{options.duration}s",
        "-s",
        str(script),
        f"http://{HOST}:{server.port}/",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=options.duration + 30, check=True
    )
    rate = re.search(r"Requests/sec:\s*([\d.]+)", done.stdout)
    if rate is None:
        raise RuntimeError(f"unexpected wrk output:\n{done.stdout}\n{done.stderr}")
    latency = re.search(r"Latency\s+(\S+)", done.stdout)
    errors = [
        line.strip()
        for line in done.stdout.splitlines()
        if "Non-2xx" in line or "Socket errors" in line
    ]
    return WrkResult(float(rate.group(1)), latency.group(1) if latency else "?", "; ".join(errors))


def rounds(options: argparse.Namespace) -> Iterator[Tuple[int, Tuple[str, str]]]:
    """Round numbers and the order in which the two apps are driven (alternating)."""
    for number in range(1, options.rounds + 1):
        yield number, APPS if number % 2 else APPS[::-1]


def check_servers(servers: Dict[str, Server], options: argparse.Namespace, log: Path) -> None:
    """Both answer 2xx; only the wrapped one sends ``Access-Control-Allow-Origin``."""
    for app, server in servers.items():
        status, acao = wait_ready(server, options.kind, log)
        expected = ALLOWED_ORIGIN if app == "wrapped" or options.reference != "bare" else None
        if not 200 <= status < 300 or acao != expected:
            raise RuntimeError(f"{app}: status {status}, ACAO {acao!r}; expected 2xx, {expected!r}")


def measure(
    servers: Dict[str, Server], script: Path, options: argparse.Namespace
) -> List[Dict[str, Any]]:
    """Run every round; return one record per round."""
    records: List[Dict[str, Any]] = []
    for number, order in rounds(options):
        record: Dict[str, Any] = {"round": number, "order": list(order)}
        for app in order:
            result = run_wrk(servers[app], script, options)
            record[app] = result.requests_per_s
            record[f"{app}_latency"] = result.latency
            if result.errors:
                record[f"{app}_errors"] = result.errors
        record["ratio"] = record["wrapped"] / record["bare"]
        records.append(record)
        print(
            f"round {number}: bare {record['bare']:9.0f} req/s, wrapped "
            f"{record['wrapped']:9.0f} req/s, wrapped/bare {record['ratio']:.3f}"
            + "".join(
                f"  [{app}: {record[app + '_errors']}]" for app in APPS if app + "_errors" in record
            ),
            flush=True,
        )
    return records


def versions(interface: str) -> Dict[str, str]:
    """Versions of Python, the server (and uvicorn's loop and parser), wsgi_cors and wrk."""
    found = {"python": sys.version.split()[0]}
    names = ("gunicorn",) if interface == "wsgi" else ("uvicorn", "h11", "httptools", "uvloop")
    for name in (*names, "wsgi_cors"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    found["wrk"] = (done.stdout or done.stderr).splitlines()[0].strip()
    return found


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=("get", "preflight"), default="get")
    parser.add_argument(
        "--interface",
        choices=("wsgi", "asgi"),
        default="wsgi",
        help="wsgi: gunicorn and CORSMiddleware; asgi: uvicorn and wsgi_cors.asgi.CORSMiddleware",
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--reference",
        choices=sorted(REFERENCES),
        default="bare",
        help="the app in the bare one's place: bare (no CORS), cors-headers (GET only: the "
        "bare app writing the wrapped app's CORS headers itself), floor (the floor shim)",
    )
    parser.add_argument(
        "--worker-class", choices=("gthread", "sync"), default="gthread", help="gunicorn only"
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="gthread threads per worker (gunicorn only)"
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    return parser.parse_args()


def stop_on_sigterm(signum: int, frame: Optional[FrameType]) -> None:
    """Turn SIGTERM into SystemExit so that the servers are stopped on the way out."""
    raise SystemExit(128 + signum)


def main() -> None:
    """Start both servers, check them, run the rounds, report, stop everything."""
    options = parse_args()
    if options.reference == "cors-headers" and options.kind != "get":
        sys.exit("--reference cors-headers is for --kind get only")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    servers: Dict[str, Server] = {}
    with tempfile.TemporaryDirectory(prefix="wsgi-cors-load-") as directory:
        log = Path(directory) / "server.log"
        try:
            for app in APPS:
                servers[app] = start_server(app, options, log)
            check_servers(servers, options, log)
            script = lua_script(options.kind, Path(directory))
            records = measure(servers, script, options)
        finally:
            for server in servers.values():
                stop_server(server)
    ratio = statistics.median(record["ratio"] for record in records)
    print(
        f"median wrapped/bare over {len(records)} rounds: {ratio:.3f} "
        f"(median req/s: bare {statistics.median(r['bare'] for r in records):.0f}, "
        f"wrapped {statistics.median(r['wrapped'] for r in records):.0f})"
    )
    if options.json:
        settings = {key: value for key, value in vars(options).items() if key != "json"}
        report = {"settings": settings, "versions": versions(options.interface), "rounds": records}
        report["median_ratio"] = ratio
        Path(options.json).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; every process started here was stopped")
