"""Queue the appointment reminders due today: `tandem booking_reminders [--practice ODS]`.

Run daily (for example each morning, with `tandem clinics_extend`): a reminder goes two days before
each booked appointment, by the person's preferred channel, into the outbox (sent by the outbox's
own job, or "Send waiting messages"). Idempotent: an appointment is reminded once, and never when it
was cancelled, moved or has passed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tandem.booking import message_actions
from tandem.core.models import Practice


class Command(BaseCommand):
    help = "Queue the appointment reminders due today, two days before each appointment (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--practice", help="ODS code of one practice (default: every practice)")

    def handle(self, *args, practice=None, **options):
        practices = Practice.objects.order_by("pk")
        if practice:
            practices = practices.filter(ods_code=practice)
            if not practices.exists():
                raise CommandError(f"No practice with ODS code {practice}.")
        sent = sum(message_actions.send_reminders(practice=p, by=None) for p in practices)
        self.stdout.write(f"{sent:,} appointment reminders queued")
