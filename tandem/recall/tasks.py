"""Background tasks of recall (run by `tandem worker`). Tasks call actions only."""

from __future__ import annotations

import datetime as dt

from tandem.core.rules import Capability
from tandem.jobs.registry import task
from tandem.messaging import actions as messaging_actions

from . import actions


@task(actions.SEND_JOB, title="Send this month's invitations", atomic=False, needs=Capability.VIEW_PATIENT)
def send_invitations(job, progress):
    month = dt.date.fromisoformat(job.params["month"])
    # Anyone new on a register since the list was last updated is planned first.
    actions.plan_reviews(practice=job.practice, by=job.created_by)
    summary = actions.send_due_invitations(practice=job.practice, month=month, by=job.created_by,
                                           progress=progress,
                                           within_capacity=not job.params.get("beyond_capacity", False))
    if summary.queued:
        # The outbox sends them (letters as PDFs, texts, emails) in its own job.
        messaging_actions.request_dispatch(practice=job.practice, by=job.created_by,
                                           idempotency_key=f"recall:dispatch:{job.pk}")
    progress(summary.considered, summary.considered, message=summary.text())
