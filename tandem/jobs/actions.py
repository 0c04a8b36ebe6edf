"""Writes to the job table: asking for work, and the worker recording what happened to it."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from tandem.core import audit, clock
from tandem.core.logging import redact
from tandem.core.models import AuditEvent, Practice, User

from . import registry
from .models import Job, WorkerHeartbeat

logger = logging.getLogger(__name__)


class EnqueueError(ValueError):
    pass


@transaction.atomic
def enqueue(*, kind: str, practice: Practice, by: User | None, params: dict | None = None,
            idempotency_key: str) -> Job:
    """Ask for `kind` to run for `practice`. Writes the Job row in the caller's transaction, so a worker
    sees it only once that commits (and never if it rolls back).

    Asking again with the same idempotency key returns the job already asked for, whatever state it
    is in, and creates nothing: pressing a button twice is safe.
    """
    registry.get(kind)  # an unknown kind fails here, in the request, not later in the worker
    params = dict(params or {})
    try:
        json.dumps(params)
    except (TypeError, ValueError) as exc:
        raise EnqueueError(f"Job parameters must be JSON (dates as ISO strings, ids as numbers): {exc}") from None
    key = idempotency_key.strip()
    if not key or len(key) > 200:
        raise EnqueueError("An idempotency key of 1 to 200 characters is needed.")
    existing = Job.objects.filter(practice=practice, idempotency_key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                job = Job.objects.create(practice=practice, kind=kind, params=params, idempotency_key=key,
                                         created_by=by, created_at=clock.now())
        except IntegrityError:
            # Another request with the same key committed first.
            existing = Job.objects.get(practice=practice, idempotency_key=key)
        else:
            audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="job",
                         object_id=job.pk, detail={"kind": kind})
            return job
    if existing.kind != kind:
        raise EnqueueError(f"The idempotency key is already used by a {existing.kind} job.")
    return existing


def daily_key(kind: str, day: dt.date) -> str:
    return f"daily:{kind}:{day.isoformat()}"


def schedule_daily(*, day: dt.date | None = None) -> int:
    """Queue each daily task (registry `daily=True`) for every practice for `day` (today), unless it is
    queued already: one statement to find what is, then one row per job still to ask for. Returns how
    many jobs were queued."""
    day = day or clock.today()
    kinds = registry.daily_kinds()
    if not kinds:
        return 0
    keys = {daily_key(kind, day): kind for kind in kinds}
    have = set(Job.objects.filter(idempotency_key__in=list(keys)).values_list("practice_id", "idempotency_key"))
    queued = 0
    for practice in Practice.objects.order_by("pk"):
        for key, kind in keys.items():
            if (practice.pk, key) not in have:
                enqueue(kind=kind, practice=practice, by=None, idempotency_key=key)
                queued += 1
    if queued:
        logger.info("jobs: %s daily jobs queued for %s", queued, day.isoformat())
    return queued


@transaction.atomic
def retry(*, job: Job, by: User | None) -> Job:
    """Put a failed job back in the queue. Its task must be safe to run again (ADR 0006)."""
    updated = Job.objects.filter(pk=job.pk, state=Job.State.FAILED).update(
        state=Job.State.QUEUED, error="", worker="", finished_at=None)
    if updated:
        audit.record(by=by, practice=job.practice, action=AuditEvent.Action.UPDATE, what="job.retry",
                     object_id=job.pk, detail={"kind": job.kind})
    job.refresh_from_db()
    return job


# --- Used by the worker ----------------------------------------------------------------

def claim_next(*, worker: str) -> Job | None:
    """Take the oldest queued job for this worker, or None. Only one worker ever gets a given job.

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so workers running side by side each take a
    different job without waiting for one another. SQLite: Tandem's transactions there begin
    IMMEDIATE (one writer at a time), and the claim is a conditional UPDATE (queued -> running) that
    only one claimer can win.
    """
    now = clock.now()
    queued = Job.objects.filter(state=Job.State.QUEUED).order_by("created_at", "pk")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            job = queued.select_for_update(skip_locked=True).first()
            candidates = [job.pk] if job else []
        else:
            candidates = list(queued.values_list("pk", flat=True)[:5])
        for pk in candidates:
            won = Job.objects.filter(pk=pk, state=Job.State.QUEUED).update(
                state=Job.State.RUNNING, worker=worker[:100], started_at=now, heartbeat_at=now,
                attempts=F("attempts") + 1)
            if won:
                return Job.objects.select_related("practice", "created_by").get(pk=pk)
    return None


def record_progress(*, job: Job, done: int, total: int | None = None, message: str = "") -> None:
    done = max(0, int(done))
    changes: dict = {"heartbeat_at": clock.now(), "message": redact(str(message))[:200]}
    if total is not None:
        total = max(0, int(total))
        changes["total"] = total
    total = total if total is not None else job.total
    if total is not None:
        done = min(done, total)
    changes["done"] = done
    Job.objects.filter(pk=job.pk).update(**changes)
    job.done, job.total, job.message, job.heartbeat_at = done, total, changes["message"], changes["heartbeat_at"]


def finish(*, job: Job) -> None:
    changes = {"state": Job.State.DONE, "finished_at": clock.now(), "error": ""}
    if job.total is not None:
        changes["done"] = job.total
    Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(**changes)
    for name, value in changes.items():
        setattr(job, name, value)


@transaction.atomic
def fail(*, job: Job, error: str) -> None:
    now = clock.now()
    Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, error=redact(error)[:500], finished_at=now)
    job.state, job.error, job.finished_at = Job.State.FAILED, redact(error)[:500], now
    audit.record(by=None, practice=job.practice, action=AuditEvent.Action.UPDATE, what="job.failed",
                 object_id=job.pk, detail={"kind": job.kind})


@transaction.atomic
def requeue_stale(*, older_than: dt.timedelta, max_attempts: int = 3) -> int:
    """Jobs left running by a worker that stopped (no sign of life for `older_than`) go back to the
    queue, or fail once they have been tried `max_attempts` times. Safe because tasks are idempotent."""
    cutoff = clock.now() - older_than
    stale = Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=cutoff)
    failed = stale.filter(attempts__gte=max_attempts).update(
        state=Job.State.FAILED, finished_at=clock.now(),
        error=f"The worker running this job stopped, {max_attempts} times. Ask for it again when the "
              "problem is fixed.")
    requeued = stale.filter(attempts__lt=max_attempts).update(state=Job.State.QUEUED, worker="")
    if failed or requeued:
        logger.warning("jobs: %s stale job(s) requeued, %s failed", requeued, failed)
    return requeued + failed


# --- Worker heartbeat (read by /healthz and the practice's jobs page) ------------------------------

HEARTBEAT_EVERY_SECONDS = 10
_last_beat: dict[str, float] = {}  # worker -> time.monotonic() of its last row written by this process


def record_worker_heartbeat(*, worker: str, force: bool = False) -> bool:
    """Note that `worker` is alive, at most every HEARTBEAT_EVERY_SECONDS (a quiet worker writes 6 rows a minute,
    not one per loop). Workers silent for a day are forgotten. Returns whether a row was written."""
    name = worker[:100]
    last = _last_beat.get(name)
    if not force and last is not None and time.monotonic() - last < HEARTBEAT_EVERY_SECONDS:
        return False
    now = clock.now()
    with transaction.atomic():
        updated = WorkerHeartbeat.objects.filter(worker=name).update(last_seen_at=now)
        if not updated:
            WorkerHeartbeat.objects.create(worker=name, started_at=now, last_seen_at=now)
            WorkerHeartbeat.objects.filter(last_seen_at__lt=now - dt.timedelta(days=1)).delete()
    _last_beat[name] = time.monotonic()
    return True
