"""Whether imported facts can be true: dates within the person's life, blood pressures the right way
round, rows that belong to one patient. Pure: the planner calls these and reports what they return.

A fact that cannot be true is a problem, and the file is not imported (as for any other problem),
because it would reach the person's record, their results pack and the decisions made with them:
- a person born in the future, who died in the future, or died before they were born;
- a reading, diagnosis, medicine or contact dated before the person was born;
- a condition that ends before it starts (also when either is given as the person's age);
- a blood pressure whose systolic (top) number is not above its diastolic (bottom) number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tandem.patients.rules import blood_pressure_problem

from .mappers.common import Row, date_at_age, long_date

# The date of each kind of row that cannot be before the person was born, and how it is said.
ROW_DATES = {"condition": "onset_date", "observation": "effective_date", "medication": "start_date",
             "encounter": "date", "hospital_event": "start_date"}
_WORDS = {"onset_date": "starts on", "effective_date": "is dated", "start_date": "starts on", "date": "is dated"}


def person_dates(fields: dict[str, Any], *, today: dt.date) -> list[str]:
    """Why a Patient's dates cannot be right (empty if they can)."""
    born, died = fields.get("date_of_birth"), fields.get("date_of_death")
    reasons = []
    if born is not None and born > today:
        reasons.append(f"has a birth date of {long_date(born)}, which is in the future.")
    if died is not None and died > today:
        reasons.append(f"died on {long_date(died)}, which is in the future. Check the date of death.")
    if died is not None and born is not None and died < born:
        reasons.append(f"died on {long_date(died)}, before they were born ({long_date(born)}). Check both dates.")
    return reasons


def row_dates(rtype: str, row: Row, *, born: dt.date | None, today: dt.date) -> list[str]:
    """Turn the row's ages into dates (in row.fields) and say why its dates cannot be right."""
    reasons = []
    for name, (value, unit) in row.ages.items():
        day = date_at_age(born, value, unit) if born is not None else None
        if day is None:
            return [f"this {rtype} gives a date as the person's age ({value:g} {unit}), but "
                    + ("their birth date is not known to Tandem." if born is None else "that age is not a date.")]
        row.fields[name] = day
        if day > today:
            reasons.append(f"this {rtype} gives an age ({value:g} {unit}) that the person reaches on "
                           f"{long_date(day)}, which is in the future.")
    if row.table == "condition" and row.ages:
        onset, ended = row.fields["onset_date"], row.fields["resolved_date"]
        if ended is not None and ended < onset:
            reasons.append(f"this {rtype} is recorded as resolved on {long_date(ended)}, before it started on "
                           f"{long_date(onset)}.")
    name = ROW_DATES.get(row.table, "")
    day = row.fields.get(name)
    if born is not None and day is not None and day < born:
        reasons.append(f"this {rtype} {_WORDS[name]} {long_date(day)}, before the person was born "
                       f"({long_date(born)}). Check the date, and that it is about the right person.")
    return reasons


def blood_pressure_pairs(rows: list) -> list[tuple[Any, str]]:
    """(where, reason) for each systolic reading sent as its own Observation that is not above the
    diastolic reading of the same person on the same day. A panel is checked by its mapper; with
    several readings of either on one day, which belong together is not known, so none is judged."""
    by_day: dict[tuple[str, Any], dict[str, list]] = {}
    for row in rows:
        concept = row.fields.get("concept") if row.table == "observation" else None
        if concept in ("systolic_bp", "diastolic_bp"):
            by_day.setdefault((row.nhs_number, row.fields["effective_date"]), {}).setdefault(concept, []).append(row)
    found = []
    for readings in by_day.values():
        systolic, diastolic = readings.get("systolic_bp", []), readings.get("diastolic_bp", [])
        if len(systolic) != 1 or len(diastolic) != 1 or systolic[0].where == diastolic[0].where:
            continue
        problem = blood_pressure_problem(systolic[0].fields["value"], diastolic[0].fields["value"])
        if problem:
            found.append((systolic[0].where, f"this Observation is a systolic reading; with the diastolic "
                                             f"reading of the same day ({diastolic[0].where.describe()}) it "
                                             f"cannot be right. {problem} Correct the reading where it was "
                                             "recorded."))
    return found


def different_patient(rtype: str, source_id: str) -> str:
    """A row whose identity Tandem holds for another patient (checked when planning and when writing)."""
    return (f"this {rtype} has the identity {source_id}, which Tandem already holds for a different patient. "
            "It may come from another system that uses the same ids; nothing was changed.")
