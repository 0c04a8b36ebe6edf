"""Pure rules about patients: NHS numbers, ages, targets. No Django."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


class InvalidNHSNumber(ValueError):
    pass


_SEPARATORS = re.compile(r"[\s-]")


def nhs_check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit for the first nine digits; None if no valid check digit exists."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(raw: str) -> str:
    """Return the 10-digit form of an NHS number, or raise InvalidNHSNumber saying why."""
    if raw is None:
        raise InvalidNHSNumber("An NHS number is required.")
    digits = _SEPARATORS.sub("", str(raw))
    if not digits:
        raise InvalidNHSNumber("An NHS number is required.")
    if not digits.isdigit():
        raise InvalidNHSNumber("An NHS number must contain only digits (spaces are allowed).")
    if len(digits) != 10:
        raise InvalidNHSNumber(f"An NHS number has 10 digits; this one has {len(digits)}.")
    expected = nhs_check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        raise InvalidNHSNumber(
            "This is not a valid NHS number: the check digit does not match. Check it has been typed correctly."
        )
    return digits


def is_valid_nhs_number(raw: str) -> bool:
    try:
        normalise_nhs_number(raw)
    except InvalidNHSNumber:
        return False
    return True


def format_nhs_number(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


@dataclass(frozen=True)
class Target:
    """A target for one measurement: in target when value <= upper (and >= lower if set)."""

    concept: str
    upper: float | None
    lower: float | None = None
    source: str = ""
    personal: bool = False  # agreed with the person as their own (overrides the default)

    def met_by(self, value: float) -> bool:
        if self.upper is not None and value > self.upper:
            return False
        return not (self.lower is not None and value < self.lower)

    def describe(self, unit: str) -> str:
        if self.upper is not None and self.lower is not None:
            return f"{self.lower:g} to {self.upper:g} {unit}".strip()
        if self.upper is not None:
            return f"{self.upper:g} {unit} or lower".strip()
        return f"{self.lower:g} {unit} or higher".strip()


# Guideline defaults. A person's own agreed target overrides these (care plans).
# QOF 2024/25 (NHS England, Quality and Outcomes Framework guidance 2024/25):
#   DM006/DM012 HbA1c <= 58 mmol/mol (<= 75 mmol/mol where moderate or severe frailty);
#   HYP008/HYP009 BP <= 140/90 under 80 years, <= 150/90 from 80 years (clinic readings);
#   CHOL004 LDL <= 2.0 mmol/L (or non-HDL <= 2.6) on lipid-lowering therapy
#   (NICE NG238 / NHS England lipid management pathway).
QOF = "QOF 2024/25"


def default_target(concept: str, *, age: int, frail: bool = False) -> Target | None:
    if concept == "hba1c":
        return Target("hba1c", 75.0 if frail else 58.0, source=f"{QOF} DM006/DM012")
    if concept == "systolic_bp":
        return Target("systolic_bp", 150.0 if age >= 80 else 140.0, source=f"{QOF} HYP008/HYP009")
    if concept == "diastolic_bp":
        return Target("diastolic_bp", 90.0, source=f"{QOF} HYP008/HYP009")
    if concept == "ldl":
        return Target("ldl", 2.0, source=f"{QOF} CHOL004; NICE NG238")
    return None


# Which people a default target is meant for (None: everyone). A target shown to someone it was
# never set for (an HbA1c target for a person without diabetes) would mislead. QOF 2024/25: DM006/
# DM012 apply to the diabetes register; CHOL004 to the CHD, stroke/TIA and PAD registers; the blood
# pressure thresholds of HYP008/HYP009 are also NICE NG136's clinic treatment targets for adults
# generally, so they apply to everyone. A person's own agreed target always applies.
TARGET_REGISTERS: dict[str, frozenset[str] | None] = {
    "hba1c": frozenset({"diabetes_type1", "diabetes_type2"}),
    "blood_pressure": None,
    "systolic_bp": None,
    "diastolic_bp": None,
    "ldl": frozenset({"coronary_heart_disease", "stroke_tia"}),
}


def target_applies(concept: str, ltcs, personal: dict[str, Target] | None = None) -> bool:
    if personal and concept in personal:
        return True
    registers = TARGET_REGISTERS.get(concept, frozenset())
    return registers is None or bool(registers & set(ltcs))


def target_for(concept: str, *, age: int, frail: bool = False, personal: dict[str, Target] | None = None) -> Target | None:
    """The target that applies to this person: their own agreed one if they have one, else the
    guideline default."""
    if personal and concept in personal:
        return personal[concept]
    return default_target(concept, age=age, frail=frail)
