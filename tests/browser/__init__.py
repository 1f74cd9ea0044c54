"""The browser suite. A package, so its ``conftest`` does not replace ``tests/conftest.py``."""
