"""The practice's recall settings; changing the scheme moves reviews not yet invited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.registers import queries as register_queries
from tandem.terminology import codelists

from .. import stored
from ..models import RecallSettings, Review, ReviewEvent
from ..rules import dates, schedule
from ..rules.status import Status
from ._common import CHUNK, _events


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class SettingsChange:
    scheme: str
    condition_months: tuple[tuple[str, int], ...]
    first_invitation_weeks: int
    reminder_weeks: tuple[int, ...]
    response_wait_days: int
    hca_minutes: int
    nurse_minutes: int
    pharmacist_minutes: int
    gp_minutes: int


def save_settings(*, practice: Practice, by: User | None, change: SettingsChange) -> tuple[RecallSettings, int]:
    """Save the practice's recall settings. Reviews not yet invited this year move to the due month the
    new scheme gives them. Returns the settings and how many reviews moved."""
    try:
        schedule.Scheme(change.scheme)
        schedule.InvitationPolicy(first_weeks_before=change.first_invitation_weeks,
                                  reminder_weeks=tuple(change.reminder_weeks),
                                  response_wait_days=change.response_wait_days)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    for slug, month in change.condition_months:
        if slug not in codelists.LTC_SLUGS:
            raise SettingsError("Choose conditions from the list of registers.")
        if not 1 <= int(month) <= 12:
            raise SettingsError("Each condition's month must be 1 to 12.")
    now = clock.now()
    today = clock.today()
    with transaction.atomic():
        settings, _ = RecallSettings.objects.select_for_update().get_or_create(practice=practice)
        before = (settings.scheme, settings.month_pairs())
        settings.scheme = change.scheme
        settings.condition_months = [[slug, int(month)] for slug, month in change.condition_months]
        settings.first_invitation_weeks = change.first_invitation_weeks
        settings.reminder_weeks = list(change.reminder_weeks)
        settings.response_wait_days = change.response_wait_days
        settings.hca_minutes = change.hca_minutes
        settings.nurse_minutes = change.nurse_minutes
        settings.pharmacist_minutes = change.pharmacist_minutes
        settings.gp_minutes = change.gp_minutes
        settings.updated_at, settings.updated_by = now, by
        settings.save()
        moved = 0
        if before != (settings.scheme, settings.month_pairs()):
            moved = _replan(practice=practice, settings=settings, today=today, now=now, by=by)
        audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="recall.settings",
                     object_id=settings.pk, detail={"scheme": settings.scheme, "moved": moved})
    return settings, moved


def _replan(*, practice: Practice, settings: RecallSettings, today: dt.date, now: dt.datetime,
            by: User | None) -> int:
    year = dates.review_year_of(today)
    waiting = list(Review.objects.filter(practice=practice, review_year=year, status=Status.PLANNED, stage=0,
                                         round=1).select_related("patient"))
    registers: dict[int, list[str]] = {}
    for pid, slug in (register_queries.members(practice).filter(patient_id__in=[r.patient_id for r in waiting])
                      .values_list("patient_id", "register")):
        registers.setdefault(pid, []).append(slug)
    changed = []
    for review in waiting:
        due = schedule.planned_due_month(today=today, review_year=year, patient_id=review.patient_id,
                                         date_of_birth=review.patient.date_of_birth,
                                         conditions=registers.get(review.patient_id, []), scheme=settings.scheme,
                                         condition_months=settings.month_pairs())
        if due != review.due_month:
            review.due_month, review.updated_at = due, now
            changed.append(review)
    Review.objects.bulk_update(changed, ["due_month", "updated_at"], batch_size=CHUNK)
    if changed:
        stored.touched(practice.pk)
    _events(((r, ReviewEvent.Kind.REPLANNED, Status.PLANNED) for r in changed), practice=practice, on=today,
            now=now, by=by)
    if changed:
        audit.record_many(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="recall.review",
                          patient_ids=[r.patient_id for r in changed], detail={"replanned": True})
    return len(changed)
