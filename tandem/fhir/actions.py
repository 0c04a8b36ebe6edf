"""Importing FHIR files: the write path. Each file is all-or-nothing, set-based and audited.

For each file: read and validate everything, map it and resolve its references
(tandem.fhir.plan); only if nothing is wrong, compare it with what the practice holds and
prepare every statement, with reads only (`_prepare`), then write it in one short transaction
that runs only those statements (`_write`): on SQLite, where one writer at a time holds the
database, that transaction is the only time an import keeps clinicians' saves waiting. Rows are
matched on (practice, source_id), patients on (practice, NHS number): re-importing a file
updates what changed and creates nothing twice. A row to correct that changed or went between
the two steps, a row or person added meanwhile, or any failure while writing rolls the file back.

New rows are inserted and changed ones updated with one prepared statement each and
executemany. (An INSERT ... ON CONFLICT upsert cannot be used: the (practice, source_id)
unique constraint is partial - it ignores empty source ids - and neither SQLite nor
PostgreSQL infers a partial index from Django's ON CONFLICT clause.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from django.db import IntegrityError, OperationalError, connection, models, transaction

from tandem.core import audit, clock, derived
from tandem.core.models import AuditEvent, Practice, User
from tandem.jobs import actions as job_actions
from tandem.jobs.models import Job
from tandem.patients.models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
)

from . import checks, parse, staging
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
    except (ValueError, AttributeError, RecursionError):  # not JSON, not an object, nested too deeply
        return ""
    finally:
        stream.seek(0)


def import_files(*, files: Iterable[tuple[str, BinaryIO]], practice: Practice, by: User | None,
                 progress: Callable[[int, int], None] | None = None) -> list[FileReport]:
    """Import several files, each on its own (all-or-nothing per file). Reports in the order given.

    NDJSON files of Patients, then of Medications, are read first, and those of lab reports
    (DiagnosticReport) last, after the Observations that are their results, so that a bulk-data
    export split by resource type (Patient.ndjson, Observation.ndjson, ...) resolves its
    references whatever order the files were given in. `progress(done, total)` is called after
    each file.
    """
    files = list(files)
    order = sorted(range(len(files)), key=lambda i: {"Patient": 0, "Medication": 1, "DiagnosticReport": 3}.get(
        _first_resource_type(*files[i]), 2))
    medications: dict[str, Any] = {}
    observation_keys: set[str] = set()
    reports: dict[int, FileReport] = {}
    for done, index in enumerate(order, start=1):
        name, stream = files[index]
        reports[index] = import_file(name=name, stream=stream, practice=practice, by=by, medications=medications,
                                     observation_keys=observation_keys)
        if progress is not None:
            progress(done, len(files))
    return [reports[i] for i in range(len(files))]


IMPORT_TASK = "fhir.import"


def start_import(*, files: Iterable[tuple[str, BinaryIO]], practice: Practice, by: User | None) -> Job:
    """Keep the uploaded files and ask the worker to import them (tandem.fhir.tasks). The web request
    only copies the files to disk: reading, checking and writing them, which for a large export takes
    a while, happens in the background, and the upload page follows the job's progress."""
    folder, stored = staging.stage(files)
    try:
        job = job_actions.enqueue(kind=IMPORT_TASK, practice=practice, by=by,
                                  params={"folder": folder, "files": stored},
                                  idempotency_key=f"fhir.import {folder}")
    except BaseException:
        staging.discard(folder)
        raise
    logger.info("FHIR import of %s file(s) for practice %s asked for as job %s", len(stored), practice.pk, job.pk)
    return job


def import_file(*, name: str, stream: BinaryIO, practice: Practice, by: User | None,
                medications: dict[str, Any] | None = None, observation_keys: set[str] | None = None) -> FileReport:
    """Import one file into `practice`. Nothing is stored unless the whole file is sound. `observation_keys`
    gathers how the Observations of imported files may be referred to, for the lab reports of later files."""
    report = FileReport(name=name)
    parsed = parse.read(name, stream)
    report.kind, report.entries = parsed.kind, parsed.count
    for problem in parsed.problems:
        report.add_problem(problem.where, problem.reason)
    if parsed.entries:
        # Planned even when reading the file found problems, so the report names all of them at once.
        plan = planning.build(parsed, report, today=clock.today(), lookup=PracticeLookup(practice),
                              medications=medications, observation_keys=observation_keys)
        if not report.problems:
            try:
                # Compared with what the practice holds and made ready with reads only; then written in
                # one short transaction (on SQLite, the only time the import holds the write lock).
                writes = _prepare(plan, report, practice=practice)
                with transaction.atomic():
                    _write(writes, practice=practice, by=by)
            except _Rejected as exc:
                for where, reason in exc.problems:
                    report.add_problem(where, reason)
            except (IntegrityError, _Stale):
                # No exception text: constraint messages quote the clashing values.
                logger.warning("FHIR import hit a database constraint (practice %s)", practice.pk)
                report.add_problem(Where(), "The record changed while this file was being imported (perhaps the "
                                            "same file was being imported at the same time). Nothing was stored; "
                                            "import it again.")
            except OperationalError as exc:
                # e.g. SQLite's "database is locked" after waiting its turn: the transaction rolled back.
                logger.warning("FHIR import could not write (practice %s): %s", practice.pk, type(exc).__name__)
                report.add_problem(Where(), "The database was too busy to store this file. Nothing from it was "
                                            "stored; import it again.")
        if not report.problems and observation_keys is not None:
            observation_keys |= plan.observation_keys
    report.imported = not report.problems
    report.sort()
    if not report.imported:
        report.created.clear()
        report.updated.clear()
        report.unchanged.clear()
        report.patients = 0
        report.lab_reports = report.lab_results = 0
    audit.record(by=by, practice=practice, action="import", what="fhir.bundle", detail=report.counts_for_audit())
    logger.info("FHIR file %s for practice %s by user %s: %s entries, %s problems",
                "imported" if report.imported else "rejected", practice.pk, getattr(by, "pk", None),
                report.entries, report.problem_count)
    return report


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    return a == b


_PLAIN_FIELDS = (models.CharField, models.TextField, models.FloatField, models.IntegerField, models.BooleanField,
                 models.ForeignKey)
_PLAIN_VALUES = (str, int, float, bool, type(None))


class _Stale(Exception):
    """A row the file updates changed or went between reading it and writing."""


class _Statement:
    """One prepared SQL statement and its rows of parameters, made ready before the write lock is taken.

    Values are prepared for the database by each field as Django does (`get_db_prep_save`); text,
    numbers, booleans and keys already of their Python type go to the driver as they are (what the
    field would do to them). `patient_at` is the parameter that holds the row's patient: None in a row
    whose patient the file creates, filled in (`fill_patients`) once that patient has been inserted."""

    def __init__(self, sql: str, columns: int, patient_at: int | None = None):
        self.sql, self.columns, self.patient_at = sql, columns, patient_at
        self.params: list[list] = []
        self.names: set[str] = set()  # the fields a row may give
        self.new_patients: list[tuple[int, str]] = []  # (row index, NHS number) of patients made by this file

    def __len__(self) -> int:
        return len(self.params)

    def fill_patients(self, pks: dict[str, int]) -> None:
        for index, number in self.new_patients:
            self.params[index][self.patient_at] = pks[number]

    def execute(self) -> int:
        """Run it for every row (inside the caller's transaction). Returns how many rows it changed."""
        changed = 0
        with connection.cursor() as cursor:
            for start in range(0, len(self.params), BATCH * 10):
                cursor.executemany(self.sql, self.params[start : start + BATCH * 10])
                changed += max(cursor.rowcount, 0)
        return changed


def _getters(statement: _Statement, fields: list[models.Field]) -> list[tuple]:
    getters = []
    for field in fields:
        default = field.get_default()  # the field's default, else None or "" as Django would store
        plain = _PLAIN_VALUES if isinstance(field, _PLAIN_FIELDS) else ()
        getters.append((field.attname, field.name, default, field.get_db_prep_save, plain))
        statement.names |= {field.attname, field.name}
    return getters


def _values(getters: list[tuple], row: dict) -> list:
    values = []
    for attname, name, default, prepare, plain in getters:
        value = row[attname] if attname in row else row.get(name, default)
        values.append(value if type(value) in plain else prepare(value, connection))
    return values


def _inserting(model: type[models.Model]) -> tuple[_Statement, list[tuple]]:
    """An INSERT of whole rows (dicts of field name -> value; fields a row does not give take their
    defaults), with one prepared statement and executemany: the same rows as `bulk_create` would
    write without building a model instance or compiling a multi-row statement per row."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    patient_at = next((i for i, f in enumerate(fields) if f.attname == "patient_id"), None)
    statement = _Statement(sql, len(fields), patient_at)
    return statement, _getters(statement, fields)


def _updating(model: type[models.Model], names: list[str]) -> tuple[_Statement, list[tuple]]:
    """An UPDATE of these fields of one row, found by its key and practice."""
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = (f"UPDATE {quote(model._meta.db_table)} SET {sets} "
           f"WHERE {quote(model._meta.pk.column)} = %s AND {quote('practice_id')} = %s")
    statement = _Statement(sql, len(fields) + 2)
    return statement, _getters(statement, fields)


def _add(statement: _Statement, getters: list[tuple], row: dict, *, key: tuple = (),
         new_patient: str | None = None) -> None:
    if not statement.names.issuperset(row):
        raise ValueError(f"no field(s) {sorted(set(row) - statement.names)} for {statement.sql.split('(')[0]}")
    if new_patient is not None:
        statement.new_patients.append((len(statement.params), new_patient))
    statement.params.append([*_values(getters, row), *key])


@dataclasses.dataclass
class _Writes:
    """Everything a file changes, worked out and prepared for the database before the write lock is
    taken, in the order it is written."""

    new_patients: _Statement
    changed_patients: _Statement
    new_numbers: list[str]  # NHS numbers of the patients the file creates
    rows: list[tuple[_Statement, _Statement]] = dataclasses.field(default_factory=list)  # (new, changed) per table
    audit: list[tuple[str, set[int], set[str]]] = dataclasses.field(default_factory=list)  # what, patient ids, new patients


def _prepare(plan: planning.Plan, report: FileReport, *, practice: Practice) -> _Writes:
    """Compare the file with what the practice holds and prepare every statement: reads only, so on
    SQLite other writers carry on meanwhile. Counts what is created, updated and unchanged in the
    report; raises _Rejected when a row Tandem holds belongs to another patient."""
    now = clock.now()
    touched: dict[str, set[int]] = defaultdict(set)  # audit "what" -> ids of patients held already
    touched_new: dict[str, set[str]] = defaultdict(set)  # audit "what" -> NHS numbers of new patients

    # 1. Patients: matched by NHS number; only what the file carries changes.
    numbers = sorted(plan.patients)
    current: dict[str, dict] = {}
    for chunk in _chunks(numbers):
        for row in Patient.objects.filter(practice=practice, nhs_number__in=chunk).values(
            "pk", "nhs_number", "source_id", *PATIENT_FIELDS
        ):
            current[row["nhs_number"]] = row
    new_patients, new_getters = _inserting(Patient)
    changed_patients, changed_getters = _updating(Patient, [*PATIENT_FIELDS, "source_id", "updated_at"])
    new_numbers = []
    for number in numbers:
        planned = plan.patients[number]
        before = current.get(number)
        values = {f: before[f] for f in PATIENT_FIELDS} if before else {}
        values.update(planned.fields)
        if before is None:
            report.created["patient"] += 1
            _add(new_patients, new_getters, {"practice_id": practice.pk, "nhs_number": number,
                                             "source_id": planned.source_id, "updated_at": now, **values})
            new_numbers.append(number)
            touched_new["fhir.patient"].add(number)
        elif all(_same(values[f], before[f]) for f in planned.fields) and before["source_id"] == planned.source_id:
            report.unchanged["patient"] += 1
        else:
            report.updated["patient"] += 1
            _add(changed_patients, changed_getters, {**values, "source_id": planned.source_id, "updated_at": now},
                 key=(before["pk"], practice.pk))
            touched["fhir.patient"].add(before["pk"])
    pks = {number: row["pk"] for number, row in current.items()}
    others = sorted({row.nhs_number for row in plan.rows} - set(numbers))
    for chunk in _chunks(others):
        pks.update(Patient.objects.filter(practice=practice, nhs_number__in=chunk).values_list("nhs_number", "pk"))
    report.patients = len({n for n in [*numbers, *others] if n in pks or n in plan.patients})
    writes = _Writes(new_patients=new_patients, changed_patients=changed_patients, new_numbers=new_numbers)

    # 2. Clinical rows, table by table: new rows to insert, changed rows to update.
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
        new, new_getters = _inserting(model)
        changed, changed_getters = _updating(model, [*fields, "recorded_at"])
        for row in rows:
            patient_id = pks.get(row.nhs_number)  # None: a patient this file creates
            before = existing.get(row.source_id)
            if before is not None and before["patient_id"] != patient_id:
                collisions.append((row.where, checks.different_patient(row.resource_type, row.source_id)))
                continue
            if before is None:
                _add(new, new_getters, {"practice_id": practice.pk, "patient_id": patient_id,
                                        "source_id": row.source_id, "recorded_at": now, **row.fields},
                     new_patient=row.nhs_number if patient_id is None else None)
                report.created[table] += 1
            elif all(_same(before[f], v) for f, v in row.fields.items()):
                report.unchanged[table] += 1
                continue
            else:
                _add(changed, changed_getters, {**row.fields, "recorded_at": now}, key=(before["pk"], practice.pk))
                report.updated[table] += 1
            what = f"fhir.{row.resource_type.lower()}"
            if patient_id is None:
                touched_new[what].add(row.nhs_number)
            else:
                touched[what].add(patient_id)
        writes.rows.append((new, changed))
    if collisions:
        raise _Rejected(collisions)
    writes.audit = [(what, touched.get(what, set()), touched_new.get(what, set()))
                    for what in sorted(set(touched) | set(touched_new))]
    return writes


def _write(writes: _Writes, *, practice: Practice, by: User | None) -> None:
    """Write what `_prepare` made ready: inside the file's one transaction, and on SQLite while holding
    the database's one write lock, so only statements run here (executemany, a chunk at a time), with
    no comparing and no preparing. Raises _Stale when a row to update changed or went meanwhile."""
    writes.new_patients.execute()
    if writes.changed_patients.execute() != len(writes.changed_patients):
        raise _Stale
    pks: dict[str, int] = {}
    for chunk in _chunks(writes.new_numbers):
        pks.update(Patient.objects.filter(practice=practice, nhs_number__in=chunk).values_list("nhs_number", "pk"))
    for new, changed in writes.rows:
        new.fill_patients(pks)
        new.execute()
        if changed.execute() != len(changed):
            raise _Stale
    # Audit: one row per patient written, per kind of resource (the rows tandem.core.audit.record_many
    # writes; prepared once per kind, only the patient differing from row to row).
    audit_rows, getters = _inserting(AuditEvent)
    at = clock.now()
    patient_at = next(i for i, g in enumerate(getters) if g[0] == "patient_id")
    written = set()
    for what, patient_ids, new_numbers in writes.audit:
        _add(audit_rows, getters, {"at": at, "user_id": getattr(by, "pk", None), "practice_id": practice.pk,
                                   "action": AuditEvent.Action.IMPORT, "what": what, "patient_id": None,
                                   "detail": {}})
        template = audit_rows.params.pop()
        for patient_id in sorted(patient_ids | {pks[n] for n in new_numbers}):
            audit_rows.params.append([*template[:patient_at], patient_id, *template[patient_at + 1 :]])
            written.add(patient_id)
    audit_rows.execute()
    derived.changed(_write, practice_id=practice.pk, patient_ids=written,
                    what={derived.REGISTRATION, derived.NAMES, derived.OBSERVATIONS, derived.ADJUSTMENTS})
