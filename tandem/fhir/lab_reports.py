"""Lab reports (FHIR DiagnosticReport): which Observations are whose results. Pure.

A lab sends HbA1c, lipids, eGFR or urine ACR as a DiagnosticReport whose `result` lists
Observations: entries of the same file (`Observation/id`, a fullUrl, `urn:uuid:...`) or
Observations contained in the report (`#id`). This module reads each report and hands its
results to the planner, which maps them with the Observation mapper and checks them like any
other Observation (units, conversions, plausible ranges, dates); the planner then refuses a
result about a different patient from its report.

- A contained result's identity (source_id) is the report's identity and the contained id
  ("DiagnosticReport/r1#hba1c"); a result in the file keeps its own, so an Observation
  imported before on its own is the same row.
- A result without a date takes the report's (mappers/diagnostic_report.py).
- A result reference that is not in the file nor contained in the report is looked for
  among the Observations Tandem holds (or an earlier file of the same import read): a
  bulk-data export puts reports and Observations in files of their own. Found nowhere, it
  is a problem.
- The results of a report that is not imported (preliminary, cancelled...) are not imported
  either, even when they are entries of the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .mappers.common import Mapped, shown
from .mappers.diagnostic_report import (
    IMPORTED_STATUSES,
    NOT_IMPORTED,
    dated_by_report,
    map_report,
    skip_reason,
)
from .parse import Entry
from .references import fit, identity
from .report import FileReport, Where
from .validate import validate

REPORT = "DiagnosticReport"


@dataclass(frozen=True)
class Link:
    """The report an Observation is a result of."""

    report: Where
    source_id: str = ""  # a contained result's identity; "" for an entry of the file (its own identity)


@dataclass
class Gathered:
    reports: list[tuple[Entry, Mapped]] = field(default_factory=list)  # reports whose results are imported
    results: list[tuple[Entry, Link]] = field(default_factory=list)  # Observations to import as results
    claimed: set[Where] = field(default_factory=set)  # entries that are results: not imported on their own
    elsewhere: list[tuple[Where, str]] = field(default_factory=list)  # (report, reference) not in the file
    # Reports marked entered in error: the ids their results would have, and why they are skipped.
    withdrawn: list[tuple[Where, set[str], str]] = field(default_factory=list)


def tail(reference: str) -> str:
    return "/".join(reference.rstrip("/").split("/")[-2:])


def contained_where(report: Where, contained_id: str) -> Where:
    """A contained result is reported at its report's entry, named by its id."""
    label = f"{report.resource or REPORT}, contained Observation #{contained_id}"
    return Where(number=report.number, line_based=report.line_based, full_url=report.full_url, resource=label[:120])


class _Reader:
    def __init__(self, observations: dict[str, Entry], entry_types: dict[str, str], report: FileReport):
        self.observations = observations  # reference key -> Observation entry of the file
        self.entry_types = entry_types  # reference key -> resource type, for every entry of the file
        self.report = report
        self.gathered = Gathered()

    def problem(self, where: Where, reason: str) -> None:
        self.report.add_problem(where, reason)

    def read(self, entry: Entry) -> None:
        raw = entry.resource
        contained = raw.get("contained")
        contained = [c for c in contained if isinstance(c, dict)] if isinstance(contained, list) else []
        inside = {c.get("id"): c for c in contained if c.get("resourceType") == "Observation"}
        # Contained Observations are validated one by one as results, so each problem names its result.
        others = [c for c in contained if c.get("resourceType") != "Observation"]
        checked = {k: v for k, v in raw.items() if k != "contained"}
        if others:
            checked["contained"] = others
        model, reason = validate(checked)
        if model is None:
            self.problem(entry.where, f"this {REPORT} {reason}")
            self._claim(raw.get("result"))
            return
        base = identity(raw, entry.where.full_url)
        references = [(r.reference or "").strip() for r in model.result or []]
        if model.status not in IMPORTED_STATUSES and model.status not in NOT_IMPORTED:
            self.problem(entry.where, f"this {REPORT} has the status {shown(model.status)}, which is not a status of "
                                      "a report in FHIR R4 (final, amended, corrected, preliminary ...).")
            self._claim(raw.get("result"))
            return
        label, why = skip_reason(model)
        if label:
            self._skip(entry, base, references, inside, label, why)
            return
        if not references:
            self.report.skipped[f"{REPORT} (no results)"] += 1
            self.report.add_warning(entry.where, "this lab report lists no results (a report given only as text or "
                                                 "as a document is not imported)")
            return
        self.gathered.reports.append((entry, map_report(model)))
        seen: set[str] = set()
        for reference in references:
            if reference in seen:
                continue
            seen.add(reference)
            self._result(entry, base, reference, inside, contained)

    def _claim(self, results: object) -> None:
        """The results in the file of a report that is not valid: its problem is reported, not theirs."""
        for item in results if isinstance(results, list) else []:
            reference = item.get("reference") if isinstance(item, dict) else None
            if isinstance(reference, str):
                found = next((self.observations[k] for k in (reference, tail(reference)) if k in self.observations),
                             None)
                if found is not None:
                    self.gathered.claimed.add(found.where)

    def _result(self, entry: Entry, base: str, reference: str, inside: dict, contained: list[dict]) -> None:
        where = entry.where
        if not reference:
            self.problem(where, f"this {REPORT} lists a result without a reference to an Observation; Tandem "
                                "needs the Observation in the file or contained in the report.")
            return
        if reference.startswith("#"):
            found = inside.get(reference[1:])
            if found is None:
                other = next((c.get("resourceType") for c in contained if c.get("id") == reference[1:]), None)
                self.problem(where, f"this {REPORT} lists the result {reference}, but "
                                    + (f"what it contains with that id is a {other}, not an Observation."
                                       if isinstance(other, str) else "it contains nothing with that id."))
                return
            result = Entry(contained_where(where, reference[1:]), dated_by_report(found, entry.resource))
            self.gathered.results.append((result, Link(report=where, source_id=fit(f"{base}#{reference[1:]}"))))
            return
        for key in (reference, tail(reference)):
            found = self.observations.get(key)
            if found is not None:
                if found.where not in self.gathered.claimed:
                    self.gathered.claimed.add(found.where)
                    result = Entry(found.where, dated_by_report(found.resource, entry.resource))
                    self.gathered.results.append((result, Link(report=where)))
                return
            other = self.entry_types.get(key)
            if other is not None:
                self.problem(where, f"this {REPORT} lists {reference} as a result, but that is a {other}, "
                                    "not an Observation.")
                return
        self.gathered.elsewhere.append((where, reference))

    def _skip(self, entry: Entry, base: str, references: list[str], inside: dict, label: str, why: str) -> None:
        """A report whose results are not imported: neither are its results that are entries of the file."""
        self.report.skipped[f"{REPORT} ({label})"] += 1
        results = 0
        ids = set()
        for reference in references:
            if reference.startswith("#"):
                if reference[1:] in inside:
                    results += 1
                    ids.add(fit(f"{base}#{reference[1:]}"))
                continue
            ids |= {reference, tail(reference)} if reference else set()
            found = next((self.observations[k] for k in (reference, tail(reference)) if k in self.observations),
                         None)
            if found is not None and found.where not in self.gathered.claimed:
                self.gathered.claimed.add(found.where)
                ids.add(identity(found.resource, found.where.full_url))
                results += 1
        if results:
            self.report.skipped["Observation (result of a lab report not imported)"] += results
        warning = f"this lab report and its results were not imported: {why}"
        if entry.resource.get("status") == "entered-in-error":  # warned once it is known what Tandem holds
            self.gathered.withdrawn.append((entry.where, ids, warning))
        else:
            self.report.add_warning(entry.where, warning)


def gather(reports: list[Entry], observations: dict[str, Entry], *, entry_types: dict[str, str],
           report: FileReport) -> Gathered:
    """Read the file's DiagnosticReports; problems, skips and warnings go into `report`."""
    reader = _Reader(observations, entry_types, report)
    for entry in reports:
        reader.read(entry)
    return reader.gathered


def check_held(gathered: Gathered, patients: dict[Where, str], *, owners: Callable[[set[str]], dict[str, str]],
               earlier: set[str], report: FileReport) -> None:
    """Check the results a report lists but the file does not carry against the Observations Tandem
    holds (`owners`: source_id -> NHS number), for reports whose patient (`patients`) is known; and
    warn about a report marked entered in error, saying how many of its results Tandem holds."""
    elsewhere = [(where, reference) for where, reference in gathered.elsewhere if where in patients]
    wanted = {key for _, reference in elsewhere for key in (reference, tail(reference))}
    wanted |= {key for _, ids, _ in gathered.withdrawn for key in ids}
    held = owners(wanted) if wanted else {}
    for where, reference in elsewhere:
        owner = held.get(reference) or held.get(tail(reference))
        if owner is None and earlier & {reference, tail(reference)}:
            continue  # read in an earlier file of this import but not recorded (a test Tandem does not use)
        if owner is None:
            report.add_problem(where, f"this {REPORT} lists the result {reference}, which is neither in this file, "
                                      "contained in the report, nor an Observation Tandem holds.")
        elif owner != patients[where]:
            report.add_problem(where, f"this {REPORT} lists the result {reference}, which Tandem holds for a "
                                      "different patient from the report's. Ask the lab to check the report.")
        else:
            report.lab_results += 1
    for where, ids, warning in gathered.withdrawn:
        count = len(ids & set(held))
        report.add_warning(where, warning if not count else (
            f"this lab report is marked as entered in error, but Tandem holds {count} "
            f"{'result' if count == 1 else 'results'} from it, imported earlier. Importing never deletes: check "
            "the person's results and correct them with the practice's system."))


def different_patient(report: Where) -> str:
    return (f"this Observation is a result of the lab report at {report.describe()}, but is about a different "
            "patient from the report. Nothing was imported; ask the lab to check the report.")
