"""Reading the clinic session forms: every number, date and time through tandem.core.parsing, every
text bounded; what is wrong is said for the box it is in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from tandem.core.parsing import read_date, read_id, read_int, read_time, read_version

from .actions import Repeat, SessionEntry
from .models import SESSION_ROLES
from .rules import sessions as rules
from .rules.sessions import PURPOSE_LABELS, SLOT_MINUTES, WEEKDAYS

MAX_TEXT = 400  # longest text read from any box before it is checked


def _text(data: Mapping, name: str) -> str:
    return str(data.get(name) or "")[:MAX_TEXT]


def _boxes(data: Mapping, prefix: str) -> tuple[str, str, str]:
    return tuple(_text(data, f"{prefix}[{part}]") for part in ("day", "month", "year"))


@dataclass
class Reading:
    """What a form said: the typed values (to show again) and the problems by box."""

    data: Mapping
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return _text(self.data, name)

    def date_boxes(self, prefix: str) -> dict[str, str]:
        day, month, year = _boxes(self.data, prefix)
        return {"day": day, "month": month, "year": year}

    def problem(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def version(self) -> int | None:
        return read_version(self.data.get("version"))


def read_entry(reading: Reading, *, staff_roles: Mapping[int, str]) -> SessionEntry | None:
    """Who, what for, where, when and the slot length, or None with the problems recorded.
    `staff_roles`: the practice's session staff (user id -> their role), whose own role a session is
    booked as unless another is chosen."""
    staff = read_id(reading.value("staff"))
    if staff is None or staff not in staff_roles:
        reading.problem("staff", "Choose a member of staff from the list")
    role = reading.value("role") or staff_roles.get(staff, "")
    if role not in {r.value for r in SESSION_ROLES}:
        reading.problem("role", "Choose the role the session is booked as")
    purpose = reading.value("purpose")
    if purpose not in {p.value for p in PURPOSE_LABELS}:
        reading.problem("purpose", "Choose what the session is for")
    place = reading.value("place").strip()
    if len(place) > rules.MAX_PLACE:
        reading.problem("place", f"Place must be {rules.MAX_PLACE} characters or fewer")
    start = read_time(reading.value("start_time"), label="Start time")
    end = read_time(reading.value("end_time"), label="End time")
    slot = read_int(reading.value("slot_minutes"), label="Slot length", minimum=SLOT_MINUTES[0],
                    maximum=SLOT_MINUTES[1])
    for name, got, missing in (("start_time", start, "Enter the start time"), ("end_time", end, "Enter the end time"),
                               ("slot_minutes", slot, "Enter the slot length in minutes")):
        if got.error or got.value is None:
            reading.problem(name, got.error or missing)
    if start.value and end.value and slot.value:
        for name, message in rules.time_problems(start.value, end.value, slot.value).items():
            reading.problem(name, message)
    if reading.errors:
        return None
    return SessionEntry(staff_id=staff, role=role, place=place, purpose=purpose, start_time=start.value,
                        end_time=end.value, slot_minutes=slot.value)


def read_day(reading: Reading, prefix: str, label: str, *, required: bool, earliest: dt.date,
             latest: dt.date, today: dt.date) -> dt.date | None:
    got = read_date(*_boxes(reading.data, prefix), label=label, earliest=earliest, latest=latest, example=today)
    if got.error:
        reading.problem(prefix, got.error)
    elif got.value is None and required:
        reading.problem(prefix, f"Enter the {label.lower()}")
    return got.value


def read_repeat(reading: Reading, *, today: dt.date) -> Repeat | None:
    weekday = read_int(reading.value("weekday"), label="Day", minimum=0, maximum=6)
    if weekday.value is None:
        reading.problem("weekday", "Choose a day of the week")
    every = read_int(reading.value("every_weeks"), label="How often", minimum=1, maximum=2)
    if every.value is None:
        reading.problem("every_weeks", "Choose every week or every other week")
    first = read_day(reading, "first_day", "First day", required=True, earliest=today - dt.timedelta(days=366),
                     latest=today + dt.timedelta(days=rules.HORIZON_DAYS), today=today)
    last = read_day(reading, "last_day", "Last day", required=False, earliest=today - dt.timedelta(days=366),
                    latest=today + dt.timedelta(days=3660), today=today)
    if first and last and last < first:
        reading.problem("last_day", "The last day must be on or after the first day")
    if reading.errors:
        return None
    return Repeat(weekday=weekday.value, every_weeks=every.value, first_day=first, last_day=last)


WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate(WEEKDAYS)]
EVERY_CHOICES = [("1", "Every week"), ("2", "Every other week")]
