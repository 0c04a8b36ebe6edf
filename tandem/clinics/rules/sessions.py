"""Clinic sessions: weekly patterns, the days they fall on, slots, and staff time. Pure: no Django.

A pattern is a weekday, a start and end time, a slot length and how often (every week or every other
week) from a first day to an optional last day. Its sessions are made ahead (HORIZON_DAYS) as rows,
so one session can be changed or cancelled on its own and bookings can point at it. A session on a
bank holiday, or on a day its member of staff is on leave, is made cancelled with that reason, so
the practice sees it and can hold it after all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

HORIZON_DAYS = 366  # sessions are made this far ahead of today
SLOT_MINUTES = (5, 120)  # shortest and longest slot
EARLIEST, LATEST = dt.time(7, 0), dt.time(21, 0)  # a session starts and ends within these
EVERY_WEEKS = (1, 2)
MAX_PLACE = 100
MAX_NOTE = 200
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Purpose(StrEnum):
    TESTS = "tests"
    CONVERSATION = "conversation"
    BOTH = "both"


PURPOSE_LABELS = {
    Purpose.TESTS: "Tests appointments",
    Purpose.CONVERSATION: "Care planning conversations",
    Purpose.BOTH: "Tests appointments and conversations",
}


class Cancelled(StrEnum):
    """Why a session is not held ("" when it is)."""

    HELD = ""
    BANK_HOLIDAY = "bank_holiday"
    LEAVE = "leave"
    PRACTICE = "practice"  # cancelled by the practice, for one day


CANCELLED_LABELS = {Cancelled.BANK_HOLIDAY: "Bank holiday", Cancelled.LEAVE: "Staff leave",
                    Cancelled.PRACTICE: "Cancelled"}


def minutes_between(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def time_problems(start: dt.time, end: dt.time, slot_minutes: int) -> dict[str, str]:
    """Field -> what is wrong with a session's times and slot length (empty when they are fine)."""
    problems: dict[str, str] = {}
    if not SLOT_MINUTES[0] <= slot_minutes <= SLOT_MINUTES[1]:
        problems["slot_minutes"] = f"Slot length must be from {SLOT_MINUTES[0]} to {SLOT_MINUTES[1]} minutes"
    if not EARLIEST <= start <= LATEST:
        problems["start_time"] = "Start time must be between 7am and 9pm"
    if not EARLIEST <= end <= LATEST:
        problems["end_time"] = "End time must be between 7am and 9pm"
    if not problems and end <= start:
        problems["end_time"] = "End time must be after the start time"
    elif not problems and minutes_between(start, end) < slot_minutes:
        problems["end_time"] = f"The session must be long enough for one slot of {slot_minutes} minutes"
    return problems


def slot_starts(start: dt.time, end: dt.time, slot_minutes: int) -> list[dt.time]:
    """The start of each whole slot in the session (a part slot at the end is not offered)."""
    first = start.hour * 60 + start.minute
    count = minutes_between(start, end) // slot_minutes
    return [dt.time(*divmod(first + i * slot_minutes, 60)) for i in range(count)]


def bookable_minutes(start: dt.time, end: dt.time, slot_minutes: int) -> int:
    """Staff time a session gives: its whole slots (a part slot at the end cannot be booked)."""
    return minutes_between(start, end) // slot_minutes * slot_minutes


@dataclass(frozen=True)
class Repeat:
    weekday: int  # 0 = Monday
    every_weeks: int
    first_day: dt.date
    last_day: dt.date | None = None


def first_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def days_of(repeat: Repeat, *, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """The days the pattern falls on from `start` to `end` (both included), in its rhythm: every
    `every_weeks` weeks counted from its first session, whatever `start` is."""
    first = first_on_or_after(repeat.first_day, repeat.weekday)
    stop = min(end, repeat.last_day) if repeat.last_day is not None else end
    step = 7 * repeat.every_weeks
    if start > first:
        first += dt.timedelta(days=-(-(start - first).days // step) * step)
    day = first
    while day <= stop:
        yield day
        day += dt.timedelta(days=step)


def cancelled_because(day: dt.date, *, holidays: dict[dt.date, str],
                      leave: Iterable[tuple[dt.date, dt.date]]) -> Cancelled:
    """Why a session made for `day` starts cancelled: a bank holiday first, then the staff member's
    leave (first and last day, both included)."""
    if day in holidays:
        return Cancelled.BANK_HOLIDAY
    if any(first <= day <= last for first, last in leave):
        return Cancelled.LEAVE
    return Cancelled.HELD


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def coming_monday(today: dt.date) -> dt.date:
    """The Monday of the week staff plan for: this week, or from Saturday the week ahead."""
    return monday_of(today + dt.timedelta(days=2 if today.weekday() >= 5 else 0))
