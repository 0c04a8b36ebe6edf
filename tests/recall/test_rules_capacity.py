"""Capacity: minutes needed per week for the month's reviews against minutes available."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.recall.rules import protocols
from tandem.recall.rules.capacity import Available, month_capacity, per_week
from tandem.recall.rules.review import review_plan

P = protocols.load()


def test_minutes_are_spread_over_the_weeks_of_the_month():
    assert per_week(310, dt.date(2026, 7, 1)) == 70  # 31 days = 4.43 weeks
    assert per_week(280, dt.date(2026, 2, 1)) == 70  # 28 days = 4 weeks
    assert per_week(0, dt.date(2026, 2, 1)) == 0


def test_shortfall_is_flagged_per_group():
    february = dt.date(2027, 2, 1)
    # 8 people with COPD: tests 9 HCA + 35 nurse minutes each, conversation 20
    plans = [review_plan(["copd"], protocols=P)] * 8
    cap = month_capacity(february, plans, Available(hca=30, nurse=100, gp=20))
    hca, clinician = cap.lines
    assert cap.people == 8
    assert (hca.needed_per_week, hca.available_per_week, hca.shortfall, hca.enough) == (18, 30, 0, True)
    assert (clinician.needed_per_week, clinician.available_per_week) == (110, 120)
    assert cap.enough
    tight = month_capacity(february, plans, Available(hca=10, nurse=60))
    assert [line.shortfall for line in tight.lines] == [8, 50]
    assert not tight.enough


def test_nobody_due_needs_nothing():
    cap = month_capacity(dt.date(2026, 7, 1), [], Available())
    assert cap.people == 0 and cap.enough


def _plan(hca: int, clinician: int):
    """A stand-in with the two numbers capacity reads: the minutes of a real ReviewPlan."""
    from types import SimpleNamespace

    return SimpleNamespace(hca_minutes=hca, clinician_minutes=clinician)


JULY = dt.date(2026, 7, 1)  # 31 days: 31/7 weeks
# Spec table: minutes a week (hca, nurse), already committed in July (hca, clinician), candidates -> how many fit
WITHIN = [
    ((70, 70), (0, 0), [(10, 40)] * 5, 5),  # 70 x 31/7 = 310 minutes in July each: 5 x 40 = 200 fits
    ((70, 70), (0, 0), [(10, 40)] * 10, 7),  # 7 x 40 = 280 fits, 8 x 40 = 320 does not
    ((70, 70), (250, 0), [(10, 40)] * 10, 6),  # HCA: 250 already + 6 x 10 = 310
    ((70, 70), (0, 300), [(10, 40)] * 3, 0),  # clinicians already full
    ((0, 0), (0, 0), [(10, 40)] * 50, 50),  # no staff time set: no limit known
    ((70, 70), (0, 0), [(10, 400), (10, 40)], 0),  # in order: the first does not fit, so none go
]


@pytest.mark.parametrize(("weekly", "committed", "candidates", "fits"), WITHIN)
def test_invitations_within_the_staff_time(weekly, committed, candidates, fits):
    from tandem.recall.rules.capacity import Available, invitations_within

    got = invitations_within([(JULY, _plan(h, c)) for h, c in candidates],
                             available=Available(hca=weekly[0], nurse=weekly[1]), committed={JULY: committed})
    assert got == fits
