"""The practice's list of organisations outside it that share the care of its people, and their
professionals' accounts: the practice manager's (capability manage practice); anyone at the practice reads
the list (to know whom to add to a care team or refer to).

    /care-team/organisations/                        the list
    /care-team/organisations/new/                    add one
    /care-team/organisations/<id>/                   its details (the manager changes them), its
                                                     professionals, take it off the list or back on
    /care-team/organisations/<id>/professionals/new/ give a professional an account
    /care-team/organisations/<id>/professionals/<id>/left/  (POST) they no longer work there
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core import audit, parsing
from tandem.core.models import AuditEvent, Provider, ProviderStaff
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can

from .. import actions, forms, queries


def _site(request) -> str:
    return settings.TANDEM_PUBLIC_URL.rstrip("/") if settings.TANDEM_PUBLIC_URL else \
        request.build_absolute_uri("/").rstrip("/")


@practice_required()
@require_http_methods(["GET"])
def index(request):
    rows = queries.providers(request.practice, active_only=False)
    return render(request, "careteam/organisations/index.jinja", {
        "active": [p for p in rows if p.active], "inactive": [p for p in rows if not p.active],
        "can_manage": can(request.roles, Capability.MANAGE_PRACTICE), "kinds": dict(Provider.Kind.choices),
        "active_section": "prepare"})


def kind_items(form: forms.Form) -> list[dict]:
    return [{"value": k, "text": t, "checked": form.values.get("kind") == k} for k, t in Provider.Kind.choices]


def _form_page(request, *, form: forms.Form, provider: Provider | None, status: int = 200):
    return render(request, "careteam/organisations/edit.jinja", {
        "form": form, "provider": provider, "kind_items": kind_items(form),
        "form_errors": [{"text": t, "href": f"#{k}"} for k, t in form.errors.items()]}, status=status)


@practice_required(Capability.MANAGE_PRACTICE)
@require_http_methods(["GET", "POST"])
def new(request):
    if request.method == "POST":
        form = forms.read_provider(request.POST)
        if form.ok:
            try:
                provider = actions.save_provider(practice=request.practice, by=request.user, values=form.values)
            except actions.CareTeamError as e:
                form.errors[e.field or "name"] = str(e)
            else:
                messages.success(request, f"{provider.name} is on the practice's list.")
                return redirect(reverse("careteam:organisation", args=[provider.pk]))
        return _form_page(request, form=form, provider=None, status=400)
    return _form_page(request, form=forms.Form(), provider=None)


@practice_required()
@require_http_methods(["GET", "POST"])
def organisation(request, provider_id: int):
    provider = queries.provider_of(request.practice, provider_id)
    can_manage = can(request.roles, Capability.MANAGE_PRACTICE)
    form, status = forms.Form(values={f: getattr(provider, f) for f in actions.PROVIDER_FIELDS}), 200
    if request.method == "POST":
        if not can_manage:
            raise Http404("No such page.")  # the access table refuses first
        version = parsing.read_version(request.POST.get("version")) or 0
        try:
            if request.POST.get("do") in ("off", "on"):
                actions.set_provider_active(provider=provider, by=request.user, active=request.POST["do"] == "on",
                                            expected_version=version)
                messages.success(request, f"{provider.name} is {'back on' if request.POST['do'] == 'on' else 'off'} "
                                          "the practice's list.")
                return redirect(reverse("careteam:organisation", args=[provider.pk]))
            form = forms.read_provider(request.POST)
            if form.ok:
                actions.save_provider(practice=request.practice, by=request.user, values=form.values,
                                      provider=provider, expected_version=version)
                messages.success(request, f"{form.values['name']}'s details are saved.")
                return redirect(reverse("careteam:organisation", args=[provider.pk]))
            status = 400
        except actions.CareTeamError as e:
            form.errors[e.field or "name"] = str(e)
            status = 409 if isinstance(e, actions.Conflict) else 400
    staff = queries.staff_of(provider, with_left=True)
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                 what="careteam.provider", object_id=provider.pk)
    return render(request, "careteam/organisations/organisation.jinja", {
        "provider": provider, "form": form, "kind_items": kind_items(form), "can_manage": can_manage,
        "staff": [s for s in staff if s.left_on is None], "left": [s for s in staff if s.left_on is not None],
        "form_errors": [{"text": t, "href": f"#{k}"} for k, t in form.errors.items()]}, status=status)


@practice_required(Capability.MANAGE_PRACTICE)
@require_http_methods(["GET", "POST"])
def professional_new(request, provider_id: int):
    provider = queries.provider_of(request.practice, provider_id)
    form, status = forms.Form(), 200
    if request.method == "POST":
        form = forms.read_professional(request.POST)
        if form.ok:
            try:
                added = actions.add_professional(provider=provider, by=request.user, **{
                    k: form.values[k] for k in ("username", "first_name", "last_name", "email", "job")})
            except actions.CareTeamError as e:
                form.errors[e.field or "username"] = str(e)
            else:
                text = f"{added.staff.user.display_name} works for {provider.name} in Tandem."
                if added.new_account:
                    try:
                        actions.send_set_password_email(staff=added.staff, by=request.user, site=_site(request))
                        text += " They have been emailed a link to choose their password."
                    except (OSError, actions.CareTeamError):
                        text += " The email with the link to choose their password could not be sent: try again later."
                messages.success(request, text)
                return redirect(reverse("careteam:organisation", args=[provider.pk]))
        status = 400
    return render(request, "careteam/organisations/professional_new.jinja", {
        "provider": provider, "form": form,
        "form_errors": [{"text": t, "href": f"#{k}"} for k, t in form.errors.items()]}, status=status)


@practice_required(Capability.MANAGE_PRACTICE)
@require_POST
def professional_left(request, provider_id: int, staff_id: int):
    provider = queries.provider_of(request.practice, provider_id)
    staff = ProviderStaff.objects.filter(provider=provider, pk=staff_id, left_on__isnull=True).select_related(
        "user", "provider__practice").first()
    if staff is None:
        raise Http404("No such professional.")
    try:
        actions.professional_left(staff=staff, by=request.user,
                                  expected_version=parsing.read_version(request.POST.get("version")) or 0)
    except actions.CareTeamError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"{staff.user.display_name} no longer works for {provider.name} in Tandem. From "
                                  "their next click they see no one through it.")
    return redirect(reverse("careteam:organisation", args=[provider.pk]))


urlpatterns = [
    path("organisations/", index, name="organisations"),
    path("organisations/new/", new, name="organisation_new"),
    path("organisations/<id:provider_id>/", organisation, name="organisation"),
    path("organisations/<id:provider_id>/professionals/new/", professional_new, name="professional_new"),
    path("organisations/<id:provider_id>/professionals/<id:staff_id>/left/", professional_left,
         name="professional_left"),
]
