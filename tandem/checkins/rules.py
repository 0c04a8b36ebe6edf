"""Check-ins between visits, as rules: when they fall, what they ask, how answers score, which answers
need someone to act, and goal attainment. Pure: no Django.

Sources:
- Goal Attainment Scaling (GAS): levels -2..+2 and their LOINC answers (answer list LL6900-6, as
  used by the HL7 Person-Centered Outcomes IG STU1, build.fhir.org/ig/HL7/pco-ig); the Kiresuk and
  Sherman T-score T = 50 + 10 Σwx / √((1-ρ)Σw² + ρ(Σw)²) with ρ = 0.3 (Kiresuk & Sherman 1968;
  Turner-Stokes, "Goal attainment scaling in rehabilitation: a practical guide", Clin Rehabil 2009).
- PHQ-2 (Kroenke, Spitzer, Williams. Med Care 2003;41(11):1284-92): the first two items of the PHQ-9,
  each 0-3 over the last 2 weeks, score 0-6, 3 or more a positive screen. The PHQ instruments are
  free to reproduce and use without permission (phqscreeners.com). The one LOINC code given is for
  item 1 (44250-9).
- When check-ins open, how long and the reminders: a link valid for 7 days with reminders on days 3
  and 6 is how Accurx schedules questionnaires by text in English general practice
  (support.accurx.com/en/articles/6300559); the practice can change both.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tandem.careplans.rules.agreed_checkins import (  # noqa: F401 (re-exported)
    CADENCES,
    GAS_BY_VALUE,
    GAS_LEVELS,
    GAS_STAFF_WORDS,
    READINGS,
    Level,
    Reading,
    Value,
    read_value,
)

# --- When -----------------------------------------------------------------------------------------

# How often, as agreed with the person: (words, months between, only once?)
OPEN_DAYS = 7
REMINDER_DAYS = (3, 6)
QUIET_BEFORE_REVIEW_DAYS = 28  # no check-in in the four weeks before the review: the review recall covers them
MAX_OPEN_DAYS = 28


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has no such day: 31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def schedule(cadence: str, *, start: dt.date, review: dt.date | None, limit: int = 24) -> list[dt.date]:
    """The days check-ins fall on, from the day the plan was agreed (`start`) up to the review: none
    on or after four weeks before it (without a review date, a year of them). One at 6 weeks is
    kept even when the review is sooner, as long as it falls before the review."""
    if cadence not in CADENCES:
        return []
    _, months, once = CADENCES[cadence]
    end = (review - dt.timedelta(days=QUIET_BEFORE_REVIEW_DAYS)) if review else add_months(start, 12)
    if once:
        day = start + dt.timedelta(weeks=6)
        return [day] if review is None or day < review else []
    days = []
    n = 1
    while len(days) < limit:
        day = add_months(start, months * n)
        if day >= end if review else day > end:
            break
        days.append(day)
        n += 1
    return days


def reminder_due(opened_on: dt.date, today: dt.date, sent: int, reminder_days: Sequence[int] = REMINDER_DAYS) -> bool:
    """Whether the next reminder (after `sent` of them) is due today or earlier, for a check-in opened
    on `opened_on` (day 1). Day 3 is two days after it opened."""
    if sent >= len(reminder_days):
        return False
    return today >= opened_on + dt.timedelta(days=reminder_days[sent] - 1)


def closes_on(opened_on: dt.date, open_days: int = OPEN_DAYS) -> dt.date:
    """The last day a check-in can be answered (day `open_days`, counting the day it opened as day 1)."""
    return opened_on + dt.timedelta(days=open_days - 1)


def read_reminder_days(text: str, *, open_days: int) -> tuple[tuple[int, ...] | None, str]:
    """'3, 6' -> (3, 6): whole days within the open days, after day 1, no repeats, at most 3."""
    parts = [p for p in re.split(r"[\s,]+", text.strip()) if p]
    if not parts:
        return (), ""
    if len(parts) > 3 or not all(p.isascii() and p.isdigit() and len(p) <= 2 for p in parts):
        return None, "Enter up to 3 days as whole numbers, for example 3, 6"
    days = tuple(sorted({int(p) for p in parts}))
    if days[0] < 2 or days[-1] > open_days:
        return None, f"Reminders must fall from day 2 to day {open_days} (the last day it is open)"
    return days, ""


# --- What to ask ----------------------------------------------------------------------------------

GAS_SYSTEM = "http://loinc.org"

PHQ2_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?"
PHQ2_ITEMS = (("phq2-1", "Little interest or pleasure in doing things", "44250-9"),
              ("phq2-2", "Feeling down, depressed, or hopeless", ""))
PHQ2_ANSWERS = ((0, "Not at all"), (1, "Several days"), (2, "More than half the days"), (3, "Nearly every day"))
PHQ2_FLAG_AT = 3  # a positive screen (Kroenke 2003); the trigger


def crosses(reading: Reading, value: Value, level: Value | None) -> bool:
    """Whether `value` is at or beyond an agreed level (blood pressure: either number)."""
    if level is None:
        return False
    if reading.worse == "lower":
        return value.first <= level.first
    if value.first >= level.first:
        return True
    return value.second is not None and level.second is not None and value.second >= level.second



# --- Answers that need someone to act -----------------------------------------------------------

RED, AMBER = "red", "amber"


@dataclass(frozen=True)
class Flag:
    code: str  # "reading:home_bp", "phq2", "not_coping", "goal:<id>"
    level: str  # red | amber
    words: str  # for the clinician

    @property
    def urgent(self) -> bool:
        return self.level == RED


@dataclass(frozen=True)
class AgreedReading:
    key: str
    amber: Value | None = None
    red: Value | None = None


@dataclass(frozen=True)
class Answers:
    goal_levels: Mapping[str, int] = field(default_factory=dict)  # goal id -> GAS level
    confidence: int | None = None
    readings: Mapping[str, Value] = field(default_factory=dict)
    phq2: tuple[int | None, int | None] = (None, None)
    not_coping: bool = False
    talk_about: str = ""

    @property
    def phq2_score(self) -> int | None:
        a, b = self.phq2
        return None if a is None or b is None else a + b


def flags(answers: Answers, *, agreed: Iterable[AgreedReading], watched_goals: Mapping[str, str]) -> list[Flag]:
    """What in the answers crosses the plan's triggers, most urgent first. `watched_goals`: goal id ->
    the goal's words, for the goals the clinician marked to watch (a flag when the person says it
    is going much worse than expected)."""
    out: list[Flag] = []
    for agreement in agreed:
        reading = READINGS.get(agreement.key)
        value = answers.readings.get(agreement.key)
        if reading is None or value is None:
            continue
        for level, limit in ((RED, agreement.red), (AMBER, agreement.amber)):
            if crosses(reading, value, limit):
                side = "at or below" if reading.worse == "lower" else "at or above"
                out.append(Flag(f"reading:{reading.key}", level,
                                f"{reading.words.split(' (')[0]}: {value.text()} {reading.unit}, {side} the agreed "
                                f"{level} level of {limit.text()}"))
                break
    score = answers.phq2_score
    if score is not None and score >= PHQ2_FLAG_AT:
        out.append(Flag("phq2", AMBER, f"Mood (PHQ-2) scored {score} out of 6: {PHQ2_FLAG_AT} or more is a positive screen"))
    if answers.not_coping:
        out.append(Flag("not_coping", AMBER, "They said they are not coping"))
    for goal_id, words in watched_goals.items():
        if answers.goal_levels.get(goal_id) == -2:
            out.append(Flag(f"goal:{goal_id}", AMBER, f"Goal going much worse than expected: {words[:120]}"))
    return sorted(out, key=lambda f: f.level != RED)


# --- Goal attainment --------------------------------------------------------------------------------

RHO = 0.3


def t_score(rated: Iterable[tuple[int, float]]) -> float | None:
    """The Kiresuk-Sherman GAS T-score over goals rated (level x from -2 to +2, weight w > 0):
    T = 50 + 10 Σwx / √((1-ρ)Σw² + ρ(Σw)²), ρ = 0.3. None with no goal rated."""
    pairs = [(x, w) for x, w in rated if w > 0]
    if not pairs:
        return None
    sum_wx = sum(w * x for x, w in pairs)
    sum_w2 = sum(w * w for _, w in pairs)
    sum_w = sum(w for _, w in pairs)
    return 50 + 10 * sum_wx / math.sqrt((1 - RHO) * sum_w2 + RHO * sum_w * sum_w)


def weight(importance: int | None) -> float:
    """A goal's weight: its importance to the person (1-10), or 1 when none was recorded."""
    return float(importance) if importance else 1.0


def t_score_words(score: float | None) -> str:
    """The T-score as staff read it: 50 means every goal went as expected; above is better, below worse."""
    if score is None:
        return "Not yet rated"
    if round(score, 1) == 50:
        return "50.0: every goal as expected"
    return f"{score:.1f}: {'better' if score > 50 else 'less well'} than expected overall (50 is as expected)"
