"""Signing in and out, choosing the practice to work in, and the home page."""

from __future__ import annotations

from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
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


def forbidden(request, exception=None):
    return render(request, "core/error.jinja", {"title": "You cannot do this", "status": 403,
                  "message": "Your role in this practice does not allow this. Ask your practice manager if you need it."}, status=403)


def not_found(request, exception=None):
    return render(request, "core/error.jinja", {"title": "Page not found", "status": 404,
                  "message": "If you typed the web address, check it is correct. If you followed a link to a patient, they may not be registered at the practice you are working in."}, status=404)


def server_error(request):
    return render(request, "core/error.jinja", {"title": "Sorry, there is a problem with the service", "status": 500,
                  "message": "Nothing you entered has been saved. Try again later."}, status=500)
