"""The people and organisations a care plan document names: Patient, Organization (the practice),
Practitioner (staff) and RelatedPerson (carers and people who took part). Pure.

- Patient: UK Core identifies people by NHS number (`https://fhir.nhs.uk/Id/nhs-number`); name,
  gender and birth date; generalPractitioner is the practice.
- Organization: the practice, by ODS code (`https://fhir.nhs.uk/Id/ods-organization-code`).
- Practitioner: a member of staff, with Tandem's staff identifier (so a referral to a named person
  comes back to the same person when the document is imported at the same practice).
- RelatedPerson: a carer from the record (relationship as recorded), or someone who took part in the
  conversation (Plan.participants: name and relationship exactly as typed, in name.text and
  relationship.text).
"""

from __future__ import annotations

from ..rules.document import Participant
from .common import (
    ID_STAFF,
    NHS_NUMBER,
    ODS,
    Carer,
    Clinician,
    Organisation,
    Person,
    compact,
    concept,
    ref,
    stable_id,
)


def patient(person: Person, practice: dict) -> dict:
    return compact({
        "resourceType": "Patient",
        "id": stable_id("patient", person.key),
        "identifier": [{"system": NHS_NUMBER, "value": person.nhs_number}],
        "name": [compact({"use": "official", "family": person.family_name,
                          "given": [person.given_name] if person.given_name else []})],
        "gender": person.sex if person.sex in ("male", "female", "other") else "unknown",
        "birthDate": person.birth_date.isoformat(),
        "generalPractitioner": [ref(practice, practice["name"])],
    })


def organization(practice: Organisation) -> dict:
    return compact({
        "resourceType": "Organization",
        "id": stable_id("organization", practice.ods_code),
        "identifier": [{"system": ODS, "value": practice.ods_code}],
        "name": practice.name,
        "telecom": [{"system": "phone", "value": practice.phone, "use": "work"}] if practice.phone else [],
    })


def practitioner(clinician: Clinician) -> dict:
    name = compact({"text": clinician.name, "family": clinician.family_name,
                    "given": [clinician.given_name] if clinician.given_name else []})
    return compact({
        "resourceType": "Practitioner",
        "id": stable_id("practitioner", clinician.key),
        "identifier": [{"system": ID_STAFF, "value": str(clinician.key)}],
        "name": [name],
    })


def carer(person: Person, patient_resource: dict, who: Carer) -> dict:
    return compact({
        "resourceType": "RelatedPerson",
        "id": stable_id("patient", person.key, "related-person", who.key),
        "patient": ref(patient_resource),
        "relationship": [concept(text=who.relationship)] if who.relationship else [],
        "name": [{"text": who.name}],
        "telecom": [{"system": "phone", "value": who.phone}] if who.phone else [],
    })


def participant(plan_key: int, version: int, index: int, patient_resource: dict, who: Participant) -> dict:
    return compact({
        "resourceType": "RelatedPerson",
        "id": stable_id("careplan", plan_key, "v", version, "participant", index),
        "patient": ref(patient_resource),
        "relationship": [concept(text=who.relationship)] if who.relationship else [],
        "name": [{"text": who.name}] if who.name else [],
    })
