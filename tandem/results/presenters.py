"""The results page's values, decided: field labels, last results, the reading used against its target,
and what was saved. Uses only what the queries loaded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.patients.rules import Target
from tandem.terminology import observations

from . import rules

LABELS = {
    "weight": "Weight (kg)", "height": "Height (cm, or choose metres)", "cat_score": "COPD Assessment Test score (0 to 40)",
    "hba1c": "HbA1c", "total_cholesterol": "Total cholesterol (mmol/L)", "ldl": "LDL cholesterol (mmol/L)",
    "egfr": "eGFR (mL/min/1.73m2)", "urine_acr": "Urine albumin:creatinine ratio (mg/mmol)",
}
FOOT_RISKS = (
    ("low", "Low risk"),
    ("moderate", "Moderate risk"),
    ("high", "High risk"),
    ("active", "Active foot problem (ulcerated)"),
    ("", "Not examined (for example, after an amputation)"),
)
INHALER_TECHNIQUES = (("good", "Good: uses each inhaler correctly"), ("needs_help", "Needs help with their technique"))
MRC_GRADES = (
    (1, "Grade 1: breathless only with strenuous exercise"),
    (2, "Grade 2: short of breath when hurrying on the level or walking up a slight hill"),
    (3, "Grade 3: walks slower than most people of the same age, or stops for breath when walking at own pace"),
    (4, "Grade 4: stops for breath after walking about 100 metres or after a few minutes on the level"),
    (5, "Grade 5: too breathless to leave the house, or breathless when dressing"),
)


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def against_target(used: rules.BloodPressure, targets: dict[str, Target]) -> str:
    """'Reading used: 138/82 mmHg, within the target of 140/90 mmHg or lower (QOF 2024/25 HYP008).'"""
    systolic, diastolic = targets.get("systolic_bp"), targets.get("diastolic_bp")
    text = f"Reading used: {used.text} (the lowest top and the lowest bottom number of the readings taken)."
    if systolic is None or diastolic is None or systolic.upper is None or diastolic.upper is None:
        return text
    met = systolic.met_by(used.systolic) and diastolic.met_by(used.diastolic)
    whose = "the target agreed with them" if systolic.personal else f"the target ({systolic.source})"
    limit = f"{systolic.upper:g}/{diastolic.upper:g} mmHg or lower"
    return f"{text} {'Within' if met else 'Above'} {whose}: {limit}."


@dataclass(frozen=True)
class SavedRow:
    name: str
    value: str


def saved_rows(rows) -> list[SavedRow]:
    """What was saved, one line per result, in the order recorded; the feet's risks as one line."""
    out: list[SavedRow] = []
    feet, feet_at = [], None
    for row in rows:
        concept = observations.BY_KEY[row.concept]
        if row.concept == "foot_risk":
            feet.append((row.value_code, row.code))
            feet_at = len(out) if feet_at is None else feet_at
            continue
        if concept.coded:
            value = rules.coded_text(row.concept, [(row.value_code, row.code)])
        else:
            value = f"{row.value:.{concept.decimals}f} {concept.unit}".strip()
            if row.concept in rules.BANDS:
                value += f" ({rules.severity(row.concept, int(row.value))})"
        out.append(SavedRow(concept.name, value))
    if feet_at is not None:
        out.insert(feet_at, SavedRow(observations.BY_KEY["foot_risk"].name, rules.coded_text("foot_risk", feet)))
    return out


def choice_items(name: str, choices, typed) -> list[dict]:
    """Radio items for (value, text) choices, the one typed checked."""
    chosen = typed.get(name, "") if hasattr(typed, "get") else ""
    return [{"value": str(value), "text": text, "checked": chosen == str(value)} for value, text in choices]
