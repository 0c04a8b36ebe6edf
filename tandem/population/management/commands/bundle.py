"""tandem bundle --out DIR [--as-of YYYY-MM-DD] [--year YYYY]

The rule bundle: the population rules as Spark SQL for one as-of day and review year, with their rule tables,
codelists, data dictionary and the script that runs them, for an analyst's own Spark workspace (Databricks)
without Tandem installed (tandem.population.bundle). DIR must not exist or be empty.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.population import bundle
from tandem.recall.rules.dates import review_year_label

from ..options import AS_OF_HELP, YEAR_HELP, as_of_and_year


class Command(BaseCommand):
    help = "Write the population rules as Spark SQL, with the script that runs them, for a Databricks workspace."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the folder to write the bundle to (new, or empty)")
        parser.add_argument("--as-of", default="", help=AS_OF_HELP)
        parser.add_argument("--year", default="", help=YEAR_HELP)

    def handle(self, *args, out: str, as_of: str = "", year: str = "", **options):
        day, review_year = as_of_and_year(as_of, year)
        if not str(out).strip():
            raise CommandError("--out must name a folder to write the bundle to.")
        try:
            manifest = bundle.write(Path(out), as_of=day, year=review_year)
        except bundle.BundleError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Could not write the bundle to {out}: {exc.strerror or exc}.") from None
        self.stdout.write(f"Rule bundle {manifest['rules_version']} for Spark, as of {day:%-d %B %Y}, review year "
                          f"{review_year_label(review_year)}: {len(manifest['statements'])} statements, written to "
                          f"{out}")
