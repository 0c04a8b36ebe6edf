"""Latest results: one row per measurement, with its trend and its default target."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from tandem.terminology import observations

from .. import charts
from ..models import Observation
from ..rules import Target, TargetInputs, applicable_target
from .base import TREND_YEARS, Tag, month_year, observations_since

_UNITS = {"kg/m2": "kg/m²", "mL/min/1.73m2": "mL/min/1.73m²", "score": "", "grade": ""}


def _unit(concept: observations.Concept) -> str:
    return _UNITS.get(concept.unit, concept.unit)


def _number(concept: observations.Concept, value: float) -> str:
    text = f"{value:.{concept.decimals}f}"
    return f"Grade {text}" if concept.key == "mrc_dyspnoea" else text


def _with_unit(concept: observations.Concept, value: float) -> str:
    unit = _unit(concept)
    return f"{_number(concept, value)} {unit}".strip()


@dataclass(frozen=True)
class Reading:
    date: dt.date
    value: str  # with unit


@dataclass(frozen=True)
class ResultRow:
    key: str
    name: str
    value: str
    date: dt.date
    previous: Reading | None
    readings: tuple[Reading, ...]  # within the trend window, newest first
    chart: charts.TrendChart | None
    target: str = ""  # e.g. "58 mmol/mol or lower (QOF 2024/25)"
    status: Tag | None = None


def _coded_label(row: Observation) -> str:
    return observations.CODED_LABELS.get(row.concept, {}).get(row.value_code, row.value_code)


def _description(name: str, readings: list[Reading], target: str) -> str:
    listed = ", ".join(f"{r.value} in {month_year(r.date)}" for r in reversed(readings))
    text = f"{name} readings over the last {TREND_YEARS} years, oldest first: {listed}."
    return f"{text} Target {target}." if target else text


def results(rows: list[Observation], *, today: dt.date, inputs: TargetInputs | None = None, age: int = 0,
            ltcs: set[str] | frozenset[str] = frozenset(), personal: dict[str, Target] | None = None,
            frail: bool = False) -> tuple[ResultRow, ...]:
    """The latest of each measurement, with its trend and whether it meets the target that applies
    (`rules.applicable_target` with `inputs`: the person's age, registers, frailty and own agreed
    targets). `age`, `ltcs`, `personal` and `frail` build the inputs when none are given."""
    if inputs is None:
        inputs = TargetInputs.of(age=age, registers=ltcs, frail=frail, personal=personal)
    by_concept: dict[str, list[Observation]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.effective_date, r.pk), reverse=True):
        by_concept[row.concept].append(row)
    start = observations_since(today)
    out: list[ResultRow] = []
    for concept in observations.CONCEPTS:
        if concept.key == "diastolic_bp":
            continue
        if concept.key == "systolic_bp":
            row = _blood_pressure(by_concept, inputs=inputs, start=start, today=today)
            if row:
                out.append(row)
            continue
        readings = by_concept.get(concept.key)
        if not readings:
            continue
        if concept.coded:
            shown = [Reading(r.effective_date, _coded_label(r)) for r in readings]
            out.append(ResultRow(key=concept.key, name=concept.name, value=shown[0].value, date=shown[0].date,
                                 previous=shown[1] if len(shown) > 1 else None,
                                 readings=tuple(r for r in shown if r.date >= start), chart=None))
            continue
        shown = [Reading(r.effective_date, _with_unit(concept, r.value)) for r in readings]
        windowed = [r for r in shown if r.date >= start]
        target_text, status, target_values = "", None, ()
        target = applicable_target(concept.key, inputs)
        if target is not None:
            target_text = f"{target.describe(_unit(concept))} ({target.source})"
            status = _status(target.met_by(readings[0].value), concept)
            target_values = (target.upper,) if target.upper is not None else ()
        chart = charts.trend_chart(
            [[(r.effective_date, r.value) for r in readings]], start=start, end=today, targets=target_values,
            description=_description(concept.name, windowed, target_text),
        ) if len(windowed) > 1 else None
        out.append(ResultRow(key=concept.key, name=concept.name, value=shown[0].value, date=shown[0].date,
                             previous=shown[1] if len(shown) > 1 else None, readings=tuple(windowed),
                             chart=chart, target=target_text, status=status))
    return tuple(out)


def _status(met: bool, concept: observations.Concept) -> Tag:
    if met:
        return Tag("In target", "green")
    return Tag("Above target" if concept.higher_is_worse else "Below target", "red")


def _blood_pressure(by_concept, *, inputs: TargetInputs, start: dt.date, today: dt.date) -> ResultRow | None:
    """Systolic and diastolic readings taken on the same day, shown together as 138/82: with several on
    one day, the lowest of each (observations.blood_pressure_by_day, as QOF counts them)."""
    pairs = [(_Half(day, systolic), _Half(day, diastolic)) for day, systolic, diastolic in
             observations.blood_pressure_by_day(
                 [(r.effective_date, r.value) for r in by_concept.get("systolic_bp", [])],
                 [(r.effective_date, r.value) for r in by_concept.get("diastolic_bp", [])])]
    if not pairs:
        return None
    shown = [Reading(s.effective_date, f"{s.value:.0f}/{d.value:.0f} mmHg") for s, d in pairs]
    windowed = [r for r in shown if r.date >= start]
    sys_target = applicable_target("systolic_bp", inputs)
    dia_target = applicable_target("diastolic_bp", inputs)
    if sys_target is None or dia_target is None or sys_target.upper is None or dia_target.upper is None:
        return _bp_without_target(pairs, shown, windowed)
    target_text = f"{sys_target.upper:g}/{dia_target.upper:g} mmHg or lower ({sys_target.source})"
    latest_s, latest_d = pairs[0]
    met = sys_target.met_by(latest_s.value) and dia_target.met_by(latest_d.value)
    chart = charts.trend_chart(
        [[(s.effective_date, s.value) for s, _ in pairs], [(d.effective_date, d.value) for _, d in pairs]],
        start=start, end=today, targets=(sys_target.upper, dia_target.upper),
        description=_description("Blood pressure", windowed, target_text),
        classes=("tandem-trend__systolic", "tandem-trend__diastolic"),
    ) if len(windowed) > 1 else None
    return ResultRow(key="blood_pressure", name="Blood pressure", value=shown[0].value, date=shown[0].date,
                     previous=shown[1] if len(shown) > 1 else None, readings=tuple(windowed), chart=chart,
                     target=target_text, status=Tag("In target", "green") if met else Tag("Above target", "red"))


@dataclass(frozen=True)
class _Half:
    """One half of a day's blood pressure reading."""

    effective_date: dt.date
    value: float


def _bp_without_target(pairs, shown: list[Reading], windowed: list[Reading]) -> ResultRow:
    """Blood pressure when no upper limit applies to both numbers (an agreed target with only a
    lower limit): the readings, no verdict."""
    return ResultRow(key="blood_pressure", name="Blood pressure", value=shown[0].value, date=shown[0].date,
                     previous=shown[1] if len(shown) > 1 else None, readings=tuple(windowed), chart=None)
