"""A person's record as one FHIR R4 Bundle (type "collection") for a subject access request.
Pure: no Django. Built from the care plan export's own mappers (tandem.careplans.fhir): the Patient,
the practice, every coded condition, and every version of the care plan as the same FHIR document
that care planning exports; plus the results and medicines, mapped here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.careplans.fhir import condition as condition_mapper
from tandem.careplans.fhir import parties
from tandem.careplans.fhir.common import (
    LOINC,
    SNOMED,
    UCUM,
    Diagnosis,
    Organisation,
    Person,
    coding,
    compact,
    concept,
    ref,
    stable_id,
    urn,
)
from tandem.careplans.fhir.goal import UCUM_CODES  # the units as UCUM codes: one home

SYSTEMS = {"loinc": LOINC, "snomed": SNOMED}
DMD = "https://dmd.nhs.uk"
MEDICATION_STATUS = {"active": "active", "stopped": "stopped", "ended": "completed", "completed": "completed"}


@dataclass(frozen=True)
class Result:
    """One result or measurement (tandem.patients.models.Observation)."""

    key: int
    name: str
    system: str  # loinc | snomed | ""
    code: str
    on: dt.date
    value: float | None = None
    unit: str = ""
    value_code: str = ""
    value_text: str = ""


@dataclass(frozen=True)
class Medicine:
    """One medicine (tandem.patients.models.Medication)."""

    key: int
    name: str
    code: str  # dm+d
    dose: str
    status: str
    start: dt.date
    end: dt.date | None = None


def _entry(resource: dict) -> dict:
    return {"fullUrl": urn(resource["id"]), "resource": resource}


def observation(row: Result, patient: dict) -> dict:
    value: dict = {}
    if row.value is not None:
        value["valueQuantity"] = compact({"value": row.value, "unit": row.unit,
                                          "system": UCUM if row.unit else None,
                                          "code": UCUM_CODES.get(row.unit, row.unit) or None})
    elif row.value_code or row.value_text:
        value["valueCodeableConcept"] = {"text": row.value_text or row.value_code}
    return compact({
        "resourceType": "Observation",
        "id": stable_id("observation", row.key),
        "status": "final",
        "code": concept(coding(SYSTEMS[row.system], row.code, row.name) if row.system in SYSTEMS else {},
                        text=row.name),
        "subject": ref(patient),
        "effectiveDateTime": row.on.isoformat(),
        **value,
    })


def medication_statement(row: Medicine, patient: dict) -> dict:
    return compact({
        "resourceType": "MedicationStatement",
        "id": stable_id("medication-statement", row.key),
        "status": MEDICATION_STATUS.get(row.status, "unknown"),
        "medicationCodeableConcept": concept(coding(DMD, row.code, row.name) if row.code else {}, text=row.name),
        "subject": ref(patient),
        "effectivePeriod": compact({"start": row.start.isoformat(), "end": row.end.isoformat() if row.end else None}),
        "dosage": [{"text": row.dose}] if row.dose else [],
    })


def record_bundle(*, person: Person, practice: Organisation, diagnoses: list[Diagnosis], results: list[Result],
                  medicines: list[Medicine], plan_documents: list[dict], made_at: dt.datetime,
                  questionnaires: list[tuple[dict, dict | None]] = ()) -> dict:
    """Everything as one collection Bundle; each care plan version is a document Bundle inside it;
    each check-in is its Questionnaire and, when answered, its QuestionnaireResponse (about this Patient)."""
    organization = parties.organization(practice)
    patient = parties.patient(person, organization)
    resources = [patient, organization,
                 *(condition_mapper.diagnosis(d, patient) for d in diagnoses),
                 *(observation(r, patient) for r in results),
                 *(medication_statement(m, patient) for m in medicines)]
    entries = [_entry(r) for r in resources]
    entries += [{"fullUrl": urn(doc["id"]), "resource": doc} for doc in plan_documents]
    for asked, answered in questionnaires:
        entries.append({"fullUrl": urn(asked["id"]), "resource": asked})
        if answered is not None:
            entries.append({"fullUrl": urn(answered["id"]), "resource": {**answered, "subject": ref(patient)}})
    return {
        "resourceType": "Bundle",
        "id": stable_id("subject-access", person.key, made_at.isoformat()),
        "type": "collection",
        "timestamp": made_at.isoformat(timespec="seconds"),
        "entry": entries,
    }
