"""Check-ins as agreed in a care plan: how often, by which channel, which home readings with their
amber and red levels, and whether to ask about mood. Pure: no Django. tandem.checkins carries them out.

The readings' plausible ranges are the ones a person could really type at home; a value outside is
refused as a typing slip, never stored. Blood pressure's 50-300 / 20-200 mmHg are
tandem.terminology.observations' ranges for systolic and diastolic pressure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CADENCES = {
    "monthly": ("Every month", 1, False),
    "every_2_months": ("Every 2 months", 2, False),
    "every_3_months": ("Every 3 months", 3, False),
    "every_6_months": ("Every 6 months", 6, False),
    "once_6_weeks": ("Once, 6 weeks after the conversation", 0, True),
}
CHANNELS = {"text": "A text message with a link", "email": "An email with a link",
            "phone": "A phone call from a named person"}


@dataclass(frozen=True)
class Reading:
    """A home reading a person can be asked for: how it is typed, its plausible range, and whether
    higher (BP, glucose, weight) or lower (peak flow) is the worse direction for amber and red levels.
    `concept` names the tandem.terminology.observations concept whose codes a FHIR export uses."""

    key: str
    words: str  # the question, as the person reads it
    unit: str
    plausible: tuple[float, float]
    worse: str  # "higher" | "lower"
    concept: str = ""
    example: str = ""
    pair: tuple[float, float] | None = None  # blood pressure: the bottom number's plausible range
    short: str = ""  # in a list: "home blood pressure"


READINGS = {
    "home_bp": Reading("home_bp", "Your blood pressure at home (the average of your readings, if you took several)",
                       "mmHg", (50, 300), "higher", "systolic_bp", "135/85", pair=(20, 200), short="home blood pressure"),
    "weight": Reading("weight", "Your weight", "kg", (20, 400), "higher", "weight", "82.5", short="weight"),
    "peak_flow": Reading("peak_flow", "Your best peak flow today", "L/min", (50, 900), "lower", "", "420",
                         short="peak flow"),
    "glucose": Reading("glucose", "Your blood sugar (finger-prick test)", "mmol/L", (1, 40), "higher", "", "7.2",
                       short="blood sugar"),
}


@dataclass(frozen=True)
class Value:
    """A reading's value: one number, or blood pressure's two."""

    first: float
    second: float | None = None

    def text(self) -> str:
        one = f"{self.first:g}"
        return one if self.second is None else f"{one}/{self.second:g}"


_PAIR = re.compile(r"^\s*([0-9]{2,3})\s*(?:/|over|\s)\s*([0-9]{2,3})\s*$", re.IGNORECASE)


def read_value(reading: Reading, text: str) -> tuple[Value | None, str]:
    """A reading as a person or clinician types it ('135/85', '82.5'); digits are expected already
    folded to ASCII by the caller. Returns the value or a message for them."""
    text = (text or "").strip()
    if not text:
        return None, ""
    if len(text) > 20:
        return None, f"Enter the reading as a number, for example {reading.example}"
    if reading.pair:
        match = _PAIR.match(text)
        if not match:
            return None, f"Enter both numbers with a slash between them, for example {reading.example}"
        top, bottom = float(match.group(1)), float(match.group(2))
        if not reading.plausible[0] <= top <= reading.plausible[1] or not reading.pair[0] <= bottom <= reading.pair[1]:
            return None, "Those numbers do not look like a blood pressure. Check them and try again"
        if bottom >= top:
            return None, "The top number should be bigger than the bottom number. Check them and try again"
        return Value(top, bottom), ""
    if not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,2})?", text):
        return None, f"Enter the reading as a number, for example {reading.example}"
    value = float(text)
    if not reading.plausible[0] <= value <= reading.plausible[1]:
        return None, (f"{value:g} {reading.unit} does not look right. Check it: it should be between "
                      f"{reading.plausible[0]:g} and {reading.plausible[1]:g}")
    return Value(value), ""




@dataclass(frozen=True)
class Level:
    value: int
    words: str  # as the person reads it
    loinc: str  # LL6900-6 answer


# Goal Attainment Scaling levels (-2..+2), with the words a person reads and the LOINC answers from
# answer list LL6900-6
# (HL7 PCO IG examples: LA34479-8 much better, LA34480-6 better, LA34481-4 expected,
# LA34483-0 less, LA34484-8 much less than expected).
GAS_LEVELS = (
    Level(2, "Much better than expected", "LA34479-8"),
    Level(1, "Better than expected", "LA34480-6"),
    Level(0, "About as expected", "LA34481-4"),
    Level(-1, "Not as well as expected", "LA34483-0"),
    Level(-2, "Much worse than expected", "LA34484-8"),
)
GAS_BY_VALUE = {lv.value: lv for lv in GAS_LEVELS}
GAS_STAFF_WORDS = {2: "much better than expected (+2)", 1: "better than expected (+1)", 0: "as expected (0)",
                   -1: "less than expected (-1)", -2: "much less than expected (-2)"}

@dataclass(frozen=True)
class ReadingAgreement:
    """A home reading to ask for, with the levels agreed (as typed: "150/95", "7.5"; empty: none)."""

    key: str
    amber: str = ""
    red: str = ""


@dataclass(frozen=True)
class CheckIns:
    every: str = ""  # key of CADENCES; empty: no check-ins
    channel: str = "text"  # key of CHANNELS
    caller_id: int | None = None  # who phones, for phone check-ins
    caller: str = ""  # their name, as the plan shows it
    readings: tuple[ReadingAgreement, ...] = ()
    mood: bool = False  # ask the PHQ-2

    @property
    def agreed(self) -> bool:
        return bool(self.every)


def levels_of(agreement: ReadingAgreement) -> tuple[Value | None, Value | None, list[tuple[str, str]]]:
    """The amber and red levels as values, and problems (field, message) with them."""
    reading = READINGS[agreement.key]
    problems: list[tuple[str, str]] = []
    found: dict[str, Value | None] = {}
    for name in ("amber", "red"):
        value, error = read_value(reading, getattr(agreement, name))
        if error:
            problems.append((name, f"The {name} level: {error[0].lower()}{error[1:]}."))
        found[name] = value
    amber, red = found["amber"], found["red"]
    if amber and red:
        worse_first = red.first <= amber.first if reading.worse == "lower" else red.first >= amber.first
        if not worse_first:
            way = "lower" if reading.worse == "lower" else "higher"
            problems.append(("red", f"The red level must be {way} than the amber level."))
    return amber, red, problems
