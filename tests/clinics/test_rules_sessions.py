"""Clinic session rules: the days a pattern falls on, slots, and what is wrong with typed times."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.clinics.rules import sessions as rules
from tandem.clinics.rules.sessions import Cancelled, Repeat

D, T = dt.date, dt.time


@pytest.mark.parametrize(("repeat", "start", "end", "expected"), [
    # Tuesdays (weekday 1) every week from Monday 7 December 2026
    (Repeat(1, 1, D(2026, 12, 7)), D(2026, 12, 7), D(2026, 12, 31),
     [D(2026, 12, 8), D(2026, 12, 15), D(2026, 12, 22), D(2026, 12, 29)]),
    # every other Tuesday keeps its rhythm from its first session, whatever day the window starts
    (Repeat(1, 2, D(2026, 12, 8)), D(2026, 12, 16), D(2027, 1, 31),
     [D(2026, 12, 22), D(2027, 1, 5), D(2027, 1, 19)]),
    (Repeat(1, 2, D(2026, 12, 8)), D(2026, 12, 22), D(2026, 12, 22), [D(2026, 12, 22)]),
    (Repeat(1, 2, D(2026, 12, 8)), D(2026, 12, 15), D(2026, 12, 21), []),
    # a last day stops it; a window before the first day gives nothing before it
    (Repeat(4, 1, D(2027, 1, 1), D(2027, 1, 15)), D(2026, 12, 1), D(2027, 12, 31),
     [D(2027, 1, 1), D(2027, 1, 8), D(2027, 1, 15)]),
    # the first day itself need not be the weekday
    (Repeat(0, 1, D(2026, 12, 9)), D(2026, 12, 1), D(2026, 12, 21), [D(2026, 12, 14), D(2026, 12, 21)]),
])
def test_days_of_a_pattern(repeat, start, end, expected):
    assert list(rules.days_of(repeat, start=start, end=end)) == expected


def test_slots_are_whole_slots_and_a_part_slot_is_not_offered():
    assert rules.slot_starts(T(9, 0), T(10, 0), 20) == [T(9, 0), T(9, 20), T(9, 40)]
    assert rules.slot_starts(T(9, 0), T(10, 10), 20) == [T(9, 0), T(9, 20), T(9, 40)]
    assert rules.bookable_minutes(T(9, 0), T(10, 10), 20) == 60
    assert rules.bookable_minutes(T(8, 30), T(12, 30), 15) == 240


@pytest.mark.parametrize(("start", "end", "slot", "field", "words"), [
    (T(9, 0), T(9, 0), 10, "end_time", "after the start"),
    (T(10, 0), T(9, 0), 10, "end_time", "after the start"),
    (T(9, 0), T(9, 10), 15, "end_time", "one slot of 15 minutes"),
    (T(6, 30), T(9, 0), 10, "start_time", "between 7am and 9pm"),
    (T(20, 0), T(22, 0), 10, "end_time", "between 7am and 9pm"),
    (T(9, 0), T(12, 0), 4, "slot_minutes", "from 5 to 120"),
    (T(9, 0), T(12, 0), 121, "slot_minutes", "from 5 to 120"),
])
def test_what_is_wrong_with_times_is_said_for_the_box_it_is_in(start, end, slot, field, words):
    problems = rules.time_problems(start, end, slot)
    assert field in problems and words in problems[field]


def test_good_times_have_no_problems():
    assert rules.time_problems(T(7, 0), T(21, 0), 120) == {}
    assert rules.time_problems(T(9, 0), T(9, 5), 5) == {}


def test_a_bank_holiday_comes_before_leave():
    holidays = {D(2026, 12, 25): "Christmas Day"}
    leave = [(D(2026, 12, 21), D(2027, 1, 1))]
    assert rules.cancelled_because(D(2026, 12, 25), holidays=holidays, leave=leave) == Cancelled.BANK_HOLIDAY
    assert rules.cancelled_because(D(2026, 12, 22), holidays=holidays, leave=leave) == Cancelled.LEAVE
    assert rules.cancelled_because(D(2027, 1, 1), holidays=holidays, leave=leave) == Cancelled.LEAVE  # last day included
    assert rules.cancelled_because(D(2027, 1, 4), holidays=holidays, leave=leave) == Cancelled.HELD
