"""Bank holidays in England and Wales, as GOV.UK publishes them (tandem/clinics/data/bank_holidays.toml)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from tandem.clinics.rules.holidays import bank_holidays

D = dt.date


def test_the_published_bank_holidays_are_pinned_per_year():
    holidays = bank_holidays()
    assert Counter(day.year for day in holidays.days) == {2025: 8, 2026: 8, 2027: 8}
    assert holidays.known_until == D(2027, 12, 31)
    assert "gov.uk/bank-holidays.json" in holidays.source


def test_substitute_days_are_the_weekdays_the_feed_gives():
    holidays = bank_holidays()
    # 26 December 2026 is a Saturday: Boxing Day is on Monday 28 December.
    assert holidays.title(D(2026, 12, 28)).startswith("Boxing Day") and D(2026, 12, 26) not in holidays.days
    # Christmas 2027 falls on a Saturday: both days move to Monday 27 and Tuesday 28 December.
    assert holidays.title(D(2027, 12, 27)).startswith("Christmas Day")
    assert holidays.title(D(2027, 12, 28)).startswith("Boxing Day")
    assert all(day.weekday() < 5 for day in holidays.days)  # every bank holiday is a weekday
    assert holidays.title(D(2027, 3, 26)) == "Good Friday" and holidays.title(D(2027, 3, 29)) == "Easter Monday"


def test_days_past_the_feed_are_known_to_be_unknown():
    holidays = bank_holidays()
    assert not holidays.unknown_after(D(2027, 12, 31))
    assert holidays.unknown_after(D(2028, 1, 1))
