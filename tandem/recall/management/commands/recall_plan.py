"""Plan this review year's reviews for one practice, or all: `tandem recall_plan [--practice ODS]`.

Run after the registers are refreshed (for example nightly, and on 1 April for the new year).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tandem.core.db_statistics import refresh_statistics
from tandem.core.models import Practice
from tandem.recall import actions
from tandem.recall.models import Review, ReviewEvent


class Command(BaseCommand):
    help = "Give everyone on a register a review for this review year (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--practice", help="ODS code of one practice (default: every practice)")

    def handle(self, *args, practice=None, **options):
        practices = Practice.objects.order_by("pk")
        if practice:
            practices = practices.filter(ods_code=practice)
            if not practices.exists():
                raise CommandError(f"No practice with ODS code {practice}.")
        for p in practices:
            summary = actions.plan_reviews(practice=p, by=None)
            self.stdout.write(f"{p.ods_code}: {summary.created} planned, {summary.withdrawn} no longer needed, "
                              f"{summary.reopened} needed again (review year {summary.review_year})")
        refresh_statistics([Review, ReviewEvent])  # many rows written: fresh planner statistics for the board
