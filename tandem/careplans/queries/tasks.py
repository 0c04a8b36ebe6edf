"""Reads of tasks for the team: one task with its history, the lists of who has what to do, a
person's tasks (finished ones too), and the counts the home page shows. Scoped to a practice; the
views audit the people they show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber

from tandem.core.models import Membership, Practice
from tandem.patients.models import Patient

from ..models import Task, TaskEvent
from ..rules.tasks import COMPLETED, DECLINED, FINISHED, UNFINISHED

# How long a referral's answer (completed or rejected by the organisation) stays on the home page of whoever
# referred and of the person's named clinician.
ANSWERS_FOR_DAYS = 30
# How long finished referrals to organisations stay on the practice's list of them.
SENT_FINISHED_DAYS = 90


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
            .select_related("patient", "patient__named_clinician", "to_user", "to_provider", "created_by",
                            "updated_by").first())


def history(task: Task) -> list[TaskEvent]:
    """Every change to the task, oldest first, with who made it and whom it was for."""
    return list(TaskEvent.objects.filter(practice_id=task.practice_id, task=task)
                .select_related("by", "to_user", "to_provider").order_by("at", "pk"))


def for_whom(user_id: int, roles: Iterable[str]) -> Q:
    """Tasks for this person, or for one of their roles and no one person."""
    return Q(to_user_id=user_id) | Q(to_user__isnull=True, to_role__in=[str(r) for r in roles])


def unfinished(practice: Practice, today: dt.date, *, who: Q | None = None) -> list[Task]:
    """Tasks not finished yet (all, or those matching `who`), overdue first then by due date."""
    found = Task.objects.filter(practice=practice, status__in=UNFINISHED)
    if who is not None:
        found = found.filter(who)
    return list(_ordered(found.select_related("patient", "to_user", "to_provider"), today))


def in_the_team() -> Q:
    """Tasks for the practice's own team (not referrals to organisations outside it)."""
    return Q(to_provider__isnull=True)


def sent_out(practice: Practice, today: dt.date) -> list[Task]:
    """The practice's referrals to organisations outside it: those open (overdue first, then by the date
    wanted), then those finished in the last SENT_FINISHED_DAYS, the latest first."""
    referred = Task.objects.filter(practice=practice, to_provider__isnull=False).select_related(
        "patient", "to_provider")
    since = today - dt.timedelta(days=SENT_FINISHED_DAYS)
    finished = (referred.filter(status__in=FINISHED, updated_at__date__gte=since)
                .order_by(F("updated_at").desc(nulls_last=True), "-pk"))
    return [*_ordered(referred.filter(status__in=UNFINISHED), today), *finished]


def of_patient(practice: Practice, patient: Patient) -> list[Task]:
    """All the person's tasks, finished ones too (their history of care), newest first."""
    return list(Task.objects.filter(practice=practice, patient=patient).select_related("to_user", "to_provider")
                .order_by("-created_at", "-pk"))


def answered_for(user_id: int, today: dt.date) -> Q:
    """Referrals to organisations outside the practice that came back lately (completed with an outcome, or
    rejected with a reason) for whoever made them and the person's named clinician."""
    since = today - dt.timedelta(days=ANSWERS_FOR_DAYS)
    return (Q(to_provider__isnull=False, status__in=(COMPLETED, DECLINED), updated_at__date__gte=since)
            & (Q(created_by_id=user_id) | Q(patient__named_clinician_id=user_id)))


def work_for(practice: Practice, user_id: int, roles: Iterable[str], today: dt.date, *,
             first: int = 5) -> tuple[int, int, list[Task], int, list[Task]]:
    """(how many unfinished tasks are for this person or their role, how many of them are overdue, the
    first few of them, how many referrals to organisations came back to them lately, the latest few of
    those): two statements, however much there is."""
    mine = for_whom(user_id, roles) & Q(status__in=UNFINISHED)
    answered = answered_for(user_id, today)
    found = Task.objects.filter(mine | answered, practice=practice)
    counts = found.aggregate(total=Count("pk", filter=mine), overdue=Count("pk", filter=mine & Q(due_on__lt=today)),
                             answered=Count("pk", filter=answered))
    urgent = Case(When(priority=Task.Priority.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField())
    overdue = Case(When(due_on__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField())
    kind = Case(When(mine, then=Value(0)), default=Value(1), output_field=IntegerField())
    # The first few of each kind in one statement: my tasks in the lists' order, the answers the latest first.
    latest_answer = Case(When(mine, then=Value(None)), default=F("updated_at"))
    rows = list(found.select_related("patient", "to_user", "to_provider")
                .annotate(kind=kind, rank=Window(RowNumber(), partition_by=[kind], order_by=[
                    latest_answer.desc(nulls_last=True), urgent, overdue, F("due_on").asc(nulls_last=True),
                    "created_at", "pk"]))
                .filter(rank__lte=first).order_by("kind", "rank"))
    return (counts["total"], counts["overdue"], [t for t in rows if t.kind == 0], counts["answered"],
            [t for t in rows if t.kind == 1])


def staff(practice: Practice) -> list[tuple[int, str, str]]:
    """(user id, name, role) of everyone working at the practice now, by name: whom a task may go to."""
    rows = (Membership.objects.filter(practice=practice, user__is_active=True).select_related("user")
            .order_by("user__last_name", "user__first_name", "user_id"))
    return [(m.user_id, m.user.display_name, m.role) for m in rows]

