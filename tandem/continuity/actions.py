"""Continuity's one write: the nightly figure of a practice's continuity with the named clinician."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User

from . import queries
from .models import NamedContinuity


@transaction.atomic
def record_named_continuity(*, practice: Practice, by: User | None, today: dt.date | None = None) -> NamedContinuity:
    """Work out and keep the practice's figure for the two years up to `today` (once a day; again replaces it)."""
    today = today or clock.today()
    found = queries.across_practices([practice.pk], today=today).named.get(practice.pk)
    row, _ = NamedContinuity.objects.update_or_create(practice=practice, on=today, defaults={
        "people": found.people if found else 0, "contacts": found.contacts if found else 0,
        "with_named": found.with_named if found else 0, "made_at": clock.now()})
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="continuity.named_figure",
                 object_id=row.pk)
    return row
