"""Cohorts: a definition picks registered patients by registers, tier, age and attendance.
`cohort_patient_ids` is what recall uses; it must be a queryset (a subquery when filtered on)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tandem.core import actions as core_actions
from tandem.patients.models import Patient
from tandem.registers import actions, queries
from tandem.registers.rules import cohorts

from .builders import add_patient

TODAY = dt.date(2026, 6, 15)
COPD = ("diagnosis", "13645005", "2018-01-01")
ASTHMA = ("diagnosis", "195967001", "2005-04-01")
T2DM = ("diagnosis", "44054006", "2015-01-01")
CHD = ("diagnosis", "53741008", "2016-01-01")
HT = ("diagnosis", "38341003", "2010-01-01")


def appointments(n: int):
    return [("appointment", TODAY - dt.timedelta(days=5 + 7 * i)) for i in range(n)]


@pytest.fixture
def people(db):
    practice = core_actions.create_practice(ods_code="C00001", name="Cohort Surgery", by=None)
    other = core_actions.create_practice(ods_code="C00002", name="Other", by=None)
    p = type("People", (), {})()
    p.practice = practice
    p.copd_asthma = add_patient(practice, "1950-01-01", [COPD, ASTHMA])
    p.copd = add_patient(practice, "1961-06-15", [COPD])  # 65 today
    p.diabetes_chd = add_patient(practice, "1961-06-16", [T2DM, CHD, ("emergency", "2026-03-01")])  # 64
    p.hypertension_frequent = add_patient(practice, "1990-01-01", [HT, *appointments(12)])
    p.nothing = add_patient(practice, "1950-01-01", [])
    p.left = add_patient(practice, "1950-01-01", [COPD, ASTHMA], status="left")
    p.theirs = add_patient(other, "1950-01-01", [COPD, ASTHMA])
    actions.refresh_practice(practice=practice, by=None)
    actions.refresh_practice(practice=other, by=None)
    return p


def ids(people, definition: dict) -> set[int]:
    cohort = actions.save_cohort(practice=people.practice, by=None, name="Test", definition=definition)
    found = set(queries.cohort_patient_ids(cohort))
    cohort.delete()
    return found


def test_all_of_needs_every_register(people):
    assert ids(people, {"all_of": ["copd", "asthma"]}) == {people.copd_asthma.pk}


def test_any_of_needs_one(people):
    assert ids(people, {"any_of": ["copd", "coronary_heart_disease"]}) == {
        people.copd_asthma.pk, people.copd.pk, people.diabetes_chd.pk}


def test_diabetes_with_heart_disease(people):
    assert ids(people, {"all_of": ["diabetes_type2"], "any_of": ["coronary_heart_disease", "heart_failure"]}) == {
        people.diabetes_chd.pk}


def test_no_register_chosen_means_everyone_with_a_long_term_condition(people):
    assert ids(people, {}) == {people.copd_asthma.pk, people.copd.pk, people.diabetes_chd.pk,
                               people.hypertension_frequent.pk}


def test_age_band_is_inclusive_on_birthdays(people):
    assert ids(people, {"age_min": 65}) == {people.copd_asthma.pk, people.copd.pk}
    assert ids(people, {"age_max": 64}) == {people.diabetes_chd.pk, people.hypertension_frequent.pk}
    assert ids(people, {"age_min": 65, "age_max": 65}) == {people.copd.pk}


def test_tiers_and_frequent_attenders(people):
    assert ids(people, {"tiers": ["disease_management"]}) == {people.diabetes_chd.pk, people.hypertension_frequent.pk}
    assert ids(people, {"frequent_attenders": True}) == {people.hypertension_frequent.pk}


def test_cohort_ids_work_as_a_subquery(people):
    cohort = actions.save_cohort(practice=people.practice, by=None, name="COPD", definition={"any_of": ["copd"]})
    in_cohort = Patient.objects.filter(pk__in=queries.cohort_patient_ids(cohort))
    assert "SELECT" in str(in_cohort.query).split("IN", 1)[1]  # one query, not a list of ids
    assert set(in_cohort.values_list("pk", flat=True)) == {people.copd_asthma.pk, people.copd.pk}


@pytest.mark.parametrize(("definition", "message"), [
    ({"all_of": ["gout"]}, "Registers (all of): gout not known."),
    ({"tiers": ["top"]}, "Tiers: top not known."),
    ({"age_min": 80, "age_max": 70}, "The youngest age must not be more than the oldest age."),
    ({"age_min": "old"}, "Youngest age must be a whole number of years."),
    ({"colour": "blue"}, "Unknown parts: colour."),
])
def test_definitions_that_cannot_be_used_say_why(definition, message):
    with pytest.raises(cohorts.CohortError, match=re.escape(message)):
        cohorts.parse(definition)


def test_cohort_names_are_unique_in_a_practice(people):
    actions.save_cohort(practice=people.practice, by=None, name="COPD", definition={})
    with pytest.raises(actions.CohortNameTaken, match="There is already a cohort called 'COPD'"):
        actions.save_cohort(practice=people.practice, by=None, name="  COPD ", definition={})


def test_description_in_words():
    definition = cohorts.parse({"all_of": ["copd", "asthma"], "tiers": ["case_management", "disease_management"],
                                "age_min": 65, "frequent_attenders": True})
    names = {"copd": "COPD", "asthma": "Asthma"}
    assert cohorts.describe(definition, names) == [
        "On all of: Asthma, COPD", "Tier: Case management or Disease management", "Aged 65 or over",
        "Frequent attenders"]
