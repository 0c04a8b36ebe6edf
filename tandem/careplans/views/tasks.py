"""Tasks for the team: the lists (mine, my role's, every open one; overdue first), and a task's own
page, where whom it is for accepts, starts, completes (with an outcome) or declines it (with a
reason), and it is cancelled, reassigned or given a new due date. Each change is a POST form."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import SHORT_YEAR, read_date, read_id, read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can, may_close_task
from tandem.patients.presenters import named_clinician_text

from .. import actions, hooks
from ..models import Task
from ..presenters import tasks as presenters
from ..queries import tasks as queries
from ..rules import tasks as lifecycle

#: the lists: (value of ?show=, its name)
LISTS = (("mine", "For you and your role"), ("role", "For your role"), ("all", "All open tasks"),
         ("sent", "Sent to other organisations"))
CHANGES = (*lifecycle.MOVES, "reassign", "due")
# How far ahead a due date may be set.
FURTHEST_DUE = dt.timedelta(days=5 * 366)


def _context(request, **extra) -> dict:
    return {"active_section": "prepare", "can_manage": can(request.roles, Capability.MANAGE_PRACTICE), **extra}


@practice_required(Capability.VIEW_PATIENT)
def tasks(request):
    """Unfinished tasks from care plans: for the signed-in person and their role, for their role only, or
    all of them (the practice manager shares out work)."""
    show = request.GET.get("show", "")
    show = show if show in dict(LISTS) else "mine"
    practice, today, me, roles = request.practice, clock.today(), request.user.pk, [str(r) for r in request.roles]
    wanted = {"mine": queries.for_whom(me, roles), "role": Q(to_user__isnull=True, to_role__in=roles),
              "all": queries.in_the_team(), "sent": ~queries.in_the_team()}
    counts = Task.objects.filter(practice=practice, status__in=lifecycle.UNFINISHED).aggregate(
        mine=Count("pk", filter=wanted["mine"]), role=Count("pk", filter=wanted["role"]),
        all=Count("pk", filter=wanted["all"]), sent=Count("pk", filter=wanted["sent"]))
    # referrals to organisations outside the practice: the open ones, then those that came back lately
    found = (queries.sent_out(practice, today) if show == "sent"
             else queries.unfinished(practice, today, who=wanted[show]))
    if found:
        audit.record_many(by=request.user, practice=practice, action=AuditEvent.Action.VIEW,
                          what="careplans.tasks", patient_ids=[t.patient_id for t in found])
    lists = [{"value": value, "text": text, "count": counts[value], "current": value == show,
              "url": f"{reverse('careplans:tasks')}?show={value}"} for value, text in LISTS]
    return render(request, "careplans/tasks/list.jinja", _context(
        request, rows=presenters.rows(found, today=today), lists=lists, shown=dict(LISTS)[show],
        sent=show == "sent", sent_days=queries.SENT_FINISHED_DAYS))


def _due_from(data) -> tuple[dt.date | None, str]:
    today = clock.today()
    read = read_date(*(data.get(f"due[{p}]") for p in ("day", "month", "year")), label="The due date",
                     earliest=today, latest=today + FURTHEST_DUE, example=today)
    if read.problem == SHORT_YEAR:
        return None, f"Enter the year in full, like {today.year}"
    return read.value, read.error


def _whom_from(text: str) -> tuple[int | None, str]:
    kind, _, value = (text or "").partition(":")
    if kind == "user":
        pk = read_id(value)
        return (pk, "") if pk is not None else (None, "~")
    if kind == "role":
        return None, value[:12]
    return None, ""


def _change(request, task: Task, change: str) -> Task:
    """Make the change asked for; TaskError (nothing saved) when it cannot be made."""
    revision = read_version(request.POST.get("version"))
    if change in lifecycle.MOVES:
        return actions.move_task(task=task, by=request.user, change=change, expected_revision=revision,
                                 note=request.POST.get("outcome" if change == "complete" else "reason", ""),
                                 on_behalf=task.to_provider_id is not None and change in lifecycle.ON_BEHALF)
    if change == "reassign":
        to_user_id, to_role = _whom_from(request.POST.get("whom", ""))
        if to_role == "~":
            raise actions.TaskError("Choose who the task is for from the list.")
        return actions.reassign_task(task=task, by=request.user, expected_revision=revision, to_user_id=to_user_id,
                                     to_role=to_role)
    due, problem = _due_from(request.POST)
    if problem:
        raise actions.TaskError(problem)
    return actions.change_due_date(task=task, by=request.user, due_on=due, expected_revision=revision)


FIELD_OF = {"complete": "outcome", "decline": "reason", "reassign": "whom", "due": "due-day"}
DONE = {"accept": "Task accepted.", "start": "Task started.", "complete": "Task completed.",
        "decline": "Task declined.", "cancel": "Task cancelled.", "reassign": "Task reassigned.",
        "due": "Due date changed."}


@practice_required(Capability.VIEW_PATIENT)
def task(request, task_pk: int):
    """A task's page: what it is, for whom, its status and history, and (for whom it is for, or the
    practice manager) the changes that can follow."""
    found = queries.task(request.practice, task_pk)
    if found is None:
        raise Http404("No such task")
    referred_out = found.to_provider_id is not None
    if referred_out:  # a referral to an organisation: whoever made it, the practice's clinicians, the manager
        may_change = (found.created_by_id == request.user.pk or can(request.roles, Capability.EDIT_CLINICAL)
                      or can(request.roles, Capability.MANAGE_PRACTICE))
    else:
        may_change = may_close_task(request.roles, user_id=request.user.pk, to_user_id=found.to_user_id,
                                    to_role=found.to_role)
    allowed = lifecycle.practice_changes(referred_out=referred_out, in_tandem=found.sent_by == Task.SentBy.TANDEM)
    error, error_field, status, posted = "", "", 200, {}
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("This task is for someone else: only they, or the practice manager, can change it.")
        change = request.POST.get("do", "")
        if change not in CHANGES:
            error, error_field, status = "Choose what to do with the task.", "", 400
        elif change not in allowed:
            error, status = ("Only the organisation it was referred to can do that: they answer it in Tandem."
                             if referred_out else "Choose what to do with the task."), 400
        else:
            try:
                _change(request, found, change)
            except actions.TaskConflict as exc:
                error, status = str(exc), 409
            except actions.TaskError as exc:
                error, error_field, status = str(exc), FIELD_OF.get(change, ""), 400
            else:
                messages.success(request, DONE[change])
                return redirect("careplans:task", task_pk=found.pk)
        posted = {"do": change, "outcome": request.POST.get("outcome", "")[:lifecycle.MAX_OUTCOME + 200],
                  "reason": request.POST.get("reason", "")[:lifecycle.MAX_REASON + 200],
                  "whom": request.POST.get("whom", "")[:40],
                  "due": {p: (request.POST.get(f"due[{p}]") or "").strip()[:10] for p in ("day", "month", "year")}}
        found = queries.task(request.practice, task_pk)  # as it is now: a stale page shows what changed
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what="careplans.task",
                 patient_id=found.patient_id, object_id=found.pk)
    today = clock.today()
    shown = presenters.row(found, today=today)
    current = (f"user:{found.to_user_id}" if found.to_user_id else f"role:{found.to_role}")
    return render(request, "careplans/tasks/task.jinja", _context(
        request, task=found, row=shown, history=[presenters.event_line(e) for e in queries.history(found)],
        may_change=may_change and not shown.finished,
        can={change: lifecycle.can_move(found.status, change) and change in allowed for change in lifecycle.MOVES},
        allowed=allowed, referred_out=referred_out, in_tandem=found.sent_by == Task.SentBy.TANDEM,
        whom_items=[{"value": v, "text": t, "selected": v == (posted.get("whom") or current)}
                    for v, t in presenters.choices_of_whom(queries.staff(request.practice))]
        if may_change and "reassign" in allowed else [],
        error=error, error_field=error_field, posted=posted, today=today,
        named_clinician=named_clinician_text(found.patient),
        person_url=reverse("careplans:plan", args=[found.patient_id]) if can(request.roles, Capability.VIEW_CLINICAL)
        else "",
        done_at=hooks.task_link(found) if can(request.roles, Capability.VIEW_CLINICAL) else None,
        due_values=posted.get("due") or ({"day": found.due_on.day, "month": found.due_on.month,
                                          "year": found.due_on.year} if found.due_on else {}),
        form_errors=[error] if error else []), status=status)


urlpatterns = [
    path("tasks/", tasks, name="tasks"),
    path("tasks/<id:task_pk>/", task, name="task"),
]
