"""Capacity: staff minutes the month's reviews need each week, against what the practice has. Pure.

Reviews due in a month are seen in that month, so the minutes a month needs are spread over its
weeks (days in the month / 7). HCA minutes are the tests appointment steps an HCA does; clinician
minutes are the other tests steps plus the care planning conversation, held by nurses, pharmacists
and GPs. The practice says how many minutes a week each role can give to reviews.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from tandem.clinics.rules.sessions import coming_monday

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
    #: with sessions: the minutes of them taken by bookings in each month, by role
    booked: Mapping[dt.date, Available] | None = None

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

    def booked_per_week(self, month: dt.date) -> Available | None:
        """Minutes a week of the month's sessions taken by bookings (None without sessions)."""
        if self.sessions is None:
            return None
        taken = (self.booked or {}).get(month, Available())
        weeks = weeks_in(month)
        return Available(hca=round(taken.hca / weeks), nurse=round(taken.nurse / weeks),
                         pharmacist=round(taken.pharmacist / weeks), gp=round(taken.gp / weeks))

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
    booked_per_week: int | None = None  # with clinic sessions: the minutes of them already booked

    @property
    def free_per_week(self) -> int | None:
        return None if self.booked_per_week is None else max(0, self.available_per_week - self.booked_per_week)

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
    booked = supply.booked_per_week(month)
    lines = (
        CapacityLine(HCA_GROUP, per_week(hca, month), available.hca, None if booked is None else booked.hca),
        CapacityLine(CLINICIAN_GROUP, per_week(clinician, month), available.clinician,
                     None if booked is None else booked.clinician),
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


# --- Weeks ahead ---------------------------------------------------------------------------
#
# The forecast looks at the coming weeks (ISO weeks, Monday to Sunday) one by one. The minutes the
# reviews due in a month need are spread evenly over the month's days, so a week gets, from each month
# it touches, (month minutes / days in the month) x (days of the week in that month).

FORECAST_WEEKS = 12


def forecast_mondays(today: dt.date, weeks: int = FORECAST_WEEKS) -> list[dt.date]:
    """The Mondays of `weeks` weeks from the week staff plan for (this week; at the weekend the next)."""
    first = coming_monday(today)
    return [first + dt.timedelta(weeks=i) for i in range(weeks)]


def spread_over_weeks(month_minutes: Mapping[dt.date, int], mondays: Iterable[dt.date]) -> dict[dt.date, int]:
    """Monday -> the minutes that week needs, when the minutes of each month (first of month -> minutes;
    a month not given needs none) are spread evenly over its days: each day of the week carries its
    month's minutes / days in its month. Worked out exactly, then rounded up to whole minutes."""
    out = {}
    for monday in mondays:
        total = Fraction(0)
        for offset in range(7):
            day = monday + dt.timedelta(days=offset)
            total += Fraction(month_minutes.get(day.replace(day=1), 0), days_in_month(day))
        out[monday] = math.ceil(total)
    return out


def week_label(monday: dt.date) -> str:
    """"15 to 21 June 2026", "29 June to 5 July 2026", "28 December 2026 to 3 January 2027"."""
    sunday = monday + dt.timedelta(days=6)
    end = f"{sunday.day} {calendar.month_name[sunday.month]} {sunday.year}"
    if monday.year != sunday.year:
        return f"{monday.day} {calendar.month_name[monday.month]} {monday.year} to {end}"
    if monday.month != sunday.month:
        return f"{monday.day} {calendar.month_name[monday.month]} to {end}"
    return f"{monday.day} to {end}"


@dataclass(frozen=True)
class WeekLine:
    """One group's minutes in one week: needed by the reviews due, held (None: not known), and of
    those held, booked (None: no clinic sessions)."""

    group: str
    needed: int
    held: int | None
    booked: int | None = None

    @property
    def free(self) -> int | None:
        return None if self.held is None or self.booked is None else max(0, self.held - self.booked)

    @property
    def label(self) -> str:
        return GROUP_LABELS[self.group]

    @property
    def shortfall(self) -> int:
        return 0 if self.held is None else max(0, self.needed - self.held)

    @property
    def enough(self) -> bool:
        return self.shortfall == 0


@dataclass(frozen=True)
class WeekForecast:
    monday: dt.date
    lines: tuple[WeekLine, ...]

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def label(self) -> str:
        return week_label(self.monday)

    @property
    def iso_week(self) -> int:
        return self.monday.isocalendar().week

    @property
    def short(self) -> bool:
        return not all(line.enough for line in self.lines)


@dataclass(frozen=True)
class Forecast:
    weeks: tuple[WeekForecast, ...]
    from_sessions: bool  # supply is the clinic sessions held each week
    limited: bool  # staff time is known at all (sessions kept, or minutes a week typed)

    @property
    def short_weeks(self) -> list[WeekForecast]:
        return [week for week in self.weeks if week.short]


def weeks_ahead(*, mondays: Iterable[dt.date], needed: Mapping[dt.date, tuple[int, int]], typed: Available,
                sessions: Mapping[dt.date, Available] | None = None,
                booked: Mapping[dt.date, Available] | None = None) -> Forecast:
    """The forecast for the weeks from `mondays`: `needed` is first of month -> (HCA, clinician)
    minutes the reviews due that month need, spread over the weeks (spread_over_weeks). Supply is the
    minutes held in each week's clinic sessions (`sessions`: Monday -> minutes by role; a week with
    none has none) or, without sessions, the `typed` minutes a week; with neither, it is not known
    and no week is short. With sessions, `booked` (Monday -> minutes by role) is how much of them
    bookings have taken."""
    mondays = list(mondays)
    hca = spread_over_weeks({month: minutes[0] for month, minutes in needed.items()}, mondays)
    clinician = spread_over_weeks({month: minutes[1] for month, minutes in needed.items()}, mondays)
    supply = Supply(typed=typed, sessions=sessions)
    weeks = []
    for monday in mondays:
        taken: Available | None = None
        if sessions is not None:
            held: Available | None = sessions.get(monday, Available())
            taken = (booked or {}).get(monday, Available())
        else:
            held = typed if supply.limited else None
        weeks.append(WeekForecast(monday=monday, lines=(
            WeekLine(HCA_GROUP, hca[monday], None if held is None else held.hca, None if taken is None else taken.hca),
            WeekLine(CLINICIAN_GROUP, clinician[monday], None if held is None else held.clinician,
                     None if taken is None else taken.clinician),
        )))
    return Forecast(weeks=tuple(weeks), from_sessions=supply.from_sessions, limited=supply.limited)
