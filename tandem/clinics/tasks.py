"""Background tasks of clinics (run by `tandem worker`). Tasks call actions only."""

from __future__ import annotations

from tandem.core.rules import Capability
from tandem.jobs.registry import task

from . import actions

EXTEND_JOB = "clinics.extend"


@task(EXTEND_JOB, title="Make clinic sessions a year ahead", daily=True, needs=Capability.MANAGE_PRACTICE)
def extend(job, progress):
    """Each day the horizon moves on a day: make the weekly sessions' new day (a session already made
    is never made twice)."""
    made = actions.extend_sessions(practice=job.practice)
    progress(made, made, message=f"{made:,} clinic sessions made")
