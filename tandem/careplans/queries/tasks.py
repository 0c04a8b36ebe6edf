"""Reads of tasks for the team: one task with its history, the lists of who has what to do, a
person's tasks (finished ones too), and the counts the home page shows. Scoped to a practice; the
views audit the people they show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from tandem.core.models import Membership, Practice
from tandem.patients.models import Patient

from ..models import Task, TaskEvent
from ..rules.tasks import UNFINISHED


def _ordered(tasks: QuerySet[Task], today: dt.date) -> QuerySet[Task]:
    """Urgent ones first (a red level a person reported), then overdue, then by the date due (those
    without one last), oldest first."""
    urgent = Case(When(priority=Task.Priority.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField())
    overdue = Case(When(due_on__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField())
    return tasks.order_by(urgent, overdue, F("due_on").asc(nulls_last=True), "created_at", "pk")


def task(practice: Practice, pk: int) -> Task | None:
    """The task with this id at this practice (with its person, their named clinician, and who it is for),
    or None."""
    return (Task.objects.filter(practice=practice, pk=pk)
            .select_related("patient", "patient__named_clinician", "to_user", "created_by", "updated_by").first())


def history(task: Task) -> list[TaskEvent]:
    """Every change to the task, oldest first, with who made it and whom it was for."""
    return list(TaskEvent.objects.filter(practice_id=task.practice_id, task=task).select_related("by", "to_user")
                .order_by("at", "pk"))


def for_whom(user_id: int, roles: Iterable[str]) -> Q:
    """Tasks for this person, or for one of their roles and no one person."""
    return Q(to_user_id=user_id) | Q(to_user__isnull=True, to_role__in=[str(r) for r in roles])


def unfinished(practice: Practice, today: dt.date, *, who: Q | None = None) -> list[Task]:
    """Tasks not finished yet (all, or those matching `who`), overdue first then by due date."""
    found = Task.objects.filter(practice=practice, status__in=UNFINISHED)
    if who is not None:
        found = found.filter(who)
    return list(_ordered(found.select_related("patient", "to_user"), today))


def of_patient(practice: Practice, patient: Patient) -> list[Task]:
    """All the person's tasks, finished ones too (their history of care), newest first."""
    return list(Task.objects.filter(practice=practice, patient=patient).select_related("to_user")
                .order_by("-created_at", "-pk"))


def work_for(practice: Practice, user_id: int, roles: Iterable[str], today: dt.date, *,
             first: int = 5) -> tuple[int, int, list[Task]]:
    """(how many unfinished tasks are for this person or their role, how many of them are overdue, the
    first few of them): two statements."""
    found = Task.objects.filter(for_whom(user_id, roles), practice=practice, status__in=UNFINISHED)
    counts = found.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    return counts["total"], counts["overdue"], list(_ordered(found.select_related("patient", "to_user"), today)[:first])


def staff(practice: Practice) -> list[tuple[int, str, str]]:
    """(user id, name, role) of everyone working at the practice now, by name: whom a task may go to."""
    rows = (Membership.objects.filter(practice=practice, user__is_active=True).select_related("user")
            .order_by("user__last_name", "user__first_name", "user_id"))
    return [(m.user_id, m.user.display_name, m.role) for m in rows]

