"""Background tasks of check-ins (run by `tandem worker`): once a day for every practice, close the
check-ins past their last day, open those due (sending them) and send reminders. Tasks call actions only."""

from __future__ import annotations

from tandem.core import clock
from tandem.core.rules import Capability
from tandem.jobs.registry import task
from tandem.messaging import actions as messaging_actions

from . import actions

DAILY_JOB = "checkins.daily"


@task(DAILY_JOB, title="Open, remind and close check-ins", atomic=False, needs=Capability.VIEW_PATIENT, daily=True)
def daily(job, progress):
    closed = actions.close_unanswered(practice=job.practice)
    opened = actions.open_due(practice=job.practice, by=job.created_by, progress=progress)
    reminded = actions.send_reminders(practice=job.practice, by=job.created_by)
    if opened.sent or reminded:
        messaging_actions.request_dispatch(practice=job.practice, by=job.created_by,
                                           idempotency_key=f"checkins:dispatch:{job.pk}")
    progress(1, 1, message=f"{opened.opened:,} check-ins opened ({opened.calls:,} to phone), {reminded:,} reminders, "
                           f"{closed:,} closed unanswered on {clock.today():%d %B %Y}")
