"""Signing in with NHS login, being refused, signing out, and the person's minimal home page.

The start of sign-in is a link (GET), not a form: the content security policy's `form-action 'self'`
would stop a form's redirect to NHS login. Refusals redirect to a page per reason, so reloading it
repeats nothing. Pages say nothing about anyone but the signed-in person, and of them only the first
name (the NHS number is never shown back: NHS login's condition).
"""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import actions, oidc, presenters, session
from ..rules import SESSION_KEY, Purpose, Refusal, may
from .carers import INVITATION_KEY

# Where each purpose's page is once it exists (tandem.people.views.pages); the home page until then.
DESTINATION = {
    Purpose.PLAN: "people:plan",
    Purpose.APPOINTMENTS: "people:appointments",
    Purpose.AGENDA: "people:agenda",
    Purpose.CHECKINS: "people:checkins",
    Purpose.READINGS: "people:reading_new",
    Purpose.RESULTS: "people:results",
    Purpose.RECORD: "people:results",
    Purpose.CARERS: "people:carers",
    Purpose.CARER: "people:home",
}


def destination(purpose: Purpose) -> str:
    try:
        return reverse(DESTINATION[purpose])
    except NoReverseMatch:
        return reverse("people:home")


def _purpose(raw: object) -> Purpose | None:
    return Purpose(raw) if isinstance(raw, str) and raw in Purpose._value2member_map_ else None


@never_cache
@require_GET
def sign_in(request):
    """`?for=<purpose>` starts signing in (or steps up); without it, a page with the ways in."""
    purpose = _purpose(request.GET.get("for"))
    person = getattr(request, "person", None)
    if not oidc.enabled():
        return render(request, "people/sign_in/start.jinja", {"available": False, "expired": None})
    if purpose is None:
        expired = request.session.pop(session.EXPIRED_KEY, None)
        return render(request, "people/sign_in/start.jinja", {"available": True, "expired": expired})
    if purpose is Purpose.CARER:
        invited = request.session.get(INVITATION_KEY)
        if person is not None and person.is_carer and not invited:
            return redirect(destination(purpose))
    elif person is not None and not person.is_carer and may(person.level, purpose):
        return redirect(destination(purpose))
    if request.user.is_authenticated:  # a staff session on this browser ends before a person's begins
        invited = request.session.get(INVITATION_KEY)
        logout(request)
        if invited:
            request.session[INVITATION_KEY] = invited
    try:
        url = oidc.start(request, purpose)
    except oidc.SignInRefused as refused:
        actions.sign_in_refused(reason=refused.reason)
        return redirect("people:refused", reason=refused.reason.value)
    return HttpResponseRedirect(url)


@never_cache
@require_GET
def callback(request):
    if not oidc.enabled():
        raise Http404("Signing in with NHS login is not available here.")
    try:
        signed_in = oidc.finish(request)
    except oidc.SignInRefused as refused:
        actions.sign_in_refused(reason=refused.reason)
        target = reverse("people:refused", kwargs={"reason": refused.reason.value})
        if refused.purpose is not None:
            target += f"?for={refused.purpose.value}"
        return HttpResponseRedirect(target)
    if signed_in.purpose is Purpose.CARER:
        return _carer_signed_in(request, signed_in)
    account, link = actions.sign_in(issuer=signed_in.issuer, sub=signed_in.sub, level=signed_in.level,
                                    patient=signed_in.patient)
    session.begin(request, account_id=account.pk, generation=account.session_generation, link_id=link.pk,
                  level=signed_in.level)
    return redirect(destination(signed_in.purpose))


def _refuse(reason: Refusal, *, purpose: Purpose | None = None):
    actions.sign_in_refused(reason=reason)
    target = reverse("people:refused", kwargs={"reason": reason.value})
    return HttpResponseRedirect(target + (f"?for={purpose.value}" if purpose is not None else ""))


def _carer_signed_in(request, signed_in):
    """A carer signed in with their own NHS login: accept the invitation this browser brought, if any
    (their verified family name and date of birth must match it), then act under their grant in force,
    or choose when there are several."""
    account = actions.carer_signed_in(issuer=signed_in.issuer, sub=signed_in.sub, level=signed_in.level)
    digest = request.session.pop(INVITATION_KEY, None)
    if isinstance(digest, str):
        accepted = actions.accept(digest=digest, account=account, family_name=signed_in.family_name,
                                  birth_date=signed_in.birthdate)
        if accepted is None:
            return _refuse(Refusal.INVITATION)
    grants = actions.grants_in_force(account.pk)
    if not grants:
        return _refuse(Refusal.NO_GRANT)
    session.begin(request, account_id=account.pk, generation=account.session_generation, level=signed_in.level,
                  grant_id=grants[0].pk if len(grants) == 1 else None)
    return redirect("people:home" if len(grants) == 1 else "people:choose")


@never_cache
@require_GET
def refused(request, reason: str):
    if reason not in Refusal._value2member_map_:
        raise Http404("No such page.")
    why = Refusal(reason)
    purpose = _purpose(request.GET.get("for"))
    person = getattr(request, "person", None)
    # Stepping up: a person signed in at P5 could not prove P9; what P5 opens stays open.
    step_up = why is Refusal.ACCESS_DENIED and person is not None and purpose is not None \
        and not may(person.level, purpose)
    return render(request, "people/sign_in/refused.jinja",
                  {"reason": why.value, "step_up": step_up, "person": person, "purpose": purpose,
                   "retry_for": (purpose or Purpose.PLAN).value}, status=403)


@require_POST
def sign_out(request):
    data = request.session.get(SESSION_KEY)
    everywhere = request.POST.get("everywhere") == "yes"
    if isinstance(data, dict) and isinstance(data.get("account"), int):
        actions.sign_out(account_id=data["account"], everywhere=everywhere)
        session.end(request)
    return redirect("people:signed_out")


@never_cache
@require_GET
def signed_out(request):
    return render(request, "people/sign_in/signed_out.jinja", {})


@never_cache
@require_GET
def home(request):
    """Who is signed in (first name only), or whom a carer is helping, and their pages."""
    person = request.person
    if person.choosing:
        return redirect("people:choose")
    frame = presenters.frame(person)
    return render(request, "people/sign_in/home.jinja",
                  {**frame, "first_name": person.patient.given_name if not person.is_carer else "",
                   "links": [{"label": label, "href": reverse(f"people:{name}")} for name, label in frame["nav"]]})
