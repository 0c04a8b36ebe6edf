"""Background tasks of surveys (run by `tandem worker`): once a day for every practice, close the staff
rounds and people's surveys past their last day, and send the survey to people whose plan was agreed
two weeks ago. Tasks call actions only."""

from __future__ import annotations

from tandem.core.rules import Capability
from tandem.jobs.registry import task
from tandem.messaging import actions as messaging_actions

from . import actions

DAILY_JOB = "surveys.daily"


@task(DAILY_JOB, title="Send surveys after care planning, and close those past their day", atomic=False,
      needs=Capability.VIEW_PATIENT, daily=True)
def daily(job, progress):
    rounds = actions.close_past_rounds(practice=job.practice)
    closed = actions.close_unanswered(practice=job.practice)
    sent = actions.send_due(practice=job.practice, by=job.created_by)
    if sent.sent:
        messaging_actions.request_dispatch(practice=job.practice, by=job.created_by,
                                           idempotency_key=f"surveys:dispatch:{job.pk}")
    progress(1, 1, message=f"{sent.sent:,} surveys sent ({sent.no_address:,} with no address), {closed:,} closed "
                           f"unanswered, {rounds:,} staff rounds closed")
