"""Booking rules: which slots an appointment takes, and which kinds of session hold which kind of
appointment. Pure: no Django."""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum

from tandem.recall.rules.protocols import GP, HCA, NURSE, PHARMACIST


class Kind(StrEnum):
    TESTS = "tests"
    CONVERSATION = "conversation"


KIND_LABELS = {Kind.TESTS: "Tests appointment", Kind.CONVERSATION: "Care planning conversation"}

#: the session purposes (tandem.clinics.rules.sessions.Purpose values) that hold each kind
HELD_IN = {Kind.TESTS: frozenset({"tests", "both"}), Kind.CONVERSATION: frozenset({"conversation", "both"})}

MAX_MINUTES = 120


def slots_needed(minutes: int, slot_minutes: int) -> int:
    """Slots next to each other an appointment of `minutes` takes (at least one)."""
    return max(1, math.ceil(minutes / slot_minutes))


def run_from(start: dt.time, starts: list[dt.time], count: int) -> list[dt.time] | None:
    """The `count` slot starts from `start` on, one after another in the session, or None when the
    session has no such run (a start that is not a slot, or too near the end)."""
    if start not in starts:
        return None
    i = starts.index(start)
    run = starts[i:i + count]
    return run if len(run) == count else None


def free_runs(starts: list[dt.time], taken: set[dt.time], count: int) -> list[dt.time]:
    """Each slot start from which `count` free slots follow one another."""
    out = []
    for i in range(len(starts) - count + 1):
        if not any(s in taken for s in starts[i:i + count]):
            out.append(starts[i])
    return out


def minutes_after(start: dt.time, minutes: int) -> dt.time:
    total = start.hour * 60 + start.minute + minutes
    return dt.time(*divmod(total, 60))


#: Minutes added to each appointment for someone who needs an interpreter (spoken or BSL): the same
#: ten minutes the recall rules add for a "longer appointment" (tandem.recall.rules.review).
INTERPRETER_MINUTES = 10
INTERPRETER_KINDS = frozenset({"interpreter", "bsl"})
#: The days between the tests appointment and the conversation (Year of Care's two visits), so the
#: results are back and the pack can go a week or more before the conversation.
DEFAULT_GAP_DAYS = 14
#: What a practice may choose: at least a week (for the pack), at most six weeks (results still recent).
GAP_DAYS = (7, 42)



def appointment_minutes(base: int, adjustments) -> int:
    """An appointment's length: its plan's minutes, longer for someone who needs an interpreter."""
    extra = INTERPRETER_MINUTES if INTERPRETER_KINDS & set(adjustments) else 0
    return min(MAX_MINUTES, max(5, base + extra))


def tests_roles(step_roles) -> frozenset[str]:
    """Who can hold a tests appointment whose steps are done by `step_roles`: an HCA's steps can also be
    done by a nurse; any step for a nurse (or a clinician) needs that role."""
    needed = set(step_roles)
    if needed <= {HCA}:
        return frozenset({HCA, NURSE})
    return frozenset(needed - {HCA})


def conversation_roles(lead: str) -> frozenset[str]:
    """Who can hold the conversation: a GP or specialist nurse when the plan says so (recall's rules:
    heart failure, severe frailty, case management, four or more conditions), else a nurse, GP or
    pharmacist."""
    return frozenset({GP, NURSE}) if lead == "gp_or_specialist_nurse" else frozenset({NURSE, GP, PHARMACIST})


#: Booking online (by the person, through their invitation's link): how many hours before an
#: appointment they can still change or cancel it themselves, unless the practice sets otherwise.
DEFAULT_CUTOFF_HOURS = 24
CUTOFF_HOURS = (0, 168)  # what a practice may choose: up to a week
#: A reminder goes this many days before each appointment.
REMINDER_DAYS = 2


def before_cutoff(starts: dt.datetime, now: dt.datetime, *, hours: int) -> bool:
    """Whether `now` is still before the cut-off: `hours` before the appointment `starts`."""
    return now < starts - dt.timedelta(hours=hours)


def reminder_due(day: dt.date, booked_on: dt.date, *, today: dt.date) -> bool:
    """A reminder is due from REMINDER_DAYS before the appointment's day until the day before it,
    unless it was booked within those days (its confirmation has only just told them)."""
    first = day - dt.timedelta(days=REMINDER_DAYS)
    return first <= today < day and booked_on < first
