"""A job's page, its progress partial (polled by htmx) and its status as JSON."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from tandem.core.permissions import practice_required

from . import actions, presenters, queries


@practice_required()
def detail(request, job_id: int):
    job = queries.get_job(practice=request.practice, pk=job_id)
    back = request.GET.get("back", "")
    return render(request, "jobs/job.jinja", {
        "job": presenters.progress(job), "requested_by": job.created_by,
        "asked_at": presenters.when(job.created_at),
        "back": back if back.startswith("/") and not back.startswith("//") else "",
    })


@practice_required()
def progress(request, job_id: int):
    job = queries.get_job(practice=request.practice, pk=job_id)
    response = render(request, "jobs/_progress.jinja", {"job": presenters.progress(job), "polling": True})
    patch_vary_headers(response, ["HX-Request"])
    return response


@practice_required()
def status(request, job_id: int):
    job = queries.get_job(practice=request.practice, pk=job_id)
    return JsonResponse(presenters.progress(job).as_json())


@require_POST
@practice_required()
def retry(request, job_id: int):
    job = queries.get_job(practice=request.practice, pk=job_id)
    actions.retry(job=job, by=request.user)
    return redirect("jobs:detail", job_id=job.pk)
