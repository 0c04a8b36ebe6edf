"""The people around the patient, how to reach them, and what the practice must adjust."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..models import Patient
from .base import role_label


@dataclass(frozen=True)
class Person:
    name: str
    relationship: str
    roles: tuple[str, ...]  # Carer, Next of kin, Proxy access
    phone: str
    email: str


@dataclass(frozen=True)
class About:
    adjustments: tuple[str, ...]  # "Large print", "Interpreter: Polish"
    language: str  # preferred language when not English
    named_clinician: str
    named_clinician_role: str
    people: tuple[Person, ...]
    carers: int
    preferred_channel: str
    mobile: str
    phone: str
    email: str
    address: str
    registration: str
    registered_on: dt.date | None
    left_on: dt.date | None
    date_of_death: dt.date | None


def about(patient: Patient, *, named_clinician_role: str) -> About:
    adjustments = tuple(
        f"{a.get_kind_display()}: {a.detail}" if a.detail else a.get_kind_display()
        for a in sorted(patient.adjustments.all(), key=lambda a: a.get_kind_display())
    )
    people = tuple(
        Person(
            name=p.name, relationship=p.get_relationship_display(),
            roles=tuple(label for flag, label in ((p.is_carer, "Carer"), (p.is_next_of_kin, "Next of kin"),
                                                    (p.has_proxy_access, "Proxy access")) if flag),
            phone=p.phone, email=p.email,
        )
        for p in sorted(patient.related_people.all(), key=lambda p: (not p.is_carer, not p.is_next_of_kin, p.pk))
    )
    language = patient.preferred_language.strip()
    clinician = patient.named_clinician
    return About(
        adjustments=adjustments,
        language="" if language.lower() in ("", "english") else language,
        named_clinician=clinician.display_name if clinician else "",
        named_clinician_role=role_label(named_clinician_role) if named_clinician_role else "",
        people=people, carers=sum("Carer" in p.roles for p in people),
        preferred_channel=patient.get_preferred_channel_display(),
        mobile=patient.mobile, phone=patient.phone, email=patient.email, address=patient.address,
        registration=patient.get_registration_status_display(), registered_on=patient.registered_on,
        left_on=patient.left_on, date_of_death=patient.date_of_death,
    )
