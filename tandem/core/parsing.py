"""Reading what people type and what arrives in URLs: numbers, ids, dates and times. Pure: no Django.

One layer for every number, id, date and time Tandem reads from a form, a query string or a file,
so each is checked the same way and bad input gets a message, never an exception:

* Digits are folded to ASCII by ``fold_digits``: Unicode NFKC first (full-width ``１５``,
  mathematical ``𝟗``), then any decimal digit of another script (Arabic-Indic ``٣``, Devanagari
  ``३``) becomes its ASCII digit. ``digits`` does the same for a typed number but refuses the number
  signs that are not decimal digits (superscripts ``²``, fractions ``½``, circled ``⑨``): "2²" is
  never silently read as 22.
* Every reading is bounded in length before it is turned into a number, so a 10,000-character
  value costs nothing and cannot overflow anything.
* An id (a database primary key) is 1 to 2**31-1, the range every database Tandem runs on holds in
  an integer column; anything else is no id at all (the caller answers "not found").
* A date in a URL or a hidden field is from 1900 to 2199 (EARLIEST_DATE, LATEST_DATE), so the
  day after it, the month after it or a year before it is always a date too.
* A date comes from the three boxes of the NHS.UK date input (day, month, year), the year in full,
  within the range the caller gives; a date in a URL is ``YYYY-MM-DD`` and a month ``YYYY-MM``.
* A time is on the 24-hour clock or with am/pm: ``9:30``, ``09.30``, ``14:05``, ``2:30pm``, ``2pm``.

NHS numbers keep their own rule (``tandem.patients.rules.normalise_nhs_number``), which folds
digits with ``fold_digits``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

MAX_BOX = 10  # longest text a date box or time box is read from
MAX_NUMBER = 20  # longest text a whole number is read from (after folding and trimming)
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)  # of a date in a URL
MAX_ID = 2**31 - 1  # the largest value of a 32-bit signed integer column (SQLite and PostgreSQL)

_ASCII_DIGITS = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"[+-]?[0-9]+")


#: What was wrong with a refused reading, for callers that word the message for their own reader
#: (a person replying to their invitation is not a member of staff).
MISSING, NOT_NUMBERS, SHORT_YEAR, NOT_REAL, TOO_EARLY, TOO_LATE = (
    "missing", "not_numbers", "short_year", "not_real", "too_early", "too_late")


@dataclass(frozen=True)
class Read[T]:
    """What was read (None when nothing was, or it was refused) and, when refused, why: `error` in
    words for staff, `problem` as one of the constants above."""

    value: T | None = None
    error: str = ""
    problem: str = ""


def fold_digits(text: str) -> str:
    """`text` with every decimal digit written as an ASCII digit 0-9, and nothing else changed in meaning.

    NFKC first folds compatibility forms (full-width '９', superscript '²', mathematical '𝟗', the
    no-break space); then any remaining decimal digit of another script (Arabic-Indic '٩',
    Devanagari '९') becomes its ASCII digit. Characters that are numbers but not decimal digits
    after NFKC (fractions, Kharosthi numerals) are left as they are, for the caller to refuse.
    """
    folded = unicodedata.normalize("NFKC", text)
    if folded.isascii():
        return folded
    return "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and unicodedata.decimal(ch, None) is not None
                   else ch for ch in folded)


def digits(text: object) -> str | None:
    """What was typed, trimmed, with its digits folded to ASCII (see fold_digits); None when it holds
    a number sign that is not a decimal digit (a superscript, a fraction, a circled number), which is
    refused rather than guessed at. Letters and other characters are left for the caller to refuse."""
    if not isinstance(text, str):
        return "" if text is None else None
    if any(unicodedata.category(ch) == "No" for ch in text):
        return None
    return fold_digits(text).strip()


def is_ascii_digits(text: str) -> bool:
    """Only the digits 0-9. (str.isdigit() is also true for '²', which int() refuses.)"""
    return bool(text) and text.isascii() and text.isdigit()


def read_id(text: object) -> int | None:
    """A database primary key from a URL or a form (1 to 2**31-1), or None for anything else:
    empty, signs, letters, '1e9', '0x10', superscripts, too long, or out of range."""
    folded = digits(text)
    if folded is None or len(folded) > len(str(MAX_ID)) or not _ASCII_DIGITS.fullmatch(folded):
        return None
    value = int(folded)
    return value if 1 <= value <= MAX_ID else None


def read_version(text: object) -> int | None:
    """A version counter a form sends back (edit conflicts): 0 (nothing saved yet) to 2**31-1, or None."""
    if digits(text) == "0":
        return 0
    return read_id(text)


def read_int(text: object, *, label: str, minimum: int, maximum: int) -> Read[int]:
    """A whole number from `minimum` to `maximum`. Empty is Read(None, "") (the caller decides
    whether it is needed); anything else that is not such a number is refused with a message."""
    folded = digits(text)
    if folded == "":
        return Read()
    hint = f"{label} must be a whole number from {minimum} to {maximum}"
    if folded is None or len(folded) > MAX_NUMBER or not _SIGNED.fullmatch(folded):
        return Read(error=hint)
    value = int(folded)
    if not minimum <= value <= maximum:
        return Read(error=hint)
    return Read(value)


_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,7}(?:\.[0-9]{0,4})?|\.[0-9]{1,4})")


def read_decimal(text: object) -> float | None:
    """A measurement as a person types it ("58", "7.5", "2,0" is refused): up to 7 digits before the
    point and 4 after, digits folded to ASCII. None for anything else: empty, '1e9', '1_000', 'nan',
    'inf', superscripts, letters. The caller checks the value is plausible for what it measures."""
    folded = digits(text)
    if not folded or len(folded) > MAX_NUMBER + 5:
        return None
    folded = folded.replace(" ", "")
    if not _DECIMAL.fullmatch(folded):
        return None
    return float(folded)


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def read_date(day: object, month: object, year: object, *, label: str, earliest: dt.date | None = None,
              latest: dt.date | None = None, example: dt.date | None = None) -> Read[dt.date]:
    """A date from the three boxes. An empty date is Read(None, "") (the caller decides whether it
    is needed)."""
    parts = [digits(p) for p in (day, month, year)]
    like = example or dt.date(2026, 6, 15)
    hint = f"like {like.day} {like.month} {like.year}"
    if not any(p is None or p for p in parts):
        return Read()
    if not all(p is None or p for p in parts):
        missing = [name for name, p in zip(("day", "month", "year"), parts, strict=True) if p == ""]
        return Read(error=f"{label} must include a {' and a '.join(missing)}", problem=MISSING)
    if any(p is None or len(p) > MAX_BOX or not _ASCII_DIGITS.fullmatch(p) for p in parts):
        return Read(error=f"{label} must be a real date in numbers, {hint}", problem=NOT_NUMBERS)
    d, m, y = (int(p) for p in parts)
    if y < 1000:
        return Read(error=f"{label}: enter the year in full, like {like.year}", problem=SHORT_YEAR)
    try:
        value = dt.date(y, m, d)
    except (ValueError, OverflowError):  # OverflowError: a day or month of ten digits
        return Read(error=f"{label} must be a real date, {hint}", problem=NOT_REAL)
    if earliest is not None and value < earliest:
        return Read(error=f"{label} must be on or after {_day(earliest)}", problem=TOO_EARLY)
    if latest is not None and value > latest:
        return Read(error=f"{label} must be on or before {_day(latest)}", problem=TOO_LATE)
    return Read(value)


_TIME = re.compile(r"(?P<hour>[0-9]{1,2})(?:[:.](?P<minute>[0-9]{2}))?\s*(?P<half>am|pm)?")


def read_time(text: object, *, label: str) -> Read[dt.time]:
    """A time of day. An empty time is Read(None, "")."""
    folded = digits(text)
    hint = "like 9:30 or 14:05"
    if folded is None:
        return Read(error=f"{label} must be a time, {hint}")
    raw = folded.lower().replace(" ", "")
    if not raw:
        return Read()
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


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def read_iso_date(text: object) -> dt.date | None:
    """A date written YYYY-MM-DD (in a URL, a query string or a hidden field), or None."""
    if not isinstance(text, str) or len(text) > MAX_BOX:
        return None
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        value = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
    return value if EARLIEST_DATE <= value <= LATEST_DATE else None


def read_iso_month(text: object) -> dt.date | None:
    """A month written YYYY-MM, as the first day of that month, or None."""
    if not isinstance(text, str) or len(text) > MAX_BOX:
        return None
    match = _ISO_MONTH.fullmatch(text.strip())
    if match is None:
        return None
    try:
        value = dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None
    return value if EARLIEST_DATE <= value <= LATEST_DATE else None


class JsonRefused(ValueError):
    """JSON that is well formed but cannot be read safely: nested too deeply (the reader would run
    out of stack) or holding a number of thousands of digits. The message is for the person who sent it."""


def load_json(text: str | bytes) -> object:
    """`json.loads`, except that JSON nested too deeply to read (100,000 brackets, say) or with a
    number too long to read raises JsonRefused instead of RecursionError or a bare ValueError.
    Malformed JSON still raises json.JSONDecodeError (a ValueError too)."""
    import json

    try:
        return json.loads(text)
    except RecursionError:
        raise JsonRefused("it is nested too deeply to be a FHIR resource (brackets inside brackets "
                          "hundreds of levels deep)") from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # a number of more than 4,300 digits
        raise JsonRefused("it holds a number with thousands of digits, which no FHIR value has") from None
