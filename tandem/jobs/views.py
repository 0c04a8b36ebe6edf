"""The practice's queue for its manager; a job's page, its progress partial (polled by htmx) and its
status as JSON."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from tandem.core import clock
from tandem.core.permissions import practice_required
from tandem.core.redirects import back_from
from tandem.core.rules import Capability, can

from . import actions, health, presenters, queries, registry


def _viewable(request, job_id: int):
    """The practice's job, if this person may follow it: whoever asked for it, and anyone whose role may
    start that kind of work (a person's data export is the manager's; an import, those who import)."""
    job = queries.get_job(practice=request.practice, pk=job_id)
    if job.created_by_id != request.user.pk and not may_retry(request, job):
        raise PermissionDenied("This work was asked for by someone else, and your role does not do this kind of work.")
    return job


def may_retry(request, job) -> bool:
    """Trying a job again starts its work again: it needs the right to start that kind of job."""
    return can(request.roles, registry.needed_to_start(job.kind))


@practice_required(Capability.MANAGE_PRACTICE)
def queue(request):
    """The practice's background work: how much waits and for how long, whether the worker is running,
    and the jobs that stopped with a problem (with what went wrong, and a way to try again)."""
    practice = request.practice
    page = presenters.queue_page(
        summary=queries.queue_summary(practice), waiting=queries.waiting_and_running(practice),
        failures=queries.recent_failures(practice), worker_seen=queries.worker_last_seen(),
        max_silence=health.max_silence(), now=clock.now())
    return render(request, "jobs/queue.jinja", {"page": page, "active_section": "jobs"})


@practice_required()
def detail(request, job_id: int):
    job = _viewable(request, job_id)
    return render(request, "jobs/job.jinja", {
        "job": presenters.progress(job), "requested_by": job.created_by,
        "asked_at": presenters.when(job.created_at),
        "back": back_from(request, "back"), "may_retry": may_retry(request, job),
    })


@practice_required()
def progress(request, job_id: int):
    job = _viewable(request, job_id)
    response = render(request, "jobs/_progress.jinja", {"job": presenters.progress(job), "polling": True})
    patch_vary_headers(response, ["HX-Request"])
    return response


@practice_required()
def status(request, job_id: int):
    job = _viewable(request, job_id)
    return JsonResponse(presenters.progress(job).as_json())


@require_POST
@practice_required()
def retry(request, job_id: int):
    job = queries.get_job(practice=request.practice, pk=job_id)
    if not may_retry(request, job):
        raise PermissionDenied("Your role does not allow starting this work again: ask the practice manager.")
    actions.retry(job=job, by=request.user)
    if request.POST.get("from") == "queue":
        return redirect("jobs:queue")
    return redirect("jobs:detail", job_id=job.pk)
