"""Pure rules about patients: NHS numbers, ages, targets. No Django."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from tandem.core.parsing import fold_digits, is_ascii_digits


class InvalidNHSNumber(ValueError):
    pass


def ascii_digits(text: str) -> str:
    """`text` with every digit written as an ASCII digit 0-9 (tandem.core.parsing.fold_digits, the one
    home for digit folding): full-width '９', superscript '²' and other scripts' '٩' are read as the
    digits they are; fractions and other number signs are left for the caller to refuse."""
    return fold_digits(text)


def without_separators(text: str) -> str:
    """`text` without the spaces, hyphens and dashes people put between groups of digits."""
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch) == "Pd"))


def nhs_check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit for the first nine ASCII digits; None if no valid check digit exists."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(raw: str) -> str:
    """Return the 10-digit ASCII form of an NHS number, or raise InvalidNHSNumber saying why.

    The one reader of NHS numbers: forms, search, FHIR import, care plan import and commands all
    use it. Digits written in other forms or scripts are read as the digits they are (see
    ascii_digits), so '９９９ ０００ ００１８' is the same person as '999 000 0018'.
    """
    if raw is None:
        raise InvalidNHSNumber("An NHS number is required.")
    text = ascii_digits(str(raw))
    digits = without_separators(text)
    if not digits:
        raise InvalidNHSNumber("An NHS number is required.")
    if not is_ascii_digits(digits):
        raise InvalidNHSNumber("An NHS number must contain only digits (spaces are allowed). "
                               "Check it for letters or other characters.")
    # Said when digits written in another form were read: what was read may not be what was meant.
    read_as = "" if not any(not ch.isascii() and ch.isnumeric() for ch in str(raw)) else (
        f" Some digits were written in another form (such as \u00b2 or \uff19) and were read as "
        f"{format_nhs_number(digits)}.")
    if len(digits) != 10:
        raise InvalidNHSNumber(f"An NHS number has 10 digits; this one has {len(digits)}.{read_as}")
    expected = nhs_check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        raise InvalidNHSNumber(
            "This is not a valid NHS number: the check digit does not match. Check it has been typed correctly."
            + read_as
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


def blood_pressure_problem(systolic: float, diastolic: float) -> str:
    """Why a blood pressure reading cannot be right ('' if it can). The systolic (top) number is the
    pressure as the heart beats and is always above the diastolic (bottom) one, so a systolic at or
    below the diastolic is a typing error or the two numbers swapped. Used on entry and on import."""
    if systolic > diastolic:
        return ""
    return (f"The systolic (top) reading {systolic:g} mmHg is not above the diastolic (bottom) reading "
            f"{diastolic:g} mmHg. Check the two were not swapped.")


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


# --- Which target applies ---------------------------------------------------------------------
#
# One rule, `applicable_target`, decides which target a person's result is compared with, for every
# screen and document (the staff summary, the conversation workspace, the results pack, the written
# plan). Nothing else decides it: callers pass in the same inputs (`TargetInputs`) and print the answer.
#
# Guideline defaults: NHS England, Quality and Outcomes Framework (QOF) guidance for 2024/25, as
# the indicators define them:
#   DM020  people with diabetes *without* moderate or severe frailty: last IFCC-HbA1c <= 58 mmol/mol
#   DM021  people with diabetes *with* moderate or severe frailty: last IFCC-HbA1c <= 75 mmol/mol
#          (the NICE indicators IND179 and IND180 that replaced DM009 in April 2019; "frailty" is the
#          electronic Frailty Index category, moderate or severe). Not DM006 (an ACE inhibitor or ARB
#          for people with diabetes and proteinuria) nor DM012 (the foot check), which earlier versions
#          of this file named by mistake.
#   HYP008 hypertension, aged 79 or under: last clinic blood pressure <= 140/90 mmHg
#   HYP009 hypertension, aged 80 or over: last clinic blood pressure <= 150/90 mmHg
#          (the same thresholds as NICE NG136's clinic targets for adults with hypertension)
#   CHOL004 CHD, stroke/TIA or PAD, on lipid-lowering therapy: last LDL <= 2.0 mmol/L (or non-HDL
#          <= 2.6 mmol/L), after NICE NG238 and the NHS England lipid management pathway.
# A person's own agreed target (a care plan's targets, kept as personal targets) always overrides
# the default, and applies whatever their registers.
QOF = "QOF 2024/25"
SOURCES = {
    "hba1c": f"{QOF} DM020",
    "hba1c_frail": f"{QOF} DM021",
    "blood_pressure": f"{QOF} HYP008",
    "blood_pressure_80": f"{QOF} HYP009",
    "ldl": f"{QOF} CHOL004; NICE NG238",
}
HBA1C = 58.0
HBA1C_FRAIL = 75.0
BP_UNDER_80 = (140.0, 90.0)
BP_FROM_80 = (150.0, 90.0)
BP_OLDER_AGE = 80
LDL = 2.0

# The electronic Frailty Index categories that QOF's DM021 counts as "moderate or severe frailty".
MODERATE_OR_SEVERE = frozenset({"moderate", "severe"})

# Which people a default target is meant for (None: everyone). A target shown to someone it was
# never set for (an HbA1c target for a person without diabetes) would mislead. DM020/DM021 apply to
# the diabetes register; CHOL004 to the CHD, stroke/TIA and PAD registers (Tandem keeps no PAD
# register yet); the blood pressure thresholds of HYP008/HYP009 are also NICE NG136's clinic
# treatment targets for adults generally, so they apply to everyone.
TARGET_REGISTERS: dict[str, frozenset[str] | None] = {
    "hba1c": frozenset({"diabetes_type1", "diabetes_type2"}),
    "blood_pressure": None,
    "systolic_bp": None,
    "diastolic_bp": None,
    "ldl": frozenset({"coronary_heart_disease", "stroke_tia"}),
}


def frail_for_targets(frailty: str | None) -> bool:
    """Whether an electronic Frailty Index category counts as moderate or severe frailty (DM021)."""
    return (frailty or "") in MODERATE_OR_SEVERE


@dataclass(frozen=True)
class TargetInputs:
    """Everything that decides which target applies to one person on one day.

    `registers`: the register slugs the person is on that day; `frail`: moderate or severe frailty
    by the electronic Frailty Index; `personal`: their own agreed targets, by concept."""

    age: int
    registers: frozenset[str] = frozenset()
    frail: bool = False
    personal: tuple[tuple[str, Target], ...] = ()

    @classmethod
    def of(cls, *, age: int, registers=(), frail: bool = False,
           personal: dict[str, Target] | None = None) -> TargetInputs:
        return cls(age=age, registers=frozenset(registers), frail=frail,
                   personal=tuple(sorted((personal or {}).items())))

    @property
    def personal_targets(self) -> dict[str, Target]:
        return dict(self.personal)


def _default(concept: str, *, age: int, frail: bool) -> Target | None:
    if concept == "hba1c":
        if frail:
            return Target("hba1c", HBA1C_FRAIL, source=SOURCES["hba1c_frail"])
        return Target("hba1c", HBA1C, source=SOURCES["hba1c"])
    if concept in ("systolic_bp", "diastolic_bp"):
        older = age >= BP_OLDER_AGE
        systolic, diastolic = BP_FROM_80 if older else BP_UNDER_80
        source = SOURCES["blood_pressure_80" if older else "blood_pressure"]
        return Target(concept, systolic if concept == "systolic_bp" else diastolic, source=source)
    if concept == "ldl":
        return Target("ldl", LDL, source=SOURCES["ldl"])
    return None


def applicable_target(concept: str, inputs: TargetInputs) -> Target | None:
    """The target that applies to this person's `concept` result, or None when none does: their own
    agreed target if they have one, else the guideline default if it is meant for them (by their
    registers), chosen by their age (blood pressure) and frailty (HbA1c)."""
    personal = inputs.personal_targets
    if concept in personal:
        return personal[concept]
    meant_for = TARGET_REGISTERS.get(concept, frozenset())
    if meant_for is not None and not (meant_for & inputs.registers):
        return None
    return _default(concept, age=inputs.age, frail=inputs.frail)
