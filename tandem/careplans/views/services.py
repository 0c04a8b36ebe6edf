"""The practice's local services directory (signposting and referral), and tasks from care plans."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.core import audit
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can, may_close_task
from tandem.terminology.plain_names import PLAIN_NAMES

from .. import actions, queries
from ..models import LocalService, Task

FIELDS = ("name", "kind", "description", "contact", "how_to_refer")


def _context(request, **extra) -> dict:
    return {"active_section": "prepare", "can_manage": can(request.roles, Capability.MANAGE_PRACTICE), **extra}


@practice_required(Capability.VIEW_PATIENT)
def directory(request):
    services = queries.services(request.practice, active_only=False)
    return render(request, "careplans/services/directory.jinja", _context(
        request, services=services, kinds=dict(LocalService.Kind.choices)))


@practice_required(Capability.MANAGE_PRACTICE)
def edit(request, service_pk: int | None = None):
    service = None
    if service_pk is not None:
        service = LocalService.objects.filter(practice=request.practice, pk=service_pk).first()
        if service is None:
            raise Http404("No such service")
    values = {f: getattr(service, f) if service else "" for f in FIELDS}
    values["active"] = service.active if service else True
    values["conditions"] = list(service.conditions) if service else []
    error = ""
    if request.method == "POST":
        values = {f: request.POST.get(f, "").strip() for f in FIELDS}
        values["active"] = request.POST.get("active") == "yes"
        values["conditions"] = [c for c in request.POST.getlist("conditions") if c in PLAIN_NAMES]
        version = request.POST.get("version", "")
        try:
            actions.save_service(practice=request.practice, by=request.user, service=service,
                                 expected_version=read_version(version), **values)
        except ValueError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Saved: {values['name']}.")
            return redirect(reverse("careplans:services"))
    return render(request, "careplans/services/edit.jinja", _context(
        request, service=service, values=values, error=error, kinds=LocalService.Kind.choices,
        conditions=[(slug, name[:1].upper() + name[1:]) for slug, name in PLAIN_NAMES.items()]),
        status=400 if error else 200)


@practice_required(Capability.VIEW_PATIENT)
def tasks(request):
    """Open tasks from care plans for the signed-in person or their role."""
    mine = [t for t in queries.open_tasks(request.practice)
            if t.to_user_id == request.user.pk or (t.to_user_id is None and t.to_role in request.roles)]
    audit.record_many(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                      what="careplans.tasks", patient_ids=[t.patient_id for t in mine])
    return render(request, "careplans/services/tasks.jinja", _context(request, tasks=mine))


@practice_required(Capability.VIEW_PATIENT)
def task_done(request, task_pk: int):
    task = Task.objects.filter(practice=request.practice, pk=task_pk).first()
    if task is None:
        raise Http404("No such task")
    if not may_close_task(request.roles, user_id=request.user.pk, to_user_id=task.to_user_id, to_role=task.to_role):
        raise PermissionDenied("This task is for someone else: only they, or the practice manager, can close it.")
    if request.method == "POST":
        actions.finish_task(task=task, by=request.user, done=request.POST.get("outcome") != "cancelled")
        messages.success(request, "Task updated.")
    return redirect(reverse("careplans:tasks"))


urlpatterns = [
    path("services/", directory, name="services"),
    path("services/new/", edit, name="service_new"),
    path("services/<id:service_pk>/", edit, name="service_edit"),
    path("tasks/", tasks, name="tasks"),
    path("tasks/<id:task_pk>/", task_done, name="task_done"),
]
