"""Reads of jobs, always within one practice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q
from django.http import Http404

from tandem.core.models import Practice

from .models import Job, WorkerHeartbeat


def jobs_of(practice: Practice):
    return Job.objects.filter(practice=practice)


def get_job(*, practice: Practice, pk: int) -> Job:
    """The job with this id in this practice; 404 otherwise (another practice's job does not exist here)."""
    try:
        return jobs_of(practice).select_related("created_by").get(pk=pk)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404("No such job in this practice") from None


def latest(*, practice: Practice, kind: str) -> Job | None:
    return jobs_of(practice).filter(kind=kind).order_by("-created_at", "-pk").first()


@dataclass(frozen=True)
class QueueSummary:
    queued: int
    running: int
    failed: int
    oldest_queued_at: dt.datetime | None


def queue_summary(practice: Practice | None = None) -> QueueSummary:
    """Counts of jobs waiting, running and stopped with a problem (one query), and when the job that
    has waited longest was asked for: for one practice, or all of them (for /healthz)."""
    jobs = jobs_of(practice) if practice is not None else Job.objects.all()
    found = jobs.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING, Job.State.FAILED]).aggregate(
        queued=Count("pk", filter=Q(state=Job.State.QUEUED)),
        running=Count("pk", filter=Q(state=Job.State.RUNNING)),
        failed=Count("pk", filter=Q(state=Job.State.FAILED)),
        oldest=Min("created_at", filter=Q(state=Job.State.QUEUED)),
    )
    return QueueSummary(queued=found["queued"], running=found["running"], failed=found["failed"],
                        oldest_queued_at=found["oldest"])


def recent_failures(practice: Practice, *, limit: int = 20) -> list[Job]:
    return list(jobs_of(practice).filter(state=Job.State.FAILED).select_related("created_by")
                .order_by("-finished_at", "-pk")[:limit])


def waiting_and_running(practice: Practice, *, limit: int = 20) -> list[Job]:
    return list(jobs_of(practice).filter(state__in=[Job.State.QUEUED, Job.State.RUNNING])
                .select_related("created_by").order_by("created_at", "pk")[:limit])


def worker_last_seen() -> dt.datetime | None:
    """The latest sign of life from any worker: its heartbeat, or progress on a job it is running."""
    beat = WorkerHeartbeat.objects.aggregate(last=Max("last_seen_at"))["last"]
    progress = Job.objects.filter(state=Job.State.RUNNING).aggregate(last=Max("heartbeat_at"))["last"]
    return max((t for t in (beat, progress) if t is not None), default=None)
