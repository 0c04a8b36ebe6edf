"""Tasks for the team as the pages show them: whom each is for, its status as a coloured tag, when
it is due (overdue ones marked), and its history in words. Plain values for templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.core.rules import ROLE_LABELS
from tandem.jinja2env.filters import date_format

from ..models import Task, TaskEvent
from ..rules import tasks as lifecycle
from .plans import ROLE_CHOICES, when_text

STATUS_COLOURS = {lifecycle.REQUESTED: "blue", lifecycle.ACCEPTED: "purple", lifecycle.IN_PROGRESS: "yellow",
                  lifecycle.COMPLETED: "green", lifecycle.DECLINED: "orange", lifecycle.CANCELLED: "grey"}


@dataclass(frozen=True)
class TaskRow:
    pk: int
    patient_id: int
    person: str
    what: str
    whom: str
    status: str
    status_label: str
    status_colour: str
    due: str
    overdue: bool
    finished: bool
    outcome: str
    decline_reason: str
    urgent: bool = False
    referred_out: bool = False  # to an organisation outside the practice
    sent_by: str = ""  # how it reached them (Task.SentBy label)


@dataclass(frozen=True)
class EventLine:
    what: str
    when: str
    by: str
    note: str


def whom(to_user, to_role: str, to_provider=None) -> str:
    """'Nia Evans (Practice nurse)', or 'Any practice nurse' when it is for a role, or the organisation outside
    the practice it was referred to."""
    if to_provider is not None:
        return to_provider.name
    role = ROLE_LABELS.get(to_role, to_role) if to_role else ""
    if to_user is not None:
        return f"{to_user.display_name} ({role})" if role else to_user.display_name
    return dict(ROLE_CHOICES).get(to_role, role)


def row(task: Task, *, today: dt.date) -> TaskRow:
    patient = task.patient if "patient" in task._state.fields_cache else None
    return TaskRow(
        pk=task.pk, patient_id=task.patient_id,
        person=f"{patient.given_name} {patient.family_name}" if patient is not None else "",
        what=task.what, whom=whom(task.to_user, task.to_role, task.to_provider if task.to_provider_id else None),
        status=task.status,
        status_label=lifecycle.STATUS_LABELS.get(task.status, task.status),
        status_colour=STATUS_COLOURS.get(task.status, "grey"),
        due=date_format(task.due_on) if task.due_on else "No date",
        overdue=lifecycle.is_overdue(task.status, task.due_on, today),
        finished=task.status in lifecycle.FINISHED, outcome=task.outcome, decline_reason=task.decline_reason,
        urgent=task.priority == Task.Priority.URGENT and task.status not in lifecycle.FINISHED,
        referred_out=task.to_provider_id is not None,
        sent_by=Task.SentBy(task.sent_by).label if task.sent_by in Task.SentBy.values else "")


def rows(tasks: list[Task], *, today: dt.date) -> list[TaskRow]:
    return [row(t, today=today) for t in tasks]


def event_line(event: TaskEvent) -> EventLine:
    kind = TaskEvent.Kind(event.kind)
    if kind is TaskEvent.Kind.REASSIGNED:
        what = f"Reassigned to {whom(event.to_user, event.to_role)}"
    elif kind is TaskEvent.Kind.DUE_CHANGED:
        what = f"Due date changed to {date_format(event.due_on)}" if event.due_on else "Due date taken off"
    elif kind is TaskEvent.Kind.CREATED:
        what = (f"Referred to {event.to_provider.name}" if event.to_provider_id
                else f"Requested of {whom(event.to_user, event.to_role)}")
    else:
        what = kind.label
    by = event.by.display_name if event.by else "Tandem"
    if event.on_behalf:
        by += f", for {event.to_provider.name}" if event.to_provider_id else ", for the organisation"
    return EventLine(what=what, when=when_text(event.at), by=by, note=event.note)


def choices_of_whom(staff: list[tuple[int, str, str]]) -> list[tuple[str, str]]:
    """The people and roles a task may be given to: roles first, then everyone working there, by name."""
    out = [(f"role:{role}", text) for role, text in ROLE_CHOICES]
    out += [(f"user:{pk}", f"{name} ({ROLE_LABELS.get(role, role)})") for pk, name, role in staff]
    return out
