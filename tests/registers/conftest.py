"""Registers tests reuse the shared fixtures (tests/conftest.py) and, for the browser test, the
browser harness; its hook skips browser tests outside CI when chromium or axe-core is missing."""

from tests.browser.conftest import pytest_collection_modifyitems  # noqa: F401
