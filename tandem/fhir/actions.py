"""Importing FHIR files: the write path. Each file is all-or-nothing, set-based and audited.

For each file: read and validate everything, map it and resolve its references
(tandem.fhir.plan); only if nothing is wrong, write it in one transaction. Rows are
matched on (practice, source_id), patients on (practice, NHS number): re-importing a
file updates what changed and creates nothing twice.

Clinical rows are written with bulk_create for new rows and bulk_update for changed
ones. (An INSERT ... ON CONFLICT upsert cannot be used: the (practice, source_id)
unique constraint is partial - it ignores empty source ids - and neither SQLite nor
PostgreSQL infers a partial index from Django's ON CONFLICT clause.)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, BinaryIO

from django.db import IntegrityError, models, transaction

from tandem.core import audit, clock
from tandem.core.models import Practice, User
from tandem.patients.models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
)

from . import checks, parse
from . import plan as planning
from .report import FileReport, Where

logger = logging.getLogger(__name__)

TABLES: dict[str, type[models.Model]] = {
    "condition": Condition,
    "observation": Observation,
    "medication": Medication,
    "encounter": Encounter,
    "hospital_event": HospitalEvent,
}
PATIENT_FIELDS = (
    "given_name", "family_name", "date_of_birth", "sex", "address_line1", "address_line2", "town", "postcode",
    "phone", "mobile", "email", "preferred_language", "registration_status", "date_of_death",
)
CHUNK = 500  # ids per IN (...) query: well inside SQLite's parameter limit
BATCH = 1000


class _Rejected(Exception):
    def __init__(self, problems: list[tuple[Where, str]]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class PracticeLookup:
    """What a practice already holds, for the planner. Set-based: one query per chunk."""

    def __init__(self, practice: Practice):
        self.practice = practice

    def existing_nhs_numbers(self, numbers: set[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(numbers)):
            found.update(Patient.objects.filter(practice=self.practice, nhs_number__in=chunk)
                         .values_list("nhs_number", flat=True))
        return found

    def nhs_numbers_by_source_id(self, source_ids: set[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for chunk in _chunks(sorted(s for s in source_ids if s)):
            rows = Patient.objects.filter(practice=self.practice, source_id__in=chunk)
            for source_id, number in rows.values_list("source_id", "nhs_number"):
                found[source_id].add(number)
        return found

    def birth_dates(self, numbers: set[str]) -> dict[str, dt.date]:
        found: dict[str, dt.date] = {}
        for chunk in _chunks(sorted(numbers)):
            found.update(Patient.objects.filter(practice=self.practice, nhs_number__in=chunk)
                         .values_list("nhs_number", "date_of_birth"))
        return found

    def owners(self, table: str, source_ids: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(sorted(s for s in source_ids if s)):
            found.update(TABLES[table].objects.filter(practice=self.practice, source_id__in=chunk)
                         .values_list("source_id", "patient__nhs_number"))
        return found


def _first_resource_type(name: str, stream: BinaryIO) -> str:
    """The resourceType on the first line of an NDJSON file ('' otherwise); the stream is rewound."""
    if not name.lower().endswith(parse.NDJSON_SUFFIXES) or not stream.seekable():
        return ""
    try:
        for raw in stream:
            if raw.strip():
                found = json.loads(raw.removeprefix(b"\xef\xbb\xbf")).get("resourceType", "")
                return found if isinstance(found, str) else ""
        return ""
    except (ValueError, AttributeError):
        return ""
    finally:
        stream.seek(0)


def import_files(*, files: Iterable[tuple[str, BinaryIO]], practice: Practice, by: User | None) -> list[FileReport]:
    """Import several files, each on its own (all-or-nothing per file). Reports in the order given.

    NDJSON files of Patients, then of Medications, are read first, so that a bulk-data
    export split by resource type (Patient.ndjson, Observation.ndjson, ...) resolves its
    references whatever order the files were given in.
    """
    files = list(files)
    order = sorted(range(len(files)), key=lambda i: {"Patient": 0, "Medication": 1}.get(
        _first_resource_type(*files[i]), 2))
    medications: dict[str, Any] = {}
    reports: dict[int, FileReport] = {}
    for index in order:
        name, stream = files[index]
        reports[index] = import_file(name=name, stream=stream, practice=practice, by=by, medications=medications)
    return [reports[i] for i in range(len(files))]


def import_file(*, name: str, stream: BinaryIO, practice: Practice, by: User | None,
                medications: dict[str, Any] | None = None) -> FileReport:
    """Import one file into `practice`. Nothing is stored unless the whole file is sound."""
    report = FileReport(name=name)
    parsed = parse.read(name, stream)
    report.kind, report.entries = parsed.kind, parsed.count
    for problem in parsed.problems:
        report.add_problem(problem.where, problem.reason)
    if parsed.entries:
        # Planned even when reading the file found problems, so the report names all of them at once.
        plan = planning.build(parsed, report, today=clock.today(), lookup=PracticeLookup(practice),
                              medications=medications)
        if not report.problems:
            try:
                with transaction.atomic():
                    _write(plan, report, practice=practice, by=by)
            except _Rejected as exc:
                for where, reason in exc.problems:
                    report.add_problem(where, reason)
            except IntegrityError:
                # No exception text: constraint messages quote the clashing values.
                logger.warning("FHIR import hit a database constraint (practice %s)", practice.pk)
                report.add_problem(Where(), "The record changed while this file was being imported (perhaps the "
                                            "same file was being imported at the same time). Nothing was stored; "
                                            "import it again.")
    report.imported = not report.problems
    report.sort()
    if not report.imported:
        report.created.clear()
        report.updated.clear()
        report.unchanged.clear()
        report.patients = 0
    audit.record(by=by, practice=practice, action="import", what="fhir.bundle", detail=report.counts_for_audit())
    logger.info("FHIR file %s for practice %s by user %s: %s entries, %s problems",
                "imported" if report.imported else "rejected", practice.pk, getattr(by, "pk", None),
                report.entries, report.problem_count)
    return report


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    return a == b


def _write(plan: planning.Plan, report: FileReport, *, practice: Practice, by: User | None) -> None:
    now = clock.now()
    touched: dict[str, set[int]] = defaultdict(set)  # audit "what" -> patient ids written

    # 1. Patients: matched by NHS number; only what the file carries changes.
    numbers = sorted(plan.patients)
    current: dict[str, dict] = {}
    for chunk in _chunks(numbers):
        for row in Patient.objects.filter(practice=practice, nhs_number__in=chunk).values(
            "pk", "nhs_number", "source_id", *PATIENT_FIELDS
        ):
            current[row["nhs_number"]] = row
    to_write = []
    for number in numbers:
        planned = plan.patients[number]
        before = current.get(number)
        values = {f: before[f] for f in PATIENT_FIELDS} if before else {}
        values.update(planned.fields)
        if before is None:
            report.created["patient"] += 1
        elif all(_same(values[f], before[f]) for f in planned.fields) and before["source_id"] == planned.source_id:
            report.unchanged["patient"] += 1
            continue
        else:
            report.updated["patient"] += 1
        to_write.append(Patient(practice=practice, nhs_number=number, source_id=planned.source_id,
                                updated_at=now, **values))
    if to_write:
        Patient.objects.bulk_create(
            to_write, batch_size=BATCH, update_conflicts=True, unique_fields=["practice", "nhs_number"],
            update_fields=[*PATIENT_FIELDS, "source_id", "updated_at"],
        )
    wanted = sorted(set(numbers) | {row.nhs_number for row in plan.rows})
    pks: dict[str, int] = {}
    for chunk in _chunks(wanted):
        pks.update(Patient.objects.filter(practice=practice, nhs_number__in=chunk).values_list("nhs_number", "pk"))
    touched["fhir.patient"] = {pks[p.nhs_number] for p in to_write}
    report.patients = len({pks[n] for n in wanted if n in pks})

    # 2. Clinical rows, table by table: new rows inserted, changed rows updated, in bulk.
    by_table: dict[str, list[planning.PlannedRow]] = defaultdict(list)
    for row in plan.rows:
        by_table[row.table].append(row)
    collisions: list[tuple[Where, str]] = []
    for table, rows in by_table.items():
        model = TABLES[table]
        fields = list(rows[0].fields)
        existing: dict[str, dict] = {}
        for chunk in _chunks([r.source_id for r in rows]):
            for found in model.objects.filter(practice=practice, source_id__in=chunk).values(
                "pk", "source_id", "patient_id", *fields
            ):
                existing[found["source_id"]] = found
        new, changed = [], []
        for row in rows:
            patient_id = pks[row.nhs_number]
            before = existing.get(row.source_id)
            if before is not None and before["patient_id"] != patient_id:
                collisions.append((row.where, checks.different_patient(row.resource_type, row.source_id)))
                continue
            if before is None:
                new.append(model(practice=practice, patient_id=patient_id, source_id=row.source_id, **row.fields))
                report.created[table] += 1
            elif all(_same(before[f], v) for f, v in row.fields.items()):
                report.unchanged[table] += 1
                continue
            else:
                changed.append(model(pk=before["pk"], practice=practice, patient_id=patient_id,
                                     source_id=row.source_id, **row.fields))
                report.updated[table] += 1
            touched[f"fhir.{row.resource_type.lower()}"].add(patient_id)
        if collisions:
            continue
        model.objects.bulk_create(new, batch_size=BATCH)
        if changed:
            model.objects.bulk_update(changed, fields, batch_size=BATCH)
    if collisions:
        raise _Rejected(collisions)

    # 3. Audit: one row per patient written, per kind of resource.
    for what, patient_ids in sorted(touched.items()):
        if patient_ids:
            audit.record_many(by=by, practice=practice, action="import", what=what, patient_ids=sorted(patient_ids))
