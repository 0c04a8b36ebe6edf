"""Background tasks of the registers app (run by `tandem worker`). Tasks call actions only.

    jobs.actions.enqueue(kind=REFRESH_JOB, practice=practice, by=user, params={},
                         idempotency_key=f"registers:refresh:{practice.pk}:{date}")
"""

from __future__ import annotations

from tandem.core.rules import Capability
from tandem.jobs.registry import task

from . import actions

REFRESH_JOB = "registers.refresh"


@task(REFRESH_JOB, title="Work out registers and risk tiers", needs=Capability.EDIT_CLINICAL)
def refresh(job, progress):
    summary = actions.refresh_practice(practice=job.practice, by=job.created_by)
    progress(1, 1, message=summary.text())
