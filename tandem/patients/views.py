"""Finding a patient and the patient summary."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from tandem.core import audit, clock, person_panels
from tandem.core import home as home_page
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_id
from tandem.core.permissions import practice_required
from tandem.core.redirects import back_from
from tandem.core.rules import ROLE_LABELS, Capability, Role, can
from tandem.team import queries as team_queries

from . import actions, presenters, queries
from . import facts as record_facts
from .presenters import named_clinician as named


@practice_required()
def home(request):
    """The practice's home page is the signed-in person's work: today's clinic and their tasks (from the
    apps that register them with tandem.core.home), the people whose named clinician they are, and
    where to start."""
    practice = request.practice
    registered, named = queries.home_counts(practice, request.user.pk)
    blocks = home_page.blocks(home_page.Asking(practice=practice, user=request.user,
                                               roles=frozenset(str(r) for r in request.roles), today=clock.today()))
    shown = home_page.patient_ids(blocks)
    if shown:
        audit.record_many(by=request.user, practice=practice, action=AuditEvent.Action.VIEW, what="home",
                          patient_ids=shown)
    return render(request, "patients/home.jinja", {
        "patient_count": registered, "named_count": named, "blocks": blocks,
        "role_labels": [ROLE_LABELS[Role(r)] for r in sorted(request.roles)],
    })


SEARCH_SESSION_KEY = "tandem_patient_search"


@practice_required(Capability.VIEW_PATIENT)
def search(request):
    """Search is POSTed and the last search kept in the session (post-redirect-get), so names,
    NHS numbers and dates of birth never appear in URLs, browser history or access logs."""
    if request.method == "POST":
        text = request.POST.get("q", "")[:200]
        request.session[SEARCH_SESSION_KEY] = {"practice": request.practice.pk, "text": text}
        if not request.htmx:
            return redirect("patients:search")
    else:
        if "new" in request.GET:
            request.session.pop(SEARCH_SESSION_KEY, None)
        last = request.session.get(SEARCH_SESSION_KEY)
        # A search kept from before (or damaged) that is not this practice's text is forgotten.
        text = (last["text"] if isinstance(last, dict) and last.get("practice") == request.practice.pk
                and isinstance(last.get("text"), str) else None)
    today = clock.today()
    results = None
    if text is not None:
        results = queries.find_patients(practice=request.practice, text=text, by=request.user, today=today)
    clinical = can(request.roles, Capability.VIEW_CLINICAL)
    page = presenters.search_page(text or "", results, today=today, limit=queries.SEARCH_LIMIT, clinical=clinical)
    context = {
        "page": page,
        "can_view_clinical": clinical,
        "active_section": "patients",
        "form_errors": [page.error] if page.error else [],
    }
    # htmx swaps in just the form and results.
    partial = request.htmx and request.method == "POST"
    response = render(request, "patients/_search_results.jinja" if partial else "patients/search.jinja", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@practice_required(Capability.VIEW_CLINICAL)
def summary(request, pk: int):
    today = clock.today()
    record = queries.patient_summary(
        practice=request.practice, pk=pk, by=request.user,
        contacts_since=presenters.contacts_since(today), observations_since=presenters.observations_since(today),
    )
    facts = record_facts.for_record(request.practice, record.patient, record.conditions, today=today)
    panels = person_panels.panels(person_panels.Asking(
        practice=request.practice, patient=record.patient, roles=frozenset(str(r) for r in request.roles), today=today))
    return render(request, "patients/summary.jinja", {
        "summary": presenters.summary(record, today=today, facts=facts), "active_section": "patients",
        "panels": panels,
    })


# --- Choosing the named clinician ------------------------------------------------------------
# Who may: anyone who may see who the person is (VIEW_PATIENT), administrators included. Keeping the
# practice's list (who each person's named, or usual, clinician is) is routine administrative work in
# general practice, done at reception as often as by clinicians; it says nothing clinical about the
# person. tandem.core.rules.URL_ACCESS says the same.


def _after_named_clinician(request, pk: int) -> str:
    """Where saving goes back to: the page it was opened from (the practice's list of people without a
    named clinician), else the clinical summary for clinicians, else the person's administrative page."""
    if can(request.roles, Capability.VIEW_CLINICAL):
        default = reverse("patients:summary", args=[pk])
    else:
        default = reverse("recall:person", kwargs={"patient_id": pk})
    return back_from(request, default=default)


@practice_required(Capability.VIEW_PATIENT)
def named_clinician(request, pk: int):
    """Choose the person's named clinician among the practice's clinical staff, or none. A choice based
    on a page opened before someone else changed it is refused, and nothing changes."""
    practice, today = request.practice, clock.today()
    patient = queries.get_patient(practice=practice, pk=pk, by=request.user, what="patient.named_clinician")
    staff = team_queries.team_of(practice)
    back = _after_named_clinician(request, patient.pk)
    chosen, error, status = None, "", 200
    if request.method == "POST":
        chosen = str(request.POST.get("clinician") or "")[:20]
        seen_text = str(request.POST.get("seen") or "")[:20]
        allowed = {c.value: c for c in named.clinician_choices(staff)}
        members = {m.user_id: m.user for m in staff if m.left_on is None}
        seen = None if seen_text == named.NOBODY else read_id(seen_text)
        if chosen != named.NOBODY and chosen not in allowed:
            error, status, chosen = "Choose their named clinician, or no named clinician", 400, None
        elif seen is None and seen_text != named.NOBODY:
            error, status = "The page was out of date. Check who their named clinician is now and choose again", 409
        else:
            clinician = None if chosen == named.NOBODY else members[int(chosen)]
            try:
                actions.set_named_clinician(patient=patient, by=request.user, clinician=clinician, seen=seen)
            except actions.NamedClinicianChanged as exc:
                error, status, chosen = str(exc), 409, None
                patient = queries.get_patient(practice=practice, pk=pk, by=request.user, what="patient.named_clinician")
            except actions.PatientError as exc:
                error, status = str(exc), 400
            else:
                messages.success(request, f"{clinician.display_name} is now {patient.full_name}'s named clinician."
                                 if clinician else f"{patient.full_name} now has no named clinician.")
                return redirect(back)
    page = named.page(patient, banner=presenters.banner(patient, today=today), memberships=staff, chosen=chosen,
                      error=error)
    return render(request, "patients/named_clinician.jinja", {
        "page": page, "back": back, "back_field": back_from(request), "active_section": "patients",
        "form_errors": [error] if error else [],
    }, status=status)
