"""FHIR written by others: official HL7 R4 examples and a Synthea bundle (see fixtures/*/README.md).

None of them has an NHS number. Imported as they are, they are refused with a reason
that names the identifier Tandem needs; with an NHS number added, their contents map.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.fhir.mappers.common import NHS_NUMBER
from tandem.patients.models import Condition, HospitalEvent, Medication, Observation, Patient

from .conftest import FIXTURES, as_file, collection, load, with_nhs_number

pytestmark = pytest.mark.django_db


def hl7(name: str) -> dict:
    return load(f"hl7/{name}.json")


@pytest.mark.parametrize("name", ["patient-example-f001-pieter", "patient-example-f201-roel"])
def test_an_hl7_example_patient_is_refused_naming_the_nhs_number_identifier(run_import, name):
    path = FIXTURES / "hl7" / f"{name}.json"
    [report] = run_import((path.name, path.open("rb")))
    assert report.rejected
    [problem] = report.problems
    assert problem.where.resource.startswith("Patient/f")
    assert "has no NHS number" in problem.reason and NHS_NUMBER in problem.reason
    assert not Patient.objects.filter(family_name__in=["van de Heuvel", "Bor"]).exists()


def test_an_hl7_example_observation_alone_refers_to_a_patient_tandem_does_not_have(run_import):
    path = FIXTURES / "hl7" / "observation-example-bloodpressure.json"
    [report] = run_import((path.name, path.open("rb")))
    assert report.rejected
    assert "refers to Patient/example, who is neither in this file nor registered" in report.problems[0].reason


def our_patient(rid: str, nhs_number: str, family: str) -> dict:
    return {"resourceType": "Patient", "id": rid, "identifier": [{"system": NHS_NUMBER, "value": nhs_number}],
            "name": [{"family": family, "given": ["Alex"]}], "birthDate": "1950-01-01", "gender": "unknown"}


@pytest.fixture
def hl7_bundle():
    """The HL7 examples in one collection, their patients given NHS numbers."""
    return collection(
        with_nhs_number(hl7("patient-example-f001-pieter"), "9990000077"),
        hl7("observation-example-f001-glucose"),
        hl7("condition-example-f002-lung"),
        our_patient("example", "9990000085", "Example"),
        hl7("observation-example-bloodpressure"),
        our_patient("pat1", "9990000093", "Statement"),
        hl7("medicationstatementexample1"),
        with_nhs_number(hl7("patient-example-f201-roel"), "9990000107"),
        hl7("encounter-example-f203-20130311"),
    )


def test_hl7_examples_map_once_their_patients_have_nhs_numbers(run_import, universe, hl7_bundle):
    [report] = run_import(as_file(hl7_bundle, "hl7-examples.json"))
    assert report.imported, report.problems

    pieter = Patient.objects.get(practice=universe.practice, nhs_number="9990000077")
    assert (pieter.given_name, pieter.family_name, pieter.date_of_birth) == ("Pieter", "van de Heuvel",
                                                                            dt.date(1944, 11, 17))
    assert (pieter.mobile, pieter.email, pieter.preferred_language) == ("0648352638", "p.heuvel@gmail.com", "Dutch")
    lung = pieter.conditions.get()
    assert (lung.code, lung.term, lung.onset_date) == ("254637007", "NSCLC - Non-small cell lung cancer",
                                                       dt.date(2011, 5, 5))
    assert not pieter.observations.exists()  # blood glucose is not one of Tandem's measurements

    example = Patient.objects.get(nhs_number="9990000085")
    bp = {o.concept: o.value for o in example.observations.all()}
    assert bp == {"systolic_bp": 107, "diastolic_bp": 60}
    assert set(example.observations.values_list("effective_date", flat=True)) == {dt.date(2012, 9, 17)}

    medicine = Medication.objects.get(patient__nhs_number="9990000093")
    assert (medicine.name, medicine.dmd_code, medicine.is_regular, medicine.start_date) == (
        "Tylenol PM", "", False, dt.date(2015, 1, 23))  # contained Medication, NDC code, taken as needed
    assert medicine.dose == "1-2 tablets once daily at bedtime as needed for restless legs"

    admission = HospitalEvent.objects.get(patient__nhs_number="9990000107")
    assert (admission.kind, admission.start_date, admission.end_date) == ("emergency", dt.date(2013, 3, 11),
                                                                          dt.date(2013, 3, 20))
    assert admission.reason.startswith("The patient seems to suffer from bilateral pneumonia")

    assert report.skipped == {"Observation (code not used by Tandem)": 1}
    [again] = run_import(as_file(hl7_bundle, "hl7-examples.json"))
    assert again.imported and not again.created and not again.updated


def test_an_hl7_observation_finds_its_patient_imported_earlier(run_import, universe):
    assert run_import(as_file(our_patient("example", "9990000085", "Example"), "patient.json"))[0].imported
    path = FIXTURES / "hl7" / "observation-example-bloodpressure.json"
    [report] = run_import((path.name, path.open("rb")))
    assert report.imported, report.problems
    assert Observation.objects.filter(patient__nhs_number="9990000085").count() == 2


# --- Synthea ----------------------------------------------------------------------------------

def synthea() -> dict:
    return load("synthea/synthea_selected_entries.json")


def test_a_synthea_bundle_is_refused_because_it_has_no_nhs_number(run_import):
    [report] = run_import(as_file(synthea(), "synthea.json"))
    assert report.rejected
    [problem] = report.problems
    assert problem.where.number == 1
    assert problem.where.full_url == "urn:uuid:d5582579-7193-4866-5560-a01e723b6552"
    assert "has no NHS number" in problem.reason


def test_a_synthea_bundle_maps_once_the_patient_has_an_nhs_number(run_import, universe):
    bundle = synthea()
    bundle["entry"][0]["resource"] = with_nhs_number(bundle["entry"][0]["resource"], "9990000115")
    [report] = run_import(as_file(bundle, "synthea.json"))
    assert report.imported, report.problems
    person = Patient.objects.get(practice=universe.practice, nhs_number="9990000115")
    assert (person.given_name, person.family_name, person.sex, person.town) == ("Lindsay928", "Gerlach374", "male",
                                                                                "Randolph")
    assert {(c.code, c.onset_date) for c in Condition.objects.filter(patient=person)} == {
        ("15777000", dt.date(1979, 1, 2)), ("271737000", dt.date(1985, 1, 8))}
    assert {o.concept: o.value for o in person.observations.all()} == {"systolic_bp": 136, "diastolic_bp": 49}
    assert person.encounters.count() == 3
    assert set(person.encounters.values_list("kind", "status")) == {("face_to_face", "attended")}
    assert report.skipped == {"CareTeam": 1, "CarePlan": 1, "Claim": 1}
