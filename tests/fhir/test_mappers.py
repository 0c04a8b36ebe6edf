"""The mappers, one FHIR resource at a time: what a clinician would expect each to become. No database."""

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B import get_fhir_model_class

from tandem.fhir.mappers import map_condition, map_encounter, map_medication, map_observation
from tandem.fhir.mappers.common import Context, MappingError
from tandem.fhir.mappers.patient import map_patient

CTX = Context(today=dt.date(2026, 6, 15))
SCT, LOINC, UCUM = "http://snomed.info/sct", "http://loinc.org", "http://unitsofmeasure.org"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
SUBJECT = {"reference": "Patient/p1"}


def model(data: dict):
    return get_fhir_model_class(data["resourceType"]).model_validate(data)


def observation(code, value=None, system=LOINC, day="2026-05-20", **extra):
    data = {"resourceType": "Observation", "status": "final", "subject": SUBJECT, "effectiveDateTime": day,
            "code": {"coding": [{"system": system, "code": code}]}}
    if value is not None:
        number, unit = value
        data["valueQuantity"] = {"value": number, "unit": unit, "system": UCUM, "code": unit}
    data.update(extra)
    return map_observation(model(data), CTX)


# --- Observations ------------------------------------------------------------------------

def test_hba1c_in_percent_is_stored_in_mmol_per_mol():
    [row] = observation("4548-4", (7.5, "%")).rows
    assert row.fields["concept"] == "hba1c"
    assert row.fields["unit"] == "mmol/mol"
    assert 58 <= row.fields["value"] < 59  # IFCC = 10.929 x (7.5 - 2.15) = 58.5


def test_cholesterol_in_mg_per_dl_is_stored_in_mmol_per_l():
    [row] = observation("2093-3", (193.4, "mg/dL")).rows
    assert row.fields["concept"] == "total_cholesterol"
    assert row.fields["value"] == pytest.approx(5.0, abs=0.01)


def test_a_blood_pressure_panel_becomes_systolic_and_diastolic():
    mapped = observation("85354-9", component=[
        {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
         "valueQuantity": {"value": 148, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}},
        {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
         "valueQuantity": {"value": 86, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}},
    ])
    assert {(r.fields["concept"], r.fields["value"], r.suffix) for r in mapped.rows} == {
        ("systolic_bp", 148, "systolic_bp"), ("diastolic_bp", 86, "diastolic_bp")}


def test_smoking_status_with_a_snomed_value_is_coded():
    [row] = observation("72166-2", valueCodeableConcept={"coding": [{"system": SCT, "code": "8517006"}]}).rows
    assert (row.fields["concept"], row.fields["value_code"], row.fields["value"]) == ("smoking", "ex", None)


def test_smoking_finding_recorded_as_the_code_itself_is_coded():
    [row] = observation("77176002", system=SCT).rows
    assert row.fields["value_code"] == "current"


def test_unknown_codes_are_skipped_and_counted():
    mapped = observation("8867-4", (72, "/min"))
    assert mapped.rows == [] and mapped.skipped == "Observation (code not used by Tandem)"


def test_an_implausible_value_stops_the_import_naming_the_range():
    with pytest.raises(MappingError, match=r"HbA1c 7.5 mmol/mol, outside the plausible range 15 to 200"):
        observation("4548-4", (7.5, "mmol/mol"))


def test_a_unit_that_cannot_be_converted_stops_the_import():
    with pytest.raises(MappingError, match="cannot convert"):
        observation("4548-4", (7.5, "g/dL"))


def test_a_result_reported_as_greater_than_is_kept_with_a_warning():
    mapped = observation("62238-1", valueQuantity={"value": 90, "comparator": ">", "unit": "mL/min/1.73m2"})
    assert mapped.rows[0].fields["value"] == 90
    assert "'>90'" in mapped.warnings[0]


def test_results_in_the_future_or_entered_in_error():
    with pytest.raises(MappingError, match="in the future"):
        observation("4548-4", (50, "mmol/mol"), day="2027-01-01")
    assert observation("4548-4", (50, "mmol/mol"), status="entered-in-error").skipped


# --- Conditions ----------------------------------------------------------------------------

def condition(**extra):
    data = {"resourceType": "Condition", "subject": SUBJECT, "onsetDateTime": "2015-03-10",
            "code": {"coding": [{"system": SCT, "code": "44054006"}]}}
    data.update(extra)
    return map_condition(model(data), CTX)


def test_a_snomed_condition_takes_its_term_from_the_codelists_when_the_sender_gives_none():
    [row] = condition().rows
    assert row.fields == {"code": "44054006", "term": "Diabetes mellitus type 2",
                          "onset_date": dt.date(2015, 3, 10), "resolved_date": None}


def test_a_condition_coded_only_in_icd10_is_skipped_with_a_warning():
    mapped = condition(code={"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11.9"}]})
    assert mapped.skipped == "Condition (not coded in SNOMED CT)"
    assert "icd-10" in mapped.warnings[0]


@pytest.mark.parametrize("status", ["refuted", "provisional", "differential", "unconfirmed", "entered-in-error"])
def test_diagnoses_that_are_not_confirmed_are_not_put_on_registers(status):
    mapped = condition(verificationStatus={"coding": [{"code": status}]})
    assert mapped.rows == [] and mapped.skipped


def test_resolution_from_abatement_or_clinical_status():
    resolved = condition(abatementDateTime="2021-02-01")
    assert resolved.rows[0].fields["resolved_date"] == dt.date(2021, 2, 1)
    remission = condition(clinicalStatus={"coding": [{"code": "remission"}]}, recordedDate="2020-01-05")
    assert remission.rows[0].fields["resolved_date"] == dt.date(2020, 1, 5)


def test_onset_falls_back_to_recorded_date_and_partial_dates_are_first_of_period():
    mapped = condition(onsetDateTime=None, onsetPeriod={"start": "1999-06"})
    assert mapped.rows[0].fields["onset_date"] == dt.date(1999, 6, 1)
    mapped = condition(onsetDateTime=None, recordedDate="2017-09-14")
    assert mapped.rows[0].fields["onset_date"] == dt.date(2017, 9, 14)
    with pytest.raises(MappingError, match="no onset date"):
        condition(onsetDateTime=None)


# --- Medicines -----------------------------------------------------------------------------

def medicine(kind="MedicationStatement", status="active", **extra):
    data = {"resourceType": kind, "status": status, "subject": SUBJECT,
            "medicationCodeableConcept": {"coding": [{"system": "https://dmd.nhs.uk", "code": "325278007",
                                                      "display": "Metformin 500mg tablets"}]}}
    if kind == "MedicationRequest":
        data.update(intent="order", authoredOn="2020-07-01")
    else:
        data["effectiveDateTime"] = "2015-04-01"
    data.update(extra)
    return map_medication(model(data), CTX)


def test_a_current_medicine_keeps_its_dmd_code_name_and_dose():
    [row] = medicine(dosage=[{"text": "One tablet twice a day"}]).rows
    assert row.fields == {"dmd_code": "325278007", "name": "Metformin 500mg tablets",
                          "dose": "One tablet twice a day", "status": "active", "is_regular": True,
                          "start_date": dt.date(2015, 4, 1), "end_date": None}


@pytest.mark.parametrize(("kind", "status", "expected"), [
    ("MedicationStatement", "completed", "stopped"), ("MedicationStatement", "stopped", "stopped"),
    ("MedicationStatement", "intended", "active"), ("MedicationRequest", "active", "active"),
    ("MedicationRequest", "completed", "stopped"),
])
def test_medicine_status(kind, status, expected):
    assert medicine(kind, status).rows[0].fields["status"] == expected


@pytest.mark.parametrize(("kind", "status"), [("MedicationStatement", "entered-in-error"),
                                              ("MedicationStatement", "not-taken"),
                                              ("MedicationRequest", "cancelled")])
def test_medicines_never_taken_are_skipped(kind, status):
    assert medicine(kind, status).skipped


def test_a_medicine_coded_outside_dmd_is_stored_by_name_and_as_needed_is_not_regular():
    [row] = medicine(medicationCodeableConcept={"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                            "code": "314076", "display": "lisinopril 10 MG"}]},
                     dosage=[{"text": "when needed", "asNeededBoolean": True}]).rows
    assert (row.fields["dmd_code"], row.fields["name"], row.fields["is_regular"]) == ("", "lisinopril 10 MG", False)


def test_a_medication_reference_that_is_not_in_the_file_stops_the_import():
    with pytest.raises(MappingError, match="not in this file"):
        medicine(medicationCodeableConcept=None, medicationReference={"reference": "Medication/m1"})


# --- Encounters ----------------------------------------------------------------------------

def encounter(klass, status="finished", **extra):
    data = {"resourceType": "Encounter", "status": status, "subject": SUBJECT,
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": klass},
            "period": {"start": "2026-02-03T11:00:00+00:00"}}
    data.update(extra)
    return map_encounter(model(data), CTX)


@pytest.mark.parametrize(("klass", "kind"), [("AMB", "face_to_face"), ("VR", "video"), ("HH", "home_visit")])
def test_general_practice_contacts_by_class(klass, kind):
    [row] = encounter(klass).rows
    assert (row.table, row.fields["kind"], row.fields["status"]) == ("encounter", kind, "attended")


def test_a_virtual_contact_typed_as_telephone_is_a_telephone_contact():
    mapped = encounter("VR", type=[{"coding": [{"system": SCT, "code": "185317003"}]}])
    assert mapped.rows[0].fields["kind"] == "telephone"


@pytest.mark.parametrize(("status", "expected"), [("planned", "booked"), ("cancelled", "cancelled")])
def test_booked_and_cancelled_appointments(status, expected):
    assert encounter("AMB", status).rows[0].fields["status"] == expected


def test_emergency_class_is_an_ae_attendance():
    [row] = encounter("EMER").rows
    assert (row.table, row.fields["kind"]) == ("hospital_event", "ae")


@pytest.mark.parametrize(("extra", "kind"), [
    ({"priority": {"coding": [{"code": "EL"}]}}, "elective"),
    ({"priority": {"coding": [{"code": "EM"}]}}, "emergency"),
    ({"hospitalization": {"admitSource": {"coding": [{"code": "emd"}]}}}, "emergency"),
    ({"hospitalization": {"admitSource": {"coding": [{"code": "outp"}]}}}, "elective"),
])
def test_admissions_are_emergency_or_planned(extra, kind):
    [row] = encounter("IMP", **extra).rows
    assert (row.table, row.fields["kind"]) == ("hospital_event", kind)


def test_an_admission_with_no_priority_is_counted_as_an_emergency_with_a_warning():
    mapped = encounter("IMP")
    assert mapped.rows[0].fields["kind"] == "emergency"
    assert "recorded as an emergency" in mapped.warnings[0]


def test_a_planned_admission_that_has_not_happened_is_skipped():
    assert encounter("IMP", status="planned").skipped


# --- Patients --------------------------------------------------------------------------

def patient(**extra):
    data = {"resourceType": "Patient", "identifier": [{"system": NHS, "value": "999 000 0034"}]}
    data.update(extra)
    return map_patient(model(data))


def test_patient_demographics():
    mapped = patient(
        name=[{"use": "old", "family": "Smith", "given": ["Doreen"]},
              {"use": "official", "family": "Ashworth", "given": ["Doreen", "May"]}],
        birthDate="1946-05-12", gender="female",
        address=[{"use": "home", "line": ["14 Mill Lane", "Old Town"], "city": "Hebden Bridge", "postalCode": "hx7  8ab"}],
        telecom=[{"system": "phone", "value": "01632 960123", "use": "home"},
                 {"system": "phone", "value": "07700 900123", "use": "mobile"},
                 {"system": "email", "value": "d@example.com"}],
        communication=[{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "cy"}]}, "preferred": True}],
        generalPractitioner=[{"reference": "Practitioner/1"}],
    )
    assert mapped.nhs_number == "9990000034"
    assert mapped.fields == {
        "given_name": "Doreen May", "family_name": "Ashworth", "date_of_birth": dt.date(1946, 5, 12),
        "sex": "female", "address_line1": "14 Mill Lane", "address_line2": "Old Town", "town": "Hebden Bridge",
        "postcode": "HX7 8AB", "phone": "01632 960123", "mobile": "07700 900123", "email": "d@example.com",
        "preferred_language": "Welsh",
    }


def test_a_death_is_recorded():
    mapped = patient(deceasedDateTime="2026-03-01")
    assert mapped.fields["registration_status"] == "deceased"
    assert mapped.fields["date_of_death"] == dt.date(2026, 3, 1)


def test_a_patient_without_an_nhs_number_is_refused_naming_the_identifier_system():
    with pytest.raises(MappingError, match="has no NHS number.*https://fhir.nhs.uk/Id/nhs-number"):
        patient(identifier=[{"system": "urn:oid:2.16.840.1.113883.2.4.6.3", "value": "738472983"}])


def test_an_invalid_nhs_number_is_refused_saying_why():
    with pytest.raises(MappingError, match="check digit"):
        patient(identifier=[{"system": NHS, "value": "9990000035"}])
