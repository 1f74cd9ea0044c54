"""Adapters validate every value through the core and report it in their user's own words."""

from __future__ import annotations

import logging
from typing import Any, Dict

import pytest
from flask import Flask

from wsgi_cors import ConfigError
from wsgi_cors.flask import CORS, cross_origin
from wsgi_cors.paste import filter_factory
from wsgi_cors.pyramid import middleware_from_settings


def flask_app(config: Dict[str, Any]) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    return app


def flask_lines(config: Dict[str, Any], **kwargs: Any) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        CORS(flask_app(config), **kwargs)
    return caught.value.lines


def test_flask_config_key_is_named_as_written() -> None:
    (line,) = flask_lines({"CORS_MAX_AGE": -5})
    assert line.startswith("app.config['CORS_MAX_AGE']: -5 is negative")


def test_flask_keyword_wins_over_config_and_is_named_as_a_keyword() -> None:
    (line,) = flask_lines({"CORS_MAX_AGE": 5}, max_age=-5)
    assert line.startswith("max_age: -5 is negative")


def test_flask_config_list_entry_is_named_with_its_index() -> None:
    (line,) = flask_lines({"CORS_ORIGINS": ["https://a.example", "https://b.example/"]})
    assert line.startswith("app.config['CORS_ORIGINS'][1]: 'https://b.example/' ends with a slash")


def test_flask_resource_option_is_named_by_the_pattern_the_user_wrote() -> None:
    (line,) = flask_lines({}, resources={r"/api/*": {"max_age": "soon"}})
    assert line.startswith("resources['/api/*']['max_age']: expected whole seconds")


@pytest.mark.parametrize("option", ["intercept_exceptions", "automatic_options"])
def test_flask_translated_flags_are_validated_not_overwritten(option: str) -> None:
    (line,) = flask_lines({}, **{option: "maybe"})
    assert line.startswith(f"{option}: expected True or False, got 'maybe'")
    with pytest.raises(ConfigError, match=f"{option}: expected True or False"):
        cross_origin(**{option: "maybe"})


def test_flask_intercept_exceptions_false_cannot_be_honoured_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="wsgi_cors"):
        CORS(flask_app({}), intercept_exceptions=False)
    assert any(
        "intercept_exceptions=False is not honoured" in r.getMessage() for r in caplog.records
    )


def test_paste_names_the_ini_key_for_every_value() -> None:
    with pytest.raises(ConfigError) as caught:
        filter_factory(
            {}, origins="https://a.example", resources="/api/*", **{"resource./api/*.max_age": "-1"}
        )
    assert caught.value.lines[0].startswith("resource./api/*.max_age: -1 is negative")
    assert caught.value.problems[0].path == ("resources", "/api/*", "max_age")


def test_pyramid_validates_values_given_as_python_objects_in_its_own_words() -> None:
    with pytest.raises(ConfigError) as caught:
        middleware_from_settings(
            lambda e, s: [], {"cors.origins": "https://a.example", "cors.max_age": -5}
        )
    assert caught.value.lines[0].startswith("cors.max_age: -5 is negative; use 0 to disable")
    assert "delete the line" in caught.value.lines[0]
