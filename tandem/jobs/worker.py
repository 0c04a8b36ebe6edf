"""Running jobs: claim one, run its task, record the outcome. `tandem worker` loops over this;
tests call `run_pending()` directly ("run what is queued", ADR 0006) and never wait for a process."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback
from pathlib import Path

from django.conf import settings
from django.db import transaction

from . import actions, registry
from .models import Job

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=15)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Progress:
    """The `progress(done, total=None, message="")` callable handed to a task."""

    def __init__(self, job: Job):
        self.job = job

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        actions.record_progress(job=self.job, done=done, total=total, message=message)


def describe_failure(exc: BaseException, *, atomic: bool) -> str:
    """What staff see when a job stops. A JobError's own message; for anything else only the type of
    error and where in Tandem's code it happened, because an exception's text may hold identifiers."""
    if isinstance(exc, registry.JobError):
        return str(exc)
    where = ""
    root = str(settings.BASE_DIR)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(root) and "site-packages" not in frame.filename:
            where = f" at {Path(frame.filename).relative_to(root)} line {frame.lineno}"
            break
    kept = ("Nothing this job changed was saved." if atomic
            else "What it had finished before the problem was kept; running it again carries on from there.")
    return f"It stopped because of an unexpected error ({type(exc).__name__}{where}). {kept}"


def run_job(job: Job) -> Job:
    """Run a claimed (running) job's task and record done or failed."""
    try:
        entry = registry.get(job.kind)
    except registry.UnknownTask:
        actions.fail(job=job, error=f"This version of Tandem has no task called {job.kind}.")
        return job
    progress = Progress(job)
    try:
        if entry.atomic:
            with transaction.atomic():
                entry.fn(job, progress)
                actions.finish(job=job)  # done in the same transaction as the work it records
        else:
            entry.fn(job, progress)
    except Exception as exc:
        logger.warning("job %s (%s) failed: %s", job.pk, job.kind, type(exc).__name__)
        actions.fail(job=job, error=describe_failure(exc, atomic=entry.atomic))
        return job
    if not entry.atomic:
        actions.finish(job=job)
    logger.info("job %s (%s) done", job.pk, job.kind)
    return job


def run_next(*, worker: str | None = None) -> Job | None:
    job = actions.claim_next(worker=worker or worker_name())
    if job is not None:
        run_job(job)
    return job


def run_pending(*, limit: int | None = None, worker: str | None = None) -> int:
    """Run queued jobs one after another until none is left (or `limit` have run). Returns how many ran."""
    ran = 0
    while limit is None or ran < limit:
        if run_next(worker=worker) is None:
            break
        ran += 1
    return ran
