"""Background tasks of booking (run by `tandem worker`). Tasks call actions only."""

from __future__ import annotations

from tandem.core import clock
from tandem.core.rules import Capability
from tandem.jobs.registry import task
from tandem.messaging import actions as messaging_actions

from . import message_actions


@task(message_actions.REMINDER_JOB, title="Send appointment reminders", atomic=False,
      needs=Capability.VIEW_PATIENT, daily=True)
def send_reminders(job, progress):
    """The reminders due today (two days before each appointment); each goes once however often it runs."""
    sent = message_actions.send_reminders(practice=job.practice, by=job.created_by, progress=progress)
    if sent:
        # The outbox sends them (letters as PDFs, texts, emails) in its own job.
        messaging_actions.request_dispatch(practice=job.practice, by=job.created_by,
                                           idempotency_key=f"booking:reminders:dispatch:{job.pk}")
    progress(sent, sent, message=f"{sent:,} appointment reminders queued on {clock.today():%d %B %Y}")
