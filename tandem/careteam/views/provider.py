"""The pages of a professional of an organisation outside the practice (tandem.core.rules.Open.CARE_TEAM).
They see only the people whose care team they are in (as themselves, or as their whole team); anyone else is
not found (404), whatever the id. Every page about a person is audited as their read of that person.

    /care-team/                                      the people whose care team they are in
    /care-team/people/<patient id>/                  a person's shared plan, their care team, what this
                                                     professional added and what became of it (and, with
                                                     that scope, the results the plan's targets are about)
    /care-team/people/<patient id>/add/<kind>/       add to the plan, for the named clinician to review
    /care-team/people/<patient id>/additions/<id>/withdraw/  (POST) take back an addition not yet decided
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from tandem.careplans import queries as plan_queries
from tandem.careplans.presenters.written import written
from tandem.core import audit, clock, parsing
from tandem.core.models import AuditEvent, Practice
from tandem.jinja2env.filters import date_format
from tandem.patients.models import Observation
from tandem.patients.rules import format_nhs_number
from tandem.prepare.queries.packs import CONCEPTS
from tandem.terminology.observations import BY_KEY

from .. import actions, presenters, queries, rules
from ..models import Contribution

RESULTS_SHOWN = 3  # the newest results of each measure shown to a care team member with that scope
RESULTS_YEARS = 2


def _name(patient) -> str:
    return f"{patient.given_name} {patient.family_name}"


@require_http_methods(["GET"])
def mine(request):
    roles = queries.roles_of(request.user)
    people = queries.people_for(request.user, roles)
    by_practice: dict[int, list[int]] = {}
    for m in people:  # each row audited under the person's own practice
        by_practice.setdefault(m.patient.practice_id, []).append(m.patient_id)
    for practice_id, ids in by_practice.items():
        audit.record_many(by=request.user, practice=Practice(pk=practice_id), action=AuditEvent.Action.VIEW,
                          what="careteam.people", patient_ids=ids)
    return render(request, "careteam/provider/people.jinja", {
        "here": "people", "roles": roles,
        "people": [{"pk": m.patient_id, "name": _name(m.patient), "born": date_format(m.patient.date_of_birth),
                    "nhs_number": format_nhs_number(m.patient.nhs_number), "organisation": m.provider.name, "role": m.role,
                    "as_team": m.professional_id is None} for m in people]})


def _results(member) -> list[dict]:
    """Their recent results of the measures a results pack shows (the last two years), the newest few of each,
    read in one query."""
    since = clock.today() - dt.timedelta(days=RESULTS_YEARS * 366)
    rows = (Observation.objects.filter(patient=member.patient, concept__in=CONCEPTS, value__isnull=False,
                                       effective_date__gte=since)
            .order_by("-effective_date", "-pk").values_list("concept", "effective_date", "value"))
    found: dict[str, list[tuple[str, str]]] = {}
    for concept, on, value in rows:
        shown = found.setdefault(concept, [])
        if len(shown) < RESULTS_SHOWN and concept in BY_KEY:
            shown.append((date_format(on), f"{value:g} {BY_KEY[concept].unit}".strip()))
    order = list(BY_KEY)  # the terminology's own order of measures
    return [{"name": BY_KEY[c].name, "rows": found[c]} for c in sorted(found, key=order.index) if found[c]]


def _plan_page(request, member, *, form=None, kind: str = "", status: int = 200):
    patient = member.patient
    version = plan_queries.latest(patient.practice, patient)
    plan = plan_queries.plan_of(version)
    goals = {g.id: g.words for g in plan.goals}
    mine_ = [presenters.contribution_card(c, goals=goals) for c in queries.contributions_of(patient)
             if c.author_id == request.user.pk]
    queries.read(by=request.user, member=member, what="careteam.plan",
                 object_id=version.pk if version else "", detail={"version": version.version if version else None})
    team = [presenters.member_card(m) for m in queries.members_of(patient)]
    return render(request, "careteam/provider/plan.jinja", {
        "here": "people", "patient": patient, "name": _name(patient), "member": member,
        "member_card": presenters.member_card(member), "version": version,
        "plan": written(version, patient, patient.practice) if version else None,
        "practice": patient.practice, "nhs_number": format_nhs_number(patient.nhs_number),
        "named_clinician": patient.named_clinician.display_name if patient.named_clinician else "",
        "team": team, "mine": mine_, "kinds": rules.KINDS,
        "may_add": rules.may(member.scopes, rules.CONTRIBUTE),
        "results": _results(member) if rules.may(member.scopes, rules.RESULTS) else None,
    }, status=status)


@require_http_methods(["GET"])
def plan(request, patient_id: int):
    member = queries.member_for(request.user, patient_id)
    return _plan_page(request, member)


@require_http_methods(["GET", "POST"])
def add(request, patient_id: int, kind: str):
    member = queries.member_for(request.user, patient_id)
    if kind not in rules.KINDS:
        raise Http404("No such kind of addition.")
    if not rules.may(member.scopes, rules.CONTRIBUTE):
        raise Http404("Your part in this person's care does not include adding to their plan.")
    patient = member.patient
    version = plan_queries.latest(patient.practice, patient)
    goals = {g.id: g.words for g in plan_queries.plan_of(version).goals}
    if kind == "action" and not goals:
        messages.error(request, "Their plan has no goals yet: add a goal, with what you will do.")
        return redirect(reverse("careteam:add_to_plan", args=[patient.pk, "goal"]))
    read = rules.Read({}, {})
    status = 200
    if request.method == "POST":
        read = rules.read(kind, request.POST, goals=goals)
        based_on = parsing.read_version(request.POST.get("based_on"))
        if not read.problems:
            try:
                actions.contribute(member=member, by=request.user, kind=kind, content=read.content,
                                   based_on=based_on if based_on is not None else (version.version if version else 0))
            except actions.CareTeamError as e:
                read = rules.Read(read.content, {"kind": str(e)})
            else:
                messages.success(request, "Added for review. It becomes part of the plan when "
                                          f"{patient.given_name}'s named clinician accepts it; you will see it here.")
                return redirect(reverse("careteam:plan", args=[patient.pk]))
        status = 400
    queries.read(by=request.user, member=member, what="careteam.add_to_plan", detail={"kind": kind})
    return render(request, "careteam/provider/add.jinja", {
        "here": "people", "patient": patient, "name": _name(patient), "kind": kind, "title": rules.KINDS[kind],
        "goal_items": [{"value": gid, "text": words, "checked": str(request.POST.get("goal", "")) == gid}
                       for gid, words in goals.items()],
        "typed": {**{k: str(v)[:2000] for k, v in request.POST.items()}, **read.content}
        if request.method == "POST" else {},
        "errors": read.problems, "based_on": version.version if version else 0,
        "form_errors": [{"text": t, "href": f"#{k}"} for k, t in read.problems.items()],
    }, status=status)


@require_POST
def withdraw(request, patient_id: int, contribution_id: int):
    member = queries.member_for(request.user, patient_id)
    contribution = Contribution.objects.filter(patient_id=member.patient_id, pk=contribution_id,
                                               author=request.user).first()
    if contribution is None:
        raise Http404("No such addition of yours.")
    try:
        actions.withdraw(contribution=contribution, by=request.user,
                         expected_version=parsing.read_version(request.POST.get("version")) or 0)
    except actions.CareTeamError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "Withdrawn: it will not be added to the plan.")
    return redirect(reverse("careteam:plan", args=[member.patient_id]))


urlpatterns = [
    path("", mine, name="mine"),
    path("people/<id:patient_id>/", plan, name="plan"),
    path("people/<id:patient_id>/add/<slug:kind>/", add, name="add_to_plan"),
    path("people/<id:patient_id>/additions/<id:contribution_id>/withdraw/", withdraw, name="withdraw"),
]
