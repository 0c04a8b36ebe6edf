"""The practice over time (/learn/over-time/): each monthly measure (tandem.learn.series) as a Making Data
Count XmR chart (tandem.learn.spc, drawn by tandem.learn.charts) with the practice's recorded changes on
it, a table of the same numbers and a CSV download. The last 24 whole months. Beside the counts, the share
of HbA1c and blood pressure results in target each month (tandem.learn.target_series).
Counts of events, not people: no person is named, so anyone at the practice may read it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from markupsafe import Markup

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_decimal, read_id
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can

from . import actions, charts, icons, series, spc, target_series
from .models import MeasureTarget, PracticeChange

MONTHS = 24
VARIATION_WORDS = {
    spc.COMMON_CAUSE: "Common cause variation: no sign of change",
    spc.IMPROVEMENT: "Special cause: improvement",
    spc.CONCERN: "Special cause: a concern",
    spc.NEUTRAL_HIGH: "Special cause: higher than usual",
    spc.NEUTRAL_LOW: "Special cause: lower than usual",
}


@dataclass(frozen=True)
class Chart:
    measure: series.Measure
    svg: Markup
    rows: list[tuple[str, str, str]]  # (month, value as shown, what the rules say about it)
    variation: str
    short: bool
    left_out: int = 0  # months with no result to take a share of (shares only)
    csv_rows: tuple[tuple, ...] = ()  # (month, value, numerator, denominator, special cause)
    variation_icon: Markup | None = None
    assurance_icon: Markup | None = None
    assurance: str = ""  # in words, when there is a target
    target: MeasureTarget | None = None  # the target row that applies (its value None: taken away)


# What a target can plausibly be: a share is a percentage; a count, up to a hundred thousand a month.
LIMITS: dict[str, tuple[float, float]] = {m.key: (0.0, 100.0) if m.share else (0.0, 100_000.0)
                                          for m in series.MEASURES}


def _window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last MONTHS whole months: this month is not over, so a low count for it would look like a fall."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    first = last.replace(day=1)
    for _ in range(MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, last


def _points(measure: series.Measure, found, shares) -> list[tuple[dt.date, float, int | None, int | None]]:
    """(month, value, numerator, denominator): counts as they are; shares as percentages, leaving out months with
    no results (a share of nothing is not 0%)."""
    if not measure.share:
        return [(m, n, None, None) for m, n in found[measure.key]]
    return [(s.month, s.percent, s.met, s.of) for s in shares[measure.key] if s.of]


def _charts(practice, today: dt.date) -> tuple[list[Chart], list[PracticeChange]]:
    first, last = _window(today)
    targets = actions.latest_targets(practice)
    found = series.monthly(practice, first=first, last=last)
    shares = target_series.monthly_in_target(practice, months=series.months(first, last))
    changes = list(PracticeChange.objects.filter(practice=practice, on__gte=first, on__lte=last).order_by("on", "pk"))
    out = []
    for measure in series.MEASURES:
        points = _points(measure, found, shares)
        if not points:
            continue
        months = [m for m, *_ in points]
        labels = [f"{m:%b %Y}" for m in months]
        fmt = charts.number(1 if measure.share else 0)
        # Warn under 12 points, as the issue and the package's own message say (its code warns under 13).
        target = targets.get(measure.key)
        chart = spc.xmr([v for _, v, *_ in points], direction="increase" if measure.better == "higher" else "decrease",
                        warning_threshold=12, target=target.value if target else None)
        notes = [charts.Annotation(position=pos, label=c.what, on=c.on) for c in changes
                 if (pos := charts.position_of(c.on, months)) is not None]
        svg = charts.xmr_chart(chart, labels=labels, title=measure.title, value_label=measure.unit,
                               fmt=fmt, annotations=notes, chart_id=f"chart-{measure.key}")
        rows, csv_rows = [], []
        for label, (_, value, met, of), p in zip(labels, points, chart.points, strict=True):
            reason = p.reason if p.special else ""
            shown = f"{fmt(value)}% ({met:,} of {of:,})" if measure.share else f"{int(value):,}"
            rows.append((label, shown, reason))
            csv_rows.append((label, round(value, 1) if measure.share else int(value), met, of, reason))
        left_out = len(found["conversations"]) - len(points)
        out.append(Chart(measure, svg, rows, VARIATION_WORDS.get(chart.variation or "", ""), chart.short,
                         left_out=left_out, csv_rows=tuple(csv_rows), variation_icon=icons.variation_icon(chart),
                         assurance_icon=icons.assurance_icon(chart),
                         assurance=spc.ASSURANCE_WORDS.get(chart.assurance or "", ""), target=target))
    return out, changes


@practice_required()
def over_time(request):
    today = clock.today()
    can_set = can(request.roles, Capability.MANAGE_PRACTICE)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        if not can_set:  # pragma: no cover - the access rules refuse it first
            raise PermissionDenied("Only the practice manager sets targets")
        measure = str(request.POST.get("measure") or "")[:20]
        typed = str(request.POST.get("target") or "")[:20]
        value = read_decimal(typed)
        seen = read_id(request.POST.get("seen"))
        try:
            if typed.strip() and value is None:
                raise actions.TargetError("Enter the target as a number, for example 80, or leave it empty to take "
                                          "the target away.")
            actions.set_target(practice=request.practice, by=request.user, measure=measure, value=value,
                               seen=seen if seen is not None else 0, limits=LIMITS)
        except actions.TargetError as exc:
            errors[measure] = str(exc)
            values[measure] = typed
        else:
            title = next(m.title for m in series.MEASURES if m.key == measure)
            messages.success(request, f"{title}: target {'set to ' + f'{value:g}' if value is not None else 'taken away'}.")
            return redirect(reverse("learn:over_time") + f"#h-{measure}")
    found, changes = _charts(request.practice, today)
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what="learn.over_time")
    return render(request, "learn/over_time.jinja", {
        "active_section": "learn", "charts": found, "changes": changes, "months": MONTHS, "can_set": can_set,
        "errors": errors, "values": values,
        "form_errors": [{"text": m, "href": f"#target-{k}"} for k, m in errors.items()]},
        status=400 if errors else 200)


@practice_required()
def over_time_csv(request):
    found, _ = _charts(request.practice, clock.today())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "month", "value", "in target", "with a result", "special cause"])
    for chart in found:
        for month, value, met, of, reason in chart.csv_rows:
            writer.writerow([chart.measure.title, month, value, "" if met is None else met, "" if of is None else of,
                             reason])
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.EXPORT, what="learn.over_time")
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="care-planning-over-time.csv"'
    return response


urlpatterns = [
    path("over-time/", over_time, name="over_time"),
    path("over-time.csv", over_time_csv, name="over_time_csv"),
]
