"""Signing in and out, choosing the practice to work in, and the home page."""

from __future__ import annotations

from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .middleware import choose_practice as set_practice
from .rules import ROLE_LABELS, Role


def login(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())
        target = request.POST.get("next") or request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return redirect(target)
        return redirect("home")
    errors = form.errors.get("__all__", []) if request.method == "POST" else []
    if request.method == "POST" and not errors and form.errors:
        errors = ["Enter your username and password."]
    return render(
        request,
        "core/login.jinja",
        {"form": form, "form_errors": list(errors), "next": request.GET.get("next", "")},
        status=400 if errors else 200,
    )


@require_POST
def logout(request):
    auth_logout(request)
    return redirect("core:login")


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
    return render(request, "core/choose_practice.jinja", {"choices": choices, "form_errors": [error] if error else []}, status=400 if error else 200)


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
