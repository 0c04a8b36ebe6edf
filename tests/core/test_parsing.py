"""The one parsing layer for numbers, ids, dates and times (tandem.core.parsing): what each reading
accepts, what it refuses and with which message, and that no input ever raises or reads a value out
of range."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.core import parsing
from tandem.core.parsing import (
    MAX_ID,
    digits,
    fold_digits,
    read_date,
    read_decimal,
    read_id,
    read_int,
    read_iso_date,
    read_iso_month,
    read_time,
)

D = dt.date

FOLDED = [
    ("123", "123"),
    ("\uff11\uff12\uff13", "123"),  # full-width
    ("\u0661\u0662\u0663", "123"),  # Arabic-Indic
    ("\u0967\u0968\u0969", "123"),  # Devanagari
    ("\U0001d7cf\U0001d7d0", "12"),  # mathematical bold
    (" 12 ", "12"),
    ("12a", "12a"),  # letters are left for the caller to refuse
]


@pytest.mark.parametrize(("text", "expected"), FOLDED)
def test_digits_of_every_script_are_read_as_ascii_digits(text, expected):
    assert digits(text) == expected


@pytest.mark.parametrize("text", ["1\u00b2", "\u00bd", "\u2468", "\u2075"])
def test_superscripts_fractions_and_circled_numbers_are_refused_not_guessed_at(text):
    assert digits(text) is None


def test_nhs_numbers_fold_superscripts_as_their_own_rule_says():
    # The NHS number rule reads a superscript as its digit and lets the check digit decide.
    assert fold_digits("999000001\u2078") == "9990000018"


IDS = [
    ("1", 1), ("42", 42), (" 42 ", 42), ("\u0663", 3), ("\uff19", 9), (str(MAX_ID), MAX_ID),
    ("", None), ("0", None), ("-1", None), ("+1", None), (str(MAX_ID + 1), None),
    ("99999999999999999999999", None), ("\u00b2", None), ("1e9", None), ("0x10", None), ("1_000", None),
    ("1.0", None), ("9" * 10_000, None), ("x" * 10_000, None), (None, None), (7, None),
]


@pytest.mark.parametrize(("text", "expected"), IDS)
def test_an_id_is_a_database_key_or_nothing(text, expected):
    assert read_id(text) == expected


INTS = [
    ("5", 5, ""), ("120", 120, ""), ("-3", None, "Minutes must be a whole number from 5 to 120"),
    ("", None, ""), ("4", None, "Minutes must be a whole number from 5 to 120"),
    ("121", None, "Minutes must be a whole number from 5 to 120"),
    ("\u0662\u0660", 20, ""), ("2\u00b2", None, "Minutes must be a whole number from 5 to 120"),
    ("1e2", None, "Minutes must be a whole number from 5 to 120"),
    ("20.5", None, "Minutes must be a whole number from 5 to 120"),
    ("9" * 10_000, None, "Minutes must be a whole number from 5 to 120"),
]


@pytest.mark.parametrize(("text", "value", "message"), INTS)
def test_a_whole_number_is_in_its_range_or_refused_with_its_range(text, value, message):
    got = read_int(text, label="Minutes", minimum=5, maximum=120)
    assert (got.value, got.error) == (value, message)


@pytest.mark.parametrize(("text", "expected"), [("0", 0), ("\u0660", 0), ("3", 3), ("-1", None), ("", None),
                                              ("x", None), (str(MAX_ID + 1), None)])
def test_a_version_a_form_sends_back_may_be_nought_for_nothing_saved_yet(text, expected):
    assert parsing.read_version(text) == expected


def test_a_negative_number_is_read_where_the_range_allows_it():
    assert read_int("-3", label="Change", minimum=-10, maximum=10).value == -3


DATES = [
    ("15", "6", "2026", D(2026, 6, 15), "", ""),
    ("\u0661\u0665", "\u0666", "\u0662\u0660\u0662\u0666", D(2026, 6, 15), "", ""),
    ("30", "2", "2026", None, "The date must be a real date, like 15 6 2026", parsing.NOT_REAL),
    ("2147483648", "1", "2026", None, "The date must be a real date, like 15 6 2026", parsing.NOT_REAL),
    ("1", "1", "99999999999999999999999", None, "The date must be a real date in numbers, like 15 6 2026",
     parsing.NOT_NUMBERS),
    ("1", "1", "26", None, "The date: enter the year in full, like 2026", parsing.SHORT_YEAR),
    ("1", "", "2026", None, "The date must include a month", parsing.MISSING),
    ("\u00b2", "1", "2026", None, "The date must be a real date in numbers, like 15 6 2026", parsing.NOT_NUMBERS),
    ("31/02/2026", "", "", None, "The date must include a month and a year", parsing.MISSING),
    ("1", "1", "2020", None, "The date must be on or after 1 January 2025", parsing.TOO_EARLY),
    ("1", "1", "2030", None, "The date must be on or before 31 December 2027", parsing.TOO_LATE),
]


@pytest.mark.parametrize(("day", "month", "year", "value", "message", "problem"), DATES)
def test_a_date_from_three_boxes_is_a_real_date_in_range_or_says_what_is_wrong(day, month, year, value, message,
                                                                                problem):
    got = read_date(day, month, year, label="The date", earliest=D(2025, 1, 1), latest=D(2027, 12, 31))
    assert (got.value, got.error, got.problem) == (value, message, problem)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-06-15", D(2026, 6, 15)), ("2026-02-30", None), ("20260615", None), ("2026-W24-1", None),
    ("31/02/2026", None), ("2026-6-15", None), ("\u0662\u0660\u0662\u0666-06-15", None), ("", None),
    ("9" * 10_000, None), (None, None), ("0000-01-01", None),
])
def test_a_date_in_a_url_is_written_year_month_day(text, expected):
    assert read_iso_date(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-06", D(2026, 6, 1)), ("2026-13", None), ("2026-6", None), ("2026-06-01", None), ("", None),
])
def test_a_month_in_a_url_is_written_year_month(text, expected):
    assert read_iso_month(text) == expected


@pytest.mark.parametrize(("text", "value"), [
    ("9:30", dt.time(9, 30)), ("\u0669:\u0663\u0660", dt.time(9, 30)), ("9:3\u2070", None), ("99999:00", None),
    ("9" * 10_000, None),
])
def test_a_time_is_read_once_for_every_form(text, value):
    assert read_time(text, label="The time").value == value


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=30), st.from_regex(r"[+-]?[0-9]{1,25}", fullmatch=True)))
def test_no_text_makes_a_reading_raise_and_every_value_read_is_in_range(text):
    key = read_id(text)
    assert key is None or 1 <= key <= MAX_ID
    number = read_int(text, label="It", minimum=-50, maximum=50)
    assert (number.value is None) or (-50 <= number.value <= 50 and not number.error)
    assert number.value is not None or number.error or digits(text) == ""
    iso = read_iso_date(text)
    assert iso is None or iso.isoformat() == text.strip()
    read_iso_month(text)
    time = read_time(text, label="It")
    assert time.value is None or not time.error


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12), st.text(max_size=12))
def test_no_date_boxes_make_a_reading_raise_and_every_date_read_is_in_range(day, month, year):
    got = read_date(day, month, year, label="It", earliest=D(2025, 1, 1), latest=D(2027, 12, 31))
    assert (got.value is None) or (D(2025, 1, 1) <= got.value <= D(2027, 12, 31) and not got.error)
    assert bool(got.error) == bool(got.problem)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=MAX_ID))
def test_every_id_survives_being_written_and_read_again(key):
    assert read_id(str(key)) == key


@pytest.mark.parametrize(("text", "expected"), [
    ("58", 58.0), ("7.5", 7.5), (" 2.0 ", 2.0), (".5", 0.5), ("-3", -3.0), ("\uff15\uff18", 58.0),
    ("\u0665\u0668", 58.0), ("1e9", None), ("1_000", None), ("nan", None), ("inf", None), ("-inf", None),
    ("5\u00b2", None), ("2,0", None), ("58 mmol", None), ("", None), ("12345678", None), ("1.23456", None),
    ("9" * 10_000, None),
])
def test_a_measurement_typed_into_a_plan_is_a_plain_decimal_or_nothing(text, expected):
    assert read_decimal(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_no_text_makes_a_decimal_reading_raise_or_give_a_non_finite_number(text):
    value = read_decimal(text)
    assert value is None or (value == value and abs(value) < 10**8)
