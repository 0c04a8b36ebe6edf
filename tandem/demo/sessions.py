"""The demo practice's clinic sessions: a working week of tests appointments and care planning
conversations, made through tandem.clinics.actions, and a week of the HCA's leave."""

from __future__ import annotations

import datetime as dt

from tandem.clinics import actions
from tandem.clinics.actions import Repeat, SessionEntry
from tandem.clinics.models import SessionPattern
from tandem.clinics.rules.sessions import monday_of

T = dt.time

#: (username, role, purpose, weekdays, start, end, slot minutes, place)
WEEK = [
    ("hca", "hca", "tests", (0, 1, 2, 3, 4), T(8, 30), T(11, 30), 15, "Treatment room"),
    ("nurse", "nurse", "conversation", (1, 3), T(9, 0), T(12, 30), 15, "Room 3"),
    ("nurse", "nurse", "both", (0, 2, 4), T(14, 0), T(17, 0), 15, "Room 3"),
    ("gp", "gp", "conversation", (2, 4), T(14, 0), T(16, 0), 20, "Room 1"),
    ("pharmacist", "pharmacist", "conversation", (3,), T(14, 0), T(16, 0), 20, "Room 5"),
]


def seed_sessions(*, practice, users: dict, today: dt.date) -> int:
    """The week's patterns from this week's Monday (sessions from today), unless the practice has
    patterns already. Returns how many sessions were made."""
    if SessionPattern.objects.filter(practice=practice).exists():
        return 0
    made = 0
    monday = monday_of(today)
    for username, role, purpose, weekdays, start, end, slot, place in WEEK:
        entry = SessionEntry(staff_id=users[username].pk, role=role, place=place, purpose=purpose,
                             start_time=start, end_time=end, slot_minutes=slot)
        for weekday in weekdays:
            _, count = actions.add_pattern(practice=practice, by=users["manager"], entry=entry,
                                           repeat=Repeat(weekday=weekday, every_weeks=1, first_day=monday,
                                                         last_day=None), today=today)
            made += count
    leave_from = monday + dt.timedelta(weeks=3)
    actions.add_leave(practice=practice, by=users["manager"], staff_id=users["hca"].pk, first_day=leave_from,
                      last_day=leave_from + dt.timedelta(days=4), note="Annual leave", today=today)
    return made
