"""Generate a synthetic practice's rows from a seed. Pure: no Django, no database, no clock.

    for chunk in generate(patients=10_000, seed=1, today=clock.today()):
        ...  # chunk.patients, chunk.conditions, chunk.observations, ...

Rows are plain tuples whose fields are named by `COLUMNS` (the model field names). Child rows
start with the *position of their patient in the chunk*; the loader swaps that for the
database id. Chunks keep memory bounded however many patients are asked for.

Determinism: person i draws everything from its own `random.Random(seed * 2**32 + i)`, and the
NHS numbers come from a seeded permutation, so the same seed, count and reference date give
identical rows whatever the chunk size. The reference date is passed in, never read.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from .. import names as nm
from .activity import Staff, draw_encounters, draw_hospital
from .conditions import draw_conditions, resolution_code
from .medicines import draw_medicines
from .nhs_numbers import CAPACITY, RangeExhausted, nhs_numbers
from .people import (
    Person,
    Place,
    adjustments,
    channel,
    demographics,
    language,
    name_and_place,
    registration,
)
from .people import related_people as draw_related
from .results import draw_results, schedule_reviews

__all__ = ["CAPACITY", "COLUMNS", "SOURCE_PREFIX", "Chunk", "Place", "RangeExhausted", "generate", "practice_details",
           "sample_people"]

SOURCE_PREFIX = "synth:"

COLUMNS: dict[str, tuple[str, ...]] = {
    "patients": ("nhs_number", "given_name", "family_name", "date_of_birth", "sex", "address_line1",
                 "address_line2", "town", "postcode", "imd_decile", "ethnicity", "phone", "mobile", "email",
                 "preferred_channel", "preferred_language", "registration_status", "registered_on", "left_on",
                 "date_of_death", "source_id"),
    "reasonable_adjustments": ("patient", "kind", "detail"),
    "related_people": ("patient", "name", "relationship", "is_carer", "is_next_of_kin", "has_proxy_access",
                       "phone", "email"),
    "conditions": ("patient", "code", "term", "onset_date", "resolved_date"),
    "observations": ("patient", "concept", "code_system", "code", "value", "value_code", "unit", "effective_date"),
    "medications": ("patient", "dmd_code", "name", "dose", "status", "is_regular", "start_date", "end_date"),
    "encounters": ("patient", "date", "kind", "clinician_role", "status", "reason", "clinician_ref"),
    "hospital_events": ("patient", "kind", "start_date", "end_date", "reason", "reason_code"),
}


@dataclass
class Chunk:
    first_index: int
    patients: list[tuple] = field(default_factory=list)
    reasonable_adjustments: list[tuple] = field(default_factory=list)
    related_people: list[tuple] = field(default_factory=list)
    conditions: list[tuple] = field(default_factory=list)
    observations: list[tuple] = field(default_factory=list)
    medications: list[tuple] = field(default_factory=list)
    encounters: list[tuple] = field(default_factory=list)
    hospital_events: list[tuple] = field(default_factory=list)

    def tables(self) -> Iterator[tuple[str, list[tuple]]]:
        for name in COLUMNS:
            yield name, getattr(self, name)

    def row_count(self) -> int:
        return sum(len(rows) for _, rows in self.tables())


def practice_details(seed: int) -> dict[str, str]:
    """A name and address for a new synthetic practice, from the seed."""
    place = Place.for_seed(seed)
    rng = random.Random(f"practice:{seed}")
    return {
        "name": f"{rng.choice(nm.PRACTICE_PREFIXES)} {rng.choice(nm.PRACTICE_SUFFIXES)}",
        "address_line1": f"{rng.randint(1, 120)} {rng.choice(nm.STREETS)} {rng.choice(nm.STREET_TYPES)}",
        "town": place.town,
        "postcode": f"{nm.POSTCODE_AREA}{place.district} {rng.randint(1, 9)}"
                    f"{rng.choice(nm.POSTCODE_UNIT_LETTERS)}{rng.choice(nm.POSTCODE_UNIT_LETTERS)}",
        "phone": f"{nm.LANDLINE_PREFIX}{rng.randint(0, 999):03d}",
    }


def _person(seed: int, index: int, today: int) -> Person:
    person = Person(index, random.Random(seed * 4_294_967_296 + index))
    demographics(person, today)
    registration(person, today)
    draw_conditions(person, today)
    person.frail = person.age >= 80 and (len(person.conditions) >= 4 or "dementia" in person.conditions)
    return person


def sample_people(*, patients: int, seed: int, today: dt.date) -> Iterator[Person]:
    """The people only (demographics and conditions), as `generate` would draw them: fast, for checks."""
    day = today.toordinal()
    for index in range(patients):
        yield _person(seed, index, day)


def generate(*, patients: int, seed: int, today: dt.date, chunk_size: int = 5000,
             exclude_nhs_numbers: Collection[str] = (), place: Place | None = None) -> Iterator[Chunk]:
    if patients < 0 or seed < 0:
        raise ValueError("patients and seed must not be negative")
    if patients > CAPACITY - len(exclude_nhs_numbers):
        raise RangeExhausted(
            f"At most {CAPACITY - len(exclude_nhs_numbers):,} synthetic patients fit in one practice: the 999 "
            f"test range holds {CAPACITY:,} valid NHS numbers. Load larger numbers as several practices."
        )
    place = place or Place.for_seed(seed)
    day = today.toordinal()
    numbers = nhs_numbers(seed, exclude=exclude_nhs_numbers)
    staff = Staff.for_practice(seed, patients)
    chunk = Chunk(0)
    for index in range(patients):
        if len(chunk.patients) == chunk_size:
            yield chunk
            chunk = Chunk(index)
        _emit(chunk, _person(seed, index, day), next(numbers), seed, day, place, staff)
    if chunk.patients:
        yield chunk


def _emit(chunk: Chunk, person: Person, nhs_number: str, seed: int, today: int, place: Place, staff: Staff) -> None:
    pid = len(chunk.patients)
    date = dt.date.fromordinal
    given, family, line1, line2, town, postcode, phone, mobile, email = name_and_place(person, place)
    language(person)
    kinds = adjustments(person)
    preferred = channel(person, phone, mobile, email, any(k == "large_print" for k, _ in kinds))
    imd = None if person.rng.random() < 0.01 else person.imd
    status = person.status
    chunk.patients.append((
        nhs_number, given, family, date(person.dob), person.sex, line1, line2, town, postcode, imd,
        person.recorded_ethnicity, phone, mobile, email, preferred, person.language, status,
        date(person.registered), date(person.end) if status == "left" else None,
        date(person.end) if status == "deceased" else None, f"{SOURCE_PREFIX}{seed}:{person.index}",
    ))
    chunk.reasonable_adjustments.extend((pid, kind, detail) for kind, detail in kinds)
    chunk.related_people.extend(draw_related(person, pid))

    conditions = chunk.conditions
    for diagnosis in person.conditions.values():
        conditions.append((pid, diagnosis.code, diagnosis.term, date(diagnosis.onset), None))
    for diagnosis in person.resolved.values():
        resolved = date(diagnosis.resolved)
        conditions.append((pid, diagnosis.code, diagnosis.term, date(diagnosis.onset), resolved))
        resolution = resolution_code(diagnosis.slug)
        if resolution is not None:  # the "resolved" code itself, as QOF registers look for it
            conditions.append((pid, resolution[0], resolution[1], resolved, resolved))

    draw_medicines(person, today)
    for medicine, start, end in person.medicines:
        chunk.medications.append((
            pid, medicine.dmd_code or "", medicine.name, medicine.dose, "active" if end is None else "stopped",
            medicine.regular, date(start), None if end is None else date(end),
        ))
    schedule_reviews(person, today)
    draw_results(person, today, chunk.observations, pid)
    draw_encounters(person, today, chunk.encounters, pid, staff.clinicians(seed, person.index))
    draw_hospital(person, today, chunk.hospital_events, pid)
