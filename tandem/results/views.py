"""Recording the review's tests at the point of care: one form for everything the person's plan asks for."""

from __future__ import annotations

import uuid

from django.shortcuts import redirect, render
from django.urls import reverse

from tandem.core import clock
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability

from . import actions, forms, presenters, queries, rules

SECTION = "today"  # reached from the day list


@practice_required(Capability.RECORD_RESULTS)
def review(request, review_pk: int):
    practice, today = request.practice, clock.today()
    page = queries.review_page(practice=practice, pk=review_pk, by=request.user, today=today)
    sub, saved, status = None, None, 200
    if request.method == "POST":
        sub = forms.read(request.POST, fields=page.fields, today=today, born=page.patient.date_of_birth,
                         known_height=page.known_height)
        if not sub.errors:
            try:
                actions.record_results(review=page.review, patient=page.patient, by=request.user,
                                       entries=sub.entries, taken_on=sub.taken_on, token=sub.token)
            except actions.ResultsError as exc:
                sub.error(page.fields[0] if page.fields else "taken-day", str(exc))
            else:
                return redirect(reverse("results:review", kwargs={"review_pk": review_pk}) + f"?saved={sub.token}")
        status = 400
    else:
        token = request.GET.get("saved", "")
        if forms.TOKEN.fullmatch(token):
            saved = queries.saved(practice, page.patient, token)
            if saved is not None:  # read again: what is outstanding now includes what was just saved
                page = queries.review_page(practice=practice, pk=review_pk, by=request.user, today=today)
    progress = queries.progress(practice, page, today=today)
    prepared = progress.prepared
    errors = [{"text": message, "href": f"#{name}"} for name, message in (sub.errors if sub else [])]
    return render(request, "results/review.jinja", {
        "active_section": SECTION, "page": page, "patient": page.patient, "fields": page.fields,
        "sub": sub, "typed": request.POST if sub else {}, "error_for": sub.error_for if sub else {},
        "errors": errors, "form_errors": bool(errors), "token": uuid.uuid4().hex,
        "today": today, "rules": rules, "presenters": presenters, "missing": progress.missing,
        "saved": presenters.saved_rows(saved.rows) if saved else None,
        "saved_by": saved.by if saved else "", "saved_on": saved.on if saved else None,
        "bp_used": presenters.against_target(saved.bp_used, page.targets) if saved and saved.bp_used else "",
        "pack_ready": prepared is not None and prepared.ready and not progress.missing,
        "conversation_on": prepared.conversation.starts_at if prepared is not None else None,
        "packs_url": reverse("prepare:packs")
    }, status=status)
