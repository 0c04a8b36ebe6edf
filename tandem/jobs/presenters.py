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


@dataclass(frozen=True)
class QueueRow:
    id: int
    title: str
    state_label: str
    asked_by: str
    asked_at: str
    finished_at: str
    error: str
    page_url: str
    retry_url: str


@dataclass(frozen=True)
class QueuePage:
    queued: int
    running: int
    failed: int
    oldest_waiting: str  # "for 3 minutes", "" when nothing waits
    worker_status: str  # plain words for the manager
    worker_ok: bool
    waiting: list[QueueRow]
    failures: list[QueueRow]


def waited(seconds: int) -> str:
    """'less than a minute', '1 minute', '5 minutes', '2 hours 5 minutes', '3 days'."""
    if seconds < 60:
        return "less than a minute"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        text = f"{hours} hour{'s' if hours != 1 else ''}"
        return f"{text} {minutes} minute{'s' if minutes != 1 else ''}" if minutes else text
    days = hours // 24
    return f"{days} days"


def _row(job: Job) -> QueueRow:
    return QueueRow(
        id=job.pk, title=registry.title(job.kind), state_label=Job.State(job.state).label,
        asked_by=job.created_by.display_name if job.created_by else "Tandem", asked_at=when(job.created_at),
        finished_at=when(job.finished_at), error=job.error,
        page_url=reverse("jobs:detail", kwargs={"job_id": job.pk}),
        retry_url=reverse("jobs:retry", kwargs={"job_id": job.pk}),
    )


def queue_page(*, summary, waiting: list[Job], failures: list[Job], worker_seen: dt.datetime | None,
               max_silence: int, now: dt.datetime) -> QueuePage:
    oldest = ""
    if summary.oldest_queued_at is not None:
        oldest = waited(max(0, int((now - summary.oldest_queued_at).total_seconds())))
    if worker_seen is None:
        status, ok = "No worker has run jobs yet. Ask whoever looks after Tandem to start `tandem worker`.", False
    else:
        silence = max(0, int((now - worker_seen).total_seconds()))
        ok = silence <= max_silence
        status = (f"Running: last seen {waited(silence)} ago." if silence >= 60 else "Running: seen in the last minute.") if ok \
            else (f"Stopped: last seen {waited(silence)} ago. Jobs wait until it is started again; "
                  "ask whoever looks after Tandem.")
    return QueuePage(queued=summary.queued, running=summary.running, failed=summary.failed, oldest_waiting=oldest,
                     worker_status=status, worker_ok=ok, waiting=[_row(j) for j in waiting],
                     failures=[_row(j) for j in failures])
