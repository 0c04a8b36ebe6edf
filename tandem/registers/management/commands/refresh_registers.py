"""tandem refresh-registers [--practice ODS]: recompute registers and risk tiers as of today."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tandem.core.models import Practice
from tandem.registers import actions
from tandem.registers.rules.risk import TIER_LABELS


class Command(BaseCommand):
    help = "Recompute register memberships and risk tiers (one practice, or every practice)."

    def add_arguments(self, parser):
        parser.add_argument("--practice", metavar="ODS", help="ODS code of one practice (default: every practice)")

    def handle(self, *args, **options):
        ods = options.get("practice")
        if ods:
            practice = Practice.objects.filter(ods_code=ods.strip().upper()).first()
            if practice is None:
                raise CommandError(f"No practice has ODS code {ods!r}. Check the code, or leave out --practice "
                                   "to refresh every practice.")
            summaries = [actions.refresh_practice(practice=practice, by=None)]
        else:
            summaries = actions.refresh_all(by=None)
            if not summaries:
                self.stdout.write("There are no practices yet.")
                return
        codes = dict(Practice.objects.values_list("pk", "ods_code"))
        for s in summaries:
            tiers = ", ".join(f"{TIER_LABELS[t].lower()} {n:,}" for t, n in s.tiers.items())
            self.stdout.write(f"{codes[s.practice_id]}: {s.text()}; {tiers} ({s.seconds:.2f} s)")
        if len(summaries) > 1:
            self.stdout.write(f"{len(summaries)} practices, {sum(s.patients for s in summaries):,} people on a "
                              f"register, {sum(s.seconds for s in summaries):.1f} s")
