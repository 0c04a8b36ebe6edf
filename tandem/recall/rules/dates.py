"""Review years and month arithmetic. Pure: no Django.

The review year runs April to March, like the Quality and Outcomes Framework year (NHS England,
QOF guidance: "the financial year 1 April to 31 March"), so a practice's recall year and its QOF
year end together. A review year is named by the year it starts: 2026 is April 2026 to March 2027,
shown as "2026/27".
"""

from __future__ import annotations

import calendar
import datetime as dt

YEAR_STARTS_IN = 4  # April

#: Calendar months in review-year order, April first.
MONTHS_IN_YEAR_ORDER: tuple[int, ...] = tuple((YEAR_STARTS_IN - 1 + i) % 12 + 1 for i in range(12))


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), on the month's last day if it is shorter."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def end_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def days_in_month(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def review_year_of(day: dt.date) -> int:
    return day.year if day.month >= YEAR_STARTS_IN else day.year - 1


def review_year_start(year: int) -> dt.date:
    return dt.date(year, YEAR_STARTS_IN, 1)


def review_year_end(year: int) -> dt.date:
    return review_year_start(year + 1) - dt.timedelta(days=1)


def review_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def month_in_review_year(year: int, month: int) -> dt.date:
    """The first day of calendar month `month` (1-12) within review year `year`."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1 to 12, not {month}")
    return dt.date(year if month >= YEAR_STARTS_IN else year + 1, month, 1)


def month_label(month: dt.date) -> str:
    return f"{calendar.month_name[month.month]} {month.year}"
