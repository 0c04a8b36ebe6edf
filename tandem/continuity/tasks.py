"""Background task of continuity (run by `tandem worker`): once a day for every practice, its figure of
continuity with the named clinician, for the network and ICB pages. Tasks call actions only."""

from __future__ import annotations

from tandem.core.rules import Capability
from tandem.jobs.registry import task

from . import actions

DAILY_JOB = "continuity.daily"


@task(DAILY_JOB, title="Work out continuity with the named clinician", needs=Capability.VIEW_PATIENT, daily=True)
def daily(job, progress):
    row = actions.record_named_continuity(practice=job.practice, by=job.created_by)
    progress(1, 1, message=f"{row.contacts:,} contacts of {row.people:,} people with a named clinician counted")
