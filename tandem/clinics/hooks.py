"""What the layers above tell clinics about its sessions, without clinics importing them: how many
people are booked into each session, and the minutes of held sessions taken by bookings
(tandem.booking registers both when the app is ready)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

_booked_counters: list[Callable[[list[int]], dict[int, int]]] = []
#: (practice id, first day, last day) -> rows of (day, role, minutes taken) in held sessions
_minute_counters: list[Callable[[int, dt.date, dt.date], Iterable[tuple[dt.date, str, int]]]] = []


def count_booked_with(counter: Callable[[list[int]], dict[int, int]]) -> None:
    if counter not in _booked_counters:
        _booked_counters.append(counter)


def booked_in(session_ids: Iterable[int]) -> dict[int, int]:
    """Session id -> people booked into it (sessions with none are left out)."""
    ids = list(session_ids)
    out: dict[int, int] = {}
    for counter in _booked_counters:
        for pk, n in counter(ids).items():
            out[pk] = out.get(pk, 0) + n
    return {pk: n for pk, n in out.items() if n}


def count_minutes_with(counter: Callable[[int, dt.date, dt.date], Iterable[tuple[dt.date, str, int]]]) -> None:
    if counter not in _minute_counters:
        _minute_counters.append(counter)


def booked_minutes(practice_id: int, first: dt.date, last: dt.date) -> dict[dt.date, dict[str, int]]:
    """day -> role -> minutes of held sessions taken by bookings, from `first` to `last`."""
    out: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for counter in _minute_counters:
        for day, role, minutes in counter(practice_id, first, last):
            out[day][role] += int(minutes or 0)
    return {day: dict(roles) for day, roles in out.items()}
