"""Booking rules: which slots an appointment takes, and which kinds of session hold which kind of
appointment. Pure: no Django."""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum


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
