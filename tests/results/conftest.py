"""Results tests: the prepare people (tests/prepare/conftest.py) and a health care assistant."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.prepare.conftest import booked  # noqa: F401
from tests.recall.conftest import ADDRESS, code_for, person, planned, recall, review_of  # noqa: F401

D = dt.date


@pytest.fixture
def hca(recall):  # noqa: F811
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    return core_actions.add_staff(practice=recall.practice, username="hca", role=Role.HCA, by=None,
                                  password="correct-horse-battery", first_name="Hannah", last_name="Cole")


@pytest.fixture
def hca_client(client, hca):
    client.force_login(hca)
    return client


def url_for(review) -> str:
    return f"/results/reviews/{review.pk}/"


def form(**values) -> dict:
    """A results form as a browser sends it: a fresh token, empty boxes for what is not given."""
    return {"token": uuid.uuid4().hex, "taken-day": "", "taken-month": "", "taken-year": "", **values}
