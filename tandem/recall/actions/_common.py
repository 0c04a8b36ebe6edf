"""Helpers shared by the recall actions: chunks, set-based status changes, history rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from tandem.core.models import Practice, User

from ..models import Review, ReviewEvent
from ..rules.status import Status

CHUNK = 2000


def _chunks(values: Sequence, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _set_status(ids: Sequence[int], *, status: Status, on: dt.date, now: dt.datetime, **more) -> None:
    for chunk in _chunks(list(ids)):
        Review.objects.filter(pk__in=chunk).update(status=status, status_on=on, updated_at=now, **more)


def _events(rows: Iterable[tuple[Review | int, str, str]], *, practice: Practice, on: dt.date, now: dt.datetime,
            by: User | None, **more) -> None:
    ReviewEvent.objects.bulk_create(
        [ReviewEvent(practice=practice, review_id=r if isinstance(r, int) else r.pk, kind=kind, status=status,
                     on=on, recorded_at=now, recorded_by=by, **more) for r, kind, status in rows],
        batch_size=CHUNK)
