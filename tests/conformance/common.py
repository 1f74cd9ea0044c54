"""Configurations and request shapes shared by the conformance tests."""

from __future__ import annotations

from typing import Any, Dict

from conftest import ALLOWED

#: A strict configuration: two origins, credentials, a method list, header lists, max_age.
STRICT: Dict[str, Any] = {
    "origins": [ALLOWED, "https://other.example.com"],
    "supports_credentials": True,
    "methods": ["GET", "POST", "PUT", "DELETE"],
    "allow_headers": ["X-Custom", "Content-Type"],
    "expose_headers": ["X-Total"],
    "max_age": 600,
}
