"""The practice manager's page for a subject access request: find the person (the same search as
"Find a patient": NHS number, name or date of birth, POSTed so none of it is in a URL), ask for their
copy (made in the background, with its progress on the page), and download it as a ZIP (a readable
PDF and FHIR) while it is kept. The manager only; another practice's person is not found; the
search, the request, the making and each download are audited."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability
from tandem.jobs import presenters as job_presenters
from tandem.patients import queries as patient_queries
from tandem.patients.presenters import banner, search_page

from . import actions, presenters, queries

SEARCH_LENGTH = 200


@practice_required(Capability.MANAGE_PRACTICE)
def find(request):
    today = clock.today()
    text = (request.POST.get("q") or "")[:SEARCH_LENGTH] if request.method == "POST" else ""
    results = None
    if request.method == "POST":
        results = patient_queries.find_patients(practice=request.practice, text=text, by=request.user, today=today)
    page = search_page(text, results, today=today, limit=patient_queries.SEARCH_LIMIT, clinical=False)
    return render(request, "privacy/find.jinja", {
        "page": page, "active_section": "privacy", "form_errors": [page.error] if page.error else []})


@practice_required(Capability.MANAGE_PRACTICE)
def person(request, patient_id: int):
    patient = queries.patient_of(request.practice, patient_id)
    copies = queries.exports_of(request.practice, patient)
    waiting = next((c for c in copies if c.made_at is None and c.job is not None and not c.job.finished), None)
    return render(request, "privacy/person.jinja", {
        "banner": banner(patient, today=clock.today()), "patient_id": patient.pk, "active_section": "privacy",
        "copies": presenters.copies(copies, patient_id=patient.pk),
        "job": job_presenters.progress(waiting.job) if waiting else None})


@require_POST
@practice_required(Capability.MANAGE_PRACTICE)
def export(request, patient_id: int):
    """Ask for the copy; it is made in the background and listed on the person's page."""
    patient = queries.patient_of(request.practice, patient_id)
    actions.request_export(practice=request.practice, patient=patient, by=request.user)
    messages.success(request, "Their copy is being made. It will be listed below, ready to download, in a minute or so.")
    return redirect("privacy:person", patient_id=patient.pk)


@practice_required(Capability.MANAGE_PRACTICE)
def download(request, patient_id: int):
    """The newest copy made for the person, while it is kept."""
    patient = queries.patient_of(request.practice, patient_id)
    copy = queries.export_to_download(request.practice, patient)
    if copy is None:
        messages.info(request, "There is no copy of their data to download: make one first.")
        return redirect("privacy:person", patient_id=patient.pk)
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.EXPORT,
                 what="privacy.subject_access.download", patient_id=patient.pk, object_id=copy.pk)
    response = HttpResponse(bytes(copy.zip), content_type="application/zip")
    made = timezone.localtime(copy.made_at).date()
    response["Content-Disposition"] = f'attachment; filename="your-data-{patient.pk}-{made.isoformat()}.zip"'
    response["Cache-Control"] = "no-store"
    return response


app_name = "privacy"

urlpatterns = [
    path("", find, name="find"),
    path("people/<id:patient_id>/", person, name="person"),
    path("people/<id:patient_id>/export/", export, name="export"),
    path("people/<id:patient_id>/copy.zip", download, name="download"),
]
