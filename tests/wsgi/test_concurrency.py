"""No request's data reaches another's response, across threads sharing one middleware."""

from __future__ import annotations

import threading
from typing import List, Tuple

from wsgi_cors import CORSMiddleware

from conftest import RecordingApp

ALLOWED_ORIGINS = [f"https://app{i}.example.com" for i in range(8)]
REFUSED_ORIGINS = [f"https://evil{i}.example.net" for i in range(8)]


def test_alternating_allowed_and_refused_origins_never_cross_talk() -> None:
    middleware = CORSMiddleware(RecordingApp(), origins=ALLOWED_ORIGINS, supports_credentials=True)
    failures: List[Tuple[str, object]] = []
    start = threading.Barrier(8)

    def worker(index: int) -> None:
        start.wait()
        for round_number in range(400):
            allowed = (index + round_number) % 2 == 0
            origin = (ALLOWED_ORIGINS if allowed else REFUSED_ORIGINS)[index]
            captured: List[List[Tuple[str, str]]] = []
            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": "/",
                "HTTP_ORIGIN": origin,
            }
            middleware(environ, lambda _s, headers, _e=None, sink=captured: sink.append(headers))
            headers = dict(captured[0])
            got = headers.get("Access-Control-Allow-Origin")
            if (allowed and got != origin) or (not allowed and got is not None):
                failures.append((origin, got))
            if not allowed and "Access-Control-Allow-Credentials" in headers:
                failures.append((origin, "credentials leaked"))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
