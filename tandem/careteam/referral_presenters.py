"""Referrals to an organisation outside the practice, as its professionals' pages show them: plain values.
What a provider needs to act: who the person is and how to reach them, what is asked, why and by when, and
who referred (clinician, practice, phone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.careplans.models import Task, TaskEvent
from tandem.careplans.presenters.plans import when_text
from tandem.careplans.presenters.tasks import STATUS_COLOURS
from tandem.careplans.rules import tasks as lifecycle
from tandem.careplans.rules.wording import role_in_sentence
from tandem.core.rules import ROLE_LABELS, Role
from tandem.jinja2env.filters import date_format
from tandem.patients.rules import format_nhs_number

#: the task's statuses as the organisation reads them (declined: they rejected it)
STATUS_WORDS = {**lifecycle.STATUS_LABELS, lifecycle.REQUESTED: "Waiting", lifecycle.DECLINED: "Rejected",
                lifecycle.CANCELLED: "Cancelled by the practice"}
EVENT_WORDS = {TaskEvent.Kind.CREATED: "Referred", TaskEvent.Kind.ACCEPTED: "Accepted",
               TaskEvent.Kind.STARTED: "Started", TaskEvent.Kind.COMPLETED: "Completed",
               TaskEvent.Kind.DECLINED: "Rejected", TaskEvent.Kind.CANCELLED: "Cancelled by the practice",
               TaskEvent.Kind.DUE_CHANGED: "Date wanted changed", TaskEvent.Kind.REASSIGNED: "Reassigned"}


@dataclass(frozen=True)
class Row:
    pk: int
    person: str
    born: str
    nhs_number: str
    what: str
    organisation: str
    practice: str
    due: str
    overdue: bool
    status_label: str
    status_colour: str
    outcome: str
    reason: str


def _name(patient) -> str:
    return f"{patient.given_name} {patient.family_name}".strip()


def _status(task: Task) -> tuple[str, str]:
    return STATUS_WORDS.get(task.status, task.status), STATUS_COLOURS.get(task.status, "grey")


def row(task: Task, *, today: dt.date) -> Row:
    label, colour = _status(task)
    return Row(pk=task.pk, person=_name(task.patient), born=date_format(task.patient.date_of_birth),
               nhs_number=format_nhs_number(task.patient.nhs_number), what=task.what,
               organisation=task.to_provider.name, practice=task.practice.name,
               due=date_format(task.due_on) if task.due_on else "No date",
               overdue=lifecycle.is_overdue(task.status, task.due_on, today), status_label=label,
               status_colour=colour, outcome=task.outcome, reason=task.decline_reason)


def rows(tasks: list[Task], *, today: dt.date) -> list[Row]:
    return [row(t, today=today) for t in tasks]


def _lines(*parts: str) -> list[str]:
    return [p for p in parts if p]


def person(task: Task) -> list[tuple[str, list[str]]]:
    """Who the person is and how to reach them, as (label, lines)."""
    p = task.patient
    phones = _lines(f"Mobile: {p.mobile}" if p.mobile else "", f"Home: {p.phone}" if p.phone else "")
    return [("Name", [_name(p)]), ("Date of birth", [date_format(p.date_of_birth)]),
            ("NHS number", [format_nhs_number(p.nhs_number)]), ("Phone", phones or ["None recorded"]),
            ("Address", _lines(p.address_line1, p.address_line2, p.town, p.postcode) or ["None recorded"])]


def referrer(task: Task, role: str) -> list[tuple[str, list[str]]]:
    """Who referred: the clinician and their role, the named clinician, the practice and its phone."""
    label = role_in_sentence(ROLE_LABELS[Role(role)]) if role in {r.value for r in Role} else ""
    who = task.created_by.display_name if task.created_by else ""
    named = task.patient.named_clinician.display_name if task.patient.named_clinician else ""
    practice = task.practice
    out = [("Referred by", [", ".join(_lines(who, label)) or practice.name]),
           ("On", [date_format(task.created_at.date())])]
    if named and named != who:
        out.append(("Named clinician", [named]))
    out.append(("Practice", _lines(practice.name, practice.address_line1, practice.town, practice.postcode)))
    out.append(("Practice phone", [practice.phone or "None recorded"]))
    return out


@dataclass(frozen=True)
class EventLine:
    what: str
    when: str
    by: str
    note: str


def events(found: list[TaskEvent]) -> list[EventLine]:
    out = []
    for e in found:
        by = e.by.display_name if e.by else "Tandem"
        if e.on_behalf:
            by += " (the practice, for the organisation)"
        out.append(EventLine(what=EVENT_WORDS.get(e.kind, e.kind), when=when_text(e.at), by=by, note=e.note))
    return out
