"""From parsed entries to an import plan: validated, mapped, references resolved. Pure.

Nothing is written here. The plan lists the patients to match or register and the
rows to write, each with a stable `source_id` so re-importing updates rather than
duplicates; every problem found is collected (the file is rejected if there is one).
What the practice already holds is asked through a `Lookup`, so this module needs no
database.

How each resource is identified, and how references are read: references.py.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from tandem.patients.rules import InvalidNHSNumber, normalise_nhs_number

from . import checks, lab_reports
from .mappers import CLINICAL, REPORTS, SUPPORTING
from .mappers.common import Context, MappingError, SubjectRef
from .mappers.patient import map_patient, missing_for_new
from .parse import Entry, ParsedFile
from .references import conditional_nhs_number, fit, identity, keys_of, referenced_type
from .report import FileReport, Where
from .validate import validate


class Lookup(Protocol):
    """What the practice already holds (implemented over the database in actions.py)."""

    def existing_nhs_numbers(self, numbers: set[str]) -> set[str]: ...

    def nhs_numbers_by_source_id(self, source_ids: set[str]) -> dict[str, set[str]]: ...

    def birth_dates(self, numbers: set[str]) -> dict[str, dt.date]: ...

    def owners(self, table: str, source_ids: set[str]) -> dict[str, str]:
        """The NHS number of the patient each of these rows (by source_id) belongs to now."""
        ...


@dataclass
class PlannedPatient:
    where: Where
    nhs_number: str
    source_id: str
    fields: dict[str, Any]
    exists: bool = False


@dataclass
class PlannedRow:
    where: Where
    resource_type: str
    table: str
    source_id: str
    nhs_number: str
    fields: dict[str, Any]


@dataclass
class Plan:
    patients: dict[str, PlannedPatient] = field(default_factory=dict)  # by NHS number
    rows: list[PlannedRow] = field(default_factory=list)
    observation_keys: set[str] = field(default_factory=set)  # how later files may refer to its Observations


class _Builder:
    def __init__(self, parsed: ParsedFile, report: FileReport, *, today: dt.date, lookup: Lookup,
                 medications: dict[str, Any], observation_keys: set[str]):
        self.parsed = parsed
        self.report = report
        self.lookup = lookup
        self.plan = Plan()
        self.medications = medications  # shared by the files of one import: key -> Medication
        self.file_medications: dict[str, Any] = {}
        self.used_medications: set[int] = set()
        self.patient_keys: dict[str, str] = {}  # reference key -> NHS number
        self.broken_keys: set[str] = set()  # keys of Patient entries that had problems
        self.entry_types: dict[str, str] = {}  # reference key -> resource type, for every entry
        self.earlier_observations = observation_keys  # keys of Observations in earlier files of this import
        self.links: dict[Where, lab_reports.Link] = {}  # a lab report's result -> its report
        self.lab = lab_reports.Gathered()
        self.ctx = Context(today=today, medication=self._medication)

    # -- problems ------------------------------------------------------------------
    def problem(self, where: Where, reason: str) -> None:
        self.report.add_problem(where, reason)

    # -- medications referenced by MedicationStatement/Request ------------------------
    def _medication(self, reference: str, resource: Any) -> Any | None:
        if reference.startswith("#"):
            for contained in resource.contained or []:
                if contained.get_resource_type() == "Medication" and contained.id == reference[1:]:
                    return contained
            return None
        tail = "/".join(reference.rstrip("/").split("/")[-2:])
        found = next((index[key] for index in (self.file_medications, self.medications)
                      for key in (reference, tail) if key in index), None)
        if found is not None:
            self.used_medications.add(id(found))
        return found

    # -- the passes --------------------------------------------------------------------
    def build(self) -> Plan:
        clinical = []
        patients = []
        medication_entries = []
        reports = []
        observations: dict[str, Entry] = {}
        for entry in self.parsed.entries:
            rtype = entry.resource.get("resourceType")
            for key in keys_of(entry.resource, entry.where.full_url):
                self.entry_types[key] = str(rtype)
                if rtype == "Observation":
                    observations[key] = entry
            if rtype == "Patient":
                patients.append(entry)
            elif rtype in CLINICAL:
                clinical.append(entry)
            elif rtype in REPORTS:
                reports.append(entry)
            elif rtype in SUPPORTING:
                medication_entries.append(entry)
            else:
                label = rtype if isinstance(rtype, str) and rtype else "resource without a type"
                self.report.skipped[label[:60]] += 1
        for entry in medication_entries:
            self._index_medication(entry)
        for entry in patients:
            self._plan_patient(entry)
        self.plan.observation_keys = set(observations)
        self.lab = lab_reports.gather(reports, observations, entry_types=self.entry_types, report=self.report)
        mapped = [m for m in (self._map(entry) for entry in clinical if entry.where not in self.lab.claimed)
                  if m is not None]
        mapped += self._lab_results()
        self._check_new_patients()
        self._resolve_and_plan_rows(mapped)
        unused = {id(m) for m in self.file_medications.values()} - self.used_medications
        if unused:
            self.report.skipped["Medication"] += len(unused)
        return self.plan

    def _index_medication(self, entry) -> None:
        model, reason = validate(entry.resource)
        if model is None:
            self.problem(entry.where, f"this Medication {reason}")
            return
        for key in keys_of(entry.resource, entry.where.full_url):
            self.file_medications[key] = model
            self.medications[key] = model

    def _plan_patient(self, entry) -> None:
        model, reason = validate(entry.resource)
        keys = keys_of(entry.resource, entry.where.full_url)
        if model is None:
            self.broken_keys |= keys
            self.problem(entry.where, f"this Patient {reason}")
            return
        try:
            mapped = map_patient(model)
        except MappingError as exc:
            self.broken_keys |= keys
            self.problem(entry.where, f"this Patient {exc}")
            return
        reasons = checks.person_dates(mapped.fields, today=self.ctx.today)
        if reasons:
            self.broken_keys |= keys
            for reason in reasons:
                self.problem(entry.where, f"this Patient {reason}")
            return
        for warning in mapped.warnings:
            self.report.add_warning(entry.where, warning)
        for key in keys:
            earlier = self.patient_keys.get(key)
            if earlier is not None and earlier != mapped.nhs_number:
                self.problem(entry.where, f"this Patient has the same id ({key}) as an earlier Patient "
                                          "with a different NHS number.")
                return
        for key in keys:
            self.patient_keys[key] = mapped.nhs_number
        previous = self.plan.patients.get(mapped.nhs_number)
        if previous is not None:
            self.report.add_warning(entry.where, f"the same person as {previous.where.describe()} "
                                                 "(same NHS number); their details are combined")
            previous.fields.update(mapped.fields)
            return
        self.plan.patients[mapped.nhs_number] = PlannedPatient(
            where=entry.where, nhs_number=mapped.nhs_number,
            source_id=identity(entry.resource, entry.where.full_url), fields=mapped.fields,
        )

    def _map(self, entry):
        rtype = entry.resource["resourceType"]
        model, reason = validate(entry.resource)
        if model is None:
            self.problem(entry.where, f"this {rtype} {reason}")
            return None
        try:
            mapped = CLINICAL[rtype](model, self.ctx)
        except MappingError as exc:
            self.problem(entry.where, f"this {rtype} {exc}")
            return None
        for warning in mapped.warnings:
            self.report.add_warning(entry.where, warning)
        if mapped.skipped:
            self.report.skipped[mapped.skipped] += 1
            return None
        return entry, rtype, mapped

    def _lab_results(self) -> list:
        """Each lab report (to find its patient; it becomes no row) and its results, mapped as Observations.
        A result that does not say who it is about is about the report's patient."""
        mapped = [(entry, lab_reports.REPORT, report) for entry, report in self.lab.reports]
        subjects = {entry.where: report.subject for entry, report in self.lab.reports}
        for entry, link in self.lab.results:
            found = self._map(entry)
            if found is None:
                continue
            if found[2].subject is None:
                found[2].subject = subjects[link.report]
            self.links[entry.where] = link
            mapped.append(found)
        return mapped

    def _check_new_patients(self) -> None:
        existing = self.lookup.existing_nhs_numbers(set(self.plan.patients))
        for patient in self.plan.patients.values():
            patient.exists = patient.nhs_number in existing
            missing = [] if patient.exists else missing_for_new(patient.fields)
            if missing:
                listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]
                self.problem(patient.where, f"this Patient is new to this practice but has no {listed}; "
                                            "Tandem needs a name and date of birth to register someone.")

    def _resolve_and_plan_rows(self, mapped: list) -> None:
        pending: list[tuple[Any, str, Any, str]] = []  # entry, rtype, mapped, nhs or ""
        wanted_numbers: set[str] = set()
        wanted_source_ids: set[str] = set()
        for entry, rtype, result in mapped:
            nhs = self._resolve_in_file(entry.where, rtype, result.subject)
            if nhs is None:
                continue  # a problem was recorded
            if nhs == "":
                subject = result.subject
                number = conditional_nhs_number(subject.reference) or subject.nhs_number
                if number:
                    try:
                        wanted_numbers.add(normalise_nhs_number(number))
                    except InvalidNHSNumber as exc:
                        self.problem(entry.where, f"this {rtype} refers to its patient by an NHS number "
                                                  f"that is not valid: {exc}")
                        continue
                if subject.reference:
                    wanted_source_ids.add(subject.reference)
                    wanted_source_ids.add("/".join(subject.reference.rstrip("/").split("/")[-2:]))
            pending.append((entry, rtype, result, nhs))
        known_numbers = self.lookup.existing_nhs_numbers(wanted_numbers) if wanted_numbers else set()
        by_source = self.lookup.nhs_numbers_by_source_id(wanted_source_ids) if wanted_source_ids else {}
        resolved = []
        for entry, rtype, result, nhs in pending:
            if not nhs:
                nhs = self._resolve_in_practice(entry.where, rtype, result.subject, known_numbers, by_source)
                if not nhs:
                    continue
            resolved.append((entry, rtype, result, nhs))
        resolved = self._with_their_reports(resolved)
        births = {number: planned.fields["date_of_birth"] for number, planned in self.plan.patients.items()
                  if planned.fields.get("date_of_birth")}
        unknown = {nhs for *_, nhs in resolved} - set(births)
        if unknown:
            births.update(self.lookup.birth_dates(unknown))
        seen: dict[tuple[str, str], Where] = {}
        for entry, rtype, result, nhs in resolved:
            link = self.links.get(entry.where)
            base = (link and link.source_id) or identity(entry.resource, entry.where.full_url)
            for row in result.rows:
                if not self._plausible(entry.where, rtype, row, births.get(nhs)):
                    continue
                source_id = fit(f"{base}#{row.suffix}") if row.suffix else base
                key = (row.table, source_id)
                if key in seen:
                    self.report.add_warning(entry.where, f"repeats {seen[key].describe()}; the later one is kept")
                    self.plan.rows = [r for r in self.plan.rows if (r.table, r.source_id) != key]
                seen[key] = entry.where
                self.plan.rows.append(PlannedRow(
                    where=entry.where, resource_type=rtype, table=row.table, source_id=source_id,
                    nhs_number=nhs, fields=row.fields,
                ))
        self.report.lab_results += len({row.where for row in self.plan.rows if row.where in self.links})
        self._check_blood_pressure_pairs()
        self._check_owners()

    def _with_their_reports(self, resolved: list) -> list:
        """Refuse a lab result about a different patient from its report, then check what the reports list
        but the file does not carry (lab_reports.check_held). The reports themselves become no rows."""
        patients = {entry.where: nhs for entry, rtype, _, nhs in resolved if rtype == lab_reports.REPORT}
        kept = []
        for item in resolved:
            entry, rtype, _, nhs = item
            if rtype == lab_reports.REPORT:
                continue
            link = self.links.get(entry.where)
            if link is not None and patients.get(link.report) != nhs:
                if link.report in patients:  # else the report's own problem is reported
                    self.problem(entry.where, lab_reports.different_patient(link.report))
                continue
            kept.append(item)
        self.report.lab_reports += len(patients)
        lab_reports.check_held(self.lab, patients, owners=lambda ids: self.lookup.owners("observation", ids),
                               earlier=self.earlier_observations, report=self.report)
        return kept

    def _plausible(self, where: Where, rtype: str, row, born: dt.date | None) -> bool:
        """Turn ages into dates and check the row's dates against the person's life; False after
        recording a problem."""
        reasons = checks.row_dates(rtype, row, born=born, today=self.ctx.today)
        for reason in reasons:
            self.problem(where, reason)
        return not reasons

    def _check_blood_pressure_pairs(self) -> None:
        for where, reason in checks.blood_pressure_pairs(self.plan.rows):
            self.problem(where, reason)

    def _check_owners(self) -> None:
        """A row Tandem already holds for a different patient is not moved (see actions._write, which
        checks again inside the transaction)."""
        by_table: dict[str, list[PlannedRow]] = {}
        for row in self.plan.rows:
            by_table.setdefault(row.table, []).append(row)
        for table, rows in by_table.items():
            owners = self.lookup.owners(table, {r.source_id for r in rows})
            for row in rows:
                owner = owners.get(row.source_id)
                if owner is not None and owner != row.nhs_number:
                    self.problem(row.where, checks.different_patient(row.resource_type, row.source_id))

    def _resolve_in_file(self, where: Where, rtype: str, subject: SubjectRef | None) -> str | None:
        """NHS number from this file; "" to look in the practice; None after recording a problem."""
        if subject is None:
            self.problem(where, f"this {rtype} does not say which patient it is about (no subject).")
            return None
        reference = subject.reference
        if reference.startswith("#"):
            self.problem(where, f"this {rtype} refers to a patient contained inside it ({reference}); "
                                "Tandem needs the Patient as an entry of the file, or an NHS number reference.")
            return None
        if reference:
            target = referenced_type(reference) or self.entry_types.get(reference, "")
            if target and target != "Patient":
                self.problem(where, f"this {rtype} is about {reference} (a {target}), not a patient; "
                                    "Tandem imports records about one patient.")
                return None
            for key in (reference, "/".join(reference.rstrip("/").split("/")[-2:])):
                if key in self.broken_keys:
                    return None  # its Patient's problem is already reported
                if key in self.patient_keys:
                    return self.patient_keys[key]
        number = conditional_nhs_number(reference) or subject.nhs_number
        if number:
            try:
                normalised = normalise_nhs_number(number)
            except InvalidNHSNumber:
                return ""  # reported with the practice lookup
            if normalised in self.plan.patients:
                return normalised
        if not reference and not number:
            self.problem(where, f"this {rtype} identifies its patient only in {subject.identifier_system}; "
                                "Tandem needs a reference to a Patient in the file or an NHS number.")
            return None
        return ""

    def _resolve_in_practice(self, where: Where, rtype: str, subject: SubjectRef, known_numbers: set[str],
                             by_source: dict[str, set[str]]) -> str:
        number = conditional_nhs_number(subject.reference) or subject.nhs_number
        if number:
            normalised = normalise_nhs_number(number)
            if normalised in known_numbers:
                return normalised
        if subject.reference:
            for key in (subject.reference, "/".join(subject.reference.rstrip("/").split("/")[-2:])):
                matches = by_source.get(key, set())
                if len(matches) == 1:
                    return next(iter(matches))
                if len(matches) > 1:
                    self.problem(where, f"this {rtype} refers to {subject.reference}, which matches more than one "
                                        "patient already in Tandem; refer to the patient by NHS number instead.")
                    return ""
        self.problem(where, f"this {rtype} refers to {subject.describe()}, who is neither in this file "
                            "nor registered at this practice in Tandem.")
        return ""


def build(parsed: ParsedFile, report: FileReport, *, today: dt.date, lookup: Lookup,
          medications: dict[str, Any] | None = None, observation_keys: set[str] | None = None) -> Plan:
    """Plan the import of one parsed file; problems and skips go into `report`. `medications` and
    `observation_keys` are shared by the files of one import (what earlier files held)."""
    return _Builder(parsed, report, today=today, lookup=lookup,
                    medications=medications if medications is not None else {},
                    observation_keys=observation_keys if observation_keys is not None else set()).build()


def count_rows(plan: Plan) -> Counter:
    return Counter(row.table for row in plan.rows)
