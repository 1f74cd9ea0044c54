"""Quart-CORS 0.8.0's own tests, downloaded at test time, pass against wsgi_cors.quart.

Only the tests that a deliberate fix breaks would fail, each as a strict xfail naming the
differences-table row it proves (see ``upstream.EXPECTED_FAILURES``: none today).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..upstream_suite import assert_passes_but_for_expected_failures, fetched_tests
from .upstream import SUITE

pytestmark = pytest.mark.network


def test_quart_cors_suite_passes_but_for_deliberate_fixes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    tests = fetched_tests(SUITE, request, tmp_path_factory)
    assert_passes_but_for_expected_failures(SUITE, SUITE.run(tests, tmp_path))
