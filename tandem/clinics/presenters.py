"""Shaping clinic sessions for the pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from tandem.core.rules import ROLE_LABELS, Role

from .models import SESSION_ROLES, ClinicSession, SessionPattern, StaffLeave
from .rules import sessions as rules
from .rules.holidays import bank_holidays
from .rules.sessions import CANCELLED_LABELS, PURPOSE_LABELS, WEEKDAYS, Cancelled

ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in SESSION_ROLES]
PURPOSE_CHOICES = [(p.value, label) for p, label in PURPOSE_LABELS.items()]
FIELD_ORDER = ("staff", "role", "purpose", "place", "day", "weekday", "every_weeks", "start_time", "end_time",
               "slot_minutes", "first_day", "last_day", "note")


def day_text(day: dt.date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {day:%B %Y}"


def time_text(value: dt.time) -> str:
    return f"{value:%H:%M}"


def short_day(day: dt.date) -> str:
    return f"{day.day} {day:%B}"


def week_heading(monday: dt.date) -> str:
    sunday = monday + dt.timedelta(days=6)
    if monday.month == sunday.month:
        return f"Week of {monday.day} to {sunday.day} {sunday:%B %Y}"
    if monday.year == sunday.year:
        return f"Week of {monday.day} {monday:%B} to {sunday.day} {sunday:%B %Y}"
    return f"Week of {monday.day} {monday:%B %Y} to {sunday.day} {sunday:%B %Y}"


def holidays_warning(today: dt.date) -> str:
    """Said when sessions are made beyond the days whose bank holidays Tandem knows."""
    holidays = bank_holidays()
    horizon = today + dt.timedelta(days=rules.HORIZON_DAYS)
    if not holidays.unknown_after(horizon):
        return ""
    return (f"Tandem knows bank holidays up to {holidays.known_until.day} {holidays.known_until:%B %Y}. Sessions "
            "after that are held on every day their pattern gives: check them against the bank holidays when "
            "they are announced.")


def minutes_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@dataclass(frozen=True)
class SessionRow:
    pk: int
    times: str
    staff: str
    role: str
    purpose: str
    place: str
    slots: str
    held: bool
    status: str  # "" when held, else why not (with the note)
    weekly: bool
    passed: bool
    url: str


def session_row(s: ClinicSession, *, today: dt.date, booked: int = 0) -> SessionRow:
    label = CANCELLED_LABELS.get(Cancelled(s.cancelled), "")
    status = "" if s.held else (f"{label}: {s.note}" if s.note and s.cancelled != Cancelled.LEAVE else label)
    count = s.minutes // s.slot_minutes
    return SessionRow(
        pk=s.pk, times=f"{time_text(s.start_time)} to {time_text(s.end_time)}", staff=s.staff.display_name,
        role=ROLE_LABELS[Role(s.role)], purpose=PURPOSE_LABELS[rules.Purpose(s.purpose)], place=s.place,
        slots=(f"{count} of {s.slot_minutes} min" if count != 1 else f"1 of {s.slot_minutes} min")
        + (f", {booked} booked" if booked else ""),
        held=s.held, status=status, weekly=s.pattern_id is not None and not s.changed, passed=s.day < today,
        url=reverse("clinics:session", kwargs={"session_id": s.pk}))


@dataclass(frozen=True)
class DayRows:
    day: dt.date
    heading: str
    today: bool
    holiday: str
    rows: list[SessionRow]
    new_url: str


def week_days(monday: dt.date, sessions: list[ClinicSession], *, today: dt.date,
              booked: dict[int, int] | None = None) -> list[DayRows]:
    """The week's days, each with its sessions; `booked`: session id -> appointments booked into it."""
    holidays = bank_holidays().days
    booked = booked or {}
    by_day: dict[dt.date, list[SessionRow]] = {}
    for s in sessions:
        by_day.setdefault(s.day, []).append(session_row(s, today=today, booked=booked.get(s.pk, 0)))
    out = []
    for i in range(7):
        day = monday + dt.timedelta(days=i)
        out.append(DayRows(day=day, heading=day_text(day), today=day == today, holiday=holidays.get(day, ""),
                           rows=by_day.get(day, []),
                           new_url=f"{reverse('clinics:session_new')}?day={day.isoformat()}"))
    return out


def role_totals(minutes: dict[str, int]) -> list[tuple[str, str]]:
    return [(ROLE_LABELS[r], minutes_text(minutes.get(r.value, 0))) for r in SESSION_ROLES]


@dataclass(frozen=True)
class PatternRow:
    pk: int
    when: str
    times: str
    staff: str
    role: str
    purpose: str
    place: str
    slots: str
    runs: str
    url: str


def pattern_rows(patterns: list[SessionPattern]) -> list[PatternRow]:
    out = []
    for p in patterns:
        every = "Every" if p.every_weeks == 1 else "Every other"
        runs = f"From {day_text(p.first_day)}" + (f" to {day_text(p.last_day)}" if p.last_day else "")
        out.append(PatternRow(
            pk=p.pk, when=f"{every} {WEEKDAYS[p.weekday]}", times=f"{time_text(p.start_time)} to {time_text(p.end_time)}",
            staff=p.staff.display_name, role=ROLE_LABELS[Role(p.role)], purpose=PURPOSE_LABELS[rules.Purpose(p.purpose)],
            place=p.place, slots=f"{p.slot_minutes} min", runs=runs,
            url=reverse("clinics:pattern", kwargs={"pattern_id": p.pk})))
    return out


@dataclass(frozen=True)
class LeaveRow:
    pk: int
    staff: str
    first: str
    last: str
    note: str
    remove_url: str


def leave_rows(leave: list[StaffLeave]) -> list[LeaveRow]:
    return [LeaveRow(pk=x.pk, staff=x.staff.display_name, first=day_text(x.first_day), last=day_text(x.last_day),
                     note=x.note, remove_url=reverse("clinics:leave_remove", kwargs={"leave_id": x.pk}))
            for x in leave]


def _boxes(prefix: str, day: dt.date | None) -> dict[str, str]:
    if day is None:
        return {}
    return {f"{prefix}[day]": str(day.day), f"{prefix}[month]": str(day.month), f"{prefix}[year]": str(day.year)}


def new_pattern_values(today: dt.date) -> dict[str, str]:
    return {"every_weeks": "1", "slot_minutes": "15", "start_time": "09:00", "end_time": "12:00",
            **_boxes("first_day", today)}


def new_session_values(day: dt.date) -> dict[str, str]:
    return {"slot_minutes": "15", "start_time": "09:00", "end_time": "12:00", **_boxes("day", day)}


def _entry_values(x) -> dict[str, str]:
    return {"staff": str(x.staff_id), "role": x.role, "purpose": x.purpose, "place": x.place,
            "start_time": time_text(x.start_time), "end_time": time_text(x.end_time),
            "slot_minutes": str(x.slot_minutes), "version": str(x.version)}


def pattern_values(p: SessionPattern) -> dict[str, str]:
    return {**_entry_values(p), "weekday": str(p.weekday), "every_weeks": str(p.every_weeks),
            **_boxes("first_day", p.first_day), **_boxes("last_day", p.last_day)}


def session_values(s: ClinicSession) -> dict[str, str]:
    return {**_entry_values(s), **_boxes("day", s.day)}


def form_values(reading) -> dict[str, str]:
    """Every value the form shows again, as typed (bounded), by name."""
    out = {name: reading.value(name) for name in (*FIELD_ORDER, "version")}
    for prefix in ("day", "first_day", "last_day"):
        for part, value in reading.date_boxes(prefix).items():
            out[f"{prefix}[{part}]"] = value
    return out


def error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    """The error summary's list, in the order the boxes are on the page, each linking to its box."""
    def anchor(name: str) -> str:
        return f"#{name}-day" if name in ("day", "first_day", "last_day") else f"#{name}"

    ordered = sorted(errors.items(), key=lambda item: FIELD_ORDER.index(item[0]) if item[0] in FIELD_ORDER else 99)
    return [{"text": message, "href": anchor(name)} for name, message in ordered]
