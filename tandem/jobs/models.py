"""Background jobs (ADR 0006): one row per piece of work asked for, run by `tandem worker`."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tandem.core.models import Practice


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "In progress"
        DONE = "done", "Finished"
        FAILED = "failed", "Stopped with a problem"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=80, help_text="A registered task name, e.g. messaging.dispatch")
    params = models.JSONField(default=dict, blank=True, help_text="JSON keyword arguments for the task")
    idempotency_key = models.CharField(
        max_length=200, help_text="Asking again with the same key (per practice) returns this job"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Empty while not yet known")
    message = models.CharField(max_length=200, blank=True, help_text="Progress note: counts only, no identifiers")
    error = models.CharField(max_length=500, blank=True, help_text="Why it stopped: no identifiers")
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=100, blank=True, help_text="Which worker process claimed it")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life from its worker")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "idempotency_key"], name="job_key_unique_in_practice"),
            models.CheckConstraint(condition=models.Q(total__isnull=True) | models.Q(done__lte=models.F("total")),
                                   name="job_done_not_above_total"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="job_queue")]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.kind}, {self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class WorkerHeartbeat(models.Model):
    """A worker process's last sign of life, written every few seconds while it loops (idle or not), so
    /healthz can say whether jobs are being run. One row per worker name (host:pid); old rows are kept
    only as long as they are useful (tandem.jobs.actions.record_worker_heartbeat tidies them)."""

    worker = models.CharField(max_length=100, unique=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Worker {self.worker} (last seen {self.last_seen_at:%Y-%m-%d %H:%M:%S})"
