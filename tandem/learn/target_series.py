"""The practice's monthly share of results in target, for its statistical process control charts: HbA1c and
blood pressure.

For each month: of the people on a register who had the result that month and to whom a target applies, the
share whose result met it. A person counts once a month, by their last result of the month (for blood pressure,
the last day of the month with both a systolic and a diastolic reading, each the lowest of that day, as QOF reads
blood pressure). The target is the one that applied to them that day, from the one home for targets
(tandem.patients.rules.applicable_target): their own agreed target if they had one, else the guideline default
for their registers, age and frailty.

A result-month is a fresh sample each month (unlike "in target at the month's end", which carries most people over
from one month to the next), so the months are independent enough for an XmR chart.

The reads are five queries whatever the size of the practice: the people on registers, their registers, their
frailty, their own targets, and the results of the window. The grouping is in Python over result rows only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from tandem.core.models import Practice
from tandem.patients.models import Observation, Patient, RegistrationStatus
from tandem.patients.rules import Target, TargetInputs, applicable_target, frail_for_targets
from tandem.registers.models import PatientRisk, RegisterMembership

from . import outcomes, rules

CONCEPTS = ("hba1c", "systolic_bp", "diastolic_bp")


@dataclass(frozen=True)
class Share:
    month: dt.date
    met: int  # people whose result met their target
    of: int  # people with a result and a target

    @property
    def percent(self) -> float | None:
        return 100 * self.met / self.of if self.of else None


@dataclass
class _Person:
    born: dt.date
    registers: frozenset[str] = frozenset()
    frail: bool = False
    own: tuple[tuple[str, Target, dt.date, dt.date | None], ...] = ()

    def inputs(self, day: dt.date) -> TargetInputs:
        personal = {c: t for c, t, agreed, ended in self.own if agreed <= day and (ended is None or ended > day)}
        return TargetInputs.of(age=rules.age_on(self.born, day), registers=self.registers, frail=self.frail,
                               personal=personal)


def _people(practice: Practice) -> dict[int, _Person]:
    registers: dict[int, set[str]] = defaultdict(set)
    for pid, slug in RegisterMembership.objects.filter(practice=practice).values_list("patient_id", "register"):
        registers[pid].add(slug)
    people = {pid: _Person(born, frozenset(registers[pid])) for pid, born in
              Patient.objects.filter(practice=practice, registration_status=RegistrationStatus.REGISTERED,
                                     pk__in=list(registers)).values_list("pk", "date_of_birth").order_by()}
    for pid, frailty in PatientRisk.objects.filter(practice=practice).values_list("patient_id", "frailty"):
        if pid in people:
            people[pid].frail = frail_for_targets(frailty)
    for pid, found in outcomes.personal_targets(practice, people).items():
        people[pid].own = tuple(found)
    return people


def _last_by_month(practice: Practice, people, *, start: dt.date, end: dt.date):
    """(concept, person, month) -> (day, value): the last result of the month, the lowest on that day."""
    last: dict[tuple[str, int, dt.date], tuple[dt.date, float]] = {}
    by_day: dict[tuple[str, int, dt.date], float] = {}
    rows = (Observation.objects.filter(practice=practice, concept__in=CONCEPTS, value__isnull=False,
                                       effective_date__gte=start, effective_date__lt=end)
            .values_list("patient_id", "concept", "effective_date", "value").order_by())
    for pid, concept, on, value in rows.iterator(chunk_size=5000):
        if pid in people:
            day_key = (concept, pid, on)
            by_day[day_key] = min(value, by_day.get(day_key, value))
    for (concept, pid, on), value in by_day.items():
        key = (concept, pid, on.replace(day=1))
        seen = last.get(key)
        if seen is None or on > seen[0]:
            last[key] = (on, value)
    return last, by_day


def monthly_in_target(practice: Practice, *, months: list[dt.date]) -> dict[str, list[Share]]:
    """"hba1c" and "blood_pressure": a Share for each month in `months` (each the first day of a month)."""
    if not months:
        return {"hba1c": [], "blood_pressure": []}
    start = months[0]
    end = (months[-1].replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    people = _people(practice)
    last, by_day = _last_by_month(practice, people, start=start, end=end)
    counts: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for (concept, pid, month), (on, value) in last.items():
        if concept != "hba1c":
            continue
        target = applicable_target("hba1c", people[pid].inputs(on))
        if target is not None:
            cell = counts[("hba1c", month)]
            cell[0] += target.met_by(value)
            cell[1] += 1
    # Blood pressure: the last day of the month with both readings.
    days: dict[tuple[int, dt.date], dt.date] = {}
    for (concept, pid, on) in by_day:
        if concept == "systolic_bp" and ("diastolic_bp", pid, on) in by_day:
            key = (pid, on.replace(day=1))
            if key not in days or on > days[key]:
                days[key] = on
    for (pid, month), on in days.items():
        inputs = people[pid].inputs(on)
        upper, lower = applicable_target("systolic_bp", inputs), applicable_target("diastolic_bp", inputs)
        if upper is None or lower is None:
            continue
        cell = counts[("blood_pressure", month)]
        cell[0] += upper.met_by(by_day[("systolic_bp", pid, on)]) and lower.met_by(by_day[("diastolic_bp", pid, on)])
        cell[1] += 1
    return {key: [Share(m, *counts.get((key, m), (0, 0))) for m in months] for key in ("hba1c", "blood_pressure")}
