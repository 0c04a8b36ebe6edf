"""Writes of a task's lifecycle: accept, start, complete (with an outcome), decline (with a reason),
cancel, reassign to a person or a role, change the due date. Each is one transaction: the task
locked and checked against the revision the page showed (a stale page saves nothing), the change, a
TaskEvent row (the task's history, kept for good) and the audit row (no free text in it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Membership, User
from tandem.core.rules import Role

from ..models import Task, TaskEvent
from ..rules import tasks as lifecycle

STALE = "Someone else changed this task while you were looking at it. Nothing was saved: check it and try again."


class TaskError(ValueError):
    """A change that cannot be made: nothing was saved. The message says why, for staff."""


class TaskConflict(TaskError):
    """The task changed since the page was shown: nothing was saved."""

    def __init__(self):
        super().__init__(STALE)


_EVENT_KIND = {"accept": TaskEvent.Kind.ACCEPTED, "start": TaskEvent.Kind.STARTED,
               "complete": TaskEvent.Kind.COMPLETED, "decline": TaskEvent.Kind.DECLINED,
               "cancel": TaskEvent.Kind.CANCELLED}


def _locked(task: Task, expected_revision: int | None) -> Task:
    current = Task.objects.select_for_update().get(pk=task.pk, practice_id=task.practice_id)
    if expected_revision is None or expected_revision != current.revision:
        raise TaskConflict()
    return current


def _event(task: Task, *, kind: str, by: User | None, at: dt.datetime, note: str = "",
           on_behalf: bool = False) -> TaskEvent:
    return TaskEvent(practice_id=task.practice_id, task=task, patient_id=task.patient_id, kind=kind,
                     status=task.status, to_role=task.to_role, to_user_id=task.to_user_id,
                     to_provider_id=task.to_provider_id, due_on=task.due_on, note=note, at=at, by=by,
                     on_behalf=on_behalf)


def _saved(task: Task, *, kind: str, by: User | None, note: str = "", fields: Iterable[str] = (),
           on_behalf: bool = False) -> Task:
    now = clock.now()
    task.revision += 1
    task.updated_at, task.updated_by = now, by
    task.save(update_fields=[*fields, "revision", "updated_at", "updated_by"])
    _event(task, kind=kind, by=by, at=now, note=note, on_behalf=on_behalf).save()
    detail = {"change": kind, "status": task.status}
    if task.to_provider_id is not None:
        detail |= {"provider": task.to_provider_id, "on_behalf": on_behalf}
    audit.record(by=by, practice=task.practice, action=AuditEvent.Action.UPDATE, what="careplans.task",
                 patient_id=task.patient_id, object_id=task.pk, detail=detail)
    return task


def _text(value: str, *, label: str, limit: int, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise TaskError(missing)
    if len(value) > limit:
        raise TaskError(f"The {label} must be {limit:,} characters or fewer (it has {len(value):,}).")
    return value


@transaction.atomic
def move_task(*, task: Task, by: User | None, change: str, expected_revision: int | None, note: str = "",
              on_behalf: bool = False) -> Task:
    """Accept, start, complete (`note`: the outcome, needed), decline (`note`: the reason, needed) or
    cancel a task. TaskError (nothing saved) when the change cannot follow the task's status.

    `on_behalf`: the practice records the answer of the organisation a referral was sent to (one that does not
    use Tandem; the practice's own user is `by`)."""
    if change not in lifecycle.MOVES:
        raise TaskError("Choose what to do with the task.")
    if change == "complete":
        note = _text(note, label="outcome", limit=lifecycle.MAX_OUTCOME,
                     missing="Enter the outcome: what was done")
    elif change == "decline":
        note = _text(note, label="reason", limit=lifecycle.MAX_REASON,
                     missing="Enter why you are declining the task")
    else:
        note = ""
    task = _locked(task, expected_revision)
    if not lifecycle.can_move(task.status, change):
        raise TaskError(lifecycle.refusal(task.status, change))
    if on_behalf and (task.to_provider_id is None or task.sent_by == Task.SentBy.TANDEM or change == "cancel"):
        raise TaskError("Only the answer of an organisation that does not use Tandem is recorded on its behalf.")
    task.status = lifecycle.MOVES[change][1]
    fields = ["status"]
    if change == "complete":
        task.outcome = note
        fields.append("outcome")
    elif change == "decline":
        task.decline_reason = note
        fields.append("decline_reason")
    return _saved(task, kind=_EVENT_KIND[change], by=by, note=note, fields=fields, on_behalf=on_behalf)


def accept_task(*, task: Task, by: User | None, expected_revision: int | None) -> Task:
    return move_task(task=task, by=by, change="accept", expected_revision=expected_revision)


def start_task(*, task: Task, by: User | None, expected_revision: int | None) -> Task:
    return move_task(task=task, by=by, change="start", expected_revision=expected_revision)


def complete_task(*, task: Task, by: User | None, outcome: str, expected_revision: int | None) -> Task:
    return move_task(task=task, by=by, change="complete", expected_revision=expected_revision, note=outcome)


def decline_task(*, task: Task, by: User | None, reason: str, expected_revision: int | None,
                 on_behalf: bool = False) -> Task:
    return move_task(task=task, by=by, change="decline", expected_revision=expected_revision, note=reason,
                     on_behalf=on_behalf)


def cancel_task(*, task: Task, by: User | None, expected_revision: int | None) -> Task:
    return move_task(task=task, by=by, change="cancel", expected_revision=expected_revision)


def _unfinished(task: Task) -> None:
    if task.status in lifecycle.FINISHED:
        raise TaskError(lifecycle.refusal(task.status, "change"))


@transaction.atomic
def reassign_task(*, task: Task, by: User | None, expected_revision: int | None, to_user_id: int | None = None,
                  to_role: str = "") -> Task:
    """Give the task to a person working at the practice now, or to everyone in a role there. It is
    requested again: whom it is for now accepts it."""
    if (to_user_id is None) == (not to_role):
        raise TaskError("Choose who the task is for: one person, or a role.")
    if to_user_id is not None:
        member = (Membership.objects.filter(practice_id=task.practice_id, user_id=to_user_id, user__is_active=True)
                  .first())
        if member is None:
            raise TaskError("Choose who the task is for from the list: the person chosen is not working at the "
                            "practice now.")
        new_user, new_role = to_user_id, member.role
    else:
        if to_role not in {r.value for r in Role}:
            raise TaskError("Choose a role from the list.")
        new_user, new_role = None, to_role
    task = _locked(task, expected_revision)
    _unfinished(task)
    if task.to_provider_id is not None:
        raise TaskError("A referral to an organisation outside the practice cannot be given to someone at the "
                        "practice: cancel it, and ask them in the plan instead.")
    same = task.to_user_id == new_user if new_user is not None else (task.to_user_id is None
                                                                    and task.to_role == new_role)
    if same:
        raise TaskError("The task is for them already.")
    task.to_user_id, task.to_role, task.status = new_user, new_role, lifecycle.REQUESTED
    return _saved(task, kind=TaskEvent.Kind.REASSIGNED, by=by, fields=["to_user", "to_role", "status"])


@transaction.atomic
def change_due_date(*, task: Task, by: User | None, due_on: dt.date | None, expected_revision: int | None) -> Task:
    """A new date the task is due by (None: no date)."""
    task = _locked(task, expected_revision)
    _unfinished(task)
    if due_on == task.due_on:
        raise TaskError("The task is due on that date already." if due_on else "The task has no due date already.")
    task.due_on = due_on
    return _saved(task, kind=TaskEvent.Kind.DUE_CHANGED, by=by, fields=["due_on"])


def record_created(tasks: list[Task], *, by: User | None, now: dt.datetime) -> None:
    """The first row of each new task's history (the tasks saved already, with their ids)."""
    TaskEvent.objects.bulk_create([_event(t, kind=TaskEvent.Kind.CREATED, by=by, at=now) for t in tasks])

