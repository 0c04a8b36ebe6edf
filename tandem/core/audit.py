"""Writing the audit log. Every read or change of patient data calls one of these."""

from __future__ import annotations

from collections.abc import Iterable

from . import clock
from .models import AuditEvent, Practice, User


def record(
    *,
    by: User | None,
    practice: Practice | None,
    action: str,
    what: str,
    patient_id: int | None = None,
    object_id: str | int = "",
    detail: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        at=clock.now(),
        user=by,
        practice=practice,
        action=action,
        what=what,
        patient_id=patient_id,
        object_id=str(object_id),
        detail=detail or {},
    )


def record_many(
    *,
    by: User | None,
    practice: Practice | None,
    action: str,
    what: str,
    patient_ids: Iterable[int],
    detail: dict | None = None,
    batch_size: int = 5000,
) -> int:
    """One audit row per patient, written in bulk (imports, synthetic loads)."""
    at = clock.now()
    rows = [
        AuditEvent(
            at=at, user=by, practice=practice, action=action, what=what,
            patient_id=pid, detail=detail or {},
        )
        for pid in patient_ids
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
