"""Finding a patient and the patient summary."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers

from tandem.core import audit, clock
from tandem.core import home as home_page
from tandem.core.models import AuditEvent
from tandem.core.permissions import practice_required
from tandem.core.rules import ROLE_LABELS, Capability, Role, can

from . import facts as record_facts
from . import presenters, queries


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
    return render(request, "patients/summary.jinja", {
        "summary": presenters.summary(record, today=today, facts=facts), "active_section": "patients",
    })
