"""Reading the dates and times staff type into recall forms. Pure: no Django.

One layer for every date and time a recall form takes, so each is checked the same way:

* Digits are read after Unicode NFKC normalisation, which turns full-width digits (``１５``) into
  ASCII digits. Superscripts and other number signs (``²``, ``½``), digits of other scripts, letters
  and signs are refused with a message, never an exception: "2²" is not silently read as 22.
* A date comes from the three boxes of the NHS.UK date input (day, month, year), the year in full.
* A date must fall within the range the caller gives (``earliest`` to ``latest``); the message says
  which way it is out.
* A time is on the 24-hour clock or with am/pm: ``9:30``, ``09.30``, ``14:05``, ``2:30pm``, ``2pm``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

MAX_BOX = 10  # longest text a date box or time box is read from


@dataclass(frozen=True)
class Read[T]:
    value: T | None = None
    error: str = ""


def _ascii(text: str) -> str:
    text = text or ""
    if any(unicodedata.category(c) == "No" for c in text):  # superscripts, fractions: refused, not read
        return "\ufffd"
    return unicodedata.normalize("NFKC", text).strip()


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def read_date(day: str, month: str, year: str, *, label: str, earliest: dt.date | None = None,
              latest: dt.date | None = None, example: dt.date | None = None) -> Read[dt.date]:
    """A date from the three boxes. An empty date is Read(None, "") (the caller decides whether it
    is needed)."""
    parts = [_ascii(p) for p in (day, month, year)]
    like = example or dt.date(2026, 6, 15)
    hint = f"like {like.day} {like.month} {like.year}"
    if not any(parts):
        return Read()
    if not all(parts):
        missing = [name for name, p in zip(("day", "month", "year"), parts, strict=True) if not p]
        return Read(error=f"{label} must include a {' and a '.join(missing)}")
    if any(len(p) > MAX_BOX or not re.fullmatch(r"[0-9]+", p) for p in parts):
        return Read(error=f"{label} must be a real date in numbers, {hint}")
    d, m, y = (int(p) for p in parts)
    if y < 1000:
        return Read(error=f"{label}: enter the year in full, like {like.year}")
    try:
        value = dt.date(y, m, d)
    except ValueError:
        return Read(error=f"{label} must be a real date, {hint}")
    if earliest is not None and value < earliest:
        return Read(error=f"{label} must be on or after {_day(earliest)}")
    if latest is not None and value > latest:
        return Read(error=f"{label} must be on or before {_day(latest)}")
    return Read(value)


_TIME = re.compile(r"(?P<hour>[0-9]{1,2})(?:[:.](?P<minute>[0-9]{2}))?\s*(?P<half>am|pm)?")


def read_time(text: str, *, label: str) -> Read[dt.time]:
    """A time of day. An empty time is Read(None, "")."""
    raw = _ascii(text).lower().replace(" ", "")
    if not raw:
        return Read()
    hint = "like 9:30 or 14:05"
    match = _TIME.fullmatch(raw) if len(raw) <= MAX_BOX else None
    if match is None:
        return Read(error=f"{label} must be a time, {hint}")
    hour, minute, half = int(match["hour"]), int(match["minute"] or 0), match["half"]
    if match["minute"] is None and half is None:
        return Read(error=f"{label} must include the minutes, {hint}")
    if half is not None:
        if not 1 <= hour <= 12:
            return Read(error=f"{label} must be a real time, {hint}")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return Read(error=f"{label} must be a real time, {hint}")
    return Read(dt.time(hour, minute))
