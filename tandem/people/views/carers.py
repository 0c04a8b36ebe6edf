"""Carers on the person's own pages (ADR 16, section 4): who can see my Tandem, giving a carer access,
ending or renewing it, and what carers did; the carer's invitation; and, for a carer helping more than
one person, choosing whose Tandem to use.

Only the person themselves gives, ends or renews access (a carer never can: `people.rules.allows` has no
scope for it). Giving access needs P9, as results do: it lets someone else see the record. The carer's
invitation shows nothing about the person until the carer has signed in with their own NHS login and
their verified family name and date of birth match the grant.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tandem.core import audit, clock, parsing
from tandem.core.models import AuditEvent
from tandem.core.ratelimits import limited
from tandem.messaging import links
from tandem.patients.models import RelatedPerson

from .. import actions, carers, presenters, queries, session
from ..models import ProxyGrant
from ..rules import (
    SCOPE_LABELS,
    Purpose,
    Scope,
    activity_words,
    may,
    scopes_of,
    state_of,
)
from .pages import person_page

INVITATION_KEY = "tandem_carer_invitation"  # the invitation's digest, from its page to the carer's sign-in



def _step_up(viewer):
    if may(viewer.level, Purpose.CARERS):
        return None
    return redirect(reverse("people:sign_in") + f"?for={Purpose.CARERS.value}")


def _grant_rows(viewer) -> list[dict]:
    today = clock.today()
    rows = []
    for grant in queries.grants(viewer):
        state = state_of(grant, today)
        rows.append({"grant": grant, "state": state.value, "name": f"{grant.proxy_given_name} {grant.proxy_family_name}",
                     "relationship": RelatedPerson.Relationship(grant.relationship).label,
                     "scopes": [SCOPE_LABELS[s] for s in Scope if s in scopes_of(grant)],
                     "ends_on": presenters.long_date(grant.ends_on),
                     "review_on": presenters.long_date(grant.review_on),
                     "by_staff": not grant.granted_by_person,
                     "basis": ProxyGrant.Basis(grant.basis).label})
    return rows


def _activity_rows(viewer) -> list[dict]:
    return [{"who": f"{a.grant.proxy_given_name} {a.grant.proxy_family_name}",
             "did": activity_words(a.what),
             "on": presenters.long_date(timezone.localtime(a.at).date())} for a in queries.carer_activity(viewer)]


@person_page(Purpose.CARERS, methods=("GET", "POST"))
def carers_page(request, viewer):
    """Who can see my Tandem: each carer, what they can do, until when; end or renew; what they did."""
    refused = _step_up(viewer)
    if refused is not None:
        return refused
    errors = {}
    if request.method == "POST":
        grant_id = parsing.read_id(request.POST.get("grant"))
        version = parsing.read_version(request.POST.get("version"))
        if grant_id is None:
            raise Http404("No such access.")
        try:
            if version is None:  # every form carries the version it was made from: a change is never blind
                raise actions.GrantError("This page is out of date. Go back to your pages and try again.")
            if request.POST.get("do") == "end":
                actions.revoke(grant_id=grant_id, practice_id=viewer.practice.pk, patient_id=viewer.patient.pk,
                               row_version=version, reason="", by=None, viewer=viewer)
                messages.success(request, "Their access has ended. They cannot see anything from now on.")
            elif request.POST.get("do") == "renew":
                ends_on, error = carers.read_new_end(request.POST, today=clock.today())
                if ends_on is None:
                    errors[grant_id] = error
                else:
                    actions.renew(grant_id=grant_id, practice_id=viewer.practice.pk, patient_id=viewer.patient.pk,
                                  row_version=version, ends_on=ends_on, by=None, viewer=viewer)
                    messages.success(request, "Their access has been renewed.")
            else:
                raise Http404("No such change.")
        except actions.GrantError as problem:
            errors[grant_id] = str(problem)
        if not errors:
            return redirect("people:carers")
    queries.read(viewer, what="people.carers")
    return render(request, "people/carers/list.jinja",
                  {**presenters.frame(viewer), "rows": _grant_rows(viewer),
                   "activity": _activity_rows(viewer), "errors": errors}, status=400 if errors else 200)


@person_page(Purpose.CARERS, methods=("GET", "POST"))
def carer_new(request, viewer):
    """Giving a carer access: their name and date of birth (checked against their NHS login when they
    accept), their email for the invitation, what they can do, and until when."""
    refused = _step_up(viewer)
    if refused is not None:
        return refused
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        wanted, errors = carers.read_grant(request.POST, today=clock.today())
        if wanted is not None:
            grant = actions.grant_by_person(viewer=viewer, wanted=wanted)
            messages.success(request, f"We have emailed {grant.proxy_given_name} an invitation. They need to accept "
                                      "it with their own NHS login within 14 days.")
            return redirect("people:carers")
    return render(request, "people/carers/new.jinja",
                  {**presenters.frame(viewer), "errors": errors, "values": values,
                   "scopes": [(s.value, SCOPE_LABELS[s]) for s in Scope],
                   "relationships": RelatedPerson.Relationship.choices}, status=400 if errors else 200)


@never_cache
@require_GET
def invitation(request, token: str):
    """A carer's invitation from the email: what it is, and sign in with your own NHS login to accept.
    Shows nothing about the person (the link could be forwarded)."""
    grant = actions.invitation(token)
    open_ = actions.invitation_open(grant)
    if open_:
        request.session[INVITATION_KEY] = links.digest(token)
    audit.record(by=None, practice=grant.practice if grant else None, action=AuditEvent.Action.VIEW,
                 what="person.proxy_invitation", object_id=grant.pk if grant else "",
                 detail={"grant": grant.pk if grant else None, "open": open_})
    return render(request, "people/carers/invitation.jinja",
                  {"open": open_, "practice_name": grant.practice.name if grant else ""}, status=200 if open_ else 404)


@never_cache
@require_http_methods(["GET", "POST"])
def choose(request):
    """A carer helping more than one person chooses whose Tandem to use (a POST that keeps the choice
    in the session). Someone else's grant is not found."""
    viewer = getattr(request, "person", None)
    if viewer is None:
        raise Http404("Nobody is signed in.")
    if not viewer.is_carer:  # the person themselves has only their own pages
        return redirect("people:home")
    grants = actions.grants_in_force(viewer.account_id)
    if request.method == "POST":
        wanted = parsing.read_id(request.POST.get("grant"))
        chosen = next((g for g in grants if g.pk == wanted), None)
        if chosen is None:
            raise Http404("No such person.")
        session.act_for(request, grant_id=chosen.pk)
        return redirect("people:home")
    return render(request, "people/carers/choose.jinja",
                  {"grants": [{"pk": g.pk, "name": f"{g.patient.given_name} {g.patient.family_name}",
                               "practice": g.practice.name} for g in grants],
                   "current": viewer.grant.pk if viewer.grant else None})


urlpatterns = [
    path("carers/", carers_page, name="carers"),
    path("carers/new/", carer_new, name="carer_new"),
    path("invitation/<str:token>/", limited(invitation, group="person"), name="invitation"),
    path("people/", choose, name="choose"),
]
