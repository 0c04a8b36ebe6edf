"""Reads for a subject access request: everything Tandem holds about one person at this practice.
Always scoped to the practice; the caller audits the export (actions.subject_access)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

from tandem.careplans.models import CopyGiven, PlanVersion, Task, TaskEvent
from tandem.checkins.models import CheckIn
from tandem.core.models import AuditEvent, Membership, Practice
from tandem.messaging.models import OutboxMessage
from tandem.patients.models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
    PersonalTarget,
    ReasonableAdjustment,
    RelatedPerson,
)
from tandem.patients.queries import patients_of
from tandem.prepare.models import Agenda, Conversation, Pack, PackPreference
from tandem.recall.models import Invitation, RecallException, Review, ReviewEvent

from .models import SubjectAccessExport


@dataclass
class Held:
    patient: Patient
    adjustments: list[ReasonableAdjustment] = field(default_factory=list)
    related: list[RelatedPerson] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    encounters: list[Encounter] = field(default_factory=list)
    hospital: list[HospitalEvent] = field(default_factory=list)
    targets: list[PersonalTarget] = field(default_factory=list)
    versions: list[PlanVersion] = field(default_factory=list)
    copies: list[CopyGiven] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    task_events: list[TaskEvent] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    review_events: list[ReviewEvent] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    exceptions: list[RecallException] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    packs: list[Pack] = field(default_factory=list)
    pack_preference: PackPreference | None = None
    replies: list[Agenda] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    roles: dict[int, str] = field(default_factory=dict)  # user id -> role in this practice


def patient_of(practice: Practice, patient_id: int) -> Patient:
    """The person at this practice, or not found (the same for another practice's person)."""
    try:
        return patients_of(practice).select_related("named_clinician").get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient in this practice") from None


def held_about(practice: Practice, patient: Patient) -> Held:
    """Everything held about the person, oldest first within each kind (the audit log newest first)."""
    if patient.practice_id != practice.pk:
        raise Http404("No such patient in this practice")
    mine = {"practice": practice, "patient": patient}
    reviews = list(Review.objects.filter(**mine).order_by("review_year", "pk"))
    held = Held(
        patient=patient,
        adjustments=list(ReasonableAdjustment.objects.filter(patient=patient).order_by("pk")),
        related=list(RelatedPerson.objects.filter(patient=patient).order_by("pk")),
        conditions=list(Condition.objects.filter(**mine).order_by("onset_date", "pk")),
        observations=list(Observation.objects.filter(**mine).order_by("effective_date", "concept", "pk")),
        medications=list(Medication.objects.filter(**mine).order_by("start_date", "pk")),
        encounters=list(Encounter.objects.filter(**mine).order_by("date", "pk")),
        hospital=list(HospitalEvent.objects.filter(**mine).order_by("start_date", "pk")),
        targets=list(PersonalTarget.objects.filter(**mine).select_related("agreed_by").order_by("agreed_on", "pk")),
        versions=list(PlanVersion.objects.filter(**mine).select_related("created_by", "conversation__clinician")
                      .order_by("version")),
        copies=list(CopyGiven.objects.filter(practice=practice, version__patient=patient)
                    .select_related("version").order_by("on", "pk")),
        tasks=list(Task.objects.filter(**mine).select_related("to_user").order_by("created_at", "pk")),
        task_events=list(TaskEvent.objects.filter(**mine).select_related("task", "by", "to_user").order_by("at", "pk")),
        checkins=list(CheckIn.objects.filter(**mine).select_related("answer").order_by("opened_on", "pk")),
        reviews=reviews,
        review_events=list(ReviewEvent.objects.filter(practice=practice, review__in=reviews)
                           .select_related("review").order_by("on", "pk")),
        invitations=list(Invitation.objects.filter(practice=practice, review__in=reviews).order_by("sent_on", "pk")),
        exceptions=list(RecallException.objects.filter(**mine).order_by("on", "pk")),
        conversations=list(Conversation.objects.filter(**mine).select_related("clinician").order_by("starts_at", "pk")),
        packs=list(Pack.objects.filter(**mine).order_by("sent_on", "pk")),
        pack_preference=PackPreference.objects.filter(**mine).first(),
        replies=list(Agenda.objects.filter(**mine).select_related("conversation").order_by("submitted_at", "pk")),
        messages=list(OutboxMessage.objects.filter(**mine).order_by("created_at", "pk")),
        audit=list(AuditEvent.objects.filter(practice=practice, patient_id=patient.pk)
                   .select_related("user").order_by("-at", "-pk")),
    )
    users = {e.user_id for e in held.audit if e.user_id} | {v.created_by_id for v in held.versions if v.created_by_id}
    held.roles = dict(Membership.with_left.filter(practice=practice, user_id__in=users).values_list("user_id", "role"))
    return held



def exports_of(practice: Practice, patient: Patient) -> list[SubjectAccessExport]:
    """The copies asked for this person, newest first (without their ZIPs)."""
    return list(SubjectAccessExport.objects.filter(practice=practice, patient=patient).defer("zip")
                .select_related("job", "requested_by").order_by("-requested_at", "-pk"))


def export_to_download(practice: Practice, patient: Patient) -> SubjectAccessExport | None:
    """The newest copy made for this person at this practice, if it is still kept; otherwise None
    (an older copy is replaced by a newer one: only the newest is given out)."""
    newest = (SubjectAccessExport.objects.filter(practice=practice, patient=patient, made_at__isnull=False)
              .order_by("-made_at", "-pk").first())
    return None if newest is None or newest.removed_at is not None else newest
