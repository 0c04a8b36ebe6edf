"""Background tasks of prepare (run by `tandem worker`). Tasks call actions only."""

from __future__ import annotations

import datetime as dt

from tandem.core.rules import Capability
from tandem.jobs.registry import task
from tandem.messaging import actions as messaging_actions

from . import actions


@task(actions.SEND_JOB, title="Send results-and-prompts packs", atomic=False, needs=Capability.VIEW_PATIENT)
def send_packs(job, progress):
    day = job.params.get("day")
    month = job.params.get("month")
    summary = actions.send_packs(practice=job.practice, by=job.created_by,
                                 day=dt.date.fromisoformat(day) if day else None,
                                 month=dt.date.fromisoformat(month) if month else None, progress=progress)
    if summary.queued:
        # The outbox sends them (letters as PDFs, texts, emails) in its own job.
        messaging_actions.request_dispatch(practice=job.practice, by=job.created_by,
                                           idempotency_key=f"prepare:dispatch:{job.pk}")
    progress(summary.considered, summary.considered, message=summary.text())
