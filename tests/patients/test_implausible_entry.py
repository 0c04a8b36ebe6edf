"""Facts that cannot be true are refused when they are entered, with the reason, and nothing is stored:
a blood pressure with the systolic not above the diastolic (also when its halves are entered one at a
time), a result or diagnosis dated before the person was born, a birth or death in the future, a death
before birth."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core.models import AuditEvent
from tandem.patients import actions
from tandem.patients.actions import PatientError
from tandem.patients.models import Observation, Patient

BORN = dt.date(1948, 3, 2)  # the universe's Margaret Okafor


def _register(universe, **fields):
    return actions.register_patient(practice=universe.practice, by=None, nhs_number="9990000034", given_name="Ann",
                                    family_name="Lee", **{"date_of_birth": dt.date(1950, 1, 1), **fields})


def test_a_result_dated_before_birth_is_refused(universe):
    with pytest.raises(PatientError, match=r"before the person was born \(2 March 1948\)"):
        actions.record_observation(patient=universe.patient, by=None, concept="hba1c", value=50,
                                   effective_date=dt.date(1947, 5, 1))
    assert not Observation.objects.exists()


def test_a_result_on_the_day_of_birth_is_accepted(universe):
    actions.record_observation(patient=universe.patient, by=None, concept="weight", value=3.4, effective_date=BORN)
    assert Observation.objects.count() == 1


@pytest.mark.parametrize("record", [
    lambda u, day: actions.record_condition(patient=u.patient, by=None, code="44054006", onset_date=day),
    lambda u, day: actions.record_medication(patient=u.patient, by=None, name="Metformin", start_date=day),
    lambda u, day: actions.record_encounter(patient=u.patient, by=None, date=day),
    lambda u, day: actions.record_hospital_event(patient=u.patient, by=None, kind="emergency", start_date=day),
])
def test_other_entries_dated_before_birth_are_refused(universe, record):
    before = AuditEvent.objects.count()
    with pytest.raises(PatientError, match="before the person was born"):
        record(universe, dt.date(1940, 1, 1))
    assert AuditEvent.objects.count() == before


def test_a_blood_pressure_with_the_numbers_swapped_is_refused_with_both_numbers(universe):
    with pytest.raises(PatientError, match=r"systolic \(top\) reading 80 mmHg is not above the diastolic"):
        actions.record_blood_pressure(patient=universe.patient, by=None, systolic=80, diastolic=120,
                                      effective_date=dt.date(2026, 6, 1))
    assert not Observation.objects.exists()


def test_a_systolic_entered_on_its_own_is_checked_against_that_days_diastolic(universe):
    day = dt.date(2026, 6, 1)
    actions.record_observation(patient=universe.patient, by=None, concept="diastolic_bp", value=95, effective_date=day)
    with pytest.raises(PatientError, match="not above the diastolic"):
        actions.record_observation(patient=universe.patient, by=None, concept="systolic_bp", value=90,
                                   effective_date=day)
    actions.record_observation(patient=universe.patient, by=None, concept="systolic_bp", value=90,
                               effective_date=dt.date(2026, 6, 2))  # another day: no pair
    assert Observation.objects.filter(concept="systolic_bp").count() == 1


def test_a_second_blood_pressure_on_the_same_day_is_its_own_pair(universe):
    day = dt.date(2026, 6, 1)
    actions.record_blood_pressure(patient=universe.patient, by=None, systolic=150, diastolic=95, effective_date=day)
    actions.record_blood_pressure(patient=universe.patient, by=None, systolic=92, diastolic=60, effective_date=day)
    assert Observation.objects.filter(concept="systolic_bp").count() == 2


def test_a_diastolic_entered_on_its_own_is_checked_against_that_days_systolic(universe):
    day = dt.date(2026, 6, 1)
    actions.record_observation(patient=universe.patient, by=None, concept="systolic_bp", value=130, effective_date=day)
    with pytest.raises(PatientError, match="not above the diastolic"):
        actions.record_observation(patient=universe.patient, by=None, concept="diastolic_bp", value=135,
                                   effective_date=day)
    assert not Observation.objects.filter(concept="diastolic_bp").exists()


@pytest.mark.parametrize(("fields", "message"), [
    ({"date_of_birth": dt.date(2026, 7, 1)}, "date of birth cannot be in the future"),
    ({"date_of_death": dt.date(2026, 7, 1), "registration_status": "deceased"}, "date of death cannot be in the future"),
    ({"date_of_death": dt.date(1949, 1, 1), "registration_status": "deceased"}, "before they were born"),
])
def test_impossible_dates_of_birth_and_death_are_refused(universe, fields, message):
    with pytest.raises(PatientError, match=message):
        _register(universe, **fields)
    assert not Patient.objects.filter(nhs_number="9990000034").exists()


def test_a_death_in_the_past_is_recorded(universe):
    patient = _register(universe, date_of_death=dt.date(2026, 1, 5), registration_status="deceased")
    assert patient.date_of_death == dt.date(2026, 1, 5)


def test_a_condition_code_with_a_superscript_digit_is_refused_not_stored(universe):
    with pytest.raises(PatientError, match="SNOMED CT concept id"):
        actions.record_condition(patient=universe.patient, by=None, code="4405400\u00b2", onset_date=dt.date(2010, 1, 1))
    assert not universe.patient.conditions.exists()
