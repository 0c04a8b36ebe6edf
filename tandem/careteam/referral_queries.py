"""Reads for the referrals to an organisation outside the practice, as its professionals see them: only
referrals to the organisations they work for now (tandem.careteam.queries.roles_of), each made by the
practice that keeps that organisation on its list. Anything else is not there (404), whether or not they
are in the person's care team. They see the referral and who the person is, never the plan itself."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.http import Http404

from tandem.careplans.models import Task, TaskEvent
from tandem.careplans.rules.tasks import FINISHED, UNFINISHED
from tandem.core import audit
from tandem.core.models import AuditEvent, Membership, Practice, ProviderStaff, User

#: the finished referrals shown below the open ones (the latest first)
FINISHED_SHOWN = 50


def _theirs(roles: list[ProviderStaff]) -> QuerySet[Task]:
    ids = sorted({r.provider_id for r in roles})
    if not ids:
        return Task.objects.none()
    # a referral made by the practice whose list the organisation is on (never another practice's)
    return Task.objects.filter(to_provider_id__in=ids, practice_id=F("to_provider__practice_id"))


def open_referrals(roles: list[ProviderStaff], today: dt.date) -> list[Task]:
    """Referrals waiting or under way: overdue first, then waiting (requested), accepted, in progress; then by
    the date wanted (none last), the oldest first."""
    overdue = Case(When(due_on__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField())
    stage = Case(*(When(status=s, then=Value(i)) for i, s in enumerate(UNFINISHED)), default=Value(9),
                 output_field=IntegerField())
    return list(_theirs(roles).filter(status__in=UNFINISHED)
                .select_related("patient", "to_provider", "practice")
                .order_by(overdue, stage, F("due_on").asc(nulls_last=True), "created_at", "pk"))


def finished_referrals(roles: list[ProviderStaff]) -> list[Task]:
    """The latest finished ones (completed, rejected, or cancelled by the practice), newest first."""
    return list(_theirs(roles).filter(status__in=FINISHED).select_related("patient", "to_provider", "practice")
                .order_by(F("updated_at").desc(nulls_last=True), "-pk")[:FINISHED_SHOWN])


def referral_for(roles: list[ProviderStaff], pk: int) -> Task:
    """One referral to their organisation, with the person, who referred and the practice; else 404."""
    task = (_theirs(roles).filter(pk=pk)
            .select_related("patient", "to_provider", "practice", "created_by", "patient__named_clinician").first())
    if task is None:
        raise Http404("No such referral to your organisation.")
    return task


def history(task: Task) -> list[TaskEvent]:
    return list(TaskEvent.objects.filter(practice_id=task.practice_id, task=task).select_related("by")
                .order_by("at", "pk"))


def referrer_role(task: Task) -> str:
    """The role at the practice of whoever made the referral ("" if they have none there now)."""
    if task.created_by_id is None:
        return ""
    return (Membership.objects.filter(practice_id=task.practice_id, user_id=task.created_by_id)
            .values_list("role", flat=True).first()) or ""


def audit_queue(*, by: User, tasks: list[Task]) -> None:
    """The people a queue shows, audited as read, under each one's own practice."""
    by_practice: dict[int, list[int]] = {}
    for task in tasks:
        by_practice.setdefault(task.practice_id, []).append(task.patient_id)
    for practice_id, ids in sorted(by_practice.items()):
        audit.record_many(by=by, practice=Practice(pk=practice_id), action=AuditEvent.Action.VIEW,
                          what="careteam.referrals", patient_ids=ids)


def audit_read(*, by: User, task: Task) -> None:
    audit.record(by=by, practice=task.practice, action=AuditEvent.Action.VIEW, what="careteam.referral",
                 patient_id=task.patient_id, object_id=task.pk, detail={"provider": task.to_provider_id})
