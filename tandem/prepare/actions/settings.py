"""The practice's choice of when packs go out."""

from __future__ import annotations

from django.db import transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User

from ..models import PrepareSettings
from ..rules import timing


@transaction.atomic
def save_settings(*, practice: Practice, by: User | None, earliest: int, latest: int,
                  expected_version: int | None = None) -> PrepareSettings | None:
    """Save the sending window. Returns None (and changes nothing) when someone else saved since the
    version the person started from (`expected_version`; 0 = the defaults, never saved)."""
    timing.check(earliest, latest)
    current = PrepareSettings.objects.select_for_update().filter(practice=practice).first()
    seen = current.version if current else 0
    if expected_version is not None and expected_version != seen:
        return None
    if current is None:
        current = PrepareSettings(practice=practice, version=0)
    current.send_earliest_days, current.send_latest_days = earliest, latest
    current.version += 1
    current.updated_at, current.updated_by = clock.now(), by
    current.save()
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="prepare.settings",
                 detail={"earliest": earliest, "latest": latest})
    return current
