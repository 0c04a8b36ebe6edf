"""tandem analyse --engine duckdb|spark PATH --out DIR [--as-of YYYY-MM-DD] [--year YYYY]

Run the population rules (registers, risk tiers, the care planning funnel, outcomes) over an extract of any size
(`tandem extract`, or an analyst's own tables written in the extract's schema) and write the results as Parquet,
with the summary tables the Learn pages show (tandem.population.analyse). A progress bar shows each step.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.core import parsing
from tandem.population import analyse, engines
from tandem.recall.rules.dates import review_year_label

from ..options import AS_OF_HELP, YEAR_HELP, as_of_and_year

ENGINES = ("duckdb", "spark")
BAR = 30


class Progress:
    """A one-line progress bar on a terminal (redrawn in place), one line per step otherwise."""

    def __init__(self, stream):
        self.stream = stream
        self.live = stream.isatty()
        self.started = time.monotonic()

    def __call__(self, done: int, total: int, what: str) -> None:
        filled = BAR * done // total
        line = (f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} {what} "
                f"({time.monotonic() - self.started:,.0f} s)")
        if self.live:
            self.stream.write("\r" + line.ljust(78))
            if done == total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Run the population rules over an extract on DuckDB or Apache Spark and write the results."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the extract's folder (as tandem extract writes it)")
        parser.add_argument("--engine", required=True, choices=ENGINES, help="duckdb (one machine) or spark")
        parser.add_argument("--out", required=True, help="the folder to write the results to (new, or empty)")
        parser.add_argument("--as-of", default="", help=AS_OF_HELP)
        parser.add_argument("--year", default="", help=YEAR_HELP)
        parser.add_argument("--cores", default="", help="cores to use (default: all)")
        parser.add_argument("--memory", default="4g", help="Spark's driver memory (default 4g)")

    def handle(self, *args, path: str, engine: str, out: str, as_of: str = "", year: str = "", cores: str = "",
               memory: str = "4g", **options):
        day, review_year = as_of_and_year(as_of, year)
        n_cores = None
        if cores:
            read = parsing.read_int(cores, label="--cores", minimum=1, maximum=1024)
            if read.error:
                raise CommandError(f"{read.error}.")
            n_cores = read.value
        if not parsing.is_ascii_digits(memory[:-1]) or memory[-1:].lower() not in ("m", "g") or len(memory) > 8:
            raise CommandError(f"--memory must be a size like 4g or 512m, not {memory[:20]!r}.")
        try:
            analyse.check_extract(Path(path))
        except analyse.AnalysisError as exc:
            raise CommandError(str(exc)) from None
        options = {"threads": n_cores} if engine == "duckdb" else {"cores": n_cores or 2, "driver_memory": memory}
        self.stderr.write(f"Analysing {path} on {engine} as of {day:%-d %B %Y}, funnel for "
                          f"{review_year_label(review_year)}")
        runner = engines.engine(engine, **options)
        try:
            result = analyse.analyse(runner, Path(path), Path(out), as_of=day, year=review_year,
                                     progress=Progress(self.stderr._out))  # the raw stream: the bar redraws in place
        except analyse.AnalysisError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Could not write the results to {out}: {exc.strerror or exc}.") from None
        finally:
            runner.close()
            if engine == "spark":
                engines.stop_spark()
        for step in result.steps:
            self.stdout.write(f"  {step.name:<16} {step.rows:>12,} rows  {step.seconds:8.1f} s")
        self.stdout.write(f"Results in {out} (summary.md for the tables), {result.seconds:,.1f} s in all")
