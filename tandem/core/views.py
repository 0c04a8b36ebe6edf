"""Signing in (password, then a two-factor code when the account has one or its practice requires
it), signing out, choosing the practice to work in, and the error pages.

Between the password and the code nobody is signed in: the session holds only who is part-way
through, where they were going and since when (PENDING_SECONDS at most).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_POST

from . import account_actions, idle, redirects, two_factor
from .middleware import choose_practice as set_practice
from .rules import ROLE_LABELS, Role

PENDING_KEY = "tandem_sign_in"
PENDING_SECONDS = 5 * 60
NEW_CODES_KEY = "tandem_new_backup_codes"


def safe_next(request, target: str | None) -> str:
    """`target` if it is a path on this site, else "" (so `next=foo` or `next=//evil.example` go home)."""
    return redirects.safe_path((target or "").strip())


def login(request):
    if request.user.is_authenticated:
        return redirect("home")
    wanted = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if two_factor.is_on(user):
            return _hold(request, user, wanted, step="code")
        if two_factor.required_for(user):
            return _hold(request, user, wanted, step="set_up")
        return _finish(request, user, backend=user.backend, wanted=wanted)
    errors = form.errors.get("__all__", []) if request.method == "POST" else []
    if request.method == "POST" and not errors and form.errors:
        errors = ["Enter your username and password."]
    return render(
        request,
        "core/login.jinja",
        {"form": form, "form_errors": list(errors), "next": wanted},
        status=400 if errors else 200,
    )


def _hold(request, user, wanted: str, *, step: str):
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "backend": user.backend, "next": wanted,
                                    "step": step, "since": int(time.time())}
    return redirect("core:sign_in_code" if step == "code" else "core:sign_in_set_up")


def _pending(request, step: str):
    """The user part-way through signing in at `step`, or None (nobody, another step, or too long ago)."""
    held = request.session.get(PENDING_KEY)
    if not isinstance(held, dict) or held.get("step") != step:
        return None, {}
    if time.time() - held.get("since", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    user = get_user_model().objects.filter(pk=held.get("user"), is_active=True).first()
    return user, held


def _finish(request, user, *, backend: str, wanted: str, device=None):
    request.session.pop(PENDING_KEY, None)
    if device is not None:
        user.otp_device = device  # django-otp notes the device in the session when signing in
    auth_login(request, user, backend=backend)
    idle.mark_seen(request)
    return HttpResponseRedirect(wanted or reverse("home"))


def _code_failed(request, user) -> None:
    """A wrong code counts as a failed sign-in for the account (and so towards its lock-out)."""
    user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)


def _still_allowed(request, user) -> bool:
    return AxesProxyHandler.is_allowed(request, {"username": user.username})


def _second_step(request, step: str):
    """(user, held, None) for someone part-way through signing in at `step` and not locked out; else
    (None, held, the response to give instead: back to signing in, or the locked-out page)."""
    user, held = _pending(request, step)
    if user is None:
        return None, held, redirect("core:login")
    if not _still_allowed(request, user):
        request.session.pop(PENDING_KEY, None)
        return None, held, locked_out(request)
    return user, held, None


def sign_in_code(request):
    """The second step: a code from the authenticator app, or a backup code."""
    user, held, stop = _second_step(request, "code")
    if stop is not None:
        return stop
    error = ""
    if request.method == "POST":
        typed = request.POST.get("code", "")
        if not two_factor.clean_code(typed):
            error = "Enter the 6-digit code from your authenticator app"
        else:
            device = two_factor.verify(user, typed)
            if device == two_factor.WAIT:
                error = "Wait a few seconds after a wrong code, then enter the code again"
            elif device is not None:
                return _finish(request, user, backend=held["backend"], wanted=held.get("next", ""), device=device)
            else:
                _code_failed(request, user)
                error = ("The code is not right. Enter the code your authenticator app shows now, or one of "
                         "your backup codes")
    return render(request, "core/sign_in_code.jinja", {"error": error, "form_errors": [error] if error else []},
                  status=400 if error else 200)


def sign_in_set_up(request):
    """The second step when the practice requires two-factor authentication and the account has none."""
    user, held, stop = _second_step(request, "set_up")
    if stop is not None:
        return stop
    error = ""
    if request.method == "POST":
        try:
            codes = account_actions.confirm_app(user=user, typed=request.POST.get("code", ""))
        except account_actions.TwoFactorError as exc:
            error = str(exc)
            if two_factor.clean_code(request.POST.get("code", "")):
                _code_failed(request, user)
        else:
            _finish(request, user, backend=held["backend"], wanted="", device=two_factor.app_for(user))
            request.session[NEW_CODES_KEY] = {"codes": codes, "next": held.get("next", "")}
            return redirect("core:backup_codes")
    device = account_actions.start_app_set_up(user=user)
    return render(request, "core/two_factor_set_up.jinja", {
        "device": device, "qr": two_factor.qr_svg(device), "secret": two_factor.secret_words(device),
        "required_by": two_factor.requiring_practices(user), "action": reverse("core:sign_in_set_up"),
        "error": error, "form_errors": [error] if error else []}, status=400 if error else 200)


@login_required
def backup_codes(request):
    """New backup codes, shown once, just after they were made."""
    fresh = request.session.pop(NEW_CODES_KEY, None)
    if not isinstance(fresh, dict) or not fresh.get("codes"):
        return redirect("core:account")
    return render(request, "core/backup_codes.jinja", {
        "codes": fresh["codes"], "next": safe_next(request, fresh.get("next")) or reverse("home")})


def locked_out(request, response=None, credentials=None):
    """What a locked-out sign-in sees (django-axes calls this): what happened and what to do."""
    request.session.pop(PENDING_KEY, None)
    return render(request, "core/locked_out.jinja", {
        "minutes": settings.TANDEM_LOCKOUT_MINUTES, "plain_header": True}, status=429)


@require_POST
def logout(request):
    auth_logout(request)
    return redirect("core:login")


def signed_out(request):
    """Where staff land when they were signed out without asking: idle for too long, or everywhere."""
    reason = request.GET.get("reason", "")
    wanted = safe_next(request, request.GET.get("next"))
    sign_in = reverse("core:login") + (f"?{urlencode({'next': wanted})}" if wanted else "")
    return render(request, "core/signed_out.jinja", {
        "reason": reason if reason in ("idle", "expired", "everywhere") else "", "minutes": settings.TANDEM_IDLE_MINUTES,
        "hours": settings.SESSION_COOKIE_AGE // 3600,
        "sign_in": sign_in, "plain_header": True})


@login_required
def choose_practice(request):
    memberships = list(request.user.memberships.select_related("practice").order_by("practice__name"))
    error = None
    if request.method == "POST":
        wanted = request.POST.get("practice", "")
        chosen = next((m for m in memberships if str(m.practice_id) == wanted), None)
        if chosen is not None:
            set_practice(request, chosen.practice)
            return redirect("home")
        error = "Select the practice you are working in."
    choices = [
        {"practice": m.practice, "role": ROLE_LABELS[Role(m.role)]} for m in memberships
    ]
    from .access import leads_a_group, works_for_provider

    care_team = works_for_provider(request.user)
    if not memberships and care_team and not leads_a_group(request.user):
        return redirect("careteam:mine")  # a professional of an organisation outside any practice: their people
    return render(request, "core/choose_practice.jinja", {"choices": choices, "form_errors": [error] if error else [],
                                                         "leads_groups": leads_a_group(request.user),
                                                         "care_team": care_team},
                  status=400 if error else 200)


# Error pages: NHS.UK styled, in plain words, with no technical detail (no exception, no URL list,
# no settings), whatever the DEBUG setting of the profile that serves them.

def _error_page(request, *, status: int, title: str, paragraphs: list[str], plain: bool = False):
    """Render an error page. `plain` pages show no account or navigation, so they render even when
    the request never reached the sign-in middleware or the database is what failed."""
    context = {"title": title, "paragraphs": paragraphs, "status": status, "plain_header": plain}
    try:
        return render(request, "core/error.jinja", context, status=status)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        if plain:
            return HttpResponse(_LAST_RESORT.format(title=escape(title)), status=status)
        return _error_page(request, status=status, title=title, paragraphs=paragraphs, plain=True)


_LAST_RESORT = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} – Tandem</title></head>'
                '<body><main><h1>{title}</h1><p>Try again later.</p><p><a href="/">Go to the home page</a></p>'
                '</main></body></html>')


def bad_request(request, exception=None):
    return _error_page(request, status=400, title="Sorry, Tandem could not understand that request", plain=True,
                       paragraphs=["Nothing has been saved.",
                                   "If you typed the web address, check it is correct. Otherwise go back and try again."])


def forbidden(request, exception=None):
    return _error_page(request, status=403, title="You cannot do this",
                       paragraphs=["Your role in this practice does not allow this.",
                                   "Ask your practice manager if you need it."])


def csrf_failure(request, reason=""):
    # The reason is for developers; people are told what to do instead.
    return _error_page(request, status=403, title="Sorry, the form could not be sent", plain=True,
                       paragraphs=["Nothing you entered has been saved. This can happen when a page has been open "
                                   "for a long time, when you signed out in another tab, or when your browser "
                                   "blocks cookies.",
                                   "Go back, reload the page and try again."])


def not_found(request, exception=None):
    return _error_page(request, status=404, title="Page not found",
                       paragraphs=["If you typed the web address, check it is correct.",
                                   "If you pasted the web address, check you copied the entire address.",
                                   "If you followed a link to a patient, they may not be registered at the "
                                   "practice you are working in."])


def server_error(request):
    return _error_page(request, status=500, title="Sorry, there is a problem with the service", plain=True,
                       paragraphs=["Nothing you entered has been saved. Try again later.",
                                   "If it keeps happening, tell your practice manager what you were doing "
                                   "and when."])
