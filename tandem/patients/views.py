"""Finding a patient and the patient summary."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from tandem.core import clock
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can

from . import presenters, queries


@practice_required(Capability.VIEW_PATIENT)
def search(request):
    text = request.GET.get("q", "")[:200]
    today = clock.today()
    results = None
    if "q" in request.GET:
        results = queries.find_patients(practice=request.practice, text=text, by=request.user, today=today)
    page = presenters.search_page(text, results, today=today, limit=queries.SEARCH_LIMIT)
    context = {
        "page": page,
        "can_view_clinical": can(request.roles, Capability.VIEW_CLINICAL),
        "active_section": "patients",
        "form_errors": [page.error] if page.error else [],
    }
    # htmx swaps in just the form and results; a history restore needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
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
    return render(request, "patients/summary.jinja", {
        "summary": presenters.summary(record, today=today), "active_section": "patients",
    })
