"""Capacity: minutes needed per week for the month's reviews against minutes available."""

from __future__ import annotations

import datetime as dt

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
