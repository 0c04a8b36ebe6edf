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
from django.db import Error as DatabaseError
from django.db import connection, transaction

from tandem.core import clock

from . import actions, registry
from .models import Job

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=15)
# After a database error the worker waits, doubling the wait each time the error repeats, up to this.
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0


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
    actions.record_worker_heartbeat(worker=worker or worker_name())  # for /healthz; at most every 10 s
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


class Loop:
    """One turn of `tandem worker` at a time, surviving database trouble.

    A locked SQLite database (another writer kept it past the busy timeout), a restarted PostgreSQL
    server or a dropped connection stops the turn, not the worker: the error is logged by its type
    only (its text can quote values), the connection is closed so the next turn opens a new one,
    and the worker waits before trying again, twice as long each time the error repeats (up to
    BACKOFF_MAX_SECONDS), back to normal after a turn that works. A job whose outcome could not be
    recorded stays running until `requeue_stale` returns it to the queue.
    """

    def __init__(self, *, worker: str | None = None, stale_after: dt.timedelta = STALE_AFTER, idle_sleep: float = 1.0):
        self.worker = worker or worker_name()
        self.stale_after = stale_after
        self.idle_sleep = idle_sleep
        self.failures = 0  # database errors in a row
        self.scheduled_on: dt.date | None = None  # the day the daily tasks were last queued

    def step(self) -> tuple[Job | None, float]:
        """Run the next job, if any. Returns it (or None) and how long to wait before the next turn.
        The first turn of each day queues the daily tasks (registry `daily=True`) for every practice."""
        try:
            today = clock.today()
            if self.scheduled_on != today:
                actions.schedule_daily(day=today)
                self.scheduled_on = today
            actions.requeue_stale(older_than=self.stale_after)
            job = run_next(worker=self.worker)
        except DatabaseError as exc:
            self.failures += 1
            wait = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (self.failures - 1))
            logger.warning("worker %s: database error (%s), %s in a row; trying again in %.0f s",
                           self.worker, type(exc).__name__, self.failures, wait)
            _reset_connection()
            return None, wait
        self.failures = 0
        return job, (0.0 if job is not None else self.idle_sleep)


def _reset_connection() -> None:
    if connection.in_atomic_block:  # (inside a test's transaction: keep it)
        return
    try:
        connection.close()
    except DatabaseError:
        pass
