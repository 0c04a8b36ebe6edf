"""The person's record as the risk tier rules read it, made from what the workspace has read already
(the summary's read, `tandem.patients.queries.patient_summary`), so that the page reads the record
once: what registers.queries.patient_record gives (tests/careplans/test_workspace_tier.py compares
them). No queries here. (Their register facts come the same way, from tandem.patients.facts.for_record.)
"""

from __future__ import annotations

from tandem.patients.models import Medication, RegistrationStatus
from tandem.patients.queries import SummaryRecord
from tandem.registers.rules import (
    ConditionRecord,
    risk,
)


def _conditions(record: SummaryRecord) -> tuple[ConditionRecord, ...]:
    return tuple(ConditionRecord(c.code, c.onset_date, c.resolved_date) for c in record.conditions)


def _registered(record: SummaryRecord) -> bool:
    return record.patient.registration_status == RegistrationStatus.REGISTERED


def risk_record(record: SummaryRecord) -> risk.PatientRecord:
    """The person's record as the risk tier rules read it. The summary holds every condition and
    medicine, the contacts of the last 12 months (the tier counts those), every reading of the last
    5 years (the tier looks back 3), and every hospital event."""
    patient = record.patient
    return risk.PatientRecord(
        date_of_birth=patient.date_of_birth,
        registered=_registered(record),
        conditions=_conditions(record),
        medicines=tuple(risk.MedicineRecord(active=m.status == Medication.Status.ACTIVE, regular=m.is_regular,
                                            start=m.start_date, end=m.end_date, dmd_code=m.dmd_code)
                        for m in record.medications),
        encounters=tuple(risk.EncounterRecord(date=e.date, status=e.status, kind=e.kind) for e in record.encounters),
        hospital=tuple(risk.HospitalRecord(kind=h.kind, start=h.start_date, reason=h.reason)
                       for h in patient.hospital_events.all()),  # all of them, as read (the summary shows some)
        observations=tuple(risk.ObservationRecord(concept=o.concept, date=o.effective_date, value=o.value)
                           for o in record.observations if o.concept in ("mrc_dyspnoea", "bmi")),
        has_carer=any(r.is_carer for r in patient.related_people.all()),
    )
