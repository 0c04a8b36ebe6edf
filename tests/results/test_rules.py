"""The pure rules of the results form: BMI, questionnaire scores and bands, the reading used."""

from __future__ import annotations

import pytest

from tandem.results import rules
from tandem.terminology import observations


@pytest.mark.parametrize("weight, height, expected", [(88.0, 175.0, 28.7), (64.0, 160.0, 25.0), (50.0, 150.0, 22.2)])
def test_bmi_is_weight_over_height_in_metres_squared(weight, height, expected):
    assert rules.bmi(weight, height) == expected


@pytest.mark.parametrize("key, total, band", [
    ("phq9", 0, "minimal"), ("phq9", 4, "minimal"), ("phq9", 5, "mild"), ("phq9", 10, "moderate"),
    ("phq9", 15, "moderately severe"), ("phq9", 19, "moderately severe"), ("phq9", 20, "severe"), ("phq9", 27, "severe"),
    ("gad7", 4, "minimal"), ("gad7", 9, "mild"), ("gad7", 14, "moderate"), ("gad7", 15, "severe"), ("gad7", 21, "severe"),
])
def test_questionnaire_bands_are_the_published_ones(key, total, band):
    assert rules.severity(key, total) == band


def test_questionnaire_totals_sum_nine_or_seven_answers_of_0_to_3():
    assert rules.questionnaire_total("phq9", [3] * 9) == 27
    assert rules.questionnaire_total("gad7", [1, 2, 3, 0, 1, 2, 3]) == 12
    with pytest.raises(ValueError):
        rules.questionnaire_total("phq9", [1] * 8)
    with pytest.raises(ValueError):
        rules.questionnaire_total("gad7", [4, 0, 0, 0, 0, 0, 0])


def test_the_lowest_systolic_and_the_lowest_diastolic_of_a_day_are_used():
    assert rules.reading_used([(150, 80), (140, 90)]).text == "140/80 mmHg"
    assert rules.reading_used([(138, 82)]).text == "138/82 mmHg"


def test_every_reader_takes_one_reading_a_day_by_the_same_rule():
    from tandem.prepare.rules import pack

    day = __import__("datetime").date(2026, 6, 1)
    systolic = [pack.Reading(day, 150), pack.Reading(day, 140)]
    diastolic = [pack.Reading(day, 80), pack.Reading(day, 90)]
    [reading] = pack.blood_pressure_pairs(systolic, diastolic)
    assert (reading.value, reading.second) == (140, 80)
    assert observations.blood_pressure_by_day([(day, 150), (day, 140)], [(day, 80), (day, 90)]) == [(day, 140, 80)]


def test_each_plan_step_asks_for_its_fields_once():
    assert rules.fields_for(["blood_pressure", "weight_bmi", "height", "blood_pressure", "blood_sample"]) == (
        "blood_pressure", "weight", "height")
    assert rules.fields_for(["phq9"]) == ("phq9", "gad7")


def test_height_is_a_concept_with_confirmed_codes():
    height = observations.BY_KEY["height"]
    assert ("50373000" in height.snomed, height.loinc, height.unit) == (True, ("8302-2",), "cm")
    assert observations.to_canonical(height, 1.72, "m") == 172.0
    assert observations.outside_plausible(height, 20) == "outside the plausible range 50 to 250 cm"


def test_the_new_code_counts_are_pinned():
    """New concepts and codes are added knowingly: height, with three SNOMED CT codes and one LOINC code;
    the diabetic foot risk (ten per-foot findings) and inhaler technique (one code), kept in their own tables."""
    assert len(observations.CONCEPTS) == 18
    assert sum(len(c.snomed) + len(c.loinc) for c in observations.CONCEPTS) == 101
    assert len(observations.FOOT_RISK_CODES) == 10 and observations.INHALER_TECHNIQUE_CODE == "170614009"
    assert len(rules.FIELDS_BY_STEP) == 13


def test_the_foot_and_inhaler_codes_are_snomed_concept_ids():
    """Every code passes the Verhoeff check and is a concept id (partition 00 or 10), not a description id."""
    from tests.terminology.test_codelists import is_snomed_id

    codes = [*observations.FOOT_RISK_CODES, observations.INHALER_TECHNIQUE_CODE]
    assert all(is_snomed_id(code) and code[-3:-1] in ("00", "10") for code in codes), codes
    assert not set(codes) & {code for c in observations.CONCEPTS for code in c.snomed}


def test_each_foot_and_level_has_one_finding_and_the_higher_risk_is_the_persons():
    assert {side for side, _ in rules.FOOT_RISK_CODE} == {"left", "right"} and len(rules.FOOT_RISK_CODE) == 8
    assert rules.FOOT_RISK_CODE[("left", "low")] == "394675000"
    assert rules.FOOT_RISK_CODE[("right", "moderate")] == "394682001"  # not the older "increased risk" finding
    assert rules.FOOT_RISK_CODE[("right", "active")] == "394673007"
    assert rules.overall_foot_risk(["low", "high"]) == "high" and rules.overall_foot_risk(["active", "low"]) == "active"
    assert rules.overall_foot_risk([]) == "" and rules.overall_foot_risk(["unknown"]) == ""
    assert rules.foot_risk_text({"left": "low", "right": "moderate"}) == (
        "Moderate risk (left foot: low risk, right foot: moderate risk)")
    assert rules.foot_risk_text({"right": "high"}) == "High risk (right foot only)"


def test_a_foot_recorded_as_at_increased_risk_reads_as_moderate():
    """The older QOF finding for the middle level, as another system may have recorded it."""
    assert rules.coded_text("foot_risk", [("moderate", "756381000000100"), ("low", "394671009")]) == (
        "Moderate risk (left foot: moderate risk, right foot: low risk)")
    assert rules.coded_text("inhaler_technique", [("needs_help", "170614009")]) == "Needs help with technique"
    assert rules.coded_text("smoking", [("ex", "8517006")]) == "Ex-smoker"
