"""Capacity: staff minutes the month's reviews need each week, against what the practice has. Pure.

Reviews due in a month are seen in that month, so the minutes a month needs are spread over its
weeks (days in the month / 7). HCA minutes are the tests appointment steps an HCA does; clinician
minutes are the other tests steps plus the care planning conversation, held by nurses, pharmacists
and GPs. The practice says how many minutes a week each role can give to reviews.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from .dates import days_in_month
from .review import ReviewPlan

HCA_GROUP, CLINICIAN_GROUP = "hca", "clinician"
GROUP_LABELS = {HCA_GROUP: "Health care assistants", CLINICIAN_GROUP: "Nurses, pharmacists and GPs"}


@dataclass(frozen=True)
class Available:
    """Minutes a week each role can give to reviews."""

    hca: int = 0
    nurse: int = 0
    pharmacist: int = 0
    gp: int = 0

    @property
    def clinician(self) -> int:
        return self.nurse + self.pharmacist + self.gp


@dataclass(frozen=True)
class CapacityLine:
    group: str
    needed_per_week: int
    available_per_week: int

    @property
    def label(self) -> str:
        return GROUP_LABELS[self.group]

    @property
    def shortfall(self) -> int:
        return max(0, self.needed_per_week - self.available_per_week)

    @property
    def enough(self) -> bool:
        return self.shortfall == 0


@dataclass(frozen=True)
class MonthCapacity:
    month: dt.date
    people: int
    hca_minutes: int  # in the whole month
    clinician_minutes: int
    lines: tuple[CapacityLine, ...]

    @property
    def enough(self) -> bool:
        return all(line.enough for line in self.lines)


def weeks_in(month: dt.date) -> float:
    return days_in_month(month) / 7


def per_week(minutes: int, month: dt.date) -> int:
    return math.ceil(minutes / weeks_in(month) - 1e-9) if minutes else 0


def month_capacity(month: dt.date, plans: Iterable[ReviewPlan], available: Available) -> MonthCapacity:
    people = hca = clinician = 0
    for plan in plans:
        people += 1
        hca += plan.hca_minutes
        clinician += plan.clinician_minutes
    lines = (
        CapacityLine(HCA_GROUP, per_week(hca, month), available.hca),
        CapacityLine(CLINICIAN_GROUP, per_week(clinician, month), available.clinician),
    )
    return MonthCapacity(month=month, people=people, hca_minutes=hca, clinician_minutes=clinician, lines=lines)
