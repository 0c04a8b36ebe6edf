"""The background worker's entry in /healthz (tandem.core.health): fine when a worker has shown a sign of
life within TANDEM_WORKER_MAX_SILENCE seconds (default 120): its heartbeat while it loops, or progress
on the job it is running."""

from __future__ import annotations

from django.conf import settings

from tandem.core import clock
from tandem.core.health import Check

from . import queries


def max_silence() -> int:
    return int(getattr(settings, "TANDEM_WORKER_MAX_SILENCE", 120))


def worker() -> Check:
    now = clock.now()
    seen = queries.worker_last_seen()
    queue = queries.queue_summary()
    detail: dict = {"queued": queue.queued, "running": queue.running}
    if queue.oldest_queued_at is not None:
        detail["oldest_queued_seconds"] = max(0, int((now - queue.oldest_queued_at).total_seconds()))
    if seen is None:
        return Check(ok=False, detail={**detail, "problem": "no worker has run"})
    silence = max(0, int((now - seen).total_seconds()))
    detail["last_seen_seconds"] = silence
    if silence > max_silence():
        return Check(ok=False, detail={**detail, "problem": "the worker has stopped"})
    return Check(ok=True, detail=detail)
