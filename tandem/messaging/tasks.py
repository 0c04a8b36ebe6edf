"""Background tasks of the outbox (run by `tandem worker`)."""

from __future__ import annotations

from tandem.core.rules import Capability
from tandem.jobs.registry import JobError, task

from . import actions


@task(actions.DISPATCH_JOB, title="Send queued messages", atomic=False, needs=Capability.VIEW_PATIENT)
def dispatch(job, progress):
    summary = actions.dispatch_pending(practice=job.practice, progress=progress)
    progress(summary.tried + summary.waiting, summary.tried + summary.waiting, message=summary.text())
    if summary.problems and not summary.tried:
        raise JobError(" ".join(summary.problems) + " The messages are still queued.")
