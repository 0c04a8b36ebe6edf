"""The practice's pages about a person's wider care team. For clinicians of the person's own practice: the
person is read through `request.practice` (another practice's is not found) and every page is audited as a
read of them.

    /care-team/person/<patient id>/                     who is in their care team, additions waiting for
                                                        review (accept into the plan, or decline), and
                                                        what was decided
    /care-team/person/<patient id>/add/                 add an organisation or professional, with the
                                                        person's agreement (?provider=<id>: step two)
    /care-team/person/<patient id>/members/<id>/end/    (POST) take them out of the care team
    /care-team/person/<patient id>/accept/              (POST) add the chosen additions to the plan
    /care-team/person/<patient id>/additions/<id>/decline/  (POST) do not add it, with the reason
    /care-team/waiting/                                 every addition waiting for review at the practice
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tandem.careplans import queries as plan_queries
from tandem.core import audit, clock, parsing
from tandem.core.models import AuditEvent, ProviderStaff
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can
from tandem.patients.models import Patient
from tandem.patients.queries import patients_of

from .. import actions, forms, presenters, queries, rules
from ..models import Contribution

STALE = "Nothing was changed: the page was out of date. Look at it as it is now and try again."


def _patient(request, patient_id: int) -> Patient:
    found = patients_of(request.practice).filter(pk=patient_id).select_related("named_clinician").first()
    if found is None:
        raise Http404("No such patient in this practice")
    return found


def _name(patient: Patient) -> str:
    return f"{patient.given_name} {patient.family_name}"


def _goals(patient: Patient) -> tuple[int, dict[str, str]]:
    latest = plan_queries.latest(patient.practice, patient)
    plan = plan_queries.plan_of(latest)
    return (latest.version if latest else 0), {g.id: g.words for g in plan.goals}


def _person_page(request, patient: Patient, *, errors: dict | None = None, typed: dict | None = None,
                 status: int = 200):
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what="careteam.person",
                 patient_id=patient.pk)
    plan_version, goals = _goals(patient)
    members = queries.members_of(patient, with_ended=True)
    contributions = queries.contributions_of(patient)
    waiting = [presenters.contribution_card(c, goals=goals) for c in contributions
               if c.status == Contribution.Status.WAITING]
    decided = [presenters.contribution_card(c, goals=goals) for c in contributions
               if c.status != Contribution.Status.WAITING][:20]
    errors = errors or {}
    return render(request, "careteam/practice/person.jinja", {
        "patient": patient, "name": _name(patient), "plan_version": plan_version,
        "named_clinician": patient.named_clinician.display_name if patient.named_clinician else "",
        "members": [presenters.member_card(m) for m in members if m.ended_on is None],
        "ended": [presenters.member_card(m) for m in members if m.ended_on is not None],
        "waiting": waiting, "decided": decided, "can_edit": can(request.roles, Capability.EDIT_CLINICAL),
        "errors": errors, "typed": typed or {},
        "form_errors": [{"text": text, "href": f"#{key}"} for key, text in errors.items()],
    }, status=status)


@practice_required(Capability.VIEW_CLINICAL)
@require_http_methods(["GET"])
def person(request, patient_id: int):
    return _person_page(request, _patient(request, patient_id))


ADD_ORDER = ("professional", "role", "agreed_how", "agreed", "agreed_note")


def _member_items(form: forms.Form, professionals: dict[int, str]) -> dict:
    """The second step's choices, as the form was filled in, and its problems in the order shown."""
    v = form.values
    return {
        "professional_items": [{"value": pk, "text": label, "checked": v.get("professional_choice") == str(pk)}
                               for pk, label in professionals.items()]
        + [{"value": "team", "text": "The whole team", "checked": v.get("professional_choice") == "team"}],
        "scope_items": [{"value": s, "text": rules.SCOPES[s], "checked": s in (v.get("scopes") or [])}
                        for s in rules.CHOSEN_SCOPES],
        "agreed_items": [{"value": k, "text": t, "checked": v.get("agreed_how") == k} for k, t in rules.AGREED_HOW.items()],
        "error_list": [{"text": form.errors[k], "href": f"#{k}-day" if k == "agreed" else f"#{k}"}
                       for k in ADD_ORDER if k in form.errors],
    }


@practice_required(Capability.EDIT_CLINICAL)
@require_http_methods(["GET", "POST"])
def add(request, patient_id: int):
    patient = _patient(request, patient_id)
    providers = queries.providers(request.practice)
    chosen_id = parsing.read_id(request.GET.get("provider") or request.POST.get("provider"))
    provider = next((p for p in providers if p.pk == chosen_id), None)
    if (request.GET.get("provider") or request.POST.get("provider")) and provider is None:
        raise Http404("No such organisation on the practice's list.")
    values = {"patient": patient, "name": _name(patient), "providers": providers, "provider": provider,
              "today": clock.today(), "form": forms.Form(), "errors": {},
              "provider_items": [{"value": p.pk, "text": p.name, "hint": {"text": p.get_kind_display() + (
                  f", ODS {p.ods_code}" if p.ods_code else "")}} for p in providers]}
    if provider is None:
        audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                     what="careteam.add", patient_id=patient.pk)
        return render(request, "careteam/practice/add.jinja", values)
    staff = queries.staff_of(provider)
    professionals = {s.pk: rules.author_label(name=s.user.display_name, job=s.job, organisation="") for s in staff}
    values |= _member_items(forms.Form(), professionals)
    if request.method == "POST":
        form = forms.read_member(request.POST, professionals=professionals, today=clock.today())
        if form.ok:
            professional = ProviderStaff.objects.filter(pk=form.values["professional"]).select_related(
                "user").first() if form.values["professional"] else None
            try:
                member = actions.add_member(
                    patient=patient, by=request.user, provider=provider, professional=professional,
                    role=form.values["role"], scopes=tuple(form.values["scopes"]),
                    agreed_how=form.values["agreed_how"], agreed_on=form.values["agreed_on"],
                    agreed_note=form.values["agreed_note"])
            except actions.CareTeamError as e:
                form.errors[e.field or "professional"] = str(e)
            else:
                messages.success(request, f"{presenters.who_of(member)} of {provider.name} is now in "
                                          f"{patient.given_name}'s care team.")
                return redirect(reverse("careteam:person", args=[patient.pk]))
        values |= {"form": form, "errors": form.errors} | _member_items(form, professionals)
        audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                     what="careteam.add", patient_id=patient.pk)
        return render(request, "careteam/practice/add.jinja", values, status=400)
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what="careteam.add",
                 patient_id=patient.pk)
    return render(request, "careteam/practice/add.jinja", values)


@practice_required(Capability.EDIT_CLINICAL)
@require_POST
def end(request, patient_id: int, member_id: int):
    patient = _patient(request, patient_id)
    member = queries.member_of(request.practice, patient, member_id)
    version = parsing.read_version(request.POST.get("version"))
    form = forms.read_reason(request.POST, label="why they are leaving the care team")
    if not form.ok:
        return _person_page(request, patient, errors={f"reason-{member.pk}": form.errors["reason"]}, status=400,
                            typed={"member": member.pk, "reason": form.values["reason"]})
    try:
        actions.end_member(member=member, by=request.user, reason=form.values["reason"],
                           expected_version=version or 0)
    except actions.CareTeamError as e:
        messages.error(request, str(e) if isinstance(e, actions.Conflict) else f"{e} {STALE}")
    else:
        messages.success(request, f"{presenters.who_of(member)} of {member.provider.name} is no longer in "
                                  f"{patient.given_name}'s care team. From their next click they cannot see them.")
    return redirect(reverse("careteam:person", args=[patient.pk]))


@practice_required(Capability.EDIT_CLINICAL)
@require_POST
def accept(request, patient_id: int):
    patient = _patient(request, patient_id)
    chosen = [pk for pk in (parsing.read_id(v) for v in request.POST.getlist("chosen")[:100]) if pk is not None]
    version = parsing.read_version(request.POST.get("plan_version"))
    if not chosen:
        return _person_page(request, patient, errors={"chosen": "Choose the additions to add to the plan"},
                            status=400)
    try:
        done = actions.accept(patient=patient, by=request.user, contribution_ids=chosen,
                              plan_version=version if version is not None else -1)
    except actions.CareTeamError as e:
        return _person_page(request, patient, errors={"chosen": str(e)}, status=409)
    messages.success(request, f"Added to the plan: {done.count} addition{'s' if done.count != 1 else ''}, "
                              f"saved as version {done.version}.")
    return redirect(reverse("careteam:person", args=[patient.pk]))


@practice_required(Capability.EDIT_CLINICAL)
@require_POST
def decline(request, patient_id: int, contribution_id: int):
    patient = _patient(request, patient_id)
    contribution = Contribution.objects.filter(practice=request.practice, patient=patient,
                                               pk=contribution_id).first()
    if contribution is None:
        raise Http404("No such addition.")
    form = forms.read_reason(request.POST, label="why it is not being added")
    if not form.ok:
        return _person_page(request, patient, errors={f"reason-{contribution.pk}": form.errors["reason"]},
                            status=400, typed={"contribution": contribution.pk, "reason": form.values["reason"]})
    try:
        actions.decline(contribution=contribution, by=request.user, reason=form.values["reason"],
                        expected_version=parsing.read_version(request.POST.get("version")) or 0)
    except actions.CareTeamError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"Not added. {contribution.author_label.split(',')[0]} sees your reason.")
    return redirect(reverse("careteam:person", args=[patient.pk]))


@practice_required(Capability.VIEW_CLINICAL)
@require_http_methods(["GET"])
def waiting(request):
    rows = queries.waiting(request.practice)
    audit.record_many(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                      what="careteam.waiting", patient_ids=sorted({c.patient_id for c in rows}))
    today = clock.today()
    shown = [{"person": _name(c.patient), "patient_id": c.patient_id, "author": c.author_label,
              "kind": rules.KINDS.get(c.kind, c.kind), "made": timezone.localtime(c.created_at).date(),
              "overdue": (today - timezone.localtime(c.created_at).date()).days > rules.REVIEW_WITHIN_DAYS} for c in rows]
    return render(request, "careteam/practice/waiting.jinja", {
        "rows": shown, "active_section": "prepare", "can_manage": can(request.roles, Capability.MANAGE_PRACTICE)})


urlpatterns = [
    path("person/<id:patient_id>/", person, name="person"),
    path("person/<id:patient_id>/add/", add, name="add"),
    path("person/<id:patient_id>/members/<id:member_id>/end/", end, name="end"),
    path("person/<id:patient_id>/accept/", accept, name="accept"),
    path("person/<id:patient_id>/additions/<id:contribution_id>/decline/", decline, name="decline"),
    path("waiting/", waiting, name="waiting"),
]
