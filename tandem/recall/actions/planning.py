"""Planning the year's reviews: everyone on a register gets one, set-based."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.patients.models import RegistrationStatus
from tandem.registers import queries as register_queries

from .. import queries, stored
from ..models import Review, ReviewEvent
from ..rules import dates, schedule
from ..rules import status as status_rules
from ..rules.status import Status
from ._common import CHUNK, _events, _set_status

logger = logging.getLogger(__name__)


@dataclass
class PlanSummary:
    review_year: int
    created: int = 0
    withdrawn: int = 0
    reopened: int = 0


def plan_reviews(*, practice: Practice, by: User | None, today: dt.date | None = None) -> PlanSummary:
    """Give everyone on a register who has no review this review year a planned review, due in the
    month the practice's scheme gives; take reviews not yet done off people no longer on any
    register (or no longer registered); put back those who are on one again. Idempotent."""
    today = today or clock.today()
    year = dates.review_year_of(today)
    settings = queries.settings_for(practice)
    summary = PlanSummary(review_year=year)
    now = clock.now()
    with transaction.atomic():
        list(Practice.objects.select_for_update().filter(pk=practice.pk).values_list("pk", flat=True))
        people: dict[int, tuple[dt.date, list[str]]] = {}
        for patient_id, register, born in (
            register_queries.members(practice)
            .filter(patient__registration_status=RegistrationStatus.REGISTERED)
            .values_list("patient_id", "register", "patient__date_of_birth")
        ):
            people.setdefault(patient_id, (born, []))[1].append(register)
        existing = {pid: (pk, status, stage) for pid, pk, status, stage in
                    Review.objects.filter(practice=practice, review_year=year)
                    .values_list("patient_id", "pk", "status", "stage")}
        new = [
            Review(practice=practice, patient_id=pid, review_year=year, status=Status.PLANNED, status_on=today,
                   created_at=now, updated_at=now,
                   due_month=schedule.planned_due_month(
                       today=today, review_year=year, patient_id=pid, date_of_birth=born, conditions=registers,
                       scheme=settings.scheme, condition_months=settings.month_pairs()))
            for pid, (born, registers) in sorted(people.items()) if pid not in existing
        ]
        Review.objects.bulk_create(new, batch_size=CHUNK)
        stored.refresh(practice.pk, [r.patient_id for r in new])
        if any(r.pk is None for r in new):
            wanted = {r.patient_id for r in new}
            ids = dict(Review.objects.filter(practice=practice, review_year=year)
                       .values_list("patient_id", "pk"))
            for r in new:
                r.pk = ids[r.patient_id] if r.patient_id in wanted else None
        _events(((r, ReviewEvent.Kind.PLANNED, Status.PLANNED) for r in new), practice=practice, on=today,
                now=now, by=by)
        summary.created = len(new)

        open_values = {s.value for s in status_rules.OPEN}
        gone = [(pid, pk) for pid, (pk, status, _stage) in existing.items()
                if pid not in people and status in open_values]
        _set_status([pk for _, pk in gone], status=Status.WITHDRAWN, on=today, now=now)
        _events(((pk, ReviewEvent.Kind.WITHDRAWN, Status.WITHDRAWN) for _, pk in gone), practice=practice,
                on=today, now=now, by=by)
        summary.withdrawn = len(gone)

        back = [(pid, pk, Status.INVITED if stage else Status.PLANNED)
                for pid, (pk, status, stage) in existing.items() if pid in people and status == Status.WITHDRAWN]
        for target in (Status.PLANNED, Status.INVITED):
            _set_status([pk for _, pk, s in back if s is target], status=target, on=today, now=now)
        _events(((pk, ReviewEvent.Kind.REOPENED, s) for _, pk, s in back), practice=practice, on=today,
                now=now, by=by)
        summary.reopened = len(back)

        if new:
            audit.record_many(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="recall.review",
                              patient_ids=[r.patient_id for r in new], detail={"review_year": year})
        changed = [pid for pid, _ in gone] + [pid for pid, _, _ in back]
        if changed:
            audit.record_many(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="recall.review",
                              patient_ids=changed, detail={"review_year": year, "withdrawn": len(gone),
                                                           "reopened": len(back)})
        stored.recount_unplanned(practice.pk, year)
        audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="recall.plan",
                     detail={"review_year": year, "created": summary.created, "withdrawn": summary.withdrawn,
                             "reopened": summary.reopened})
    logger.info("recall: planned practice %s year %s: %s new, %s withdrawn, %s reopened", practice.pk, year,
                summary.created, summary.withdrawn, summary.reopened)
    return summary
