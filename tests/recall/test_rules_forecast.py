"""The weeks ahead, spec tables: a month's minutes spread evenly over its days, each week (Monday to
Sunday) adding up its days, from each month it touches."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tandem.recall.rules import capacity as rules
from tandem.recall.rules.capacity import Available

D = dt.date

SPREAD = [
    # (why, minutes due by month, Monday, minutes that week)
    ("a week inside a 30-day month", {D(2026, 6, 1): 300}, D(2026, 6, 15), 70),
    ("a week across a month boundary: 2 days of June, 5 of July",
     {D(2026, 6, 1): 300, D(2026, 7, 1): 310}, D(2026, 6, 29), 20 + 50),
    ("only the month given counts: July's 5 days", {D(2026, 7, 1): 310}, D(2026, 6, 29), 50),
    ("February of 28 days", {D(2027, 2, 1): 280}, D(2027, 2, 22), 70),
    ("February of 28 days, fewer minutes: 7 x 10/28 is 2.5, rounded up", {D(2027, 2, 1): 10}, D(2027, 2, 1), 3),
    ("leap February: 28 and 29 February, then 1 to 5 March",
     {D(2028, 2, 1): 290, D(2028, 3, 1): 310}, D(2028, 2, 28), 20 + 50),
    ("a month of 31 days", {D(2026, 8, 1): 310}, D(2026, 8, 10), 70),
    ("a month of 31 days, not a whole number: 7 x 100/31 is 22.6, rounded up", {D(2026, 8, 1): 100},
     D(2026, 8, 10), 23),
    ("a month of 31 days, its last Monday: 31 August, then 6 days of September",
     {D(2026, 8, 1): 310, D(2026, 9, 1): 300}, D(2026, 8, 31), 10 + 60),
    ("across the new year: 4 days of December, 3 of January",
     {D(2026, 12, 1): 310, D(2027, 1, 1): 310}, D(2026, 12, 28), 40 + 30),
    ("nothing due", {}, D(2026, 6, 15), 0),
]


@pytest.mark.parametrize(("why", "minutes", "monday", "expected"), SPREAD, ids=[row[0] for row in SPREAD])
def test_a_week_gets_its_days_share_of_each_month(why, minutes, monday, expected):
    assert rules.spread_over_weeks(minutes, [monday]) == {monday: expected}


def test_a_month_s_weeks_add_up_to_the_month_when_its_minutes_divide_evenly():
    """June 2026 runs Monday 1 June to Tuesday 30 June: four whole weeks and two days of a fifth."""
    mondays = [D(2026, 6, 1) + dt.timedelta(weeks=i) for i in range(5)]
    weeks = rules.spread_over_weeks({D(2026, 6, 1): 600}, mondays)
    assert weeks == {D(2026, 6, 1): 140, D(2026, 6, 8): 140, D(2026, 6, 15): 140, D(2026, 6, 22): 140,
                     D(2026, 6, 29): 40}
    assert sum(weeks.values()) == 600


@pytest.mark.parametrize(("today", "first"), [
    (D(2026, 6, 15), D(2026, 6, 15)),  # a Monday: this week starts today
    (D(2026, 6, 19), D(2026, 6, 15)),  # a Friday: this week
    (D(2026, 6, 20), D(2026, 6, 22)),  # a Saturday: the week is over for the clinics; the next is planned
    (D(2026, 6, 21), D(2026, 6, 22)),  # a Sunday likewise
    (D(2026, 9, 2), D(2026, 8, 31)),  # this week began last month
])
def test_the_weeks_ahead_start_on_the_monday_of_the_week_staff_plan_for(today, first):
    mondays = rules.forecast_mondays(today)
    assert len(mondays) == 12 and mondays[0] == first
    assert all(b - a == dt.timedelta(weeks=1) and b.weekday() == 0 for a, b in itertools.pairwise(mondays))


@pytest.mark.parametrize(("monday", "label"), [
    (D(2026, 6, 15), "15 to 21 June 2026"),
    (D(2026, 6, 29), "29 June to 5 July 2026"),
    (D(2026, 12, 28), "28 December 2026 to 3 January 2027"),
])
def test_weeks_are_named_by_their_days(monday, label):
    assert rules.week_label(monday) == label


MONDAYS = [D(2026, 6, 15), D(2026, 6, 22)]
NEEDED = {D(2026, 6, 1): (300, 600)}  # 70 HCA and 140 clinician minutes a week


def test_with_sessions_each_week_has_what_was_held_and_a_short_week_says_by_how_much():
    held = {D(2026, 6, 15): Available(hca=180, nurse=100, gp=60), D(2026, 6, 22): Available(hca=30, nurse=100)}
    forecast = rules.weeks_ahead(mondays=MONDAYS, needed=NEEDED, typed=Available(hca=999), sessions=held)
    assert forecast.from_sessions and forecast.limited
    first, second = forecast.weeks
    assert [(line.needed, line.held, line.shortfall) for line in first.lines] == [(70, 180, 0), (140, 160, 0)]
    assert [(line.needed, line.held, line.shortfall) for line in second.lines] == [(70, 30, 40), (140, 100, 40)]
    assert forecast.short_weeks == [second]


def test_a_week_without_sessions_has_none_once_the_practice_keeps_them():
    forecast = rules.weeks_ahead(mondays=MONDAYS, needed=NEEDED, typed=Available(), sessions={})
    assert [line.held for week in forecast.weeks for line in week.lines] == [0, 0, 0, 0]
    assert len(forecast.short_weeks) == 2


def test_without_sessions_every_week_has_the_minutes_typed():
    forecast = rules.weeks_ahead(mondays=MONDAYS, needed=NEEDED, typed=Available(hca=70, nurse=100, pharmacist=20))
    assert not forecast.from_sessions and forecast.limited
    assert [(line.held, line.shortfall) for line in forecast.weeks[0].lines] == [(70, 0), (120, 20)]


def test_with_neither_staff_time_is_not_known_and_no_week_is_short():
    forecast = rules.weeks_ahead(mondays=MONDAYS, needed=NEEDED, typed=Available())
    assert not forecast.limited and not forecast.short_weeks
    assert [line.held for line in forecast.weeks[0].lines] == [None, None]
    assert [line.needed for line in forecast.weeks[0].lines] == [70, 140]
