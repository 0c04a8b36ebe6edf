"""Shapes a job for the progress partial (jobs/_progress.jinja) and the status JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.urls import reverse
from django.utils import timezone

from . import registry
from .models import Job


@dataclass(frozen=True)
class JobProgress:
    id: int
    kind: str
    title: str
    state: str
    state_label: str
    done: int
    total: int | None
    percent: int | None
    count_text: str  # "123 of 400"
    message: str
    error: str
    finished: bool
    succeeded: bool
    poll_url: str
    page_url: str
    status_url: str

    def as_json(self) -> dict:
        return asdict(self)


def when(moment: dt.datetime | None) -> str:
    """'15 June 2026 at 14:05' in the practice's time zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def count_text(done: int, total: int | None) -> str:
    if total is None:
        return f"{done:,} so far" if done else "Starting"
    return f"{done:,} of {total:,}"


def progress(job: Job) -> JobProgress:
    percent = None
    if job.total:
        percent = min(100, round(100 * job.done / job.total))
    elif job.total == 0:
        percent = 100
    return JobProgress(
        id=job.pk, kind=job.kind, title=registry.title(job.kind), state=job.state,
        state_label=Job.State(job.state).label, done=job.done, total=job.total, percent=percent,
        count_text=count_text(job.done, job.total), message=job.message, error=job.error,
        finished=job.finished, succeeded=job.state == Job.State.DONE,
        poll_url=reverse("jobs:progress", kwargs={"job_id": job.pk}),
        page_url=reverse("jobs:detail", kwargs={"job_id": job.pk}),
        status_url=reverse("jobs:status", kwargs={"job_id": job.pk}),
    )


def shown_on_page(job: Job | None, *, today: dt.date) -> JobProgress | None:
    """A page's latest job of its kind, shown while it runs and on the day it ran; None otherwise."""
    if job is None or (job.finished and job.created_at.date() != today):
        return None
    return progress(job)
