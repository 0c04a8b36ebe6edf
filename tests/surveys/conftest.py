"""Survey tests for people build on the prepare fixtures (Beatrice: COPD, prefers texts, has a mobile)."""

from __future__ import annotations

from tests.checkins.conftest import born, working_link  # noqa: F401
from tests.prepare.conftest import booked, planned, recall  # noqa: F401
