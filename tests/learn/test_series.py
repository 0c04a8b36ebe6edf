"""The practice's monthly measures for its charts: counted by month, every month present."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.learn import series
from tests.checkins.conftest import agreed, booked, planned, recall  # noqa: F401
from tests.checkins.test_checkins import _open, settle  # noqa: F401

pytestmark = pytest.mark.django_db
D = dt.date


def test_months_run_from_first_to_last_inclusive():
    assert series.months(D(2025, 11, 20), D(2026, 2, 1)) == [D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1),
                                                             D(2026, 2, 1)]


def test_each_measure_counts_its_month_and_empty_months_are_zero(booked, settle):  # noqa: F811
    from tandem.careplans import actions as plan_actions
    from tandem.checkins import actions, forms
    from tandem.checkins.models import CheckIn
    from tests.checkins.conftest import agreed_plan

    saved = plan_actions.save_plan(patient=booked.beatrice, by=booked.nurse, plan=agreed_plan(booked),
                                   base_version=0, conversation=booked.beatrice_talk)
    plan_actions.record_copy_given(version=saved.version, by=booked.nurse, how="printed", on=D(2026, 6, 15))
    _open(booked, D(2026, 7, 15), settle)
    checkin = CheckIn.objects.get()
    actions.record_answer(checkin_id=checkin.pk, practice=booked.practice, given_by="person",
                          answers=forms.read({"goal-walk": "1"}, checkin.questions).answers)
    found = series.monthly(booked.practice, first=D(2026, 5, 1), last=D(2026, 8, 31))
    assert found["conversations"] == [(D(2026, 5, 1), 0), (D(2026, 6, 1), 1), (D(2026, 7, 1), 0), (D(2026, 8, 1), 0)]
    assert [n for _, n in found["plans"]] == [0, 1, 0, 0]
    assert [n for _, n in found["copies"]] == [0, 1, 0, 0]
    assert [n for _, n in found["checkins"]] == [0, 0, 1, 0]
