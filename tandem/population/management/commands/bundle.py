"""tandem bundle --out DIR [--as-of YYYY-MM-DD] [--year YYYY]

The rule bundle: the population rules as Spark SQL for one as-of day and review year, with their rule tables,
codelists, data dictionary and the script that runs them, for an analyst's own Spark workspace (Databricks)
without Tandem installed (tandem.population.bundle). DIR must not exist or be empty.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.core import clock, parsing
from tandem.population import bundle
from tandem.recall.rules.dates import review_year_label, review_year_of


class Command(BaseCommand):
    help = "Write the population rules as Spark SQL, with the script that runs them, for a Databricks workspace."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the folder to write the bundle to (new, or empty)")
        parser.add_argument("--as-of", default="", help="the day the rules are worked out for (default: today)")
        parser.add_argument("--year", default="", help="the review year of the funnel, by its first year "
                                                      "(2026 for 1 April 2026 to 31 March 2027; default: the "
                                                      "review year of --as-of)")

    def handle(self, *args, out: str, as_of: str = "", year: str = "", **options):
        day = clock.today()
        if as_of:
            day = parsing.read_iso_date(as_of)
            if day is None:
                raise CommandError(f"--as-of must be a date written as YYYY-MM-DD, like 2026-12-06, not {as_of[:20]!r}.")
        review_year = review_year_of(day)
        if year:
            read = parsing.read_int(year, label="--year", minimum=2000, maximum=2100)
            if read.error:
                raise CommandError(f"{read.error}.")
            review_year = read.value
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
