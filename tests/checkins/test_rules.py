"""The rules of check-ins: GAS T-score spec table, when they fall, what raises a flag."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.careplans.rules.agreed_checkins import READINGS, Value, read_value
from tandem.checkins import rules

D = dt.date


@pytest.mark.parametrize(("rated", "expected"), [
    ([(0, 1)], 50.0),                 # every goal as expected
    ([(0, 1), (0, 5)], 50.0),
    ([(1, 1)], 60.0),                 # one goal at +1
    ([(1, 1), (1, 1)], 62.40),        # two equally weighted goals at +1
    ([(-2, 1)], 30.0),
])
def test_gas_t_score_spec_table(rated, expected):
    assert round(rules.t_score(rated), 2) == expected


def test_gas_t_score_without_ratings_is_not_made_up():
    assert rules.t_score([]) is None
    assert rules.t_score_words(None) == "Not yet rated"


def test_gas_levels_carry_the_loinc_answers():
    assert [lv.loinc for lv in rules.GAS_LEVELS] == ["LA34479-8", "LA34480-6", "LA34481-4", "LA34483-0", "LA34484-8"]


def test_monthly_check_ins_stop_four_weeks_before_the_review():
    days = rules.schedule("monthly", start=D(2026, 6, 15), review=D(2027, 6, 1))
    assert days[0] == D(2026, 7, 15) and days[-1] == D(2027, 4, 15) and len(days) == 10


def test_month_ends_and_once_at_six_weeks():
    assert rules.schedule("monthly", start=D(2026, 1, 31), review=None)[:2] == [D(2026, 2, 28), D(2026, 3, 31)]
    assert rules.schedule("once_6_weeks", start=D(2026, 6, 15), review=None) == [D(2026, 7, 27)]
    assert rules.schedule("once_6_weeks", start=D(2026, 6, 15), review=D(2026, 7, 1)) == []
    assert rules.schedule("every_3_months", start=D(2026, 6, 15), review=None) == [
        D(2026, 9, 15), D(2026, 12, 15), D(2027, 3, 15), D(2027, 6, 15)]


def test_reminders_fall_on_days_three_and_six_and_it_closes_on_day_seven():
    opened = D(2026, 7, 1)
    assert not rules.reminder_due(opened, D(2026, 7, 2), 0)
    assert rules.reminder_due(opened, D(2026, 7, 3), 0)
    assert not rules.reminder_due(opened, D(2026, 7, 5), 1)
    assert rules.reminder_due(opened, D(2026, 7, 6), 1)
    assert not rules.reminder_due(opened, D(2026, 7, 7), 2)
    assert rules.closes_on(opened) == D(2026, 7, 7)


@pytest.mark.parametrize(("typed", "problem"), [("3, 6", ""), ("", ""), ("1", "day 2"), ("3, 9", "day 2 to day 7"),
                                                ("a", "whole numbers"), ("2,3,4,5", "up to 3")])
def test_reminder_days_are_read_or_refused(typed, problem):
    days, error = rules.read_reminder_days(typed, open_days=7)
    assert (problem in error) if problem else (error == "" and days is not None)


def _bp(text):
    return read_value(READINGS["home_bp"], text)[0]


def test_home_bp_at_or_above_a_level_raises_a_flag_red_first():
    agreed = [rules.AgreedReading("home_bp", amber=_bp("150/95"), red=_bp("180/110"))]
    found = rules.flags(rules.Answers(readings={"home_bp": _bp("182/96")}), agreed=agreed, watched_goals={})
    assert [(f.code, f.level) for f in found] == [("reading:home_bp", "red")]
    found = rules.flags(rules.Answers(readings={"home_bp": _bp("140/96")}), agreed=agreed, watched_goals={})
    assert [(f.code, f.level) for f in found] == [("reading:home_bp", "amber")]  # the bottom number
    assert rules.flags(rules.Answers(readings={"home_bp": _bp("138/84")}), agreed=agreed, watched_goals={}) == []


def test_peak_flow_flags_when_low():
    reading = READINGS["peak_flow"]
    agreed = [rules.AgreedReading("peak_flow", amber=Value(300), red=Value(200))]
    found = rules.flags(rules.Answers(readings={"peak_flow": read_value(reading, "190")[0]}), agreed=agreed,
                        watched_goals={})
    assert found[0].level == "red" and "at or below" in found[0].words


def test_phq2_of_three_not_coping_and_a_watched_goal_each_flag():
    answers = rules.Answers(phq2=(2, 1), not_coping=True, goal_levels={"g": -2, "h": -2})
    codes = [f.code for f in rules.flags(answers, agreed=[], watched_goals={"g": "Walk"})]
    assert codes == ["phq2", "not_coping", "goal:g"]
    assert rules.flags(rules.Answers(phq2=(1, 1)), agreed=[], watched_goals={}) == []


@pytest.mark.parametrize(("typed", "ok"), [("135/85", True), ("135 over 85", True), ("135 85", True),
                                           ("85/135", False), ("1350/85", False), ("abc", False), ("", False)])
def test_blood_pressure_as_typed(typed, ok):
    value, error = read_value(READINGS["home_bp"], typed)
    assert (value is not None) == ok
    assert bool(error) == (not ok and typed != "")
