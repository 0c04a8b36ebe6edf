"""What the layers above tell clinics about its sessions, without clinics importing them: how many
people are booked into each session (tandem.booking registers its count when the app is ready)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

_booked_counters: list[Callable[[list[int]], dict[int, int]]] = []


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
