"""The system checks: every mistake django-cors-headers checks, and ours, each with its id and
a message that names the setting and the fix."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest

pytest.importorskip("django")

from . import site

site.configure()

from django.core import checks  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from wsgi_cors.compat.django_cors_headers import CHECK_IDS  # noqa: E402
from wsgi_cors.core.problems import CODES  # noqa: E402
from wsgi_cors.django.checks import check_settings  # noqa: E402


def run(**cors: Any) -> List[Tuple[str, str, str]]:
    """``(id, level, message + hint)`` of each check message for ``cors`` over the base."""
    with override_settings(**{**site.BASE, **cors}):
        return [
            (message.id, type(message).__name__, f"{message.msg} {message.hint or ''}")
            for message in check_settings()
        ]


def only(**cors: Any) -> Tuple[str, str, str]:
    (message,) = run(**cors)
    return message


def test_valid_settings_pass() -> None:
    assert run() == []
    assert (
        run(
            CORS_ALLOWED_ORIGINS=["https://a.example", "http://localhost:8000"],
            CORS_ALLOWED_ORIGIN_REGEXES=[r"^https://\w+\.example\.org$"],
            CORS_ALLOW_CREDENTIALS=True,
            CORS_URLS_REGEX=r"^/api/.*$",
            CORS_PREFLIGHT_MAX_AGE=0,
        )
        == []
    )


CASES: Dict[str, Tuple[Dict[str, Any], str, List[str]]] = {
    "string for a list": (
        {"CORS_ALLOWED_ORIGINS": "https://a.example"},
        "wsgi_cors.E001",
        ["CORS_ALLOWED_ORIGINS", "write a list: ['https://a.example']"],
    ),
    "methods as a string": (
        {"CORS_ALLOW_METHODS": "GET"},
        "wsgi_cors.E001",
        ["CORS_ALLOW_METHODS", "['GET']"],
    ),
    "flag not a bool": (
        {"CORS_ALLOW_CREDENTIALS": "yes"},
        "wsgi_cors.E002",
        ["CORS_ALLOW_CREDENTIALS", "'yes'"],
    ),
    "negative max age": (
        {"CORS_PREFLIGHT_MAX_AGE": -1},
        "wsgi_cors.E003",
        ["CORS_PREFLIGHT_MAX_AGE"],
    ),
    "origin without scheme": (
        {"CORS_ALLOWED_ORIGINS": ["a.example.com"]},
        "wsgi_cors.E004",
        ["CORS_ALLOWED_ORIGINS[0]", "https://a.example.com"],
    ),
    "origin with path": (
        {"CORS_ALLOWED_ORIGINS": ["https://a.example.com/"]},
        "wsgi_cors.E005",
        ["CORS_ALLOWED_ORIGINS[0]"],
    ),
    "star among origins": (
        {"CORS_ALLOWED_ORIGINS": ["https://a.example", "*"]},
        "wsgi_cors.E011",
        ["CORS_ALLOWED_ORIGINS", "CORS_ALLOW_ALL_ORIGINS = True"],
    ),
    "allow all with credentials": (
        {"CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": True},
        "wsgi_cors.E012",
        ["CORS_ALLOW_ALL_ORIGINS", "CORS_ALLOWED_ORIGINS = ['https://app.example.com']"],
    ),
    "null with credentials": (
        {"CORS_ALLOWED_ORIGINS": ["null"], "CORS_ALLOW_CREDENTIALS": True},
        "wsgi_cors.E013",
        ["remove 'null' from CORS_ALLOWED_ORIGINS"],
    ),
    "forbidden method": (
        {"CORS_ALLOW_METHODS": ["GET", "TRACE"]},
        "wsgi_cors.E016",
        ["CORS_ALLOW_METHODS[1]", "TRACE"],
    ),
    "invalid origin regex": (
        {"CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://(a$"]},
        "wsgi_cors.E019",
        ["CORS_ALLOWED_ORIGIN_REGEXES[0]"],
    ),
    "invalid urls regex": (
        {"CORS_URLS_REGEX": r"^/api/(["},
        "wsgi_cors.E019",
        ["CORS_URLS_REGEX"],
    ),
    "removed setting": (
        {"CORS_REPLACE_HTTPS_REFERER": True},
        "wsgi_cors.E022",
        ["CORS_REPLACE_HTTPS_REFERER", "CSRF_TRUSTED_ORIGINS"],
    ),
    "misspelled setting": (
        {"CORS_ALOWED_ORIGINS": ["https://a.example"]},
        "wsgi_cors.W001",
        ["CORS_ALOWED_ORIGINS", "did you mean CORS_ALLOWED_ORIGINS?"],
    ),
    "prefix regex": (
        {"CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://\w+\.example\.org"]},
        "wsgi_cors.W002",
        ["CORS_ALLOWED_ORIGIN_REGEXES[0]", "'$'"],
    ),
    "file origin": (
        {"CORS_ALLOWED_ORIGINS": ["file://"]},
        "wsgi_cors.W003",
        ["CORS_ALLOWED_ORIGINS", "'null'"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_has_its_id_and_names_the_setting_and_the_fix(case: str) -> None:
    cors, check_id, fragments = CASES[case]
    found_id, level, text = only(**cors)
    assert found_id == check_id
    assert level == ("Warning" if check_id.startswith("wsgi_cors.W") else "Error")
    for fragment in fragments:
        assert fragment in text


def test_the_old_name_is_the_one_named_when_it_is_the_one_set() -> None:
    from django.conf import settings

    with override_settings(CORS_ALLOWED_ORIGINS=None, CORS_ORIGIN_WHITELIST=["a.example.com"]):
        del settings.CORS_ALLOWED_ORIGINS  # only the old name is set
        (message,) = check_settings()
    assert message.id == "wsgi_cors.E004"
    assert "CORS_ORIGIN_WHITELIST[0]" in message.msg


def test_every_problem_code_the_adapter_can_report_has_a_stable_id() -> None:
    assert set(CHECK_IDS) <= set(CODES)
    ids = [check_id for check_id, _ in CHECK_IDS.values()]
    assert len(ids) == len(set(ids))
    for code in ("wrong-type", "not-a-boolean", "max-age-invalid", "setting-removed"):
        assert CHECK_IDS[code][1].startswith("corsheaders.")


def test_the_app_config_registers_the_checks_with_the_security_tag() -> None:
    with override_settings(
        INSTALLED_APPS=["django.contrib.contenttypes", "wsgi_cors.django"],
        **{**site.BASE, "CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": True},
    ):
        found = checks.run_checks(tags=[checks.Tags.security])
    assert "wsgi_cors.E012" in [message.id for message in found]


def test_the_migration_page_lists_every_check_id_from_the_code() -> None:
    from pathlib import Path

    from docs_modules import DOCS, load_docs_module

    page = Path(DOCS, "migrating", "django-cors-headers.md").read_text(encoding="utf-8")
    assert "<!-- django-checks-table -->" in page  # generated, never written by hand
    rendered = load_docs_module("hooks").render_page(page, "migrating/django-cors-headers.md")
    for check_id, replaces in CHECK_IDS.values():
        assert f"| `{check_id}` |" in rendered
        if replaces:
            assert replaces in rendered
    for check_id in ("wsgi_cors.W002", "wsgi_cors.W003"):
        assert f"| `{check_id}` |" in rendered


HOSTILE_PATTERNS = ["a{99999999999}", "a{" + "9" * 5000 + "}", "(" * 2000 + ")" * 2000]


@pytest.mark.parametrize("pattern", HOSTILE_PATTERNS, ids=["overflow", "4301-digits", "nesting"])
def test_a_pattern_python_cannot_compile_is_a_check_error_not_a_crash(pattern: str) -> None:
    for setting in ("CORS_ALLOWED_ORIGIN_REGEXES", "CORS_URLS_REGEX"):
        value = [pattern] if setting == "CORS_ALLOWED_ORIGIN_REGEXES" else pattern
        errors = [found for found in run(**{setting: value}) if found[1] == "Error"]
        assert [check_id for check_id, _, _ in errors] == ["wsgi_cors.E019"], errors
        assert setting in errors[0][2]
