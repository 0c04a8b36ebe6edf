from __future__ import annotations

import datetime as dt

import pytest

from tests.clinics.conftest import team  # noqa: F401

D, T = dt.date, dt.time


@pytest.fixture
def booking_week(team):  # noqa: F811
    """Riverside's week from Monday 15 June 2026: the HCA's tests session on Tuesdays 9:00-10:00 (15-minute
    slots) and the nurse's conversations on Thursdays 14:00-15:00 (20-minute slots); people on registers
    with this year's reviews planned (tests/recall/crowd.py)."""
    from tandem.clinics import actions as clinic_actions
    from tandem.clinics.actions import Repeat
    from tests.clinics.conftest import entry as make_entry
    from tests.recall.crowd import crowd

    team.tests_pattern, _ = clinic_actions.add_pattern(
        practice=team.practice, by=team.manager, entry=make_entry(team.hca, start=T(9, 0), end=T(10, 0), slot=15),
        repeat=Repeat(weekday=1, every_weeks=1, first_day=D(2026, 6, 15), last_day=None))
    team.talk_pattern, _ = clinic_actions.add_pattern(
        practice=team.practice, by=team.manager,
        entry=make_entry(team.nurse, "nurse", purpose="conversation", start=T(14, 0), end=T(15, 0), slot=20),
        repeat=Repeat(weekday=3, every_weeks=1, first_day=D(2026, 6, 15), last_day=None))
    team.people = crowd(team.practice, 44)
    return team


def session_on(pattern, day):
    from tandem.clinics.models import ClinicSession

    return ClinicSession.objects.get(pattern=pattern, day=day)


def open_reviews(practice, n):
    from tandem.recall.models import Review

    return list(Review.objects.filter(practice=practice, status__in=["planned", "invited"]).order_by("pk")[:n])
