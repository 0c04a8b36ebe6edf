"""What the practice changed and when, for its charts (/learn/changes/): anyone at the practice reads;
the practice manager records, edits and removes."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.core import clock
from tandem.core.parsing import read_date, read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can

from . import actions
from .models import PracticeChange

FIELDS = ("what", "detail")


def _values(post) -> dict:
    values = {name: (post.get(name) or "")[:1200] for name in FIELDS}
    values |= {f"on_{p}": (post.get(f"on[{p}]") or "")[:10] for p in ("day", "month", "year")}
    return values


def _on(values: dict):
    return read_date(values["on_day"], values["on_month"], values["on_year"], label="The date").value


@practice_required()
def changes(request):
    can_manage = can(request.roles, Capability.MANAGE_PRACTICE)
    today = clock.today()
    values = {"what": "", "detail": "", "on_day": str(today.day), "on_month": str(today.month),
              "on_year": str(today.year)}
    errors = {}
    if request.method == "POST":
        if not can_manage:
            raise Http404("Not allowed")  # pragma: no cover - the access rules refuse it first
        values = _values(request.POST)
        try:
            actions.record_change(practice=request.practice, by=request.user, on=_on(values), what=values["what"],
                                  detail=values["detail"])
        except actions.ChangeError as exc:
            errors = exc.problems
        else:
            messages.success(request, f"Recorded: {values['what'].strip()}. It is shown on the practice's charts.")
            return redirect(reverse("learn:changes"))
    rows = list(PracticeChange.objects.filter(practice=request.practice).select_related("created_by")
                .order_by("-on", "-pk"))
    return render(request, "learn/changes.jinja", {
        "active_section": "learn", "rows": rows, "can_manage": can_manage, "values": values, "errors": errors,
        "form_errors": [{"text": m, "href": f"#{n}"} for n, m in errors.items()]}, status=400 if errors else 200)


@practice_required(Capability.MANAGE_PRACTICE)
def change(request, pk: int):
    found = PracticeChange.objects.filter(practice=request.practice, pk=pk).first()
    if found is None:
        raise Http404("No such note")
    values = {"what": found.what, "detail": found.detail, "on_day": str(found.on.day),
              "on_month": str(found.on.month), "on_year": str(found.on.year)}
    errors = {}
    if request.method == "POST":
        revision = read_version(request.POST.get("revision"))
        try:
            if request.POST.get("remove") == "yes":
                actions.remove_change(change=found, by=request.user, revision=revision)
                messages.success(request, f"Removed: {found.what}.")
                return redirect(reverse("learn:changes"))
            values = _values(request.POST)
            actions.edit_change(change=found, by=request.user, revision=revision, on=_on(values),
                                what=values["what"], detail=values["detail"])
        except actions.StaleChange as exc:
            messages.error(request, str(exc))
            return redirect(reverse("learn:change", args=[found.pk]))
        except actions.ChangeError as exc:
            errors = exc.problems
        else:
            messages.success(request, "Saved.")
            return redirect(reverse("learn:changes"))
    return render(request, "learn/change.jinja", {
        "active_section": "learn", "change": found, "values": values, "errors": errors,
        "form_errors": [{"text": m, "href": f"#{n}"} for n, m in errors.items()]}, status=400 if errors else 200)


urlpatterns = [
    path("changes/", changes, name="changes"),
    path("changes/<id:pk>/", change, name="change"),
]
