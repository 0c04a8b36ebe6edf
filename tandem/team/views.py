"""The team pages (the practice manager's): the team, adding someone, one member of staff (role,
leaving, returning, the set-password email again), and who does each step of the cycle."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from tandem.core.permissions import practice_required
from tandem.core.rules import Capability

from . import actions, forms, presenters, queries, rules

logger = logging.getLogger(__name__)

SECTION = "team"
SEND_FAILED = (" The email asking them to set their password could not be sent: send it again from their page "
               "when email is working.")


def _site(request) -> str:
    return settings.TANDEM_PUBLIC_URL.rstrip("/") if settings.TANDEM_PUBLIC_URL else \
        f"{request.scheme}://{request.get_host()}"


def _send_set_password(request, membership) -> bool:
    try:
        actions.send_set_password_email(membership=membership, by=request.user, site=_site(request))
    except (OSError, smtplib.SMTPException):
        logger.warning("team: set-password email for user %s not sent", membership.user_id)
        return False
    return True


def _member_url(pk: int) -> str:
    return f"{reverse('team:member')}?id={pk}"


@practice_required(Capability.MANAGE_PRACTICE)
def index(request):
    working, left = presenters.team_rows(queries.team_of(request.practice))
    return render(request, "team/index.jinja", {"active_section": SECTION, "working": working, "left": left})


@practice_required(Capability.MANAGE_PRACTICE)
def add(request):
    form = forms.NewMember(values={name: "" for name in forms.FIELDS})
    if request.method == "POST":
        form = forms.read_new_member(request.POST)
        if not form.errors:
            v = form.values
            try:
                added = actions.add_member(practice=request.practice, by=request.user, username=v["username"],
                                           first_name=v["first_name"], last_name=v["last_name"], email=v["email"],
                                           role=form.role)
            except actions.TeamError as exc:
                form.errors[exc.field or "username"] = str(exc)
            else:
                member = added.membership
                role = rules.role_in_sentence(form.role)
                if added.new_account:
                    sent = _send_set_password(request, member)
                    messages.success(request, f"{member.user.display_name} has been added as {role}. " + (
                        f"An email has been sent to {member.user.email} asking them to set their password."
                        if sent else SEND_FAILED.strip()))
                else:
                    messages.success(request, f"{member.user.username} already had a Tandem account (they work at "
                                              f"another practice too). They have been added to this practice as "
                                              f"{role}. Their name, email address and password are unchanged.")
                return redirect(_member_url(member.pk))
    errors = [{"text": text, "href": f"#{name}"} for name, text in form.errors.items()]
    return render(request, "team/add.jinja", {
        "active_section": SECTION, "form": form, "errors": errors, "form_errors": [e["text"] for e in errors],
        "role_choices": presenters.ROLE_CHOICES}, status=400 if errors else 200)


CHANGES = ("role", "leave", "return", "email")


@practice_required(Capability.MANAGE_PRACTICE)
def member(request):
    data = request.POST if request.method == "POST" else request.GET
    pk = forms.read_member_id(data)
    if pk is None:
        return redirect("team:index")
    membership = queries.member_of(request.practice, pk)
    if membership is None:
        raise Http404("No such member of staff in this practice.")
    error, status, chosen_role = "", 200, membership.role
    if request.method == "POST":
        change = data.get("change", "")
        version = forms.read_member_version(data)
        name = membership.user.display_name
        try:
            if change == "role":
                role, problem = rules.clean_role(data.get("role", ""))
                if problem:
                    chosen_role = ""
                    raise actions.TeamError(problem, field="role")
                actions.change_role(practice=request.practice, member_id=pk, role=role, expected_version=version,
                                    by=request.user)
                messages.success(request, f"{name} is now {rules.role_in_sentence(role)} at this practice.")
            elif change == "leave":
                actions.record_leaving(practice=request.practice, member_id=pk, expected_version=version,
                                       by=request.user)
                messages.success(request, f"{name} has left this practice. They can no longer open anything here.")
            elif change == "return":
                actions.record_return(practice=request.practice, member_id=pk, expected_version=version,
                                      by=request.user)
                messages.success(request, f"{name} works at this practice again.")
            elif change == "email" and membership.left_on is None:
                if _send_set_password(request, membership):
                    messages.success(request, f"An email has been sent to {membership.user.email} asking "
                                              f"{name} to set their password.")
                else:
                    raise actions.TeamError(SEND_FAILED.strip())
            else:
                raise actions.TeamError("Choose what to change.")
        except actions.Conflict as exc:
            error, status = str(exc), 409
            membership = queries.member_of(request.practice, pk)
            chosen_role = membership.role if membership is not None else ""
        except actions.TeamError as exc:
            error, status = str(exc), 400
        else:
            return redirect(_member_url(pk))
    row = presenters.member_row(membership)
    return render(request, "team/member.jinja", {
        "active_section": SECTION, "member": row, "error": error, "form_errors": [error] if error else [],
        "chosen_role": chosen_role, "role_choices": presenters.ROLE_CHOICES,
        "is_me": membership.user_id == request.user.pk}, status=status)


@practice_required(Capability.MANAGE_PRACTICE)
def steps(request):
    version = queries.step_settings_version(request.practice)
    chosen, errors = queries.who_does(request.practice), {}
    status = 200
    if request.method == "POST":
        form = forms.read_steps(request.POST)
        chosen, errors = form.chosen, dict(form.errors)
        if not errors:
            try:
                actions.save_step_roles(practice=request.practice, steps=form.steps, expected_version=form.version,
                                        by=request.user)
            except actions.Conflict as exc:
                errors, status = {"": str(exc)}, 409
                chosen, version = queries.who_does(request.practice), queries.step_settings_version(request.practice)
            except actions.TeamError as exc:
                errors = {exc.field: str(exc)}
            else:
                messages.success(request, "Saved who does each step.")
                return redirect("team:steps")
        if errors and status == 200:
            status = 400
    error_list = [{"text": text, "href": f"#{name or 'tests'}"} for name, text in errors.items()]
    return render(request, "team/steps.jinja", {
        "active_section": SECTION, "choices": presenters.step_choices(chosen), "errors": errors,
        "error_list": error_list, "form_errors": [e["text"] for e in error_list], "version": version},
        status=status)
