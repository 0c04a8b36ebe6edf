"""tandem worker [--once] [--sleep SECONDS]

Runs queued background jobs (ADR 0006). Several workers may run side by side on PostgreSQL; on
SQLite run one. Stops cleanly on Ctrl-C or SIGTERM after the job in hand. `--once` runs what is
queued now and exits (for scripts and cron).
"""

from __future__ import annotations

import datetime as dt
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from tandem.jobs import worker


class Command(BaseCommand):
    help = "Run queued background jobs."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is queued now, then exit")
        parser.add_argument("--sleep", type=float, default=1.0, help="seconds to wait when the queue is empty")
        parser.add_argument("--stale-after", type=int, default=int(worker.STALE_AFTER.total_seconds()),
                            help="seconds without progress after which a running job is returned to the queue")

    def handle(self, *args, once=False, sleep=1.0, stale_after=900, **options):
        self.stopping = False
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self._loop(once=once, sleep=sleep, stale_after=stale_after)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self, *, once: bool, sleep: float, stale_after: int) -> None:
        name = worker.worker_name()
        self.stdout.write(f"Worker {name} started.")
        ran = 0
        # Each turn survives database errors (logged, then a growing wait): see worker.Loop.
        turns = worker.Loop(worker=name, stale_after=dt.timedelta(seconds=stale_after), idle_sleep=sleep)
        while not self.stopping:
            if not connection.in_atomic_block:  # (inside a test's transaction, keep the connection)
                close_old_connections()
            job, wait = turns.step()
            if job is not None:
                ran += 1
                self.stdout.write(f"Job {job.pk} ({job.kind}): {job.state}")
                continue
            if once and not turns.failures:
                break
            if once and turns.failures >= 3:
                raise CommandError("The database could not be reached; see the log.")
            until = time.monotonic() + wait
            while not self.stopping and time.monotonic() < until:  # a stop is not kept waiting
                time.sleep(min(1.0, wait))
        self.stdout.write(f"Worker {name} stopped after {ran} job(s).")

    def _stop(self, signum, frame):
        self.stopping = True
