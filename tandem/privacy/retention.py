"""How long the audit log is kept: the one sanctioned way rows leave it.

The audit log is append-only (ADR 5): its queryset refuses `delete()`. Rows older than the
retention period (settings.TANDEM_AUDIT_RETENTION_DAYS, from the environment variable of the same
name; 8 years by default) are removed here and nowhere else, oldest first in batches, each batch in
its own short transaction. Each run is itself recorded in the log: one row per practice whose rows
were removed (counts and the cut-off only), which is never older than the cut-off, so the record of
a removal outlives what it removed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User

from .models import SubjectAccessExport

logger = logging.getLogger(__name__)

WHAT = "audit.retention"
BATCH = 5000


@dataclass
class Removed:
    before: dt.datetime
    days: int
    by_practice: dict[int | None, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_practice.values())

    def text(self, *, dry_run: bool = False) -> str:
        older = f"older than {self.days:,} days (before {self.before.day} {self.before:%B %Y})"
        if not self.total:
            return f"No audit rows {older}: nothing to remove."
        return f"{'Would remove' if dry_run else 'Removed'} {self.total:,} audit rows {older}."


def retention_days() -> int:
    return int(settings.TANDEM_AUDIT_RETENTION_DAYS)


def cutoff(now: dt.datetime, days: int) -> dt.datetime:
    """Rows at or after this moment are kept."""
    if days < 1:
        raise ValueError("The audit log must be kept for at least one day.")
    return now - dt.timedelta(days=days)


def remove_expired(*, by: User | None = None, days: int | None = None, batch: int = BATCH,
                   dry_run: bool = False) -> Removed:
    """Remove audit rows older than the retention period; `dry_run` counts them only."""
    days = retention_days() if days is None else days
    result = Removed(before=cutoff(clock.now(), days), days=days)
    expired = AuditEvent.objects.filter(at__lt=result.before)
    if dry_run:
        for practice_id, count in expired.values_list("practice_id").annotate(n=models.Count("pk")).order_by():
            result.by_practice[practice_id] = count
        return result
    while True:
        with transaction.atomic():
            ids = list(expired.order_by("at", "pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            rows = AuditEvent.objects.filter(pk__in=ids)
            for practice_id, count in rows.values_list("practice_id").annotate(n=models.Count("pk")).order_by():
                result.by_practice[practice_id] = result.by_practice.get(practice_id, 0) + count
            # The sanctioned path past the append-only queryset: Django's own delete on the rows chosen.
            models.QuerySet.delete(rows)
    _record(result, by=by)
    logger.info("audit retention: removed %s rows older than %s days", result.total, days)
    return result


def _record(result: Removed, *, by: User | None) -> None:
    if not result.total:
        return
    practices = {p.pk: p for p in Practice.objects.filter(pk__in=[k for k in result.by_practice if k is not None])}
    with transaction.atomic():
        for practice_id, count in sorted(result.by_practice.items(), key=lambda item: (item[0] is None, item[0] or 0)):
            audit.record(by=by, practice=practices.get(practice_id), action=AuditEvent.Action.DELETE, what=WHAT,
                         detail={"removed": count, "before": result.before.date().isoformat(), "days": result.days})


def remove_old_copies(*, by: User | None = None, days: int | None = None) -> int:
    """Remove the ZIPs of people's copies of their data made more than TANDEM_SUBJECT_ACCESS_KEEP_DAYS
    ago (the row stays, marked removed, as the record that a copy was made). Returns how many."""
    days = int(settings.TANDEM_SUBJECT_ACCESS_KEEP_DAYS) if days is None else days
    now = clock.now()
    with transaction.atomic():
        old = SubjectAccessExport.objects.filter(made_at__lt=cutoff(now, days), removed_at__isnull=True)
        rows = list(old.values_list("pk", "practice_id", "patient_id"))
        old.update(zip=b"", size=0, removed_at=now)
        for pk, practice_id, patient_id in rows:
            audit.record(by=by, practice=Practice(pk=practice_id), action=AuditEvent.Action.DELETE,
                         what="privacy.subject_access", patient_id=patient_id, object_id=pk,
                         detail={"kept_days": days})
    if rows:
        logger.info("subject access: removed %s copies older than %s days", len(rows), days)
    return len(rows)


def remove_old_sign_in_records(*, days: int | None = None) -> int:
    """Remove the sign-in lock-out library's records of sign-ins and failed attempts (username, address,
    browser) older than the log retention period (TANDEM_LOG_RETENTION_DAYS, 30 by default): they are
    kept as long as the logs, not as long as the audit. Returns how many rows went."""
    from axes.models import AccessFailureLog, AccessLog

    days = int(settings.LOG_RETENTION_DAYS) if days is None else days
    before = cutoff(clock.now(), days)
    with transaction.atomic():
        removed = AccessLog.objects.filter(attempt_time__lt=before).delete()[0]
        removed += AccessFailureLog.objects.filter(attempt_time__lt=before).delete()[0]
    if removed:
        logger.info("sign-in records: removed %s rows older than %s days", removed, days)
    return removed

