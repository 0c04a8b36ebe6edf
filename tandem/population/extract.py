"""`tandem extract`: a de-identified population extract of an evaluation project's practices, as Parquet files
partitioned by practice (the tables and columns of tandem.population.schema; ADR 19).

Who and what (as the evaluator export decides it, tandem.learn.export_queries): the project's practice, or its
group's practices; only someone who may use the project (the practice's manager, or a lead of the group) may
make one. People are keyed by `schema.person_key` of their pseudonym in the project, so an extract links to
the project's evaluation downloads and to its other extracts, and to nothing else.

How: for each practice and table, one query read in chunks and written as record batches with a ParquetWriter
(care_event: one query per kind of event), so the number of queries and the memory used do not grow with the
number of people. Everything is written into a new folder beside the destination and renamed to it at the
end, so a destination either holds a whole extract or nothing. One audit row per extract (who, the project,
the practices, how many people); no identifier is ever logged.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction
from django.db.models import Exists, OuterRef, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from tandem.careplans.models import CopyGiven, PlanVersion
from tandem.checkins.models import CheckIn
from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.learn import export_queries, export_rules, plans
from tandem.learn.models import EvaluationProject
from tandem.patients.models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
    PersonalTarget,
    RegistrationStatus,
    RelatedPerson,
)
from tandem.prepare.models import Agenda, Conversation, Pack
from tandem.recall.models import Invitation, Review, ReviewEvent
from tandem.recall.rules.status import Status
from tandem.registers.rules import risk
from tandem.registers.rules.registers import register_rules
from tandem.terminology import codelists

from . import schema
from .arrow import arrow_schema

CHUNK = 5_000  # rows fetched from the database at a time
BATCH = 50_000  # rows per record batch (and Parquet row group)
AUDIT_WHAT = "population.extract"
SEXES = frozenset(("female", "male", "other", "unknown"))


class ExtractError(ValueError):
    """A request that cannot be met: the message says why, in one line. Nothing was written."""


# --- Who may, and what ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    project: EvaluationProject
    user: User
    practices: tuple[Practice, ...]


def scope(*, project_id: int, username: str, practice: str = "") -> Scope:
    """The project, the user and the practices of one extract, or ExtractError: an unknown project, user or
    practice, a user who may not use the project (as the evaluator export page decides it), or a practice
    outside the project."""
    project = EvaluationProject.objects.select_related("practice", "group").filter(pk=project_id).first()
    if project is None:
        raise ExtractError(f"There is no evaluation project {project_id}.")
    user = User.objects.filter(username=username.strip()[:150]).first()
    if user is None:
        raise ExtractError(f"There is no user called {username[:150]!r}.")
    if not user.is_active:
        raise ExtractError(f"{user.username} cannot sign in to Tandem, so may not make an extract.")
    own = project.practice
    allowed = export_queries.scope_of(user, own, user.roles_in(own) if own is not None else frozenset())
    if export_queries.project(allowed, project.pk) is None:
        who = f"the manager of {own.ods_code}" if own is not None else f"a lead of {project.group.name}"
        raise ExtractError(f"{user.username} may not use evaluation project {project.pk}: only {who} may.")
    practices = tuple(export_queries.practices_of(project))
    if practice:
        ods = practice.strip().upper()[:10]
        chosen = [p for p in practices if p.ods_code.upper() == ods]
        if not chosen:
            if not Practice.objects.filter(ods_code__iexact=ods).exists():
                raise ExtractError(f"There is no practice with the ODS code {practice[:10]!r}.")
            raise ExtractError(f"{ods} is not one of evaluation project {project.pk}'s practices "
                               f"({', '.join(p.ods_code for p in practices) or 'none'}).")
        practices = tuple(chosen)
    if not practices:
        raise ExtractError(f"Evaluation project {project.pk} covers no practices.")
    return Scope(project=project, user=user, practices=practices)


# --- The rows of each table, for one practice ---------------------------------------------------------------
# Each source yields tuples in the table's column order without `practice`, the person's patient id first
# (turned into the person key when written).

@cache
def _rule_codes() -> tuple[str, ...]:
    """Every code a rule reads: each register's diagnosis, resolution and marker codes, and the feature
    codelists of the frailty and multimorbidity scores."""
    codes: set[str] = set()
    for rule in register_rules():
        codes |= rule.diagnosis_codes | rule.resolution_codes | rule.marker_codes
    for slug in risk.feature_slugs():
        codes |= codelists.get(slug).codes
    return tuple(sorted(codes))


def _birth_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _patients(pid: int) -> Iterator[tuple]:
    carer = Exists(RelatedPerson.objects.filter(patient_id=OuterRef("pk"), is_carer=True))
    rows = (Patient.objects.filter(practice_id=pid).annotate(carer=carer)
            .values_list("pk", "date_of_birth", "sex", "imd_decile", "ethnicity", "registration_status", "carer")
            .order_by())
    for pk, born, sex, imd, ethnicity, status, has_carer in rows.iterator(chunk_size=CHUNK):
        yield (pk, _birth_month(born), sex if sex in SEXES else "unknown",
               imd if imd is not None and 1 <= imd <= 10 else None, (ethnicity or "").strip(),
               status == RegistrationStatus.REGISTERED, bool(has_carer))


def _conditions(pid: int) -> Iterator[tuple]:
    rows = (Condition.objects.filter(practice_id=pid, code__in=_rule_codes())
            .values_list("patient_id", "code", "onset_date", "resolved_date").order_by())
    yield from rows.iterator(chunk_size=CHUNK)


def _medications(pid: int) -> Iterator[tuple]:
    rows = (Medication.objects.filter(practice_id=pid)
            .values_list("patient_id", "dmd_code", "status", "is_regular", "start_date", "end_date").order_by())
    for patient_id, code, status, regular, start, end in rows.iterator(chunk_size=CHUNK):
        yield patient_id, (code or "").strip(), status == Medication.Status.ACTIVE, bool(regular), start, end


def _appointments(pid: int) -> Iterator[tuple]:
    rows = (Encounter.objects.filter(practice_id=pid, status=Encounter.Status.ATTENDED)
            .values_list("patient_id", "date", "kind").order_by())
    for patient_id, on, kind in rows.iterator(chunk_size=CHUNK):
        yield patient_id, on, kind == Encounter.Kind.HOME_VISIT


def _hospital_events(pid: int) -> Iterator[tuple]:
    # The reason is read only to apply the app's own fall rule; it is never written.
    rows = HospitalEvent.objects.filter(practice_id=pid).values_list("patient_id", "kind", "start_date", "reason")
    for patient_id, kind, start, reason in rows.order_by().iterator(chunk_size=CHUNK):
        yield patient_id, kind, start, risk.is_fall(reason or "")


def _observations(pid: int) -> Iterator[tuple]:
    rows = (Observation.objects.filter(practice_id=pid, concept__in=schema.OBSERVATION_CONCEPTS)
            .values_list("patient_id", "concept", "effective_date", "value").order_by())
    yield from rows.iterator(chunk_size=CHUNK)


def _personal_targets(pid: int) -> Iterator[tuple]:
    rows = (PersonalTarget.objects.filter(practice_id=pid)
            .values_list("patient_id", "concept", "upper", "lower", "agreed_on", "ended_on").order_by())
    yield from rows.iterator(chunk_size=CHUNK)


def _iso(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _version_held_on():
    """A plan version's held_on, read across the join from a copy or a check-in (as plans.held_on reads it)."""
    return Cast(KeyTextTransform("held_on", "version__content"), output_field=TextField())


def _care_events(pid: int) -> Iterator[tuple]:
    """The care planning cycle as tandem.learn.funnel_queries.step_conditions defines its steps: one query per
    kind. A review's events carry its review year; a conversation's events the day it was held, which for a
    plan version and what follows from it is the version's held_on (tandem.learn.plans)."""
    by_year = {
        "review_due": Review.objects.filter(practice_id=pid).exclude(status=Status.WITHDRAWN)
        .values_list("patient_id", "review_year"),
        "invited": Invitation.objects.filter(practice_id=pid)
        .values_list("review__patient_id", "review__review_year"),
        "tests_attended": ReviewEvent.objects.filter(practice_id=pid, kind=ReviewEvent.Kind.ATTENDED)
        .values_list("review__patient_id", "review__review_year"),
        "pack_sent": Pack.objects.filter(practice_id=pid)
        .values_list("patient_id", "conversation__review__review_year"),
        "agenda_returned": Agenda.objects.filter(practice_id=pid)
        .values_list("patient_id", "conversation__review__review_year"),
    }
    for kind, rows in by_year.items():
        for patient_id, year in rows.order_by().iterator(chunk_size=CHUNK):
            if year is not None:
                yield patient_id, kind, year, None
    held = (Conversation.objects.filter(practice_id=pid, state=Conversation.State.HELD)
            .values_list("patient_id", "review__review_year", "starts_at__date"))  # the day as the funnel reads it
    for patient_id, year, on in held.order_by().iterator(chunk_size=CHUNK):
        if on is not None and year is not None:
            yield patient_id, "conversation_held", year, on
    versions = plans.recording_a_conversation(PlanVersion.objects.filter(practice_id=pid)).annotate(
        held=plans.held_on())
    by_day = {
        "plan_saved": versions.values_list("patient_id", "held"),
        "plan_agreed": plans.agreed(versions).values_list("patient_id", "held"),
        "copy_given": CopyGiven.objects.filter(practice_id=pid, version__practice_id=pid,
                                               version__content__agreed_with_person=True)
        .annotate(held=_version_held_on()).values_list("version__patient_id", "held"),
        "checkin_answered": CheckIn.objects.filter(practice_id=pid, version__practice_id=pid,
                                                   status=CheckIn.Status.ANSWERED)
        .annotate(held=_version_held_on()).values_list("patient_id", "held"),
    }
    for kind, rows in by_day.items():
        for patient_id, text in rows.order_by().iterator(chunk_size=CHUNK):
            on = _iso(text) if text else None
            if on is not None:
                yield patient_id, kind, None, on


SOURCES: dict[str, Callable[[int], Iterable[tuple]]] = {
    "patient": _patients,
    "condition": _conditions,
    "medication": _medications,
    "appointment": _appointments,
    "hospital_event": _hospital_events,
    "observation": _observations,
    "personal_target": _personal_targets,
    "care_event": _care_events,
}
if set(SOURCES) != set(schema.TABLE_NAMES):  # pragma: no cover - a table added to the schema needs a source
    raise RuntimeError(f"extract sources and schema tables differ: {sorted(set(SOURCES) ^ set(schema.TABLE_NAMES))}")


# --- Writing ------------------------------------------------------------------------------------------------

class _Keys:
    """Each patient id's person key in the project (one practice at a time, so the memo stays that size)."""

    def __init__(self, project_key: str):
        self._project_key = project_key
        self._memo: dict[int, int] = {}

    def __call__(self, patient_id: int) -> int:
        key = self._memo.get(patient_id)
        if key is None:
            key = self._memo[patient_id] = schema.person_key(export_rules.pseudonym(self._project_key, patient_id))
        return key

    def forget(self) -> None:
        self._memo.clear()


def write_table(path: Path, name: str, rows: Iterable[tuple], keys: Callable[[int], int]) -> int:
    """Write one table's rows for one practice to `path` in record batches; a file with no rows when there are
    none. Within a batch rows are ordered by person key, never by anything that follows the order records
    were made in. Returns the number of rows."""
    arrow = arrow_schema(name, with_practice=False)
    written = 0
    with pq.ParquetWriter(path, arrow) as writer:
        for batch in itertools.batched(rows, BATCH):
            keyed = sorted(((keys(row[0]), *row[1:]) for row in batch), key=itemgetter(0))
            columns = zip(*keyed, strict=True)
            writer.write_batch(pa.RecordBatch.from_arrays(
                [pa.array(values, type=f.type) for values, f in zip(columns, arrow, strict=True)], schema=arrow))
            written += len(keyed)
    return written


@dataclass
class Result:
    path: Path
    scope: Scope
    made_at: dt.datetime
    rows: dict[tuple[str, str], int] = field(default_factory=dict)  # (table, ODS code) -> rows

    def table_rows(self, name: str) -> int:
        return sum(n for (t, _), n in self.rows.items() if t == name)

    @property
    def people(self) -> int:
        return self.table_rows("patient")


def check_destination(out: Path) -> None:
    """A destination must not exist, or be an empty folder."""
    if out.exists() or out.is_symlink():
        if not out.is_dir() or out.is_symlink():
            raise ExtractError(f"{out} already exists and is not a folder.")
        if any(out.iterdir()):
            raise ExtractError(f"{out} already exists and is not empty.")


def extract(chosen: Scope, out: Path) -> Result:
    """Write the extract into a new folder beside `out`, record it in the audit log, and rename it to `out`.
    On any failure the new folder is removed, nothing is audited, and `out` is as it was."""
    out = Path(out).absolute()
    check_destination(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = Result(path=out, scope=chosen, made_at=clock.now())
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))  # owner only
    try:
        keys = _Keys(chosen.project.key)
        for practice in chosen.practices:
            for name in schema.TABLE_NAMES:
                folder = partial / name / f"practice={practice.ods_code}"
                folder.mkdir(parents=True)
                result.rows[(name, practice.ods_code)] = write_table(
                    folder / "part-0.parquet", name, SOURCES[name](practice.pk), keys)
            keys.forget()
        (partial / "README.md").write_text(readme(result), encoding="utf-8")
        (partial / "data_dictionary.md").write_text(schema.dictionary_markdown(), encoding="utf-8")
        with transaction.atomic():  # the audit row stands only if the extract is in place
            _audit(result)
            check_destination(out)
            os.replace(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return result


def _audit(result: Result) -> None:
    project = result.scope.project
    audit.record(by=result.scope.user, practice=project.practice, action=AuditEvent.Action.EXPORT,
                 what=AUDIT_WHAT, object_id=project.pk,
                 detail={"project": project.pk, "practices": [p.ods_code for p in result.scope.practices],
                         "people": result.people, **({"group": project.group_id} if project.group_id else {})})


# --- The README ---------------------------------------------------------------------------------------------

PERSON_KEY_RULE = (
    "Each person is keyed by `person`, a 64-bit whole number: the first 8 bytes, read as a signed big-endian "
    "integer, of their pseudonym in this evaluation project. " + export_rules.PSEUDONYM_RULE + " The same "
    "person therefore has the same key in every extract of this project, and the key links to the project's "
    "evaluation downloads (whose pseudonym starts with the key's 16 hexadecimal digits). Every join is on "
    "(practice, person)."
)
BIRTH_MONTH_RULE = (
    "The date of birth is given as the first day of the month of birth (`birth_date`), as national "
    "pseudonymised extracts give month and year of birth. Ages worked out from it are exact except within the "
    "birth month, where a person may be counted a month older. Other dates are kept to the day."
)


def readme(result: Result) -> str:
    s = result.scope
    project = s.project
    covers = (f"{project.practice.name} ({project.practice.ods_code})" if project.practice_id
              else f"{project.group.name}: each of its practices")
    lines = [
        f"# {project.name}: population extract",
        "",
        f"- Evaluation project: {project.name} (project {project.pk}; it covers {covers})",
        f"- Practices in this extract: {', '.join(f'{p.name} ({p.ods_code})' for p in s.practices)}",
        f"- Made: {result.made_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} (UTC) by {s.user.display_name}",
        f"- Extract schema version: {schema.SCHEMA_VERSION}",
        f"- People: {result.people:,}",
        "",
        "## What it is",
        "",
        "The de-identified, person-level records the population rules read (registers, risk tiers, the care "
        "planning cycle and outcomes), one Parquet file per table and practice: "
        "`<table>/practice=<ODS code>/part-0.parquet` (Hive-style partitions: DuckDB, Apache Spark and pyarrow "
        "read the practice column from the folder name). Only what the rules need: no names, NHS numbers, "
        "addresses, postcodes or free text. It is pseudonymised, not anonymous, and no small-number rule has "
        "been applied: keep it as securely as the evaluation's data sharing agreement requires.",
        "",
        "## How people are keyed",
        "",
        PERSON_KEY_RULE,
        "",
        "## Dates of birth",
        "",
        BIRTH_MONTH_RULE,
        "",
        "## Rows",
        "",
        "| table | " + " | ".join(p.ods_code for p in s.practices) + " | all |",
        "|---|" + "---:|" * (len(s.practices) + 1),
    ]
    for name in schema.TABLE_NAMES:
        counts = [result.rows.get((name, p.ods_code), 0) for p in s.practices]
        lines.append(f"| `{name}` | " + " | ".join(f"{n:,}" for n in counts) + f" | {sum(counts):,} |")
    lines += ["", "## What each column means", "", "See data_dictionary.md.", ""]
    return "\n".join(lines)
