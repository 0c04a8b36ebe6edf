"""Reading the results form: every field checked, every problem found, nothing saved here.

Numbers, whole numbers and dates are read by tandem.core.parsing (digits in other scripts folded,
huge or long input refused); values are converted and judged by tandem.terminology.observations, the
same conversions and plausible ranges the FHIR import applies. A field left empty is not recorded;
any field that is wrong means nothing from the form is saved.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from tandem.core.parsing import read_date, read_decimal, read_int
from tandem.patients.rules import blood_pressure_problem
from tandem.terminology import observations

from . import rules

MAX_TEXT = 40  # longest text any one box is read from
TOKEN = re.compile(r"[0-9a-f]{32}")
BP_BOXES = (("bp1_systolic", "bp1_diastolic"), ("bp2_systolic", "bp2_diastolic"))
NUMBERS = ("weight", "height", "hba1c", "total_cholesterol", "ldl", "egfr", "urine_acr")
# The SNOMED CT finding each smoking answer is recorded under (tandem.terminology.observations.SMOKING_VALUES).
SMOKING_CODES = {"current": "77176002", "ex": "8517006", "never": "266919005"}


@dataclass(frozen=True)
class Entry:
    """One row to record: a concept, its value (or coded value) in the unit typed, and its code."""

    concept: str
    value: float | None = None
    unit: str | None = None
    value_code: str = ""
    code_system: str = ""
    code: str = ""


@dataclass
class Submission:
    entries: list[Entry] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field id, message), in the form's order
    taken_on: dt.date | None = None
    token: str = ""
    bp_used: rules.BloodPressure | None = None
    bmi: float | None = None
    scores: dict[str, int] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.append((name, message))

    @property
    def error_for(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, message in self.errors:
            out.setdefault(name, message)
        return out


def _text(data, name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def _measure(sub: Submission, data, name: str, *, concept_key: str | None = None, unit: str | None = None,
             label: str | None = None) -> float | None:
    """A measurement typed in `unit` (the concept's own when None), converted to the concept's unit and
    judged against its plausible range; None when empty or refused (the refusal is in `sub`)."""
    concept = observations.BY_KEY[concept_key or name]
    label = label or concept.name
    raw = _text(data, name)
    if not raw.strip():
        return None
    typed = read_decimal(raw) if len(raw) <= MAX_TEXT else None
    if typed is None:
        sub.error(name, f"{label} must be a number, like {_example(concept)}")
        return None
    unit = unit or concept.unit
    try:
        value = observations.to_canonical(concept, typed, unit)
    except observations.UnknownUnit as exc:
        sub.error(name, str(exc))
        return None
    outside = observations.outside_plausible(concept, value)
    if outside:
        converted = "" if unit == concept.unit else f" ({value:g} {concept.unit})"
        sub.error(name, f"{label} {typed:g} {unit}{converted} is {outside}. Check the value and its unit.")
        return None
    return value


def _example(concept: observations.Concept) -> str:
    low, high = concept.plausible or (0, 100)
    middle = (low + high) / 4
    return f"{middle:.{concept.decimals}f}"


def _unit(data, name: str) -> str:
    choice = _text(data, f"{name}_unit")
    return choice if choice in rules.UNITS.get(name, ()) else rules.UNITS[name][0]


def read(data, *, fields: tuple[str, ...], today: dt.date, born: dt.date,
         known_height: float | None = None) -> Submission:
    """Everything the form sends for these `fields`, checked. `known_height` (cm): the person's last
    recorded height, for a BMI when only the weight is taken today."""
    sub = Submission()
    token = _text(data, "token")
    if not TOKEN.fullmatch(token):
        sub.error("token", "This form has expired. Reload the page and enter the results again.")
    sub.token = token
    when = read_date(*(_text(data, f"taken-{p}")[:MAX_TEXT] for p in ("day", "month", "year")),
                     label="The date the tests were done", earliest=born, latest=today, example=today)
    if when.error:
        sub.error("taken-day", when.error)
    sub.taken_on = when.value or today
    for name in fields:
        _READERS[name](sub, data, known_height=known_height)
    if not sub.entries and not sub.errors:
        sub.error(fields[0] if fields else "taken-day", "Enter at least one result")
    return sub


def _blood_pressure(sub: Submission, data, **_) -> None:
    readings = []
    for n, (top, bottom) in enumerate(BP_BOXES, start=1):
        label = "First" if n == 1 else "Second"
        systolic = _measure(sub, data, top, concept_key="systolic_bp", label=f"{label} systolic (top) reading")
        diastolic = _measure(sub, data, bottom, concept_key="diastolic_bp",
                             label=f"{label} diastolic (bottom) reading")
        typed = [bool(_text(data, top).strip()), bool(_text(data, bottom).strip())]
        if typed == [True, False]:
            sub.error(bottom, f"Enter the {label.lower()} diastolic (bottom) reading as well")
        elif typed == [False, True]:
            sub.error(top, f"Enter the {label.lower()} systolic (top) reading as well")
        if systolic is None or diastolic is None:
            continue
        problem = blood_pressure_problem(systolic, diastolic)
        if problem:
            sub.error(top, f"{label} reading: {problem}")
            continue
        readings.append((systolic, diastolic))
    for systolic, diastolic in readings:
        sub.entries += [Entry("systolic_bp", systolic), Entry("diastolic_bp", diastolic)]
    if readings:
        sub.bp_used = rules.reading_used(readings)


def _weight(sub: Submission, data, *, known_height: float | None, **_) -> None:
    weight = _measure(sub, data, "weight")
    if weight is None:
        return
    sub.entries.append(Entry("weight", weight))
    height = _measure(_Scratch(), data, "height", unit=_unit(data, "height")) or known_height
    if height:
        value = rules.bmi(weight, height)
        outside = observations.outside_plausible(observations.BY_KEY["bmi"], value)
        if outside:
            sub.error("weight", f"The BMI from this weight and height ({value:g} kg/m2) is {outside}. "
                                "Check the weight and the height.")
            return
        sub.bmi = value
        sub.entries.append(Entry("bmi", value))


class _Scratch(Submission):
    """Somewhere to read a field a second time without reporting its problems twice."""


def _height(sub: Submission, data, **_) -> None:
    height = _measure(sub, data, "height", unit=_unit(data, "height"))
    if height is not None:
        sub.entries.append(Entry("height", height))


def _number(name: str):
    def reader(sub: Submission, data, **_) -> None:
        unit = _unit(data, name) if name in rules.UNITS else None
        value = _measure(sub, data, name, unit=unit)
        if value is not None:
            sub.entries.append(Entry(name, value, unit=observations.BY_KEY[name].unit))
    return reader


def _whole(name: str, low: int, high: int):
    def reader(sub: Submission, data, **_) -> None:
        concept = observations.BY_KEY[name]
        got = read_int(_text(data, name)[:MAX_TEXT + 1], label=concept.name, minimum=low, maximum=high)
        if got.error:
            sub.error(name, got.error)
        elif got.value is not None:
            sub.entries.append(Entry(name, float(got.value)))
    return reader


def _smoking(sub: Submission, data, **_) -> None:
    answer = _text(data, "smoking")
    if not answer:
        return
    if answer not in SMOKING_CODES:
        sub.error("smoking", "Select whether the person smokes, used to smoke or has never smoked")
        return
    sub.entries.append(Entry("smoking", value_code=answer, code_system="snomed", code=SMOKING_CODES[answer]))


def _foot_risk(sub: Submission, data, **_) -> None:
    """Each foot's risk, as its SNOMED CT finding; a foot left unanswered (not examined, or amputated)
    is not recorded."""
    for side in rules.SIDES:
        answer = _text(data, f"foot_risk_{side}")
        if not answer:
            continue
        if answer not in rules.FOOT_RISK_LEVELS:
            sub.error(f"foot_risk_{side}", f"Select the {side} foot's risk: low, moderate or high, "
                                           "or an active foot problem")
            continue
        sub.entries.append(Entry("foot_risk", value_code=answer, code_system="snomed",
                                 code=rules.FOOT_RISK_CODE[(side, answer)]))


def _inhaler_technique(sub: Submission, data, **_) -> None:
    answer = _text(data, "inhaler_technique")
    if not answer:
        return
    if answer not in rules.INHALER_TECHNIQUE:
        sub.error("inhaler_technique", "Select whether their inhaler technique was good or needs help")
        return
    sub.entries.append(Entry("inhaler_technique", value_code=answer, code_system="snomed",
                             code=observations.INHALER_TECHNIQUE_CODE))


def _questionnaire(name: str):
    def reader(sub: Submission, data, **_) -> None:
        count = len(rules.QUESTIONS[name])
        concept = observations.BY_KEY[name]
        answers, missing = [], []
        for n in range(1, count + 1):
            raw = _text(data, f"{name}_{n}")
            got = read_int(raw[:MAX_TEXT + 1], label=f"{concept.name} question {n}", minimum=0, maximum=3)
            if got.error:
                sub.error(f"{name}_{n}", got.error)
                return
            if got.value is None:
                missing.append(n)
            else:
                answers.append(got.value)
        if len(missing) == count:
            return
        if missing:
            sub.error(f"{name}_{missing[0]}", f"Answer all {count} {concept.name} questions, or none of them "
                                              f"(question {missing[0]} has no answer)")
            return
        total = rules.questionnaire_total(name, answers)
        sub.scores[name] = total
        sub.entries.append(Entry(name, float(total)))
    return reader


_READERS = {
    "blood_pressure": _blood_pressure,
    "weight": _weight,
    "height": _height,
    "smoking": _smoking,
    "foot_risk": _foot_risk,
    "inhaler_technique": _inhaler_technique,
    "cat_score": _whole("cat_score", 0, 40),
    "mrc_dyspnoea": _whole("mrc_dyspnoea", 1, 5),
    "phq9": _questionnaire("phq9"),
    "gad7": _questionnaire("gad7"),
    **{name: _number(name) for name in ("hba1c", "total_cholesterol", "ldl", "egfr", "urine_acr")},
}
