"""Page cost tests build on the prepare fixtures: Arthur, Beatrice and Fatima with conversations
booked (tests/prepare/conftest.py)."""

from tests.prepare.conftest import booked, planned, recall  # noqa: F401
