"""Which target applies: one rule for every screen and document, pinned by a spec table.

Each row is one person on one day (age, registers, frailty, their own agreed targets) and the
target their result is compared with. Sources: QOF 2024/25 indicators DM020/DM021 (HbA1c, by
moderate or severe frailty), HYP008/HYP009 (clinic blood pressure, under 80 / 80 and over), CHOL004
(LDL); a person's own agreed target overrides the default.
"""

from __future__ import annotations

import pytest

from tandem.patients.rules import (
    SOURCES,
    Target,
    TargetInputs,
    applicable_target,
    frail_for_targets,
)

DIABETES = ("diabetes_type2",)
OWN_HBA1C = {"hba1c": Target("hba1c", 53.0, personal=True)}
OWN_BP = {"systolic_bp": Target("systolic_bp", 135.0, personal=True),
          "diastolic_bp": Target("diastolic_bp", 85.0, personal=True)}

# concept, age, registers, frail, personal -> (upper, source or "personal"), or None
SPEC = [
    # HbA1c: the diabetes register only; 75 with moderate or severe frailty (DM021), else 58 (DM020)
    ("hba1c", 70, DIABETES, False, None, (58.0, "QOF 2024/25 DM020")),
    ("hba1c", 70, ("diabetes_type1",), False, None, (58.0, "QOF 2024/25 DM020")),
    ("hba1c", 84, DIABETES, True, None, (75.0, "QOF 2024/25 DM021")),
    ("hba1c", 84, ("hypertension",), True, None, None),  # not on the diabetes register: none
    ("hba1c", 60, (), False, None, None),
    ("hba1c", 84, DIABETES, True, OWN_HBA1C, (53.0, "personal")),  # their own target beats frailty
    ("hba1c", 60, (), False, OWN_HBA1C, (53.0, "personal")),  # and applies whatever the registers
    # Clinic blood pressure: everyone; 140/90 at 79, 150/90 from 80 (HYP008 / HYP009)
    ("systolic_bp", 79, ("hypertension",), False, None, (140.0, "QOF 2024/25 HYP008")),
    ("diastolic_bp", 79, ("hypertension",), False, None, (90.0, "QOF 2024/25 HYP008")),
    ("systolic_bp", 80, ("hypertension",), False, None, (150.0, "QOF 2024/25 HYP009")),
    ("diastolic_bp", 80, ("hypertension",), False, None, (90.0, "QOF 2024/25 HYP009")),
    ("systolic_bp", 80, (), True, None, (150.0, "QOF 2024/25 HYP009")),  # frailty does not change it
    ("systolic_bp", 85, ("hypertension",), False, OWN_BP, (135.0, "personal")),
    ("diastolic_bp", 85, ("hypertension",), False, OWN_BP, (85.0, "personal")),
    # LDL: CHD and stroke/TIA registers (CHOL004)
    ("ldl", 66, ("coronary_heart_disease",), False, None, (2.0, "QOF 2024/25 CHOL004; NICE NG238")),
    ("ldl", 66, ("stroke_tia",), True, None, (2.0, "QOF 2024/25 CHOL004; NICE NG238")),
    ("ldl", 66, DIABETES, False, None, None),
    # Measurements with no default target: none unless agreed
    ("egfr", 70, ("ckd_3_5",), False, None, None),
    ("weight", 70, DIABETES, False, {"weight": Target("weight", 80.0, personal=True)}, (80.0, "personal")),
]


@pytest.mark.parametrize(("concept", "age", "registers", "frail", "personal", "expected"), SPEC)
def test_which_target_applies(concept, age, registers, frail, personal, expected):
    inputs = TargetInputs.of(age=age, registers=registers, frail=frail, personal=personal)
    target = applicable_target(concept, inputs)
    if expected is None:
        assert target is None
        return
    upper, source = expected
    assert target is not None and target.upper == upper
    if source == "personal":
        assert target.personal
    else:
        assert target.source == source and not target.personal


@pytest.mark.parametrize(("category", "frail"), [
    ("severe", True), ("moderate", True), ("mild", False), ("fit", False), ("", False), (None, False),
])
def test_only_moderate_or_severe_frailty_relaxes_the_hba1c_target(category, frail):
    assert frail_for_targets(category) is frail


def test_no_target_names_an_indicator_that_is_not_about_that_target():
    # DM006 is an ACE inhibitor or ARB for proteinuria and DM012 the foot check: neither sets a target.
    assert not any(code in source for source in SOURCES.values() for code in ("DM006", "DM012"))
