"""Care plan tests build on the prepare fixtures: people with results, agendas possible, and a
conversation booked (Arthur: type 2 diabetes and hypertension; Beatrice: COPD)."""

from tests.prepare.conftest import booked, planned, recall  # noqa: F401
