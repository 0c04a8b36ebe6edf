"""Background task of the person's own pages (run by `tandem worker`): once a day for every practice,
carers' access past its end date (or unused for years) is marked ended, carers whose access ends
soon are told, and access whose review date has come becomes a task for the named clinician (DAPB3051
4.1.2, 7.3). Access already stops at its end date on the carer's next request;
this task keeps the record and the person's page in step. Tasks call actions only."""

from __future__ import annotations

from tandem.core.rules import Capability
from tandem.jobs.registry import task

from . import actions

DAILY_JOB = "people.daily"


@task(DAILY_JOB, title="End carers' access past its end date, and tell carers whose access ends soon",
      needs=Capability.VIEW_PATIENT, daily=True)
def daily(job, progress):
    done = actions.end_and_warn(practice=job.practice)
    progress(1, 1, message=f"{done.ended:,} carers' access ended, {done.warned:,} told it ends soon, "
                           f"{done.reviews:,} due for review")
