"""Recent contacts: appointments at the practice and hospital attendances and admissions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..models import Encounter, HospitalEvent
from .base import Tag, contacts_since, role_label

_ENCOUNTER_TAGS = {
    Encounter.Status.ATTENDED: Tag("Attended", "green"),
    Encounter.Status.DNA: Tag("Did not attend", "red"),
    Encounter.Status.CANCELLED: Tag("Cancelled", "grey"),
    Encounter.Status.BOOKED: Tag("Booked", "blue"),
}


@dataclass(frozen=True)
class ContactRow:
    date: dt.date
    kind: str
    clinician: str
    reason: str
    status: Tag


@dataclass(frozen=True)
class HospitalRow:
    start: dt.date
    end: dt.date | None
    kind: str
    reason: str
    nights: int | None


@dataclass(frozen=True)
class Contacts:
    booked: tuple[ContactRow, ...]  # ahead, soonest first
    past: tuple[ContactRow, ...]  # last 12 months, newest first
    attended: int
    did_not_attend: int
    hospital: tuple[HospitalRow, ...]  # last 12 months, newest first
    ae: int
    emergency_admissions: int
    planned_admissions: int
    last_hospital_before: HospitalRow | None


def _contact(row: Encounter) -> ContactRow:
    return ContactRow(date=row.date, kind=row.get_kind_display(),
                      clinician=role_label(row.clinician_role) if row.clinician_role else "",
                      reason=row.reason, status=_ENCOUNTER_TAGS[Encounter.Status(row.status)])


def _hospital(row: HospitalEvent) -> HospitalRow:
    stay = row.end_date and row.kind != HospitalEvent.Kind.AE_ATTENDANCE
    nights = (row.end_date - row.start_date).days if stay else None
    return HospitalRow(start=row.start_date, end=row.end_date, kind=row.get_kind_display(), reason=row.reason,
                       nights=nights)


def contacts(encounters: list[Encounter], hospital_events: list[HospitalEvent], *, today: dt.date) -> Contacts:
    since = contacts_since(today)
    past = [e for e in encounters if since <= e.date <= today and e.status != Encounter.Status.BOOKED]
    booked = sorted((e for e in encounters if e.date >= today and e.status == Encounter.Status.BOOKED),
                    key=lambda e: e.date)
    recent = [h for h in hospital_events if since <= h.start_date <= today]
    earlier = [h for h in hospital_events if h.start_date < since]
    kinds = [h.kind for h in recent]
    return Contacts(
        booked=tuple(_contact(e) for e in booked),
        past=tuple(_contact(e) for e in past),
        attended=sum(e.status == Encounter.Status.ATTENDED for e in past),
        did_not_attend=sum(e.status == Encounter.Status.DNA for e in past),
        hospital=tuple(_hospital(h) for h in recent),
        ae=kinds.count(HospitalEvent.Kind.AE_ATTENDANCE),
        emergency_admissions=kinds.count(HospitalEvent.Kind.EMERGENCY_ADMISSION),
        planned_admissions=kinds.count(HospitalEvent.Kind.ELECTIVE_ADMISSION),
        last_hospital_before=_hospital(earlier[0]) if earlier else None,
    )
