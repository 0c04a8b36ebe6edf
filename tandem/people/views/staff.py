"""Staff pages about a person's carers and representatives, and what is hidden from carers (ADR 16,
section 4; DAPB3051). For clinicians of the person's own practice: the person is read through
`request.practice` (another practice's is not found), and every page shown is audited as a read of them.

    /carers/<patient id>/                    their carers and representatives: each one's access, its state,
                                             basis and what the carer did; end access now, renew
    /carers/<patient id>/new/                record access for a representative of someone who lacks capacity
    /carers/<patient id>/hidden/             what carers do not see: each part of the plan, recent results,
                                             check-ins and upcoming appointments, hidden or not
    /carers/<patient id>/hide/               (POST) hide one entry from carers
    /carers/<patient id>/hidden/<id>/show/   (POST) show a hidden entry to carers again

Writes go through tandem.people.actions (atomic, audited); forms are read by tandem.people.carers and
tandem.core.parsing. Nothing here logs a name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tandem.booking.models import Appointment
from tandem.booking.rules import KIND_LABELS
from tandem.checkins.models import CheckIn
from tandem.core import audit, clock, parsing
from tandem.core.models import AuditEvent
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can
from tandem.patients.models import Observation, Patient, RelatedPerson
from tandem.patients.queries import patients_of
from tandem.prepare.queries.packs import CONCEPTS
from tandem.terminology.observations import BY_KEY, CODED_LABELS

from .. import actions, carers
from ..models import ProxyActivity, ProxyGrant, ProxyHidden
from ..rules import (
    PLAN_PARTS,
    SCOPE_LABELS,
    WARN_DAYS_BEFORE_END,
    GrantState,
    Scope,
    activity_words,
    state_of,
)

# Staff record access only for someone who lacks capacity: a person with capacity gives it themselves.
BASES = {b.value: b.label for b in ProxyGrant.Basis if b != ProxyGrant.Basis.CONSENT}
BASIS_HINTS = {
    ProxyGrant.Basis.LPA: "Registered with the Office of the Public Guardian. Check it with them and note its "
                          "reference.",
    ProxyGrant.Basis.DEPUTY: "Appointed by the Court of Protection for personal welfare. Note the court order you saw.",
    ProxyGrant.Basis.BEST_INTERESTS: "A decision made in their best interests under the Mental Capacity Act 2005. "
                                     "Note the factors you considered and who you asked.",
}
CHECKS = {c.value: c.label for c in ProxyGrant.IdentityCheck}
STATES = {  # label, tag colour
    GrantState.INVITED: ("Invited", "blue"),
    GrantState.ACTIVE: ("Active", "green"),
    GrantState.NOT_STARTED: ("Not started yet", "grey"),
    GrantState.ENDED: ("Ended", "grey"),
    GrantState.REVOKED: ("Revoked", "red"),
}
ACTIVITY_SHOWN = 20  # the newest, per grant
RECENT_YEARS = 2  # results shown on the hidden-entries page
# The new-access form's fields in the order they appear, with where the error summary links to.
FIELDS = {"given_name": "given_name", "family_name": "family_name", "birth": "birth-day", "email": "email",
          "relationship": "relationship", "scopes": "scopes", "ends": "ends-day", "review": "review-day",
          "basis": "basis", "basis_detail": "basis_detail", "identity_check": "identity_check"}
STALE = "Nothing was changed: the form was out of date. Check their access below and try again."


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"



def _patient(request, patient_id: int) -> Patient:
    """The person, at this practice only: another practice's is not found."""
    found = patients_of(request.practice).filter(pk=patient_id).first()
    if found is None:
        raise Http404("No such patient in this practice")
    return found


def _page(request, patient: Patient, template: str, *, what: str, status: int = 200, **values):
    """A page about the person, audited as this member of staff's read of them."""
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what=what,
                 patient_id=patient.pk)
    return render(request, f"people/staff/{template}.jinja", {
        "active_section": "patients", "patient": patient, "name": f"{patient.given_name} {patient.family_name}",
        "can_edit": can(request.roles, Capability.EDIT_CLINICAL), **values}, status=status)


def _typed(data, name: str, limit: int = 400) -> str:
    value = data.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def _summary(errors: dict[str, str], hrefs: dict[str, str]) -> list[dict]:
    return [{"text": text, "href": f"#{hrefs.get(key, key)}"} for key, text in errors.items()]


# --- Their carers and representatives -------------------------------------------------------------

@dataclass(frozen=True)
class GrantView:
    pk: int
    row_version: int
    name: str
    relationship: str
    state_label: str
    colour: str
    scopes: list[str]
    facts: list[tuple[str, str]]
    activity: list[str]
    earlier_activity: int
    can_end: bool
    can_renew: bool
    current: bool


def _grant_view(grant: ProxyGrant, *, done: list[tuple[str, dt.datetime]], renewed: ProxyGrant | None,
                today: dt.date) -> GrantView:
    state = state_of(grant, today)
    label, colour = STATES[state]
    facts = [("Access ends", _day(grant.ends_on))]
    if grant.starts_on > today:
        facts.insert(0, ("Access starts", _day(grant.starts_on)))
    if grant.review_on:
        facts.append(("Review by", _day(grant.review_on)))
    facts.append(("Basis", grant.get_basis_display()))
    if grant.granted_by_person:
        facts.append(("Given by", "The person, from their own Tandem"))
    else:
        facts += [("Evidence or factors considered", grant.basis_detail or "None recorded"),
                  ("Decided by", grant.decided_by.display_name if grant.decided_by else ""),
                  ("Identity checked by", grant.get_identity_check_display()),
                  ("Recorded on", _day(grant.created_at))]
    if grant.accepted_at:
        facts.append(("Accepted the invitation", _day(grant.accepted_at)))
    elif state is GrantState.INVITED:
        facts.append(("Invitation", f"Sent {_day(grant.created_at)}, open until {_day(grant.invitation_expires_at)}. "
                                    "They accept it by signing in with their own NHS login."))
    if grant.revoked_at:
        who = ("the person" if grant.revoked_by_person
               else grant.revoked_by.display_name if grant.revoked_by else "the practice")
        facts.append(("Revoked", f"{_day(grant.revoked_at)} by {who}"
                                 + (f": {grant.revoke_reason}" if grant.revoke_reason else "")))
    elif grant.ended_at and renewed is None:
        facts.append(("Ended", _day(grant.ended_at)))
    if renewed is not None:
        facts.append(("Renewed", f"On {_day(renewed.created_at)}, until {_day(renewed.ends_on)}"))
    current = state in (GrantState.INVITED, GrantState.ACTIVE, GrantState.NOT_STARTED)
    ending_soon = current and (grant.ends_on - today).days <= WARN_DAYS_BEFORE_END
    return GrantView(
        pk=grant.pk, row_version=grant.row_version, name=f"{grant.proxy_given_name} {grant.proxy_family_name}",
        relationship=RelatedPerson.Relationship(grant.relationship).label if grant.relationship in
        RelatedPerson.Relationship.values else "", state_label=label, colour=colour,
        scopes=[SCOPE_LABELS[s] for s in Scope if getattr(grant, s.value)], facts=facts,
        activity=[f"{activity_words(what)[0].upper()}{activity_words(what)[1:]}, {_day(at)}" for what, at in done[:ACTIVITY_SHOWN]],
        earlier_activity=max(0, len(done) - ACTIVITY_SHOWN), can_end=current,
        can_renew=renewed is None and grant.revoked_at is None and (state is GrantState.ENDED or ending_soon),
        current=current)


def _grants(request, patient: Patient) -> list[GrantView]:
    grants = list(ProxyGrant.objects.filter(practice=request.practice, patient=patient)
                  .select_related("decided_by", "revoked_by").order_by("-created_at", "-pk"))
    done: dict[int, list[tuple[str, dt.datetime]]] = {}
    for grant_id, what, at in (ProxyActivity.objects.filter(practice=request.practice, patient=patient)
                               .order_by("-at", "-pk").values_list("grant_id", "what", "at")):
        done.setdefault(grant_id, []).append((what, at))
    renewed = {g.renewed_from_id: g for g in grants if g.renewed_from_id}
    today = clock.today()
    return [_grant_view(g, done=done.get(g.pk, []), renewed=renewed.get(g.pk), today=today) for g in grants]


def _person_page(request, patient: Patient, *, errors: dict | None = None, typed: dict | None = None,
                 status: int = 200):
    errors = errors or {}
    shown = _grants(request, patient)
    return _page(request, patient, "person", what="carers.person", status=status,
                 current=[g for g in shown if g.current], past=[g for g in shown if not g.current],
                 errors=errors, typed=typed or {}, form_errors=_summary(errors, {k: f"{k}-day" for k in errors
                                                                                  if k.startswith("ends-")}))


@practice_required(Capability.VIEW_CLINICAL)
@require_http_methods(["GET", "POST"])
def person(request, patient_id: int):
    patient = _patient(request, patient_id)
    if request.method == "POST":
        return _change(request, patient)
    return _person_page(request, patient)


def _change(request, patient: Patient):
    """End access now, or renew it to a new end date. The form carries the grant's row_version: a
    form older than the grant is refused, whatever it asked."""
    if not can(request.roles, Capability.EDIT_CLINICAL):
        raise PermissionDenied("Your role does not allow edit_clinical.")  # the access table refuses it first
    here = redirect(reverse("carers:person", args=[patient.pk]))
    do, grant_id = request.POST.get("do"), parsing.read_id(request.POST.get("grant"))
    if do not in ("end", "renew") or grant_id is None:
        messages.error(request, "Nothing was changed: choose whose access to end or renew.")
        return here
    if not ProxyGrant.objects.filter(pk=grant_id, practice=request.practice, patient=patient).exists():
        raise Http404("No such access.")
    version = parsing.read_version(request.POST.get("row_version"))
    if version is None:
        messages.error(request, STALE)
        return here
    which = {"grant_id": grant_id, "practice_id": request.practice.pk, "patient_id": patient.pk,
             "row_version": version, "by": request.user}
    today = clock.today()
    try:
        if do == "end":
            reason, error = carers.read_reason(request.POST, required=True)
            if error:
                return _person_page(request, patient, errors={f"reason-{grant_id}": error}, status=400,
                                    typed={"grant": grant_id, "reason": _typed(request.POST, "reason", 1000)})
            grant = actions.revoke(**which, reason=reason)
            messages.success(request, f"Access ended for {grant.proxy_given_name} {grant.proxy_family_name}. "
                                      "The next time they open a page, they are refused.")
            return here
        ends_on, error = carers.read_new_end(request.POST, today=today)
        if ends_on is None:
            typed = {"grant": grant_id, **{box: _typed(request.POST, f"ends-{box}", 20) for box in ("day", "month",
                                                                                                      "year")}}
            return _person_page(request, patient, errors={f"ends-{grant_id}": error},
                                typed=typed, status=400)
        grant = actions.renew(**which, ends_on=ends_on)
    except actions.GrantError as exc:
        messages.error(request, f"Nothing was changed. {exc}")
        return here
    messages.success(request, f"Access renewed for {grant.proxy_given_name} {grant.proxy_family_name} until "
                              f"{_day(grant.ends_on)}." + ("" if grant.accepted_at else
                                                           " We have emailed them a new invitation."))
    return here


# --- Recording access for someone who lacks capacity -------------------------------------------

def _new_values(data) -> dict:
    values = {name: _typed(data, name) for name in ("given_name", "family_name", "email", "relationship", "basis",
                                                    "identity_check")}
    values["basis_detail"] = _typed(data, "basis_detail", 4 * carers.DETAIL_MAX)
    for prefix in ("birth", "ends", "review"):
        for box in ("day", "month", "year"):
            values[f"{prefix}-{box}"] = _typed(data, f"{prefix}-{box}", 20)
    values["scopes"] = [s for s in (data.getlist("scopes") if hasattr(data, "getlist") else [])
                        if s in Scope._value2member_map_]
    return values


@practice_required(Capability.EDIT_CLINICAL)
@require_http_methods(["GET", "POST"])
def new(request, patient_id: int):
    patient = _patient(request, patient_id)
    errors: dict[str, str] = {}
    values = _new_values(request.POST if request.method == "POST" else {})
    if request.method == "POST":
        wanted, errors = carers.read_grant(request.POST, today=clock.today())
        decision, more = carers.read_decision(request.POST, bases=BASES, checks=CHECKS)
        errors = {**errors, **more}
        if "relationship" in errors:
            errors["relationship"] = "Select how they are related to the person"
        if not errors:
            try:
                grant = actions.record_by_staff(practice=request.practice, patient=patient, wanted=wanted,
                                                decision=decision, by=request.user)
            except actions.GrantError as exc:
                errors = {"basis": str(exc)}
            else:
                messages.success(request, f"Access recorded for {grant.proxy_given_name} {grant.proxy_family_name}. "
                                          "We have emailed them an invitation. They must accept it by signing in "
                                          "with their own NHS login before "
                                          f"{_day(grant.invitation_expires_at)}. Until then they cannot see anything.")
                return redirect(reverse("carers:person", args=[patient.pk]))
    errors = {key: errors[key] for key in FIELDS if key in errors}
    return _page(request, patient, "new", what="carers.new", status=400 if errors else 200, values=values,
                 errors=errors, form_errors=_summary(errors, FIELDS),
                 relationships=RelatedPerson.Relationship.choices, scopes=[(s.value, SCOPE_LABELS[s]) for s in Scope],
                 bases=[(value, label, BASIS_HINTS[value]) for value, label in BASES.items()],
                 checks=list(CHECKS.items()))


# --- What is hidden from carers -------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    key: str  # the row's id on the page
    what: str
    object_id: int | None
    part: str
    text: str
    hidden: ProxyHidden | None
    hidden_text: str


def _key(what: str, object_id: int | None, part: str) -> str:
    return f"{what}-{part if what == ProxyHidden.What.PLAN_PART else object_id}"


def _entry(what: str, text: str, hidden: dict, *, object_id: int | None = None, part: str = "") -> Entry:
    found = hidden.get((what, object_id, part))
    said = ""
    if found is not None:
        said = f"Hidden from carers on {_day(found.hidden_at)} by {found.hidden_by.display_name}" + (
            f": {found.reason}" if found.reason else "")
    return Entry(key=_key(what, object_id, part), what=what, object_id=object_id, part=part, text=text,
                 hidden=found, hidden_text=said)


def _result_text(o: Observation) -> str:
    concept = BY_KEY.get(o.concept)
    name, unit, decimals = (concept.name, concept.unit, concept.decimals) if concept else (o.concept, o.unit, 1)
    if o.value is not None:
        value = f"{o.value:.{decimals}f} {unit}".strip()
    else:
        value = CODED_LABELS.get(o.concept, {}).get(o.value_code, o.value_code)
    return f"{name}: {value}, {_day(o.effective_date)}"


def _sections(practice, patient: Patient) -> list[tuple[str, str, list[Entry]]]:
    """(id, heading, entries) for each kind of entry: every part of the plan; results of the last
    RECENT_YEARS, check-ins, and appointments from today, each with whatever older one is hidden."""
    today = clock.today()
    hidden = {(h.what, h.object_id, h.part): h for h in ProxyHidden.objects.filter(
        practice=practice, patient=patient, shown_again_at__isnull=True).select_related("hidden_by")}

    def hidden_ids(what: str) -> list[int]:
        return [object_id for kind, object_id, _ in hidden if kind == what]

    mine = {"practice": practice, "patient": patient}
    W = ProxyHidden.What
    results = (Observation.objects.filter(**mine)
               .filter(Q(concept__in=CONCEPTS, effective_date__gte=carers.years_after(today, -RECENT_YEARS))
                       | Q(pk__in=hidden_ids(W.OBSERVATION)))
               .order_by("-effective_date", "concept", "-pk"))
    checkins = CheckIn.objects.filter(**mine).order_by("-opened_on", "-pk")
    booked = (Appointment.objects.filter(**mine)
              .filter(Q(state=Appointment.State.BOOKED, day__gte=today) | Q(pk__in=hidden_ids(W.APPOINTMENT)))
              .order_by("day", "start_time", "pk"))
    return [
        ("plan", "Parts of the plan", [_entry(W.PLAN_PART, f"{label} (in every version of the plan)", hidden,
                                              part=key) for key, label in PLAN_PARTS.items()]),
        ("results", "Results", [_entry(W.OBSERVATION, _result_text(o), hidden, object_id=o.pk) for o in results]),
        ("checkins", "Check-ins", [_entry(
            W.CHECKIN, f"Check-in sent {_day(c.opened_on)} by {c.get_channel_display().lower()}: "
                       f"{c.get_status_display().lower()}", hidden, object_id=c.pk) for c in checkins]),
        ("appointments", "Appointments", [_entry(
            W.APPOINTMENT, f"{KIND_LABELS.get(a.kind, 'Appointment')}, {a.day:%A} {_day(a.day)} at "
                           f"{a.start_time:%H:%M}" + ("" if a.state == Appointment.State.BOOKED
                                                      else f" ({a.get_state_display().lower()})"),
            hidden, object_id=a.pk) for a in booked]),
    ]


def _hidden_page(request, patient: Patient, *, errors: dict | None = None, typed: dict | None = None,
                 status: int = 200):
    errors = errors or {}
    return _page(request, patient, "hidden", what="carers.hidden", status=status,
                 sections=_sections(request.practice, patient), errors=errors, typed=typed or {},
                 form_errors=_summary(errors, {}))


@practice_required(Capability.VIEW_CLINICAL)
@require_http_methods(["GET"])
def hidden(request, patient_id: int):
    return _hidden_page(request, _patient(request, patient_id))


@practice_required(Capability.EDIT_CLINICAL)
@require_POST
def hide(request, patient_id: int):
    patient = _patient(request, patient_id)
    here = redirect(reverse("carers:hidden", args=[patient.pk]))
    what, part = request.POST.get("what", ""), _typed(request.POST, "part", 40)
    if what not in ProxyHidden.What.values or (what == ProxyHidden.What.PLAN_PART and part not in PLAN_PARTS):
        messages.error(request, "Nothing was hidden: choose an entry on this page.")
        return here
    object_id = None if what == ProxyHidden.What.PLAN_PART else parsing.read_id(request.POST.get("object_id"))
    if what != ProxyHidden.What.PLAN_PART and object_id is None:
        raise Http404("No such entry.")
    reason, error = carers.read_reason(request.POST, required=False)
    if error:
        key = _key(what, object_id, part)
        return _hidden_page(request, patient, errors={f"reason-{key}": error}, status=400,
                            typed={key: _typed(request.POST, "reason", 1000)})
    try:
        actions.hide(practice=request.practice, patient=patient, what=what, object_id=object_id, part=part,
                     reason=reason, by=request.user)
    except actions.GrantError as exc:
        messages.error(request, f"Nothing was hidden. {exc}")
        return here
    messages.success(request, "Hidden from carers. The person still sees it.")
    return here


@practice_required(Capability.EDIT_CLINICAL)
@require_POST
def show(request, patient_id: int, hidden_id: int):
    patient = _patient(request, patient_id)
    actions.show_again(hidden_id=hidden_id, practice=request.practice, patient_id=patient.pk, by=request.user)
    messages.success(request, "Carers can see it again.")
    return redirect(reverse("carers:hidden", args=[patient.pk]))
