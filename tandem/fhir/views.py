"""The upload page: choose FHIR files; they are imported in the background (a job) and the page
follows its progress, then shows what happened to each file."""

from __future__ import annotations

import dataclasses

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from tandem.core.parsing import read_id
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability
from tandem.jobs import presenters as job_presenters
from tandem.jobs import queries as job_queries

from . import actions, presenters, staging
from .forms import MAX_FILES, MAX_UPLOAD_BYTES, UploadForm, megabytes


@practice_required(Capability.IMPORT_RECORDS)
def upload(request):
    if request.method == "GET" and "job" in request.GET:
        return _import_job(request, request.GET.get("job"))
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        uploads = form.cleaned_data["files"]
        job = actions.start_import(files=[(f.name, f) for f in uploads], practice=request.practice,
                                   by=request.user)
        return redirect(_job_url(job.pk))
    form_errors = [str(e) for e in form.errors.get("files", [])] if form.is_bound else []
    return render(request, "fhir/upload.jinja", {
        "form_errors": form_errors, "max_size": megabytes(MAX_UPLOAD_BYTES), "max_files": MAX_FILES,
        "active_section": "import",
    }, status=400 if form_errors else 200)


def _job_url(job_id: int, *, partial: bool = False) -> str:
    return f"{reverse('fhir:upload')}?job={job_id}" + ("&partial=1" if partial else "")


def _import_job(request, raw_id: str | None):
    """An import asked for from this page, in this practice: its progress while the worker has it,
    then the report."""
    job_id = read_id(raw_id)
    if job_id is None:
        raise Http404("No such import")
    job = job_queries.get_job(practice=request.practice, pk=job_id)
    if job.kind != actions.IMPORT_TASK:
        raise Http404("No such import")
    progress = dataclasses.replace(job_presenters.progress(job), poll_url=_job_url(job.pk, partial=True))
    reports = staging.load_report(job.params.get("folder", "")) if job.state == job.State.DONE else None
    if request.GET.get("partial"):
        if job.finished and request.htmx:
            # Finished: the whole page shows the outcome (the report, or why it stopped).
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
        else:
            response = render(request, "jobs/_progress.jinja", {"job": progress, "polling": True})
        patch_vary_headers(response, ["HX-Request"])
        return response
    if reports is not None:
        files = presenters.results(reports)
        errors = presenters.error_list(files)
        return render(request, "fhir/result.jinja", {
            "files": files, "error_list": errors, "form_errors": [e["text"] for e in errors],
            "active_section": "import",
        })
    return render(request, "fhir/importing.jinja", {
        "job": progress, "check_url": _job_url(job.pk), "active_section": "import",
    })
