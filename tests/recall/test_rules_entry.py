"""Dates and times typed into recall forms: one reading for all of them, refusing what is not a real
date or time with a message, never an exception."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.recall.rules.entry import read_date, read_time

D = dt.date
TODAY = D(2026, 6, 15)

# Spec table: day, month, year -> date, or the start of the message
DATES = [
    ("2", "7", "2026", D(2026, 7, 2), ""),
    ("02", "07", "2026", D(2026, 7, 2), ""),
    (" 2 ", "7", "2026", D(2026, 7, 2), ""),
    ("２", "７", "２０２６", D(2026, 7, 2), ""),  # full-width digits, normalised
    ("2²", "7", "2026", None, "The date must be a real date in numbers"),  # never read as 22
    ("2", "7", "2⁰26", None, "The date must be a real date in numbers"),
    ("", "", "", None, ""),  # empty: the caller decides
    ("2", "", "2026", None, "The date must include a month"),
    ("", "", "2026", None, "The date must include a day and a month"),
    ("31", "2", "2026", None, "The date must be a real date"),
    ("0", "7", "2026", None, "The date must be a real date"),
    ("2", "13", "2026", None, "The date must be a real date"),
    ("2", "7", "26", None, "The date: enter the year in full"),
    ("٢", "7", "2026", D(2026, 7, 2), ""),  # Arabic-Indic digit: read as 2, as in NHS numbers and search
    ("-2", "7", "2026", None, "The date must be a real date in numbers"),
    ("2", "7", "99999999999", None, "The date must be a real date in numbers"),
    ("2", "7", "9999", None, "The date must be on or before 15 June 2027"),
    ("2", "7", "1900", None, "The date must be on or after 15 June 2025"),
]


@pytest.mark.parametrize(("day", "month", "year", "value", "message"), DATES)
def test_dates(day, month, year, value, message):
    got = read_date(day, month, year, label="The date", earliest=D(2025, 6, 15), latest=D(2027, 6, 15))
    assert got.value == value
    assert got.error.startswith(message) and bool(got.error) == bool(message)


TIMES = [
    ("9:30", dt.time(9, 30), ""),
    ("09.30", dt.time(9, 30), ""),
    ("14:05", dt.time(14, 5), ""),
    ("2:30pm", dt.time(14, 30), ""),
    ("2 pm", dt.time(14, 0), ""),
    ("12am", dt.time(0, 0), ""),
    ("12:15pm", dt.time(12, 15), ""),
    ("１４:０５", dt.time(14, 5), ""),
    ("", None, ""),
    ("14", None, "The time must include the minutes"),
    ("25:00", None, "The time must be a real time"),
    ("9:60", None, "The time must be a real time"),
    ("13pm", None, "The time must be a real time"),
    ("half nine", None, "The time must be a time"),
    ("٩:٣٠", dt.time(9, 30), ""),  # Arabic-Indic digits: read as 9:30
    ("9:3⁰", None, "The time must be a time"),
]


@pytest.mark.parametrize(("text", "value", "message"), TIMES)
def test_times(text, value, message):
    got = read_time(text, label="The time")
    assert got.value == value
    assert got.error.startswith(message) and bool(got.error) == bool(message)


@given(st.text(max_size=12), st.text(max_size=12), st.text(max_size=12), st.text(max_size=12))
def test_no_typing_raises(day, month, year, time):
    got = read_date(day, month, year, label="The date", earliest=D(2025, 6, 15), latest=D(2027, 6, 15))
    assert (got.value is None) or (D(2025, 6, 15) <= got.value <= D(2027, 6, 15) and not got.error)
    assert read_time(time, label="The time").value is None or not read_time(time, label="The time").error
