"""The practice's monthly measures for its statistical process control charts: conversations held,
written plans agreed, copies given, check-ins answered. Each is one GROUP BY month, whatever the size of
the practice; months with none are filled with 0 here, so every chart has a point for every month. The share
of HbA1c and blood pressure results in target each month comes from tandem.learn.target_series.

A care planning conversation counts as held in the month a plan version recording it (who held it and
when) was saved, once per person a month; a written plan as agreed in the month a version the person
agreed was saved, once per person a month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth

from tandem.careplans.models import CopyGiven, PlanVersion
from tandem.checkins.models import Answer
from tandem.core.models import Practice

from . import plans


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    unit: str  # what one point counts
    better: str  # "higher" | "lower" | "" (no direction): which way is improvement
    share: bool = False  # a percentage of results in target (tandem.learn.target_series), not a count


MEASURES = (
    Measure("conversations", "Care planning conversations held", "conversations", "higher"),
    Measure("plans", "Written plans agreed", "plans agreed", "higher"),
    Measure("copies", "Copies of the plan given", "copies", "higher"),
    Measure("checkins", "Check-ins answered", "check-ins answered", "higher"),
    Measure("hba1c", "HbA1c results in target", "% in target", "higher", share=True),
    Measure("blood_pressure", "Blood pressure readings in target", "% in target", "higher", share=True),
)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of each month from `first`'s month to `last`'s, in order."""
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def _by_month(rows) -> dict[dt.date, int]:
    out = {}
    for month, n in rows:
        if month is None:
            continue
        key = month.date() if isinstance(month, dt.datetime) else month
        out[key.replace(day=1)] = n
    return out


def monthly(practice: Practice, *, first: dt.date, last: dt.date) -> dict[str, list[tuple[dt.date, int]]]:
    """Each measure as (month, count) for every month from `first` to `last` (both included)."""
    end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)  # the first day after last's month
    start = first.replace(day=1)
    counts = {
        "conversations": _by_month(
            plans.recording_a_conversation(
                PlanVersion.objects.filter(practice=practice, created_at__date__gte=start, created_at__date__lt=end))
            .annotate(month=TruncMonth("created_at")).values_list("month")
            .annotate(n=Count("patient", distinct=True)).order_by()),
        "plans": _by_month(
            plans.agreed(PlanVersion.objects.filter(practice=practice, created_at__date__gte=start,
                                                    created_at__date__lt=end))
            .annotate(month=TruncMonth("created_at")).values_list("month")
            .annotate(n=Count("patient", distinct=True)).order_by()),
        "copies": _by_month(
            CopyGiven.objects.filter(practice=practice, on__gte=start, on__lt=end)
            .annotate(month=TruncMonth("on")).values_list("month")
            .annotate(n=Count("version", distinct=True)).order_by()),
        "checkins": _by_month(
            Answer.objects.filter(practice=practice, answered_at__date__gte=start, answered_at__date__lt=end)
            .annotate(month=TruncMonth("answered_at")).values_list("month").annotate(n=Count("pk")).order_by()),
    }
    every = months(start, last)
    return {key: [(m, found.get(m, 0)) for m in every] for key, found in counts.items()}
