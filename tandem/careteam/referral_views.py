"""The referrals to an organisation outside the practice, for its professionals (tandem.core.rules.Open.CARE_TEAM):

    /care-team/referrals/          the referrals to their organisation(s): overdue first, then waiting, accepted
                                   and in progress; the latest finished ones on a second list
    /care-team/referrals/<id>/     one referral: who the person is, what is asked, why and by when, who referred;
                                   accept, reject (with a reason), start, complete (with the outcome, which goes
                                   back to the practice). A stale page changes nothing (409).

Only referrals to an organisation they work for now are there; any other is not found (404), whether or not
they are in the person's care team, and they never see the plan from here. Every read is audited (the
person's id, never what the referral says)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tandem.careplans.actions import tasks as task_actions
from tandem.careplans.rules import tasks as lifecycle
from tandem.core import clock
from tandem.core.parsing import read_version

from . import queries, referral_presenters, referral_queries

FIELD_OF = {"complete": "outcome", "decline": "reason"}
DONE = {"accept": "Referral accepted.", "start": "Referral started.",
        "complete": "Referral completed: the outcome has gone back to the practice.",
        "decline": "Referral rejected: the reason has gone back to the practice."}


@require_http_methods(["GET"])
def referrals(request):
    roles = queries.roles_of(request.user)
    today = clock.today()
    waiting = referral_queries.open_referrals(roles, today)
    finished = referral_queries.finished_referrals(roles)
    referral_queries.audit_queue(by=request.user, tasks=[*waiting, *finished])
    return render(request, "careteam/referrals/queue.jinja", {
        "here": "referrals", "roles": roles, "several": len({r.provider_id for r in roles}) > 1,
        "waiting": referral_presenters.rows(waiting, today=today),
        "finished": referral_presenters.rows(finished, today=today),
        "finished_shown": referral_queries.FINISHED_SHOWN})


@require_http_methods(["GET", "POST"])
def referral(request, referral_id: int):
    roles = queries.roles_of(request.user)
    task = referral_queries.referral_for(roles, referral_id)
    error, error_field, status, posted = "", "", 200, {}
    if request.method == "POST":
        change = request.POST.get("do", "")
        if change not in lifecycle.PROVIDER_CHANGES:
            error, status = "Choose what to do with the referral.", 400
        else:
            try:
                task_actions.move_task(task=task, by=request.user, change=change,
                                       expected_revision=read_version(request.POST.get("version")),
                                       note=request.POST.get(FIELD_OF.get(change, "none"), ""))
            except task_actions.TaskConflict:
                error, status = ("Someone else changed this referral while you were looking at it. Nothing was "
                                 "saved: check it as it is now, and try again."), 409
            except task_actions.TaskError as exc:
                error, error_field, status = str(exc), FIELD_OF.get(change, ""), 400
            else:
                messages.success(request, DONE[change])
                return redirect("careteam:referral", referral_id=task.pk)
        posted = {"do": change, "outcome": request.POST.get("outcome", "")[:lifecycle.MAX_OUTCOME + 200],
                  "reason": request.POST.get("reason", "")[:lifecycle.MAX_REASON + 200]}
        task = referral_queries.referral_for(roles, referral_id)  # as it is now
    referral_queries.audit_read(by=request.user, task=task)
    today = clock.today()
    shown = referral_presenters.row(task, today=today)
    return render(request, "careteam/referrals/referral.jinja", {
        "here": "referrals", "task": task, "row": shown, "why": task.why,
        "person": referral_presenters.person(task),
        "referrer": referral_presenters.referrer(task, referral_queries.referrer_role(task)),
        "history": referral_presenters.events(referral_queries.history(task)),
        "can": {change: lifecycle.can_move(task.status, change) for change in lifecycle.PROVIDER_CHANGES},
        "finished": task.status in lifecycle.FINISHED,
        "error": error, "error_field": error_field, "posted": posted,
        "limits": {"outcome": lifecycle.MAX_OUTCOME, "reason": lifecycle.MAX_REASON},
        "form_errors": [error] if error else []}, status=status)
