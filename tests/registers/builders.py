"""Building patients from event tables, straight into the tables the rules read.

An event table lists what is coded about one person, in the words the spec tests use:

    ("diagnosis", "44054006", "2020-01-01")                 a diagnosis code from that day
    ("diagnosis", "38341003", "2010-05-01", "2019-01-01")   ... resolved on a later day
    ("resolved", "315051004", "2021-01-01")                 a resolved code (e.g. diabetes resolved)
    ("medicine", "Metformin 500mg tablets", "2024-01-01")   a current regular medicine
    ("stopped", "Salbutamol ...", "2015-01-01", "2018-01-01")
    ("observation", "hba1c", "2025-03-03", 52)
    ("appointment", "2026-01-10")  ("appointment", "2026-01-10", "home_visit")  ("dna", "2026-01-11")
    ("emergency", "2026-02-01")  ("emergency", "2026-02-01", "Fall")  ("ae", "2026-03-01")
    ("carer",)

Rows are written with bulk_create (as an import would write them): the rules must cope with
anything a record can hold, including dates after today.
"""

from __future__ import annotations

import datetime as dt
import itertools

from tandem.patients.models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
    RelatedPerson,
)
from tandem.patients.rules import nhs_check_digit
from tandem.registers.rules import ConditionRecord, PatientFacts
from tandem.terminology import codelists


def nhs_numbers():
    for n in itertools.count(1):
        first_nine = f"9995{n:05d}"  # clear of the numbers the shared fixtures use
        check = nhs_check_digit(first_nine)
        if check is not None:
            yield f"{first_nine}{check}"


_NUMBERS = nhs_numbers()


def day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def facts(dob, events, status: str = "registered") -> PatientFacts:
    """The per-patient path's view of an event table (conditions only)."""
    conditions = []
    for event in events:
        if event[0] == "diagnosis":
            resolved = day(event[3]) if len(event) > 3 and event[3] else None
            conditions.append(ConditionRecord(event[1], day(event[2]), resolved))
        elif event[0] == "resolved":
            conditions.append(ConditionRecord(event[1], day(event[2]), None))
    return PatientFacts(date_of_birth=day(dob), registered=status == "registered", conditions=tuple(conditions))


def _medicine(name: str):
    from tandem.synth.generate.general_medicines import general_catalogue

    for medicine in (*codelists.medicines(), *general_catalogue()):
        if medicine.name == name:
            return medicine
    return None


def _medicine_end(event):
    """A medicine event's end date: its fourth item when given, else its start day when stopped."""
    if len(event) > 3 and event[3]:
        return day(event[3])
    return day(event[2]) if event[0] == "stopped" else None


def add_patient(practice, dob, events=(), *, status: str = "registered", given: str = "Test",
                family: str = "Person", sex: str = "female") -> Patient:
    patient = Patient.objects.create(
        practice=practice, nhs_number=next(_NUMBERS), given_name=given, family_name=family,
        date_of_birth=day(dob), sex=sex, registration_status=status,
    )
    add_events(patient, events)
    return patient


def add_events(patient: Patient, events) -> None:
    practice = patient.practice
    conditions, medicines, observations, encounters, hospital, related = [], [], [], [], [], []
    for event in events:
        kind = event[0]
        if kind in ("diagnosis", "resolved"):
            resolved = day(event[3]) if kind == "diagnosis" and len(event) > 3 and event[3] else None
            conditions.append(Condition(practice=practice, patient=patient, code=event[1],
                                        term=codelists.term_for(event[1]) or "Other", onset_date=day(event[2]),
                                        resolved_date=resolved))
        elif kind in ("medicine", "stopped", "as_needed"):
            known = _medicine(event[1])
            medicines.append(Medication(
                practice=practice, patient=patient, name=event[1], dmd_code=(known.dmd_code or "") if known else "",
                status="stopped" if kind == "stopped" else "active", is_regular=kind != "as_needed",
                start_date=day(event[2]), end_date=_medicine_end(event)))
        elif kind == "observation":
            observations.append(Observation(practice=practice, patient=patient, concept=event[1],
                                            effective_date=day(event[2]), value=float(event[3])))
        elif kind in ("appointment", "dna"):
            encounters.append(Encounter(practice=practice, patient=patient, date=day(event[1]),
                                        kind=event[2] if len(event) > 2 else "face_to_face",
                                        status="attended" if kind == "appointment" else "dna"))
        elif kind in ("emergency", "ae", "elective"):
            hospital.append(HospitalEvent(practice=practice, patient=patient, kind=kind, start_date=day(event[1]),
                                          reason=event[2] if len(event) > 2 else ""))
        elif kind == "carer":
            related.append(RelatedPerson(patient=patient, name="A carer", relationship="spouse", is_carer=True))
        else:
            raise ValueError(f"unknown event kind {kind!r}")
    Condition.objects.bulk_create(conditions)
    Medication.objects.bulk_create(medicines)
    Observation.objects.bulk_create(observations)
    Encounter.objects.bulk_create(encounters)
    HospitalEvent.objects.bulk_create(hospital)
    RelatedPerson.objects.bulk_create(related)


def record(dob, events, status: str = "registered"):
    """The per-patient path's view of a whole event table (what `queries.patient_record` reads)."""
    from tandem.registers.rules import risk

    base = facts(dob, events, status)
    medicines, encounters, hospital, observations, carer = [], [], [], [], False
    for event in events:
        kind = event[0]
        if kind in ("medicine", "stopped", "as_needed"):
            known = _medicine(event[1])
            medicines.append(risk.MedicineRecord(active=kind != "stopped", regular=kind != "as_needed",
                                                 start=day(event[2]), end=_medicine_end(event),
                                                 dmd_code=(known.dmd_code or "") if known else ""))
        elif kind in ("appointment", "dna"):
            encounters.append(risk.EncounterRecord(date=day(event[1]), status="attended" if kind == "appointment"
                                                   else "dna", kind=event[2] if len(event) > 2 else "face_to_face"))
        elif kind in ("emergency", "ae", "elective"):
            hospital.append(risk.HospitalRecord(kind=kind, start=day(event[1]), reason=event[2] if len(event) > 2 else ""))
        elif kind == "observation":
            observations.append(risk.ObservationRecord(concept=event[1], date=day(event[2]), value=float(event[3])))
        elif kind == "carer":
            carer = True
    return risk.PatientRecord(date_of_birth=base.date_of_birth, registered=base.registered, conditions=base.conditions,
                              medicines=tuple(medicines), encounters=tuple(encounters), hospital=tuple(hospital),
                              observations=tuple(observations), has_carer=carer)
