"""The options the population commands share, read with the one parsing layer (tandem.core.parsing)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from tandem.core import clock, parsing
from tandem.recall.rules.dates import review_year_of

AS_OF_HELP = "the day the rules are worked out for, YYYY-MM-DD (default: today)"
YEAR_HELP = ("the review year of the funnel, by its first year (2026 for 1 April 2026 to 31 March 2027; default: "
             "the review year of --as-of)")


def as_of_and_year(as_of: str, year: str) -> tuple[dt.date, int]:
    """--as-of (default today) and --year (default the review year --as-of falls in), or a CommandError saying
    what is wrong."""
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
    return day, review_year
