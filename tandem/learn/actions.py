"""Writes of Learn: the practice's record of what it changed and when (audited; a stale edit is refused)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User

from .models import PracticeChange

EARLIEST = dt.date(2000, 1, 1)


class ChangeError(ValueError):
    """What is wrong, field by field (`problems`: field -> message)."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class StaleChange(ValueError):
    pass


def _check(*, on: dt.date | None, what: str, detail: str) -> dict[str, str]:
    problems = {}
    if on is None:
        problems["on"] = "Enter the date the change started, for example 1 4 2026"
    elif on > clock.today() + dt.timedelta(days=366):
        problems["on"] = "The date must be within the next year"
    elif on < EARLIEST:
        problems["on"] = "The date must be in 2000 or later"
    if not what.strip():
        problems["what"] = "Say in a few words what changed, for example New invitation letter"
    elif len(what) > 80:
        problems["what"] = f"Keep the label to 80 characters (it is {len(what)}): it is shown on the charts"
    if len(detail) > 1000:
        problems["detail"] = f"Keep this under 1,000 characters (it is {len(detail):,})"
    return problems


@transaction.atomic
def record_change(*, practice: Practice, by: User | None, on: dt.date | None, what: str, detail: str = "") -> PracticeChange:
    problems = _check(on=on, what=what, detail=detail)
    if problems:
        raise ChangeError(problems)
    change = PracticeChange.objects.create(practice=practice, on=on, what=what.strip(), detail=detail.strip(),
                                           created_at=clock.now(), created_by=by)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="learn.change", object_id=change.pk)
    return change


@transaction.atomic
def edit_change(*, change: PracticeChange, by: User | None, revision: int | None, on: dt.date | None, what: str,
                detail: str = "") -> PracticeChange:
    locked = PracticeChange.objects.select_for_update().get(pk=change.pk)
    if revision != locked.revision:
        raise StaleChange("Someone else changed this note while you were editing it. Nothing was saved: "
                          "here it is as it is now.")
    problems = _check(on=on, what=what, detail=detail)
    if problems:
        raise ChangeError(problems)
    locked.on, locked.what, locked.detail = on, what.strip(), detail.strip()
    locked.revision += 1
    locked.updated_at, locked.updated_by = clock.now(), by
    locked.save()
    audit.record(by=by, practice=locked.practice, action=AuditEvent.Action.UPDATE, what="learn.change",
                 object_id=locked.pk)
    return locked


@transaction.atomic
def remove_change(*, change: PracticeChange, by: User | None, revision: int | None) -> None:
    locked = PracticeChange.objects.select_for_update().get(pk=change.pk)
    if revision != locked.revision:
        raise StaleChange("Someone else changed this note while you were looking at it. Nothing was removed.")
    audit.record(by=by, practice=locked.practice, action=AuditEvent.Action.DELETE, what="learn.change",
                 object_id=locked.pk)
    locked.delete()
