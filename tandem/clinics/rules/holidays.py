"""Bank holidays in England and Wales, from data/bank_holidays.toml (GOV.UK's published feed; the
file says which copy and which years). Pure: no Django."""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "bank_holidays.toml"


@dataclass(frozen=True)
class BankHolidays:
    source: str
    known_until: dt.date  # the last day the file covers: later bank holidays are not yet known
    days: dict[dt.date, str]  # date -> title

    def title(self, day: dt.date) -> str:
        return self.days.get(day, "")

    def unknown_after(self, day: dt.date) -> bool:
        """Whether `day` is past what the file covers (its bank holidays are not known)."""
        return day > self.known_until


@functools.cache
def bank_holidays() -> BankHolidays:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    days = {entry["date"]: entry["title"] for entry in data["holidays"]}
    if len(days) != len(data["holidays"]):
        raise ValueError(f"{DATA.name}: a date is listed twice")
    return BankHolidays(source=data["source"], known_until=data["known_until"], days=days)
