"""Flask-CORS 6.0.5's own tests, downloaded at test time, pass against wsgi_cors.flask.

The tests of Flask-CORS's private helpers are deselected (``DESELECTED`` says why). The
tests a deliberate fix breaks are strict xfails naming the differences-table row they
prove (see ``flask_cors_upstream.EXPECTED_FAILURES``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .flask_cors_upstream import SUITE
from .upstream_suite import assert_passes_but_for_expected_failures, fetched_tests

pytestmark = pytest.mark.network


def test_flask_cors_suite_passes_but_for_expected_failures(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    tests = fetched_tests(SUITE, request, tmp_path_factory)
    assert_passes_but_for_expected_failures(SUITE, SUITE.run(tests, tmp_path))
