"""Per-engine SQL primitives: the only place the population rules' SQL differs between engines. Pure: no Django.

The rules (registers, risk tiers, the care planning funnel, outcomes) are written once as SQL text in a portable
subset (CTEs with column lists, VALUES, CASE, GROUP BY, joins, EXISTS, ROW_NUMBER and COUNT windows) and every
date, interval, age, division and rounding operation is asked of a `Dialect`, which writes it the way its engine
reads it. Nothing translates one engine's SQL into another's: date functions are where such translation breaks
(PostgreSQL's AGE() has no Spark counterpart; SQLite has no EXTRACT; `d - INTERVAL '1 year'` on 29 February
gives 28 February on PostgreSQL and 1 March on SQLite).

Values are written into the SQL as literals (dates, whole numbers, validated codes), never as parameters, so one
statement runs unchanged on each engine's own client and can be read, logged and shipped as it runs.

Dates on SQLite are ISO text (YYYY-MM-DD), which Django and the extract loaders store; ISO text sorts and compares
as dates do.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

ENGINES = ("sqlite", "postgresql", "duckdb", "spark")


@dataclass(frozen=True)
class Dialect:
    name: str

    def __post_init__(self):
        if self.name not in ENGINES:
            raise ValueError(f"unknown SQL engine {self.name!r}; one of {', '.join(ENGINES)}")

    # --- Literals ---------------------------------------------------------------------------------------

    def date(self, day: dt.date) -> str:
        """A date literal."""
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise TypeError("a date literal needs a date")
        if self.name == "sqlite":
            return f"'{day.isoformat()}'"
        return f"DATE '{day.isoformat()}'"

    @property
    def true(self) -> str:
        return "1" if self.name == "sqlite" else "TRUE"

    @property
    def false(self) -> str:
        return "0" if self.name == "sqlite" else "FALSE"

    def integer(self, value: int) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("an integer literal needs an int")
        return str(value)

    def number(self, value: float) -> str:
        """A floating-point literal (always with a decimal point or exponent, so no engine reads it as an integer)."""
        value = float(value)
        if not math.isfinite(value):
            raise ValueError("a number literal must be finite")
        text = repr(value)
        return f"CAST({text} AS DOUBLE PRECISION)" if self.name == "postgresql" else f"CAST({text} AS DOUBLE)"

    def text(self, value: str) -> str:
        """A text literal of a rule identifier or code: letters, digits, underscores, hyphens and spaces only."""
        if not all(ch.isascii() and (ch.isalnum() or ch in "_- ") for ch in value):
            raise ValueError(f"{value!r} cannot be embedded in SQL")
        return f"'{value}'"

    def values(self, name: str, columns: tuple[str, ...], rows: list[tuple]) -> str:
        """A CTE of literal rows: `name(col, ...) AS (VALUES (...), ...)` (every engine here reads it).
        `rows` hold literals already written by this dialect."""
        if not rows:
            nulls = ", ".join("NULL" for _ in columns)
            return f"{name}({', '.join(columns)}) AS (SELECT {nulls} WHERE 1 = 0)"
        body = ",\n    ".join(f"({', '.join(row)})" for row in rows)
        return f"{name}({', '.join(columns)}) AS (VALUES\n    {body}\n)"

    # --- Booleans ---------------------------------------------------------------------------------------

    def flag(self, condition: str) -> str:
        """1 where `condition` holds, else 0 (a whole number, summable on every engine)."""
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    def is_true(self, column: str) -> str:
        """A boolean column as a condition (SQLite keeps booleans as 0 and 1)."""
        return f"{column} = 1" if self.name == "sqlite" else column

    # --- Dates ------------------------------------------------------------------------------------------

    def days_between(self, later: str, earlier: str) -> str:
        """Whole days from `earlier` to `later` (dates)."""
        if self.name == "postgresql":
            return f"({later} - {earlier})"
        if self.name == "sqlite":
            return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
        if self.name == "duckdb":
            return f"date_diff('day', {earlier}, {later})"
        return f"datediff({later}, {earlier})"

    def add_days(self, day: str, days: int) -> str:
        """The date `days` days after `day` (before, when negative)."""
        n = self.integer(days)
        if self.name == "postgresql":
            return f"({day} + {n})"
        if self.name == "sqlite":
            return f"date({day}, '{days:+d} days')"
        if self.name == "duckdb":
            return f"CAST({day} + INTERVAL ({n}) DAY AS DATE)"
        return f"date_add({day}, {n})"

    def year(self, day: str) -> str:
        if self.name == "sqlite":
            return f"CAST(strftime('%Y', {day}) AS INTEGER)"
        if self.name == "postgresql":
            return f"CAST(EXTRACT(YEAR FROM {day}) AS INTEGER)"
        return f"year({day})"

    def month_day(self, day: str) -> str:
        """month x 100 + day of month, a whole number that orders days within a year."""
        if self.name == "sqlite":
            return f"CAST(strftime('%m%d', {day}) AS INTEGER)"
        if self.name == "postgresql":
            return f"CAST(EXTRACT(MONTH FROM {day}) * 100 + EXTRACT(DAY FROM {day}) AS INTEGER)"
        return f"(month({day}) * 100 + day({day}))"

    def age_on(self, born: str, day: dt.date) -> str:
        """Age in whole years on `day` of someone born on `born` (tandem.patients.rules.age_on): birthdays on
        29 February are reached on 1 March in other years."""
        return (f"({day.year} - {self.year(born)} - "
                f"CASE WHEN {self.month_day(born)} > {day.month * 100 + day.day} THEN 1 ELSE 0 END)")

    def age_at(self, born: str, day: str) -> str:
        """Age in whole years on the date `day` (an expression), as `age_on`."""
        return (f"({self.year(day)} - {self.year(born)} - "
                f"CASE WHEN {self.month_day(born)} > {self.month_day(day)} THEN 1 ELSE 0 END)")

    def to_text(self, value: str) -> str:
        """A value as text."""
        return f"CAST({value} AS {'STRING' if self.name == 'spark' else 'TEXT'})"

    def create_table_as(self, name: str, select: str) -> str:
        """Keep a SELECT's result under `name` for the statements after it, as a table of its own. (On Spark a
        table, not a cached view: a view keeps its whole lineage, and the plans of the statements that read it
        then grow with every statement before.)"""
        return f"CREATE TABLE {name} AS {select}"

    # --- Arithmetic -------------------------------------------------------------------------------------

    def int_div(self, numerator: str, denominator: str) -> str:
        """Whole-number division, truncating (callers use it only where both are not negative, where
        truncating is flooring). DuckDB's `/` always gives a fraction; Spark's `/` too."""
        if self.name == "duckdb":
            return f"({numerator} // {denominator})"
        if self.name == "spark":
            return f"({numerator} div {denominator})"
        return f"({numerator} / {denominator})"

    def ratio(self, numerator: str, denominator: str) -> str:
        """numerator / denominator as a fraction (NULL when the denominator is 0). SQLite and PostgreSQL divide
        whole numbers as whole numbers, so the numerator is made a double first."""
        return f"(CAST({numerator} AS DOUBLE{' PRECISION' if self.name == 'postgresql' else ''}) / NULLIF({denominator}, 0))"

    def whole(self, value: str) -> str:
        """A number as a 64-bit whole number (truncating: round first)."""
        return f"CAST({value} AS BIGINT)"

    def round_half_up(self, value: str, places: int) -> str:
        """`value` rounded to `places` decimal places, halves upwards, the same on every engine. Each engine's
        own ROUND differs: PostgreSQL rounds a double's halves to even, SQLite, DuckDB and Spark away from zero."""
        scale = self.integer(10 ** places)
        return f"(FLOOR({value} * {scale} + 0.5) / {scale})"
