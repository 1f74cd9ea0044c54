"""Quart-CORS 0.8.0's own tests, downloaded at test time, pass against wsgi_cors.quart.

Only the tests that a deliberate fix breaks fail, each as a strict xfail naming
the differences-table row it proves (see ``upstream.EXPECTED_FAILURES``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..upstream_suite import fetched_tests
from .upstream import EXPECTED_FAILURES, SUITE

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def upstream_tests(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return fetched_tests(SUITE, request, tmp_path_factory)


def test_quart_cors_suite_passes_but_for_deliberate_fixes(
    upstream_tests: Path, tmp_path: Path
) -> None:
    result = SUITE.run(upstream_tests, tmp_path)
    print(result.output)
    assert result.returncode == 0, result.output
    assert result.counts.get("xfailed", 0) == len(EXPECTED_FAILURES), result.output
    assert result.counts.get("passed") == 33 - len(EXPECTED_FAILURES), result.output
    assert not {"failed", "xpassed", "error", "errors", "skipped"} & set(result.counts), (
        result.output
    )
