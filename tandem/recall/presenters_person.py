"""Shapes one person's administrative page: contact details, how to reach them, reasonable
adjustments, their annual reviews and invitations. No clinical detail. No queries, no writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from tandem.messaging.actions import reachable_channels
from tandem.patients.models import Channel, ReasonableAdjustment, RelatedPerson
from tandem.patients.presenters import named_clinician_text

from . import queries
from .presenters import TAG_COLOURS, appointment_text, day
from .rules import dates, delivery, schedule
from .rules.status import STATUS_LABELS, Status


@dataclass(frozen=True)
class ReviewLine:
    year: str
    due: str
    status_label: str
    tag_class: str
    booked: str
    url: str


@dataclass(frozen=True)
class InvitationLine:
    sent: str
    what: str
    how: str
    year: str


@dataclass(frozen=True)
class PersonPage:
    patient_id: int
    name: str
    nhs_number: str
    date_of_birth: str
    address: str
    phone: str
    mobile: str
    email: str
    preferred_channel: str
    preferred_language: str
    invited_by: str
    invite_notes: list[str]
    adjustments: list[str]
    related: list[str]
    reviews: list[ReviewLine]
    invitations: list[InvitationLine]
    named_clinician: str | None = None  # as the patient banner says it (tandem.patients.presenters)


def _related(person: RelatedPerson) -> str:
    roles = [label for flag, label in ((person.is_carer, "carer"), (person.is_next_of_kin, "next of kin"),
                                       (person.has_proxy_access, "proxy access")) if flag]
    text = f"{person.name} ({RelatedPerson.Relationship(person.relationship).label.lower()}"
    text += (", " + ", ".join(roles) if roles else "") + ")"
    contacts = [c for c in (person.phone, person.email) if c]
    return text + (": " + ", ".join(contacts) if contacts else "")


def _adjustment(a: ReasonableAdjustment) -> str:
    label = ReasonableAdjustment.Kind(a.kind).label
    return f"{label}: {a.detail}" if a.detail else label


def person_page(record: queries.PersonAdmin, *, today: dt.date) -> PersonPage:
    patient = record.patient
    how = delivery.choose(preferred=patient.preferred_channel, reachable=reachable_channels(patient),
                          adjustments={a.kind for a in record.adjustments})
    years = {r.pk: dates.review_year_label(r.review_year) for r in record.reviews}
    return PersonPage(
        patient_id=patient.pk, name=patient.full_name, nhs_number=patient.nhs_number_display,
        date_of_birth=day(patient.date_of_birth), address=patient.address, phone=patient.phone,
        mobile=patient.mobile, email=patient.email,
        preferred_channel=Channel(patient.preferred_channel).label if patient.preferred_channel else "",
        preferred_language=patient.preferred_language, invited_by=how.label, invite_notes=list(how.notes),
        adjustments=[_adjustment(a) for a in record.adjustments],
        related=[_related(p) for p in record.related],
        reviews=[ReviewLine(year=years[r.pk], due=dates.month_label(r.due_month),
                            status_label=STATUS_LABELS[Status(r.status)], tag_class=TAG_COLOURS[Status(r.status)],
                            booked=appointment_text(r.booked_for, r.booked_time) if r.status == Status.BOOKED else "",
                            url=reverse("recall:review", kwargs={"patient_id": patient.pk})
                            if r.review_year == dates.review_year_of(today) else "")
                 for r in record.reviews],
        invitations=[InvitationLine(sent=day(i.sent_on),
                                    what=schedule.stage_name(i.stage, i.round).capitalize(),
                                    how=delivery.Delivery(i.channel, i.variant).label,
                                    year=years.get(i.review_id, ""))
                     for i in record.invitations],
        named_clinician=named_clinician_text(patient),
    )
