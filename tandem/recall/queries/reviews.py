"""Reads of the practice's recall settings, its reviews, one person's administrative record and the
board's notes (last planned, people not yet planned, cohorts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from tandem.core.compiled import CompiledRead
from tandem.core.models import AuditEvent, Practice, User
from tandem.patients.models import Patient, ReasonableAdjustment, RelatedPerson
from tandem.patients.queries import get_patient
from tandem.registers import queries as register_queries
from tandem.registers.models import Cohort

from .. import stored
from ..models import Invitation, RecallException, RecallSettings, Review, ReviewEvent
from ..rules import dates

# --- Settings ------------------------------------------------------------------------------


_SETTINGS = CompiledRead(lambda practice_id: RecallSettings.objects.filter(practice_id=practice_id).order_by("pk")[:1],
                         "practice_id", models=True)


def settings_for(practice: Practice) -> RecallSettings:
    found = _SETTINGS.run(practice_id=practice.pk)
    return found[0] if found else RecallSettings(practice=practice)


# --- Reviews -------------------------------------------------------------------------------


def reviews_of(practice: Practice) -> QuerySet[Review]:
    return Review.objects.filter(practice=practice)


def get_review(*, practice: Practice, pk: int) -> Review:
    """The review with this id in this practice; 404 otherwise (another practice's does not exist here)."""
    try:
        return reviews_of(practice).select_related("patient").get(pk=pk)
    except (Review.DoesNotExist, ValueError, TypeError):
        raise Http404("No such review in this practice") from None


def current_review(*, practice: Practice, patient_id: int, today: dt.date) -> Review | None:
    return (reviews_of(practice).filter(patient_id=patient_id, review_year=dates.review_year_of(today))
            .select_related("patient").first())


#: The review page lists its history newest first: by the day it happened, then (for things on the
#: same day) the order they were recorded, and the row id as the last, stable tie-break.
HISTORY_ORDER = ("-on", "-recorded_at", "-pk")


def review_history(review: Review) -> tuple[list[ReviewEvent], list[Invitation], list[RecallException]]:
    """The review's history newest first (HISTORY_ORDER), its invitations and its exceptions."""
    return (list(review.events.select_related("recorded_by").order_by(*HISTORY_ORDER)),
            list(review.invitations.all()),
            list(review.exceptions.order_by("recorded_at", "pk")))


@dataclass
class PersonAdmin:
    """What the administrative page shows: contact details, preferences, adjustments, reviews and
    invitations. Nothing clinical (no conditions, results or medicines) is loaded."""

    patient: Patient
    adjustments: list[ReasonableAdjustment]
    related: list[RelatedPerson]
    reviews: list[Review]
    invitations: list[Invitation]


def person_admin(*, practice: Practice, patient_id: int, by: User) -> PersonAdmin:
    """One person's administrative record in this practice, audited as viewed ("patient.admin"); 404
    for another practice's patient."""
    patient = get_patient(practice=practice, pk=patient_id, by=by, what="patient.admin")
    return PersonAdmin(
        patient=patient,
        adjustments=list(ReasonableAdjustment.objects.filter(patient=patient).order_by("kind")),
        related=list(RelatedPerson.objects.filter(patient=patient).order_by("name", "pk")),
        reviews=list(reviews_of(practice).filter(patient=patient).order_by("-review_year")),
        invitations=list(Invitation.objects.filter(practice=practice, review__patient=patient)
                         .select_related("review").order_by("-sent_on", "-round", "-stage", "-pk")),
    )



# The board reads these on every view; their SQL is written once per process (CompiledRead, or
# cached by what it depends on) rather than by the ORM on every request.

_LAST_PLANNED = CompiledRead(lambda practice_id: AuditEvent.objects.filter(
    practice_id=practice_id, what="recall.plan").order_by("-at", "-id")[:1], "practice_id", models=True)
_COHORTS = CompiledRead(lambda practice_id: register_queries.cohorts(Practice(pk=practice_id)), "practice_id",
                        models=True)


def last_planned(practice: Practice) -> AuditEvent | None:
    """When the review list was last brought up to date with the registers."""
    found = _LAST_PLANNED.run(practice_id=practice.pk)
    return found[0] if found else None


def unplanned_count(practice: Practice, *, today: dt.date, known: tuple | None = None) -> int:
    """Registered people on a register with no review this review year (planning would add them):
    the count kept by tandem.recall.stored. `known`: the practice's state (stored.state) if already read."""
    return stored.unplanned(practice.pk, dates.review_year_of(today), known)


def cohorts(practice: Practice) -> list[Cohort]:
    return _COHORTS.run(practice_id=practice.pk)
