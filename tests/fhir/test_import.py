"""Importing files into a practice: what is stored, idempotency, all-or-nothing, scoping, audit."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from tandem.core.models import AuditEvent
from tandem.patients.models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
)

from .conftest import FIXTURES, NHS, as_file, collection, load

pytestmark = pytest.mark.django_db

CLINICAL = (Condition, Observation, Medication, Encounter, HospitalEvent)


def counts(practice) -> dict[str, int]:
    found = {"patients": Patient.objects.filter(practice=practice).count()}
    found.update({m.__name__: m.objects.filter(practice=practice).count() for m in CLINICAL})
    return found


def multimorbid() -> dict:
    return load("transaction_multimorbid.json")


def resource(bundle: dict, rid: str) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == rid)


# --- A multimorbid patient's transaction bundle -------------------------------------

def test_the_multimorbid_patient_arrives_whole(run_import, universe):
    [report] = run_import(as_file(multimorbid(), "ashworth.json"))
    assert report.imported, report.problems
    doreen = Patient.objects.get(practice=universe.practice, nhs_number="9990000034")
    assert (doreen.given_name, doreen.family_name, doreen.date_of_birth) == ("Doreen May", "Ashworth",
                                                                            dt.date(1946, 5, 12))
    assert (doreen.postcode, doreen.mobile, doreen.preferred_language) == ("HX7 8AB", "07700 900123", "English")

    conditions = {c.code: c for c in doreen.conditions.all()}
    assert set(conditions) == {"44054006", "38341003", "433144002", "13645005", "35489007"}
    assert conditions["35489007"].resolved_date == dt.date(2021, 2, 1)
    assert conditions["44054006"].resolved_date is None

    latest = {o.concept: o for o in doreen.observations.all()}
    assert (latest["systolic_bp"].value, latest["diastolic_bp"].value) == (148, 86)
    assert 58 <= latest["hba1c"].value < 59 and latest["hba1c"].unit == "mmol/mol"  # 7.5% in IFCC units
    assert latest["total_cholesterol"].value == pytest.approx(5.0, abs=0.01)
    assert latest["smoking"].value_code == "ex"
    assert latest["egfr"].value == 48
    assert latest["hba1c"].effective_date == dt.date(2026, 5, 20)

    medicines = {m.name: m for m in doreen.medications.all()}
    assert medicines["Metformin 500mg tablets"].dmd_code == "325278007"
    assert medicines["Simvastatin 40mg tablets"].status == "stopped"
    assert medicines["Simvastatin 40mg tablets"].end_date == dt.date(2020, 6, 30)
    assert medicines["Atorvastatin 20mg tablets"].dmd_code == "320030001"  # via medicationReference

    contacts = {(e.date, e.kind, e.status) for e in doreen.encounters.all()}
    assert contacts == {(dt.date(2026, 5, 20), "face_to_face", "attended"),
                        (dt.date(2026, 2, 3), "telephone", "attended"),
                        (dt.date(2026, 7, 1), "face_to_face", "booked")}
    hospital = {(h.kind, h.start_date, h.end_date) for h in doreen.hospital_events.all()}
    assert hospital == {("ae", dt.date(2025, 12, 24), dt.date(2025, 12, 24)),
                        ("emergency", dt.date(2025, 12, 24), dt.date(2025, 12, 29))}

    assert report.created == {"patient": 1, "condition": 5, "observation": 6, "medication": 4, "encounter": 3,
                              "hospital_event": 2}
    assert report.skipped_line() == ("Skipped 1 Condition (not coded in SNOMED CT), 1 Observation (code not used "
                                     "by Tandem), 1 Organization, 1 Practitioner")
    assert any("icd-10" in w.reason for w in report.warnings)


def test_reimporting_the_same_file_creates_no_duplicates(run_import, universe):
    run_import(as_file(multimorbid()))
    before = counts(universe.practice)
    [again] = run_import(as_file(multimorbid()))
    assert again.imported
    assert counts(universe.practice) == before
    assert not again.created and not again.updated
    assert again.unchanged["observation"] == 6
    assert "6 observations: 6 already up to date" in again.imported_lines()


def test_reimporting_a_corrected_file_updates_in_place(run_import, universe):
    run_import(as_file(multimorbid()))
    corrected = multimorbid()
    resource(corrected, "hba1c-2026-05-20")["valueQuantity"] = {"value": 61, "unit": "mmol/mol"}
    [report] = run_import(as_file(corrected))
    assert report.updated == {"observation": 1}
    hba1c = Observation.objects.get(practice=universe.practice, concept="hba1c")
    assert hba1c.value == 61


# --- All or nothing -------------------------------------------------------------------------

def _invalid_nhs_number(bundle):
    resource(bundle, None)["identifier"][0]["value"] = "9990000035"


def _invalid_observation(bundle):
    resource(bundle, "egfr-2026-05-20")["valueQuantity"]["value"] = "forty-eight"


def _dangling_reference(bundle):
    resource(bundle, "ckd3")["subject"] = {"reference": "urn:uuid:99999999-0000-4000-8000-000000000000"}


def _impossible_value(bundle):
    resource(bundle, "hba1c-2026-05-20")["valueQuantity"] = {"value": 7.5, "unit": "mmol/mol"}


def _unknown_element(bundle):
    resource(bundle, "metformin")["dosageInstructions"] = [{"text": "typo in the element name"}]


BROKEN = {
    "invalid NHS number": (_invalid_nhs_number, 1, "Patient", "check digit"),
    "observation failing FHIR validation": (_invalid_observation, 12, "Observation/egfr-2026-05-20",
                                            "'valueQuantity.value' has the value 'forty-eight'"),
    "dangling reference": (_dangling_reference, 6, "Condition/ckd3", "neither in this file nor registered"),
    "impossible value": (_impossible_value, 11, "Observation/hba1c-2026-05-20", "outside the plausible range"),
    "unknown element": (_unknown_element, 16, "MedicationStatement/metformin", "'dosageInstructions' is not an element"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_one_bad_entry_stores_nothing_and_the_report_names_it(run_import, universe, case):
    breaker, number, label, reason = BROKEN[case]
    bundle = multimorbid()
    breaker(bundle)
    before = counts(universe.practice)
    [report] = run_import(as_file(bundle))
    assert report.rejected
    assert counts(universe.practice) == before
    assert not report.created
    [problem] = report.problems
    assert problem.where.number == number
    assert problem.where.resource == label
    assert reason in problem.reason


def test_malformed_json_stores_nothing(run_import, universe):
    text = (FIXTURES / "transaction_multimorbid.json").read_text().replace('"Ashworth"', '"Ashworth', 1)
    before = counts(universe.practice)
    [report] = run_import(as_file(text))
    assert report.rejected and counts(universe.practice) == before
    assert "not valid JSON" in report.problems[0].reason


def test_every_problem_in_a_file_is_reported_at_once(run_import):
    bundle = multimorbid()
    _invalid_observation(bundle)
    _dangling_reference(bundle)
    _impossible_value(bundle)
    [report] = run_import(as_file(bundle))
    assert sorted(p.where.number for p in report.problems) == [6, 11, 12]


def test_files_in_one_import_stand_or_fall_alone(run_import, universe):
    bad = multimorbid()
    _impossible_value(bad)
    good, rejected = run_import(as_file(load("batch_update.json"), "good.json"), as_file(bad, "bad.json"))
    assert good.imported and rejected.rejected
    assert Observation.objects.filter(practice=universe.practice, concept="weight").exists()
    assert not Patient.objects.filter(nhs_number="9990000034").exists()


# --- NDJSON, batch, references --------------------------------------------------------------

def ndjson_files():
    return [(p.name, p.open("rb")) for p in sorted((FIXTURES / "ndjson").glob("*.ndjson"))]


def test_an_ndjson_export_split_by_resource_type(run_import, universe):
    reports = run_import(*ndjson_files())  # given Condition, Observation, Patient: patients are read first
    assert all(r.imported for r in reports), [r.problems for r in reports]
    rukhsana = Patient.objects.get(practice=universe.practice, nhs_number="9990000042")
    assert rukhsana.preferred_language == "Bengali"
    assert {c.code for c in rukhsana.conditions.all()} == {"195967001", "44054006"}  # by id and by NHS number
    assert {o.concept for o in rukhsana.observations.all()} == {"hba1c", "systolic_bp", "diastolic_bp", "smoking",
                                                                 "egfr"}
    piotr = Patient.objects.get(practice=universe.practice, nhs_number="9990000050")
    assert (piotr.registration_status, piotr.date_of_death) == ("deceased", dt.date(2026, 3, 1))
    assert not piotr.conditions.exists()  # a provisional AF diagnosis is not put on the register
    by_name = {r.name: r for r in reports}
    assert by_name["Condition.ndjson"].skipped_line() == "Skipped 1 Condition (not confirmed)"


def test_an_ndjson_file_can_refer_to_patients_imported_earlier(run_import, universe):
    patients, conditions = [f for f in ndjson_files() if f[0] in ("Patient.ndjson", "Condition.ndjson")][::-1]
    assert run_import(patients)[0].imported
    [report] = run_import(conditions)
    assert report.imported, report.problems
    assert Condition.objects.filter(practice=universe.practice, code="195967001").exists()


def test_a_batch_updates_a_registered_patient_without_blanking_other_details(run_import, universe):
    [report] = run_import(as_file(load("batch_update.json")))
    assert report.imported, report.problems
    margaret = Patient.objects.get(pk=universe.patient.pk)
    assert (margaret.given_name, margaret.family_name, margaret.date_of_birth) == ("Margaret", "Okafor",
                                                                                  dt.date(1948, 3, 2))
    assert (margaret.mobile, margaret.address_line1, margaret.postcode) == ("07700 900456", "22 Park Row", "LS1 5HD")
    weight = margaret.observations.get(concept="weight")
    assert weight.value == pytest.approx(69.85, abs=0.01)  # 154 lb
    assert margaret.observations.get(concept="bmi").value == 27.4
    assert report.updated == {"patient": 1}


def test_a_reference_by_nhs_number_to_a_registered_patient(run_import, universe):
    observation = {"resourceType": "Observation", "status": "final", "id": "bp-1",
                   "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                   "subject": {"identifier": {"system": NHS, "value": "999 000 0018"}},
                   "effectiveDateTime": "2026-06-01", "valueQuantity": {"value": 138, "unit": "mmHg"}}
    [report] = run_import(as_file(collection(observation)))
    assert report.imported, report.problems
    assert universe.patient.observations.get().value == 138


def test_a_new_patient_needs_name_and_birth_date(run_import, universe):
    patient = {"resourceType": "Patient", "identifier": [{"system": NHS, "value": "9990000069"}]}
    [report] = run_import(as_file(collection(patient)))
    assert report.rejected
    assert "new to this practice but has no given name, family name or birth date" in report.problems[0].reason


# --- Practice scoping --------------------------------------------------------------------------

def test_importing_into_one_practice_never_touches_another_practices_patient(run_import, universe):
    brian = Patient.objects.get(pk=universe.foreign_patient.pk)
    bundle = multimorbid()
    resource(bundle, None)["identifier"][0]["value"] = brian.nhs_number  # same person, other practice
    [report] = run_import(as_file(bundle))
    assert report.imported and report.created["patient"] == 1
    assert Patient.objects.filter(nhs_number=brian.nhs_number).count() == 2
    brian.refresh_from_db()
    assert (brian.given_name, brian.family_name, brian.practice_id) == ("Brian", "Hollis", universe.other_practice.pk)
    assert counts(universe.other_practice) == {"patients": 1, **{m.__name__: 0 for m in CLINICAL}}


def test_a_reference_to_another_practices_patient_is_dangling(run_import, universe):
    observation = {"resourceType": "Observation", "status": "final",
                   "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                   "subject": {"identifier": {"system": NHS, "value": universe.foreign_patient.nhs_number}},
                   "effectiveDateTime": "2026-06-01", "valueQuantity": {"value": 138, "unit": "mmHg"}}
    [report] = run_import(as_file(collection(observation)))
    assert report.rejected
    assert "nor registered at this practice" in report.problems[0].reason
    assert not Observation.objects.exists()


def test_one_source_id_for_two_patients_is_refused(run_import, universe):
    run_import(as_file(multimorbid()))
    other = {"resourceType": "Observation", "status": "final", "id": "hba1c-2026-05-20",
             "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
             "subject": {"identifier": {"system": NHS, "value": "9990000018"}},
             "effectiveDateTime": "2026-06-01", "valueQuantity": {"value": 50, "unit": "mmol/mol"}}
    [report] = run_import(as_file(collection(other)))
    assert report.rejected
    assert "already holds for a different patient" in report.problems[0].reason
    assert not universe.patient.observations.exists()


# --- Audit ----------------------------------------------------------------------------------

def test_the_import_is_audited_per_patient_and_per_file_with_counts_only(run_import, universe):
    AuditEvent.objects.all()  # append-only: nothing is deleted, so count from here
    start = AuditEvent.objects.count()
    run_import(as_file(multimorbid()))
    events = list(AuditEvent.objects.order_by("id")[start:])
    doreen = Patient.objects.get(nhs_number="9990000034")
    per_patient = {e.what for e in events if e.patient_id == doreen.pk}
    assert per_patient == {"fhir.patient", "fhir.condition", "fhir.observation", "fhir.medicationstatement",
                           "fhir.medicationrequest", "fhir.encounter"}
    assert all(e.action == "import" and e.user == universe.admin for e in events)
    [file_event] = [e for e in events if e.what == "fhir.bundle"]
    assert file_event.detail["outcome"] == "imported"
    assert file_event.detail["created"]["condition"] == 5
    text = json.dumps(file_event.detail)
    for identifier in ("9990000034", "Ashworth", "Doreen", "HX7", "ashworth.json"):
        assert identifier not in text


def test_a_rejected_file_is_audited_too(run_import):
    bundle = copy.deepcopy(multimorbid())
    _impossible_value(bundle)
    run_import(as_file(bundle))
    event = AuditEvent.objects.filter(what="fhir.bundle").latest("id")
    assert event.detail["outcome"] == "rejected" and event.detail["problems"] == 1
    assert not AuditEvent.objects.filter(what__startswith="fhir.", patient_id__isnull=False).exists()


# --- The bulk path ----------------------------------------------------------------------------

def test_a_large_file_is_written_with_a_bounded_number_of_queries(run_import, universe,
                                                                   django_assert_max_num_queries):
    from tandem.patients.rules import nhs_check_digit

    lines = []
    number = 999100000
    while len(lines) < 3 * 300:
        number += 1
        check = nhs_check_digit(str(number))
        if check is None:
            continue
        nhs = f"{number}{check}"
        lines.append({"resourceType": "Patient", "id": nhs, "identifier": [{"system": NHS, "value": nhs}],
                      "name": [{"family": "Bulk", "given": ["Test"]}], "birthDate": "1960-01-01"})
        for concept, code, value, unit in (("hba1c", "4548-4", 7.1, "%"), ("systolic_bp", "8480-6", 141, "mm[Hg]")):
            lines.append({"resourceType": "Observation", "id": f"{concept.replace('_', '-')}-{nhs}", "status": "final",
                          "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                          "subject": {"reference": f"Patient/{nhs}"}, "effectiveDateTime": "2026-01-10",
                          "valueQuantity": {"value": value, "unit": unit}})
    # 300 patients and 600 observations: a per-row path would need well over 900 queries.
    with django_assert_max_num_queries(40):
        [report] = run_import(as_file(lines, "bulk.ndjson"))
    assert report.imported, report.problems
    assert report.created == {"patient": 300, "observation": 600}
    assert Observation.objects.filter(practice=universe.practice, concept="hba1c").count() == 300
