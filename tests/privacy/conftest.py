from tests.prepare.conftest import booked, planned, recall  # noqa: F401
