"""Capacity: staff minutes the month's reviews need each week, against what the practice has. Pure.

Reviews due in a month are seen in that month, so the minutes a month needs are spread over its
weeks (days in the month / 7). HCA minutes are the tests appointment steps an HCA does; clinician
minutes are the other tests steps plus the care planning conversation, held by nurses, pharmacists
and GPs. The practice says how many minutes a week each role can give to reviews.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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
class Supply:
    """Staff time the practice has for reviews: from its clinic sessions (`sessions`: the minutes held
    in each month, by role: a month with none has none), or, without sessions, the minutes a week
    it typed (`typed`), the same every week."""

    typed: Available = field(default_factory=Available)
    sessions: Mapping[dt.date, Available] | None = None

    @property
    def from_sessions(self) -> bool:
        return self.sessions is not None

    @property
    def limited(self) -> bool:
        """Whether there is a limit at all (a practice with no sessions that typed nothing has none)."""
        return self.from_sessions or bool(self.typed.hca or self.typed.clinician)

    def per_week(self, month: dt.date) -> Available:
        if self.sessions is None:
            return self.typed
        held = self.sessions.get(month, Available())
        weeks = weeks_in(month)
        return Available(hca=round(held.hca / weeks), nurse=round(held.nurse / weeks),
                         pharmacist=round(held.pharmacist / weeks), gp=round(held.gp / weeks))

    def budget(self, month: dt.date) -> tuple[int, int]:
        """HCA and clinician minutes in the whole month."""
        if self.sessions is None:
            return month_budget(month, self.typed)
        held = self.sessions.get(month, Available())
        return held.hca, held.clinician


def supply_of(available: Available | Supply) -> Supply:
    return available if isinstance(available, Supply) else Supply(typed=available)


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
    from_sessions: bool = False

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
    return month_capacity_of(month, people=people, hca=hca, clinician=clinician, available=available)


def month_capacity_of(month: dt.date, *, people: int, hca: int, clinician: int,
                      available: Available | Supply) -> MonthCapacity:
    """As month_capacity, from the month's totals (people, HCA and clinician minutes in the month)."""
    supply = supply_of(available)
    available = supply.per_week(month)
    lines = (
        CapacityLine(HCA_GROUP, per_week(hca, month), available.hca),
        CapacityLine(CLINICIAN_GROUP, per_week(clinician, month), available.clinician),
    )
    return MonthCapacity(month=month, people=people, hca_minutes=hca, clinician_minutes=clinician, lines=lines,
                         from_sessions=supply.from_sessions)


def month_budget(month: dt.date, available: Available) -> tuple[int, int]:
    """HCA and clinician minutes the practice has in the whole month."""
    weeks = weeks_in(month)
    return math.floor(available.hca * weeks + 1e-9), math.floor(available.clinician * weeks + 1e-9)


def invitations_within(candidates: Iterable[tuple[dt.date, ReviewPlan]], *, available: Available | Supply,
                       committed: dict[dt.date, tuple[int, int]] | None = None) -> int:
    """How many of `candidates` (first invitations, each the month its review is due and its plan, in
    the order they would go) the staff time can absorb: each month's minutes (available a week x
    weeks in the month) less the minutes already `committed` to reviews due that month (people
    already invited or booked). Invitations go in order, so the count stops at the first that does
    not fit. A practice that has not said how much time it has (all zero) has no limit: every
    candidate counts."""
    candidates = list(candidates)
    supply = supply_of(available)
    if not supply.limited:
        return len(candidates)
    used = {month: list(minutes) for month, minutes in (committed or {}).items()}
    for count, (month, plan) in enumerate(candidates):
        hca_budget, clinician_budget = supply.budget(month)
        hca, clinician = used.setdefault(month, [0, 0])
        if hca + plan.hca_minutes > hca_budget or clinician + plan.clinician_minutes > clinician_budget:
            return count
        used[month] = [hca + plan.hca_minutes, clinician + plan.clinician_minutes]
    return len(candidates)
