"""People changed: a signal sent inside the transaction of every write that changes what other
parts of Tandem keep copied from a person's record (their registers, registration, name, reasonable
adjustments or observations), so those copies change in the same transaction.

    people_changed.send(sender=..., practice_id=..., patient_ids=[...] or None (everyone), what={...})

`what` says which facts may have changed: a subset of WHAT. Receivers must be set-based (one
statement for any number of people) and must not read outside the practice.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

REGISTERS, REGISTRATION, NAMES, ADJUSTMENTS, OBSERVATIONS = (
    "registers", "registration", "names", "adjustments", "observations")
WHAT = frozenset({REGISTERS, REGISTRATION, NAMES, ADJUSTMENTS, OBSERVATIONS})

people_changed = Signal()


def changed(sender, *, practice_id: int, patient_ids: Iterable[int] | None, what: Iterable[str]) -> None:
    """Tell the receivers that these people's facts (`what`) changed; patient_ids None: everyone's in
    the practice. Call it inside the writer's transaction, after the write."""
    what = frozenset(what)
    if not what <= WHAT:
        raise ValueError(f"unknown facts {sorted(what - WHAT)}")
    ids = None if patient_ids is None else sorted({int(pid) for pid in patient_ids})
    if ids == []:
        return
    people_changed.send(sender=sender, practice_id=practice_id, patient_ids=ids, what=what)
