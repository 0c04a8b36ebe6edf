"""Recording facts about one patient: each write is checked, stored and audited."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core import actions as core_actions
from tandem.core.models import AuditEvent
from tandem.core.rules import Role
from tandem.patients import actions
from tandem.patients.actions import PatientError
from tandem.patients.models import Medication, ReasonableAdjustment

TODAY = dt.date(2026, 6, 15)
TOMORROW = TODAY + dt.timedelta(days=1)


def last_audit() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


def test_condition_is_recorded_with_the_codelist_term_and_audited(universe):
    row = actions.record_condition(patient=universe.patient, by=universe.nurse, code="44054006",
                                   onset_date=dt.date(2010, 5, 1))
    assert row.term == "Diabetes mellitus type 2"
    assert row.practice == universe.practice
    event = last_audit()
    assert (event.action, event.what, event.patient_id, event.user) == (
        "create", "condition", universe.patient.pk, universe.nurse)
    assert event.object_id == str(row.pk)
    assert event.detail == {"code": "44054006"}


def test_a_code_outside_the_codelists_keeps_the_term_given(universe):
    row = actions.record_condition(patient=universe.patient, by=None, code="90560007", term="Gout",
                                   onset_date=dt.date(2016, 2, 2))
    assert row.term == "Gout"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"code": "not-a-code", "onset_date": dt.date(2010, 1, 1)}, "SNOMED CT concept id"),
        ({"code": "44054006", "onset_date": TOMORROW}, "cannot be in the future"),
        ({"code": "44054006", "onset_date": dt.date(2010, 1, 1), "resolved_date": dt.date(2009, 1, 1)},
         "resolved before it started"),
    ],
)
def test_impossible_conditions_are_refused(universe, kwargs, message):
    with pytest.raises(PatientError, match=message):
        actions.record_condition(patient=universe.patient, by=None, **kwargs)
    assert not universe.patient.conditions.exists()


def test_resolving_a_condition_is_audited(universe):
    row = actions.record_condition(patient=universe.patient, by=None, code="195967001", onset_date=dt.date(1990, 1, 1))
    actions.resolve_condition(condition=row, by=universe.nurse, resolved_date=dt.date(2015, 3, 1))
    row.refresh_from_db()
    assert row.resolved_date == dt.date(2015, 3, 1)
    assert (last_audit().action, last_audit().detail) == ("update", {"fields": ["resolved_date"]})


def test_observation_is_stored_in_the_canonical_unit(universe):
    row = actions.record_observation(patient=universe.patient, by=universe.nurse, concept="hba1c", value=7.5,
                                     unit="%", effective_date=dt.date(2026, 1, 10))
    assert row.unit == "mmol/mol"
    assert row.value == pytest.approx(58.5, abs=0.1)  # IFCC = 10.929 x (DCCT - 2.15)
    assert (row.code_system, row.code) == ("loinc", "59261-8")
    assert last_audit().detail == {"concept": "hba1c"}


def test_smoking_status_is_recorded_as_a_code(universe):
    row = actions.record_observation(patient=universe.patient, by=None, concept="smoking", value_code="ex",
                                     effective_date=dt.date(2026, 1, 10))
    assert (row.value, row.value_code) == (None, "ex")


def test_mrc_grade_is_recorded_under_its_grade_code(universe):
    row = actions.record_observation(patient=universe.patient, by=None, concept="mrc_dyspnoea", value=3,
                                     effective_date=dt.date(2026, 1, 10))
    assert (row.code_system, row.code, row.value) == ("snomed", "391124000", 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"concept": "cholesterol_ratio", "value": 4}, "not a measurement Tandem knows"),
        ({"concept": "hba1c"}, "needs a value"),
        ({"concept": "hba1c", "value": 580}, "outside the plausible range"),
        ({"concept": "hba1c", "value": 7, "unit": "g/L"}, "not understood"),
        ({"concept": "smoking", "value": 1}, "recorded as a code"),
        ({"concept": "weight", "value": 80, "effective_date": TOMORROW}, "cannot be in the future"),
    ],
)
def test_implausible_observations_are_refused(universe, kwargs, message):
    kwargs.setdefault("effective_date", dt.date(2026, 1, 1))
    with pytest.raises(PatientError, match=message):
        actions.record_observation(patient=universe.patient, by=None, **kwargs)
    assert not universe.patient.observations.exists()


def test_blood_pressure_is_recorded_as_two_readings_on_one_day(universe):
    systolic, diastolic = actions.record_blood_pressure(patient=universe.patient, by=None, systolic=138,
                                                        diastolic=82, effective_date=dt.date(2026, 3, 3))
    assert (systolic.concept, systolic.value, diastolic.concept, diastolic.value) == (
        "systolic_bp", 138, "diastolic_bp", 82)
    assert systolic.effective_date == diastolic.effective_date


def test_blood_pressure_the_wrong_way_round_is_refused_whole(universe):
    with pytest.raises(PatientError, match="diastolic"):
        actions.record_blood_pressure(patient=universe.patient, by=None, systolic=80, diastolic=130,
                                      effective_date=dt.date(2026, 3, 3))
    assert not universe.patient.observations.exists()


def test_half_a_blood_pressure_is_never_stored(universe):
    with pytest.raises(PatientError, match="plausible"):
        actions.record_blood_pressure(patient=universe.patient, by=None, systolic=140, diastolic=10,
                                      effective_date=dt.date(2026, 3, 3))
    assert not universe.patient.observations.exists()  # the systolic half was rolled back


def test_medicines_current_and_stopped(universe):
    current = actions.record_medication(patient=universe.patient, by=universe.nurse, name="Metformin 500mg tablets",
                                        dose="One tablet twice a day", dmd_code="325278007",
                                        start_date=dt.date(2020, 1, 1))
    assert current.status == Medication.Status.ACTIVE
    assert last_audit().detail == {"dmd_code": "325278007"}
    stopped = actions.record_medication(patient=universe.patient, by=None, name="Naproxen 250mg tablets",
                                        is_regular=False, start_date=dt.date(2020, 1, 1),
                                        end_date=dt.date(2026, 1, 1))
    assert stopped.status == Medication.Status.STOPPED
    actions.stop_medication(medication=current, by=universe.nurse, end_date=dt.date(2026, 6, 1))
    current.refresh_from_db()
    assert (current.status, current.end_date) == (Medication.Status.STOPPED, dt.date(2026, 6, 1))
    with pytest.raises(PatientError, match="stop before it started"):
        actions.record_medication(patient=universe.patient, by=None, name="X", start_date=dt.date(2020, 1, 1),
                                  end_date=dt.date(2019, 1, 1))
    with pytest.raises(PatientError, match="needs a name"):
        actions.record_medication(patient=universe.patient, by=None, name="  ", start_date=dt.date(2020, 1, 1))


def test_appointments_ahead_can_be_booked_but_not_attended(universe):
    booked = actions.record_encounter(patient=universe.patient, by=None, date=TOMORROW, status="booked",
                                      clinician_role="nurse", reason="Care planning conversation")
    assert booked.status == "booked"
    assert last_audit().detail == {"status": "booked"}
    with pytest.raises(PatientError, match="future"):
        actions.record_encounter(patient=universe.patient, by=None, date=TOMORROW, status="attended")
    with pytest.raises(ValueError):
        actions.record_encounter(patient=universe.patient, by=None, date=TODAY, clinician_role="surgeon")


def test_hospital_events(universe):
    row = actions.record_hospital_event(patient=universe.patient, by=None, kind="emergency",
                                        start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 2, 5),
                                        reason="Pneumonia")
    assert row.practice == universe.practice
    assert last_audit().detail == {"kind": "emergency"}
    with pytest.raises(PatientError, match="cannot end before"):
        actions.record_hospital_event(patient=universe.patient, by=None, kind="elective",
                                      start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 1, 5))


def test_carers_are_recorded_without_their_names_in_the_audit_log(universe):
    actions.add_related_person(patient=universe.patient, by=universe.nurse, name="Alan Whitfield",
                               relationship="spouse", is_carer=True, is_next_of_kin=True)
    event = last_audit()
    assert event.detail == {"relationship": "spouse", "carer": True}
    assert "Alan" not in str(event.detail)
    with pytest.raises(PatientError, match="name"):
        actions.add_related_person(patient=universe.patient, by=None, name=" ", relationship="friend")


def test_a_reasonable_adjustment_is_set_once_and_can_be_updated_or_removed(universe):
    actions.set_reasonable_adjustment(patient=universe.patient, by=None, kind="interpreter", detail="Polish")
    actions.set_reasonable_adjustment(patient=universe.patient, by=None, kind="interpreter", detail="Romanian")
    assert list(universe.patient.adjustments.values_list("kind", "detail")) == [("interpreter", "Romanian")]
    assert last_audit().action == "update"
    with pytest.raises(PatientError, match="which language"):
        actions.set_reasonable_adjustment(patient=universe.patient, by=None, kind="interpreter")
    actions.remove_reasonable_adjustment(patient=universe.patient, by=None, kind="interpreter")
    assert not ReasonableAdjustment.objects.filter(patient=universe.patient).exists()
    assert (last_audit().action, last_audit().detail) == ("delete", {"kind": "interpreter"})


def test_the_named_clinician_must_work_at_the_patients_practice(universe):
    actions.set_named_clinician(patient=universe.patient, by=None, clinician=universe.nurse)
    assert universe.patient.named_clinician == universe.nurse
    with pytest.raises(PatientError, match="member of staff at the patient's practice"):
        actions.set_named_clinician(patient=universe.patient, by=None, clinician=universe.other_nurse)
    gp = core_actions.add_staff(practice=universe.practice, username="gp", role=Role.GP, by=None)
    actions.set_named_clinician(patient=universe.patient, by=None, clinician=gp)
    universe.patient.refresh_from_db()
    assert universe.patient.named_clinician == gp
