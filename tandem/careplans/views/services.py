"""The practice's local services directory (signposting and referral). Tasks from care plans: tasks.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.core.parsing import read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can
from tandem.terminology.plain_names import PLAIN_NAMES

from .. import actions, queries
from ..models import LocalService

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


urlpatterns = [
    path("services/", directory, name="services"),
    path("services/new/", edit, name="service_new"),
    path("services/<id:service_pk>/", edit, name="service_edit"),
]
