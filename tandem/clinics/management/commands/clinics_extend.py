"""Make every weekly session's sessions up to a year ahead: `tandem clinics_extend [--practice ODS]`.

Run daily (for example nightly, with `tandem recall_plan`): each day one more day of sessions comes
within the year ahead. Idempotent: a session already made is never made twice.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tandem.clinics import actions
from tandem.core.models import Practice


class Command(BaseCommand):
    help = "Make clinic sessions from the weekly sessions up to a year ahead (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--practice", help="ODS code of one practice (default: every practice)")

    def handle(self, *args, practice=None, **options):
        chosen = None
        if practice:
            chosen = Practice.objects.filter(ods_code=practice).first()
            if chosen is None:
                raise CommandError(f"No practice with ODS code {practice}.")
        made = actions.extend_sessions(practice=chosen)
        self.stdout.write(f"{made:,} clinic sessions made")
