"""Loading a synthetic practice into the database: set-based, chunked, all-or-nothing.

    result = load_practice(practice=practice, patients=10_000, seed=1, by=None)

The pure generator (`tandem.synth.generate`) yields chunks of rows; each chunk is written with
one statement per table: `executemany` on SQLite, `COPY ... FROM STDIN` on PostgreSQL (psycopg 3).
Child rows need their patient's id: after a chunk's patients are inserted, their ids are read back
by NHS number (unique in the practice) in one query per chunk. Memory stays bounded by the chunk
size, so a practice of several hundred thousand patients streams through in constant memory.

Transactions: one run is one transaction. If anything fails, nothing of the run stays (and a
`--replace` that failed half way leaves the old synthetic patients in place). The cost is that a
very large SQLite load holds the write lock, and grows the WAL, until it commits.

Audit: one `create` row per patient (what="synth.patient"), written per chunk with
`audit.record_many`, plus one summary row for the run (what="synth.run") with the counts.
Per-patient rows keep the rule "every change of patient data has an audit row" and cost about one
row in forty of the load, so they are kept even at a million patients.

Re-running: a practice that already has synthetic patients (source_id "synth:<seed>:<n>") is
refused with a message, unless `replace=True`, which deletes them (and their rows, audited) first.
NHS numbers already used by the practice's other patients are skipped, so nothing collides.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models.functions import Mod
from django.db.models.lookups import Exact

from tandem.core import audit, clock, derived
from tandem.core.db_statistics import refresh_statistics
from tandem.core.models import Membership, Practice, User
from tandem.patients.models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
    ReasonableAdjustment,
    RelatedPerson,
)

from .generate import COLUMNS, SOURCE_PREFIX, Chunk, Place, generate

logger = logging.getLogger(__name__)

MODELS = {
    "patients": Patient,
    "reasonable_adjustments": ReasonableAdjustment,
    "related_people": RelatedPerson,
    "conditions": Condition,
    "observations": Observation,
    "medications": Medication,
    "encounters": Encounter,
    "hospital_events": HospitalEvent,
}
CLINICAL = frozenset({"conditions", "observations", "medications", "encounters", "hospital_events"})
AUDIT_BATCH = 5000


class SynthError(ValueError):
    """A synthetic load that cannot go ahead, with a message a person can act on."""


@dataclass
class LoadResult:
    practice: Practice
    patients: int
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    deleted: int = 0
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def synthetic_patients(practice: Practice):
    return Patient.objects.filter(practice=practice, source_id__startswith=SOURCE_PREFIX)


def _columns(name: str) -> list[str]:
    model = MODELS[name]
    columns = [model._meta.get_field(f).column for f in COLUMNS[name]]
    if name == "patients":
        return ["practice_id", *columns, "updated_at"]
    if name in CLINICAL:
        return ["practice_id", "source_id", *columns]
    return columns


class _Writer:
    """Writes one table's rows in one statement: executemany (SQLite) or COPY (PostgreSQL)."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.postgres = connection.vendor == "postgresql"
        self.sql = {}
        for name in COLUMNS:
            table = connection.ops.quote_name(MODELS[name]._meta.db_table)
            columns = _columns(name)
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            if self.postgres:
                self.sql[name] = f"COPY {table} ({quoted}) FROM STDIN"
            else:
                self.sql[name] = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"

    def write(self, name: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            with self.cursor.cursor.copy(self.sql[name]) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self.cursor.executemany(self.sql[name], rows)

    def patient_ids(self, practice_id: int, numbers: list[str]) -> dict[str, int]:
        table = connection.ops.quote_name(Patient._meta.db_table)
        found: dict[str, int] = {}
        if self.postgres:
            self.cursor.execute(
                f"SELECT nhs_number, id FROM {table} WHERE practice_id = %s AND nhs_number = ANY(%s)",
                [practice_id, numbers],
            )
            found.update(self.cursor.fetchall())
            return found
        for start in range(0, len(numbers), 900):  # within SQLite's host-parameter limit
            batch = numbers[start:start + 900]
            self.cursor.execute(
                f"SELECT nhs_number, id FROM {table} WHERE practice_id = %s AND nhs_number IN "
                f"({', '.join(['%s'] * len(batch))})",
                [practice_id, *batch],
            )
            found.update(self.cursor.fetchall())
        return found


def write_chunk(writer: _Writer, practice: Practice, chunk: Chunk, *, updated_at) -> list[int]:
    """Insert one chunk's rows; return the new patients' ids in chunk order."""
    pid = practice.pk
    writer.write("patients", [(pid, *row, updated_at) for row in chunk.patients])
    numbers = [row[0] for row in chunk.patients]
    by_number = writer.patient_ids(pid, numbers)
    ids = [by_number[n] for n in numbers]
    for name, rows in chunk.tables():
        if name == "patients":
            continue
        if name in CLINICAL:
            writer.write(name, [(pid, "", ids[row[0]], *row[1:]) for row in rows])
        else:
            writer.write(name, [(ids[row[0]], *row[1:]) for row in rows])
    return ids


def delete_synthetic(*, practice: Practice, by: User | None, batch_size: int = 900) -> int:
    """Delete the practice's synthetic patients and everything recorded about them (audited)."""
    deleted = 0
    queryset = synthetic_patients(practice).order_by("pk")
    while True:
        batch = list(queryset.values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        Patient.objects.filter(pk__in=batch).delete()
        audit.record_many(by=by, practice=practice, action="delete", what="synth.patient", patient_ids=batch)
        deleted += len(batch)


def existing_synthetic_message(practice: Practice) -> str | None:
    existing = synthetic_patients(practice)
    first = existing.order_by("pk").values_list("source_id", flat=True).first()
    if first is None:
        return None
    seed = first.removeprefix(SOURCE_PREFIX).split(":", 1)[0]
    count = existing.count()
    return (
        f"{practice.name} ({practice.ods_code}) already has {count:,} synthetic patients (seed {seed}). "
        "Run again with --replace to delete them and load afresh, or choose another practice with --practice."
    )


ANALYZED = (Patient, Condition, Observation, Medication, Encounter, HospitalEvent, RelatedPerson, ReasonableAdjustment)


def load_practice(*, practice: Practice, patients: int, seed: int, by: User | None, replace: bool = False,
                  today: dt.date | None = None, chunk_size: int = 5000,
                  progress: Callable[[int, int], None] | None = None) -> LoadResult:
    """Generate and load `patients` synthetic patients into `practice` in one transaction."""
    started = time.perf_counter()
    today = today or clock.today()
    result = LoadResult(practice=practice, patients=patients, seed=seed, rows=dict.fromkeys(COLUMNS, 0))
    with transaction.atomic():
        message = existing_synthetic_message(practice)
        if message and not replace:
            raise SynthError(message)
        if message:
            result.deleted = delete_synthetic(practice=practice, by=by)
        exclude = frozenset(Patient.objects.filter(practice=practice).values_list("nhs_number", flat=True))
        place = Place.for_seed(seed, town=practice.town)
        updated_at = connection.ops.adapt_datetimefield_value(clock.now())
        loaded = 0
        with connection.cursor() as cursor:
            writer = _Writer(cursor)
            for chunk in generate(patients=patients, seed=seed, today=today, chunk_size=chunk_size,
                                  exclude_nhs_numbers=exclude, place=place):
                ids = write_chunk(writer, practice, chunk, updated_at=updated_at)
                for name, rows in chunk.tables():
                    result.rows[name] += len(rows)
                audit.record_many(by=by, practice=practice, action="create", what="synth.patient",
                                  patient_ids=ids, detail={"seed": seed})
                loaded += len(ids)
                if progress:
                    progress(loaded, patients)
        # People were added and (with replace) removed: what is kept about the practice's people follows.
        derived.changed(load_practice, practice_id=practice.pk, patient_ids=None, what={derived.REGISTRATION})
        audit.record(by=by, practice=practice, action="create", what="synth.run", object_id=practice.pk,
                     detail={"seed": seed, "patients": patients, "rows": result.total_rows,
                             "replaced": result.deleted, "reference_date": today.isoformat()})
    # Fresh planner statistics: queries straight after a large load otherwise pick poor plans.
    refresh_statistics(ANALYZED)
    result.seconds = time.perf_counter() - started
    logger.info("synthetic load practice=%s patients=%s rows=%s seconds=%.1f",
                practice.pk, patients, result.total_rows, result.seconds)
    return result


def assign_named_clinicians(*, practice: Practice, clinicians: Sequence[User], by: User | None = None,
                            only_unassigned: bool = True) -> int:
    """Share the practice's registered patients between `clinicians` (round robin by patient id),
    in one UPDATE per clinician. Each clinician must work at the practice. Audited per patient."""
    clinicians = list(clinicians)
    if not clinicians:
        return 0
    members = set(Membership.objects.filter(practice=practice, user__in=clinicians).values_list("user_id", flat=True))
    outsiders = [u.pk for u in clinicians if u.pk not in members]
    if outsiders:
        raise SynthError(f"Users {outsiders} do not work at practice {practice.pk}, so cannot be named clinicians.")
    patients = Patient.objects.filter(practice=practice, registration_status="registered")
    if only_unassigned:
        patients = patients.filter(named_clinician__isnull=True)
    with transaction.atomic():
        ids = list(patients.values_list("pk", flat=True))
        for i, clinician in enumerate(clinicians):
            patients.filter(Exact(Mod("pk", len(clinicians)), i)).update(named_clinician=clinician)
        for start in range(0, len(ids), AUDIT_BATCH):
            audit.record_many(by=by, practice=practice, action="update", what="patient.named_clinician",
                              patient_ids=ids[start:start + AUDIT_BATCH])
    return len(ids)


def link_clinicians(*, practice: Practice, clinicians: Mapping[str, User], by: User | None = None) -> int:
    """Make members of staff the synthetic clinicians the practice's contacts name, so continuity
    with a person's named clinician can be seen: {"synth-gp-1": user, ...}, one UPDATE each.
    Each user must work at the practice. Audited once for the run, with the counts."""
    members = set(Membership.objects.filter(practice=practice, user__in=clinicians.values())
                  .values_list("user_id", flat=True))
    outsiders = sorted({u.pk for u in clinicians.values() if u.pk not in members})
    if outsiders:
        raise SynthError(f"Users {outsiders} do not work at practice {practice.pk}, so cannot be clinicians there.")
    linked = 0
    with transaction.atomic():
        for ref, user in clinicians.items():
            linked += Encounter.objects.filter(practice=practice, clinician_ref=ref).update(
                clinician=user, clinician_ref="")
        audit.record(by=by, practice=practice, action="update", what="synth.encounter_clinicians",
                     object_id=practice.pk, detail={"clinicians": len(clinicians), "contacts": linked})
    return linked
