"""What the import refuses and what its report says: NHS numbers however they are written, implausible
facts (a reading dated before birth, a death in the future, systolic below diastolic, a condition that
ends before it starts), every problem of a file in one report, and admissions as the UK Core admission
method says."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tandem.patients.models import Condition, HospitalEvent, Medication, Observation, Patient

from .conftest import NHS, as_file, collection, load

pytestmark = pytest.mark.django_db

SUPERSCRIPT = "999000001\u00b2"
FULL_WIDTH = "\uff19\uff19\uff19\uff10\uff10\uff10\uff10\uff10\uff11\uff18"  # the universe's Margaret Okafor
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ADMISSION_METHOD = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod"
ADMISSION_METHOD_ENGLAND = "https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland"


def patient(number="9990000034", pid="p1", born="1950-01-01", **extra) -> dict:
    return {"resourceType": "Patient", "id": pid, "identifier": [{"system": NHS, "value": number}],
            "name": [{"family": "Lee", "given": ["Ann"]}], "birthDate": born, **extra}


def hba1c(oid="o1", when="2026-01-01", subject="Patient/p1", value=50) -> dict:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "4548-4"}]}, "subject": {"reference": subject},
            "effectiveDateTime": when, "valueQuantity": {"value": value, "unit": "mmol/mol"}}


def blood_pressure(systolic, diastolic, oid="bp1", when="2026-01-01") -> dict:
    def part(code, value):
        return {"code": {"coding": [{"system": LOINC, "code": code}]},
                "valueQuantity": {"value": value, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org",
                                  "code": "mm[Hg]"}}
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "85354-9"}]}, "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": when, "component": [part("8480-6", systolic), part("8462-4", diastolic)]}


def condition(cid="c1", **timing) -> dict:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": SNOMED, "code": "38341003", "display": "Hypertension"}]}, **timing}


def admission(eid="e1", **extra) -> dict:
    return {"resourceType": "Encounter", "id": eid, "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
            "subject": {"reference": "Patient/p1"}, "period": {"start": "2025-12-24", "end": "2025-12-29"}, **extra}


def method(code: str, system: str = ADMISSION_METHOD_ENGLAND) -> dict:
    return {"extension": [{"url": ADMISSION_METHOD, "valueCodeableConcept": {"coding": [{"system": system,
                                                                                         "code": code}]}}]}


def reasons(report) -> list[str]:
    return [p.describe() for p in report.problems]


# --- NHS numbers however they are written ---------------------------------------------------

def test_a_superscript_digit_in_an_nhs_number_is_a_clear_problem_on_the_import_page(client, universe, settings,
                                                                                    tmp_path):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.jobs import worker

    settings.TANDEM_IMPORT_DIR = tmp_path
    client.force_login(core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER,
                                              by=None, password="correct-horse-battery-staple"))
    data = json.dumps(collection(patient(SUPERSCRIPT))).encode()
    asked = client.post(reverse("fhir:upload"),
                        {"files": [SimpleUploadedFile("p.json", data, content_type="application/json")]})
    worker.run_pending()  # the upload is imported in the background (tandem.fhir.tasks)
    response = client.get(asked["Location"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "NHS number that is not valid" in html and "check digit does not match" in html
    assert Patient.objects.filter(practice=universe.practice).count() == 1


def test_a_full_width_nhs_number_updates_the_person_already_registered(run_import, universe):
    [report] = run_import(as_file(collection(
        patient(FULL_WIDTH, born="1948-03-02", name=[{"family": "Okafor", "given": ["Margaret"]}]),
        hba1c())))
    assert report.imported, reasons(report)
    assert Patient.objects.filter(practice=universe.practice).count() == 1
    assert universe.patient.observations.get().value == 50


def test_records_referring_to_a_person_by_a_full_width_number_find_them(run_import, universe):
    reading = hba1c(subject=f"Patient?identifier={NHS}|{FULL_WIDTH}")
    [report] = run_import(as_file(collection(reading)))
    assert report.imported, reasons(report)
    assert universe.patient.observations.count() == 1


def test_records_referring_to_a_person_by_a_superscript_number_are_a_problem(run_import, universe):
    reading = hba1c(subject=f"Patient?identifier={NHS}|{SUPERSCRIPT}")
    [report] = run_import(as_file(collection(reading)))
    assert not report.imported
    assert "check digit does not match" in " ".join(reasons(report))


# --- Implausible facts are refused with their reason ------------------------------------------

def test_a_reading_dated_before_the_person_was_born_is_refused(run_import):
    [report] = run_import(as_file(collection(patient(born="1950-01-01"), hba1c(when="1949-06-01"))))
    assert not report.imported
    assert any("Entry 2" in r and "before" in r and "born" in r and "1 January 1950" in r for r in reasons(report))
    assert not Observation.objects.exists()


def test_a_reading_before_birth_of_someone_already_registered_is_refused(run_import, universe):
    reading = hba1c(when="1947-01-01", subject=f"Patient?identifier={NHS}|9990000018")  # born 2 March 1948
    [report] = run_import(as_file(collection(reading)))
    assert not report.imported
    assert "before the person was born (2 March 1948)" in " ".join(reasons(report))


def test_a_date_of_death_in_the_future_is_refused(run_import):
    [report] = run_import(as_file(collection(patient(deceasedDateTime="2026-09-01"))))
    assert not report.imported
    assert "died on 1 September 2026, which is in the future" in " ".join(reasons(report))


def test_a_date_of_death_before_birth_is_refused(run_import):
    [report] = run_import(as_file(collection(patient(deceasedDateTime="1949-09-01"))))
    assert not report.imported
    assert "before they were born" in " ".join(reasons(report))


@pytest.mark.parametrize(("systolic", "diastolic"), [(80, 120), (90, 90)])
def test_a_blood_pressure_with_systolic_not_above_diastolic_is_refused(run_import, systolic, diastolic):
    [report] = run_import(as_file(collection(patient(), blood_pressure(systolic, diastolic))))
    assert not report.imported
    text = " ".join(reasons(report))
    assert f"systolic (top) reading {systolic} mmHg is not above the diastolic (bottom) reading {diastolic}" in text
    assert "swapped" in text


def test_systolic_and_diastolic_sent_as_separate_readings_are_checked_together(run_import):
    systolic = hba1c(oid="s1", value=85) | {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                                           "valueQuantity": {"value": 85, "unit": "mm[Hg]"}}
    diastolic = hba1c(oid="d1", value=95) | {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
                                            "valueQuantity": {"value": 95, "unit": "mm[Hg]"}}
    [report] = run_import(as_file(collection(patient(), systolic, diastolic)))
    assert not report.imported
    assert "systolic (top) reading 85" in " ".join(reasons(report))


def test_a_condition_that_ends_before_it_starts_is_refused(run_import):
    [report] = run_import(as_file(collection(patient(), condition(onsetDateTime="2020-01-01",
                                                                  abatementDateTime="2019-01-01"))))
    assert not report.imported
    assert "before it started" in " ".join(reasons(report))


def test_abatement_age_is_turned_into_a_date_with_the_birth_date(run_import):
    [report] = run_import(as_file(collection(patient(born="1950-01-01"), condition(
        onsetDateTime="1990-05-01", abatementAge={"value": 45, "unit": "years", "system": "http://unitsofmeasure.org",
                                                 "code": "a"}))))
    assert report.imported, reasons(report)
    assert Condition.objects.get().resolved_date == dt.date(1995, 1, 1)


def test_abatement_age_before_onset_is_refused(run_import):
    [report] = run_import(as_file(collection(patient(born="1950-01-01"), condition(
        onsetDateTime="1990-05-01", abatementAge={"value": 30, "unit": "years", "system": "http://unitsofmeasure.org",
                                                 "code": "a"}))))
    assert not report.imported
    assert "resolved on 1 January 1980, before it started on 1 May 1990" in " ".join(reasons(report))


def test_onset_age_is_turned_into_a_date_with_the_birth_date(run_import):
    [report] = run_import(as_file(collection(patient(born="1950-01-01"), condition(
        onsetAge={"value": 60, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"}))))
    assert report.imported, reasons(report)
    assert Condition.objects.get().onset_date == dt.date(2010, 1, 1)


def test_an_abatement_in_words_ends_the_condition_with_a_note(run_import):
    [report] = run_import(as_file(collection(patient(), condition(onsetDateTime="1990-05-01",
                                                                  abatementString="in childhood"))))
    assert report.imported, reasons(report)
    assert Condition.objects.get().resolved_date == dt.date(1990, 5, 1)
    assert any("without a date" in w.reason for w in report.warnings)


# --- Every problem of a file, in one report ---------------------------------------------------

def test_the_report_names_problems_of_every_kind_together(run_import):
    bundle = collection(patient(), hba1c(oid="future", when="2027-01-01"), hba1c(oid="fine"))
    bundle["entry"].append({"request": {"method": "DELETE", "url": "Observation/x"}})  # a problem of the file
    bundle["entry"].append({"resource": {"resourceType": "Condition", "id": "bad", "subject": "Patient/p1"}})
    [report] = run_import(as_file(bundle))
    text = reasons(report)
    assert not report.imported
    assert any("Entry 2" in r and "in the future" in r for r in text), text
    assert any("Entry 4" in r and "delete" in r for r in text), text
    assert any("Entry 5" in r and "not valid FHIR R4" in r for r in text), text


def test_a_row_held_for_another_patient_is_reported_with_the_other_problems(run_import, universe):
    [first] = run_import(as_file(collection(patient(), hba1c(oid="shared"))))
    assert first.imported
    second = collection(patient("9990000042", pid="p2"), hba1c(oid="shared", subject="Patient/p2"),
                        hba1c(oid="late", subject="Patient/p2", when="2027-01-01"))
    [report] = run_import(as_file(second))
    text = " ".join(reasons(report))
    assert "already holds for a different patient" in text
    assert "in the future" in text


def test_a_medication_in_the_file_without_a_code_is_reported_as_that(run_import):
    medicine = {"resourceType": "Medication", "id": "mystery"}
    statement = {"resourceType": "MedicationStatement", "id": "ms1", "status": "active",
                 "medicationReference": {"reference": "Medication/mystery"}, "subject": {"reference": "Patient/p1"},
                 "effectiveDateTime": "2025-01-01"}
    [report] = run_import(as_file(collection(patient(), medicine, statement)))
    text = " ".join(reasons(report))
    assert not report.imported
    assert "Medication/mystery, which is in this file but has no code" in text
    assert "not in this file" not in text


def test_a_medication_not_in_the_file_is_still_reported_as_missing(run_import):
    statement = {"resourceType": "MedicationStatement", "id": "ms1", "status": "active",
                 "medicationReference": {"reference": "Medication/elsewhere"}, "subject": {"reference": "Patient/p1"},
                 "effectiveDateTime": "2025-01-01"}
    [report] = run_import(as_file(collection(patient(), statement)))
    assert "Medication/elsewhere, which is not in this file" in " ".join(reasons(report))
    assert not Medication.objects.exists()


# --- Admissions as the UK Core admission method says --------------------------------------------

@pytest.mark.parametrize(("code", "kind"), [
    ("11", "elective"), ("12", "elective"), ("13", "elective"),
    ("21", "emergency"), ("22", "emergency"), ("28", "emergency"), ("2A", "emergency"), ("2D", "emergency"),
])
def test_the_admission_method_decides_emergency_or_planned(run_import, code, kind):
    # A priority and an admit source that say the opposite: the admission method wins.
    opposite = {"elective": "EM", "emergency": "EL"}[kind]
    encounter = admission(priority={"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActPriority",
                                                "code": opposite}]},
                          hospitalization={"admitSource": {"coding": [{"code": "emd" if kind == "elective"
                                                                       else "outp"}]}, **method(code)})
    [report] = run_import(as_file(collection(patient(), encounter)))
    assert report.imported, reasons(report)
    assert HospitalEvent.objects.get().kind == kind
    assert not report.warnings


def test_a_maternity_admission_is_not_counted_as_an_emergency(run_import):
    [report] = run_import(as_file(collection(patient(), admission(hospitalization=method("31")))))
    assert report.imported
    assert HospitalEvent.objects.get().kind == "elective"
    assert any("maternity" in w.reason.lower() for w in report.warnings)


def test_an_unknown_admission_method_falls_back_to_the_priority_with_a_warning(run_import):
    encounter = admission(priority={"coding": [{"code": "EL"}]}, hospitalization=method("99"))
    [report] = run_import(as_file(collection(patient(), encounter)))
    assert report.imported
    assert HospitalEvent.objects.get().kind == "elective"


def test_the_multimorbid_file_still_imports_whole(run_import):
    [report] = run_import(as_file(copy.deepcopy(load("transaction_multimorbid.json"))))
    assert report.imported, reasons(report)
