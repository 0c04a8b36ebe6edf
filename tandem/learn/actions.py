"""Writes of Learn: the practice's record of what it changed and when (audited; a stale edit is refused), and
evaluation projects and the record of each export made for one (audited)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, OrganisationGroup, Practice, User

from .models import EvaluationExport, EvaluationProject, MeasureTarget, PracticeChange

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


# --- Evaluation projects and their exports ----------------------------------------------------------

PROJECT_NAME_MAX = 120
PROJECT_PURPOSE_MAX = 2000
EXPORT_PURPOSE_MAX = 1000


class ExportError(ValueError):
    """What is wrong, field by field (`problems`: field -> message); nothing was written."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def _text_problem(value: str, *, limit: int, empty: str, name: str) -> str | None:
    if not value.strip():
        return empty
    if len(value) > limit:
        return f"Keep {name} to {limit:,} characters (it is {len(value):,})"
    return None


def check_project(*, name: str, purpose: str) -> dict[str, str]:
    problems = {}
    if problem := _text_problem(name, limit=PROJECT_NAME_MAX, name="the name",
                                empty="Enter a name for the evaluation, for example Care planning in Riverside PCN 2026"):
        problems["name"] = problem
    if problem := _text_problem(purpose, limit=PROJECT_PURPOSE_MAX, name="the purpose",
                                empty="Say what the evaluation is for and who will use the data"):
        problems["purpose"] = problem
    return problems


@transaction.atomic
def create_project(*, by: User | None, name: str, purpose: str, practice: Practice | None = None,
                   group: OrganisationGroup | None = None) -> EvaluationProject:
    """A new evaluation project for one practice or one group (exactly one), with its own secret key."""
    if (practice is None) == (group is None):
        raise ValueError("An evaluation project covers one practice or one group.")
    problems = check_project(name=name, purpose=purpose)
    if problems:
        raise ExportError(problems)
    project = EvaluationProject.objects.create(
        name=name.strip(), purpose=purpose.strip(), practice=practice, group=group,
        key=secrets.token_hex(32), created_at=clock.now(), created_by=by)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="learn.evaluation_project",
                 object_id=project.pk, detail={"group": group.pk} if group else None)
    return project


def check_export(*, purpose: str, fmt: str) -> dict[str, str]:
    problems = {}
    if fmt not in EvaluationExport.Format.values:
        problems["format"] = "Choose CSV or Parquet"
    if problem := _text_problem(purpose, limit=EXPORT_PURPOSE_MAX, name="the purpose",
                                empty="Say what this download is for and who will receive it"):
        problems["purpose"] = problem
    return problems


@transaction.atomic
def record_export(*, project: EvaluationProject, by: User | None, purpose: str, fmt: str, rows: int,
                  left_out: int) -> EvaluationExport:
    """The record of one download, with its audit row (the project and this record, whose purpose says why:
    the audit log itself holds no free text)."""
    problems = check_export(purpose=purpose, fmt=fmt)
    if problems:
        raise ExportError(problems)
    export = EvaluationExport.objects.create(project=project, at=clock.now(), by=by, purpose=purpose.strip(),
                                             format=fmt, rows=rows, left_out=left_out)
    audit.record(by=by, practice=project.practice, action=AuditEvent.Action.EXPORT, what="learn.evaluation_export",
                 object_id=export.pk, detail={"project": project.pk, "export": export.pk, "format": fmt,
                                              "rows": rows, **({"group": project.group_id} if project.group_id else {})})
    return export


# --- Targets for the practice's monthly measures ------------------------------------------------------------


class TargetError(ValueError):
    """A target that cannot be set: the message says why, for the person setting it."""


def latest_targets(practice: Practice) -> dict[str, MeasureTarget]:
    """The target row that applies to each measure (the latest set; its value None when taken away)."""
    out: dict[str, MeasureTarget] = {}
    for row in MeasureTarget.objects.filter(practice=practice).select_related("set_by").order_by("measure", "-pk"):
        out.setdefault(row.measure, row)
    return out


@transaction.atomic
def set_target(*, practice: Practice, by: User | None, measure: str, value: float | None, seen: int,
               limits: dict[str, tuple[float, float]]) -> MeasureTarget:
    """Set (or, with None, take away) the target of one of the practice's measures. `seen` is the id of the
    target row the person was looking at (0 for none): if someone set it meanwhile, nothing changes and the
    message says what it is now. `limits`: each measure's plausible (lowest, highest)."""
    if measure not in limits:
        raise TargetError("There is no such chart.")
    lowest, highest = limits[measure]
    if value is not None and not lowest <= value <= highest:
        raise TargetError(f"Enter a target from {lowest:g} to {highest:,g}, or leave it empty to take the target away.")
    list(Practice.objects.select_for_update().filter(pk=practice.pk).values_list("pk", flat=True))
    current = MeasureTarget.objects.filter(practice=practice, measure=measure).order_by("-pk").first()
    if (current.pk if current else 0) != seen:
        now = "none" if current is None or current.value is None else f"{current.value:g}"
        raise TargetError(f"Someone else set this target while you were looking at it: it is now {now}. Check it "
                          "and set it again if it still needs changing.")
    row = MeasureTarget.objects.create(practice=practice, measure=measure, value=value, set_at=clock.now(), set_by=by)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="learn.target", object_id=row.pk,
                 detail={"measure": measure})
    return row
