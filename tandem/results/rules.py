"""What the results form asks for and how its answers are worked out. Pure: no Django.

- Each step of the person's tests appointment (tandem/recall/protocols.toml) that this form records
  asks for its fields once, however many conditions want it (`fields_for`).
- Blood pressure is taken twice; both readings are kept, and the day's reading is the lowest systolic
  and the lowest diastolic (tandem.terminology.observations.blood_pressure_by_day, as QOF counts it).
- BMI is worked out from the weight and height typed in: kg / (m x m), to one decimal place.
- The diabetic foot check is recorded as each foot's risk (NICE NG19: low, moderate, high, or an active
  foot problem), one SNOMED CT finding per foot; the person's risk is the higher of the two.
- Inhaler technique is recorded as watched ("Inhaler technique observed") with whether it was good or
  needs help.
- PHQ-9 (nine questions) and GAD-7 (seven) are answered 0 to 3 each; the total is what is recorded.
  Both questionnaires were developed by Drs Robert L Spitzer, Janet BW Williams, Kurt Kroenke and
  colleagues with an educational grant from Pfizer Inc.; no permission is required to reproduce,
  translate, display or distribute them (phqscreeners.com). Questions, answers and severity bands as
  published there (PHQ-9: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27
  severe; GAD-7: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe).
"""

from __future__ import annotations

from dataclasses import dataclass

from tandem.terminology import observations

# Steps of the tests appointment -> the fields this form shows for them, in the form's order. Steps not
# listed (a blood sample, pulse, spirometry, alcohol) are not recorded here.
FIELDS_BY_STEP: dict[str, tuple[str, ...]] = {
    "blood_pressure": ("blood_pressure",),
    "weight_bmi": ("weight", "height"),
    "height": ("height",),
    "smoking": ("smoking",),
    "foot_check": ("foot_risk",),
    "inhaler_technique": ("inhaler_technique",),
    "cat_score": ("cat_score",),
    "mrc_dyspnoea": ("mrc_dyspnoea",),
    "phq9": ("phq9", "gad7"),
    "hba1c": ("hba1c",),
    "lipids": ("total_cholesterol", "ldl"),
    "renal_function": ("egfr",),
    "urine_acr": ("urine_acr",),
}
ORDER = ("blood_pressure", "weight", "height", "smoking", "foot_risk", "inhaler_technique", "cat_score", "mrc_dyspnoea", "phq9", "gad7",
         "hba1c", "total_cholesterol", "ldl", "egfr", "urine_acr")
# Fields a step shows but does not need: the form can be saved without them.
OPTIONAL = frozenset({"gad7"})


def fields_for(step_keys) -> tuple[str, ...]:
    """The fields for these steps of the tests appointment, each once, in the form's order."""
    wanted = {f for key in step_keys for f in FIELDS_BY_STEP.get(key, ())}
    return tuple(f for f in ORDER if f in wanted)


# Units a value may be typed in, for the fields that offer a choice (the first is the default).
UNITS: dict[str, tuple[str, ...]] = {"hba1c": ("mmol/mol", "%"), "height": ("cm", "m")}


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body mass index: weight in kilograms over the square of height in metres, to one decimal place."""
    metres = height_cm / 100
    return round(weight_kg / (metres * metres), 1)


# --- Diabetic foot check and inhaler technique --------------------------------------------------

SIDES = ("left", "right")
FOOT_RISK_LEVELS = ("low", "moderate", "high", "active")  # lowest to highest
# The finding recorded for each foot and level: the first of observations.FOOT_RISK_CODES for it.
FOOT_RISK_CODE: dict[tuple[str, str], str] = {}
for _code, _side_level in observations.FOOT_RISK_CODES.items():
    FOOT_RISK_CODE.setdefault(_side_level, _code)
INHALER_TECHNIQUE = tuple(observations.INHALER_TECHNIQUE_LABELS)  # ("good", "needs_help")


def overall_foot_risk(levels) -> str:
    """The person's foot risk: the higher of the feet's levels ('' when none was recorded)."""
    known = [level for level in levels if level in FOOT_RISK_LEVELS]
    return max(known, key=FOOT_RISK_LEVELS.index) if known else ""


def foot_risk_text(sides: dict[str, str]) -> str:
    """'Moderate risk (left foot: low risk, right foot: moderate risk)' from {side: level}."""
    overall = overall_foot_risk(sides.values())
    if not overall:
        return ""
    labels = observations.FOOT_RISK_LABELS
    known = [side for side in SIDES if sides.get(side) in labels]
    if len(known) == 1:
        return f"{labels[overall]} ({known[0]} foot only)"
    return f"{labels[overall]} ({', '.join(f'{side} foot: {labels[sides[side]].lower()}' for side in known)})"


def coded_text(concept: str, values) -> str:
    """A coded result in words, from one day's (value_code, code) pairs, newest first: the foot risk of
    both feet together, or the value's label ("Ex-smoker", "Good technique")."""
    if concept == "foot_risk":
        sides: dict[str, str] = {}
        for level, code in values:
            side = observations.FOOT_RISK_CODES.get(code, ("", ""))[0]
            if side:
                sides.setdefault(side, level)
        overall = overall_foot_risk(level for level, _ in values)
        return foot_risk_text(sides) or observations.FOOT_RISK_LABELS.get(overall, "")
    value_code = next(iter(values))[0]
    return observations.CODED_LABELS.get(concept, {}).get(value_code, value_code)


# --- Questionnaires ----------------------------------------------------------------------------

ANSWERS = ((0, "Not at all"), (1, "Several days"), (2, "More than half the days"), (3, "Nearly every day"))
STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"

PHQ9_QUESTIONS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself - or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite - being so "
    "fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
GAD7_QUESTIONS = (
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
)
QUESTIONS = {"phq9": PHQ9_QUESTIONS, "gad7": GAD7_QUESTIONS}
BANDS = {
    "phq9": ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately severe"), (27, "severe")),
    "gad7": ((4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe")),
}


def questionnaire_total(key: str, answers: list[int]) -> int:
    """The questionnaire's score: the sum of its answers (each 0 to 3)."""
    if len(answers) != len(QUESTIONS[key]) or any(a not in (0, 1, 2, 3) for a in answers):
        raise ValueError(f"{key} needs {len(QUESTIONS[key])} answers from 0 to 3")
    return sum(answers)


def severity(key: str, total: int) -> str:
    """The published severity band of a PHQ-9 or GAD-7 total ("moderately severe")."""
    for upper, band in BANDS[key]:
        if total <= upper:
            return band
    raise ValueError(f"{key} total {total} is out of range")


# --- Blood pressure ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BloodPressure:
    """The day's reading from the readings taken: the lowest systolic and the lowest diastolic."""

    systolic: float
    diastolic: float

    @property
    def text(self) -> str:
        return f"{self.systolic:.0f}/{self.diastolic:.0f} mmHg"


def reading_used(readings: list[tuple[float, float]]) -> BloodPressure:
    """The reading used from one day's readings (systolic, diastolic), by the one rule every reader uses."""
    [(_, systolic, diastolic)] = observations.blood_pressure_by_day(
        [(0, s) for s, _ in readings], [(0, d) for _, d in readings])
    return BloodPressure(systolic, diastolic)
