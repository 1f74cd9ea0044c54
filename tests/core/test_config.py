"""``CORSConfig``: options in, one normalised value out; the one list every front end reads."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError, fields
from datetime import timedelta
from typing import Any, Dict, get_type_hints

import pytest

from wsgi_cors import ALL_METHODS, ConfigError, CORSConfig, CORSMiddleware, CORSOptions
from wsgi_cors.core import config as config_module
from wsgi_cors.core.config import BOOLEAN_OPTIONS, DEFAULTS, OPTION_NAMES
from wsgi_cors.core.options import ResourceOptions

PATTERN = re.compile(r"https://[a-z]+\.example\.com")


def predicate(origin: str) -> bool:
    return origin.endswith(".example.net")


NORMALISED = [
    pytest.param(
        {"origins": "https://App.Example.com:443"},
        "origins",
        ("https://app.example.com",),
        id="origin-canonical",
    ),
    pytest.param(
        {"origins": ["https://a.example", "https://A.example"]},
        "origins",
        ("https://a.example",),
        id="origin-deduplicated",
    ),
    pytest.param(
        {"origins": "http://LOCALHOST:*"}, "origins", ("http://localhost:*",), id="port-wildcard"
    ),
    pytest.param(
        {"origins": [PATTERN, predicate, "null"]},
        "origins",
        (PATTERN, predicate, "null"),
        id="pattern-predicate-null",
    ),
    pytest.param({"origins": "*"}, "origins", "*", id="star"),
    pytest.param({"methods": "get, post"}, "methods", ("GET", "POST"), id="methods-string"),
    pytest.param(
        {"methods": ["put", "PUT", "delete"]},
        "methods",
        ("PUT", "DELETE"),
        id="methods-deduplicated",
    ),
    pytest.param({"methods": "*"}, "methods", "*", id="methods-star"),
    pytest.param(
        {"allow_headers": "X-A, x-a, Content-Type"},
        "allow_headers",
        ("X-A", "Content-Type"),
        id="allow-headers",
    ),
    pytest.param(
        {"allow_headers": [PATTERN]}, "allow_headers", (PATTERN,), id="allow-headers-pattern"
    ),
    pytest.param({"expose_headers": None}, "expose_headers", (), id="expose-none"),
    pytest.param({"expose_headers": "X-Total"}, "expose_headers", ("X-Total",), id="expose-string"),
    pytest.param({"max_age": timedelta(minutes=10)}, "max_age", 600, id="max-age-timedelta"),
    pytest.param({"max_age": 0}, "max_age", 0, id="max-age-zero"),
    pytest.param({"preflight_status": 200}, "preflight_status", 200, id="status"),
]


@pytest.mark.parametrize(("options", "field", "expected"), NORMALISED)
def test_options_are_normalised(options: Dict[str, Any], field: str, expected: object) -> None:
    assert getattr(CORSConfig.from_mapping(options), field) == expected
    assert getattr(CORSConfig(**options), field) == expected


def test_defaults_are_the_documented_ones() -> None:
    config = CORSConfig()
    assert config.origins == "*"
    assert config.methods == ALL_METHODS
    assert config.allow_headers == "*"
    assert config.expose_headers == ()
    assert config.max_age is None
    assert config.preflight_status == 204
    assert config.resources is None
    assert config.resource_configs == ()
    assert not config.supports_credentials
    assert config.send_wildcard
    assert config.always_send
    assert config.vary_header


def test_config_is_frozen_and_compares_by_value() -> None:
    config = CORSConfig.from_options(origins=["https://a.example"], max_age=5)
    with pytest.raises(FrozenInstanceError):
        config.max_age = 6  # type: ignore[misc]
    assert config == CORSConfig(origins=("https://a.example",), max_age=5)
    assert config != CORSConfig(origins=("https://a.example",), max_age=6)


def test_normalised_config_validates_to_itself() -> None:
    config = CORSConfig.from_options(
        origins=["https://A.example:443", PATTERN, "http://localhost:*"],
        methods="get",
        max_age=timedelta(seconds=30),
        resources={"/api/*": {"origins": "https://B.example", "max_age": 5}},
    )
    again = CORSConfig.from_mapping(config.options())
    assert again == config
    assert again.resources is not None
    assert dict(again.resources["/api/*"]) == {"origins": ("https://b.example",), "max_age": 5}


def test_resources_give_each_resource_its_complete_config() -> None:
    config = CORSConfig.from_options(
        origins=["https://a.example"],
        supports_credentials=True,
        resources={"/public/*": {"origins": "*", "supports_credentials": False}, "/api/*": None},
    )
    by_pattern = dict(config.resource_configs)
    assert by_pattern["/public/*"].origins == "*"
    assert by_pattern["/public/*"].supports_credentials is False
    assert by_pattern["/api/*"].origins == ("https://a.example",)
    assert by_pattern["/api/*"].supports_credentials is True
    assert all(resource.resources is None for resource in by_pattern.values())
    assert [pattern for pattern, _ in config.resource_configs] == ["/public/*", "/api/*"]


def test_middleware_exposes_the_normalised_config() -> None:
    middleware = CORSMiddleware(lambda e, s: [], origins="https://A.example:443", max_age=5)
    assert middleware.config.origins == ("https://a.example",)
    assert middleware.config == CORSConfig(origins="https://a.example", max_age=5)


def test_middleware_takes_a_ready_config() -> None:
    config = CORSConfig(origins="https://a.example")
    assert CORSMiddleware(lambda e, s: [], config=config).config is config


def test_a_config_and_options_together_is_an_error() -> None:
    config = CORSConfig(origins="https://a.example")
    with pytest.raises(ConfigError) as caught:
        CORSMiddleware(lambda e, s: [], config=config, max_age=5)
    assert [problem.code for problem in caught.value.problems] == ["config-and-options"]
    assert "max_age" in caught.value.problems[0].message


def test_from_mapping_reports_unknown_names_with_the_closest_one() -> None:
    with pytest.raises(ConfigError) as caught:
        CORSConfig.from_mapping({"orgins": "*", "max_age": -1, 3: True})
    problems = caught.value.problems
    assert [(p.path, p.code) for p in problems] == [
        (("orgins",), "unknown-option"),
        ((3,), "unknown-option"),
        (("max_age",), "max-age-invalid"),
    ]
    assert problems[0].suggestion == "origins"
    assert problems[0].hint == "did you mean 'origins'?"
    assert problems[1].suggestion is None


# --- The one list ------------------------------------------------------------------------


def test_the_option_list_is_the_fields_of_cors_config() -> None:
    assert tuple(f.name for f in fields(CORSConfig) if f.init) == OPTION_NAMES
    assert set(DEFAULTS) == set(OPTION_NAMES)
    assert (
        tuple(f.name for f in fields(CORSConfig) if f.init and f.type == "bool") == BOOLEAN_OPTIONS
    )
    for f in fields(CORSConfig):
        if f.init:
            assert f.metadata["doc"], f.name


def test_typed_options_mirror_the_config_fields_name_for_name_and_type_for_type() -> None:
    # CORSOptions is what type checkers see for CORSMiddleware(**options); it may not drift.
    field_types = get_type_hints(CORSConfig)
    option_types = get_type_hints(CORSOptions)
    assert set(option_types) == set(OPTION_NAMES)
    for name, kind in option_types.items():
        assert kind == field_types[name], name
    assert set(get_type_hints(ResourceOptions)) == set(OPTION_NAMES) - {"resources"}


def test_every_option_has_a_rule() -> None:
    assert set(config_module._CHECKS) == set(OPTION_NAMES) - {"resources"}
