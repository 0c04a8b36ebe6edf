"""Current medicines, what they are for, and recently stopped ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from tandem.terminology import codelists

from ..models import Medication
from .base import POLYPHARMACY_THRESHOLD, years_before


@cache
def _catalogue() -> dict[str, codelists.Medicine]:
    """Catalogue medicines by dm+d code, and by lower-cased name for those without one."""
    by_key = {m.name.lower(): m for m in codelists.medicines()}
    by_key.update({m.dmd_code: m for m in codelists.medicines() if m.dmd_code})
    return by_key


@dataclass(frozen=True)
class MedicineRow:
    name: str
    dose: str
    since: dt.date
    regular: bool
    for_conditions: tuple[str, ...]
    stopped: dt.date | None = None


@dataclass(frozen=True)
class Medicines:
    regular: tuple[MedicineRow, ...]
    as_needed: tuple[MedicineRow, ...]
    recently_stopped: tuple[MedicineRow, ...]
    polypharmacy: bool
    threshold: int = POLYPHARMACY_THRESHOLD


def _medicine(row: Medication, ltcs: set[str]) -> MedicineRow:
    """One medicine, with the person's own conditions it is commonly used for."""
    known = _catalogue().get(row.dmd_code) if row.dmd_code else None
    known = known or _catalogue().get(row.name.lower())
    for_conditions = tuple(codelists.display_name(s) for s in known.for_conditions if s in ltcs) if known else ()
    return MedicineRow(name=row.name, dose=row.dose, since=row.start_date, regular=row.is_regular,
                       for_conditions=for_conditions, stopped=row.end_date)


def medicines(rows: list[Medication], *, ltcs: set[str], today: dt.date) -> Medicines:
    current = sorted((r for r in rows if r.status == Medication.Status.ACTIVE), key=lambda r: r.name.lower())
    since = years_before(today, 1)
    stopped = sorted(
        (r for r in rows if r.status == Medication.Status.STOPPED and r.end_date and r.end_date >= since),
        key=lambda r: r.end_date, reverse=True,
    )
    regular = tuple(_medicine(r, ltcs) for r in current if r.is_regular)
    return Medicines(
        regular=regular,
        as_needed=tuple(_medicine(r, ltcs) for r in current if not r.is_regular),
        recently_stopped=tuple(_medicine(r, ltcs) for r in stopped),
        polypharmacy=len(regular) >= POLYPHARMACY_THRESHOLD,
    )
