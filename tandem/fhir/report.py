"""What happened to each imported file, for people: the upload page and the command line.

Pure: no Django. Problems and warnings name the entry (its number in the bundle, or
its line in an NDJSON file), its fullUrl and resource, and the reason in plain words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_PROBLEMS = 100  # shown per file; the count of the rest is reported

# Tandem record kinds, in the order people read them, with singular and plural labels.
RECORD_KINDS = {
    "patient": ("patient", "patients"),
    "condition": ("condition", "conditions"),
    "observation": ("observation", "observations"),
    "medication": ("medication", "medications"),
    "encounter": ("appointment or contact", "appointments and contacts"),
    "hospital_event": ("hospital admission or A&E attendance", "hospital admissions and A&E attendances"),
}


@dataclass(frozen=True)
class Where:
    """One entry of a file: its position, fullUrl and resource type/id."""

    number: int | None = None  # 1-based entry in a Bundle, or line of an NDJSON file
    line_based: bool = False
    full_url: str = ""
    resource: str = ""  # "Observation/abc", or just "Observation" when it has no id

    def describe(self) -> str:
        parts = []
        if self.number is not None:
            parts.append(f"{'Line' if self.line_based else 'Entry'} {self.number}")
        if self.resource:
            parts.append(f"({self.resource})" if parts else self.resource)
        if self.full_url and self.full_url != self.resource:
            parts.append(f"[{self.full_url}]")
        return " ".join(parts) if parts else "The file"


@dataclass(frozen=True)
class Problem:
    where: Where
    reason: str

    def describe(self) -> str:
        return f"{self.where.describe()}: {self.reason}"


@dataclass
class FileReport:
    name: str
    imported: bool = False
    kind: str = ""  # "Bundle (transaction)", "NDJSON", "single resource"
    entries: int = 0
    created: Counter = field(default_factory=Counter)  # record kind -> rows
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)  # label -> resources
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    warnings: list[Problem] = field(default_factory=list)
    more_warnings: int = 0
    patients: int = 0
    lab_reports: int = 0  # DiagnosticReports whose results were imported
    lab_results: int = 0  # their result Observations that Tandem records

    @property
    def rejected(self) -> bool:
        return not self.imported

    def add_problem(self, where: Where, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(where, reason))
        else:
            self.more_problems += 1

    def add_warning(self, where: Where, reason: str) -> None:
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(Problem(where, reason))
        else:
            self.more_warnings += 1

    def sort(self) -> None:
        """Problems and warnings in file order (the file-level ones first)."""
        def key(item: Problem) -> int:
            return item.where.number or 0
        self.problems.sort(key=key)
        self.warnings.sort(key=key)

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems

    def imported_lines(self) -> list[str]:
        """'3 conditions: 2 new, 1 updated' for each kind of record in the file."""
        lines = []
        for kind, (one, many) in RECORD_KINDS.items():
            counts = (("new", self.created[kind]), ("updated", self.updated[kind]),
                      ("already up to date", self.unchanged[kind]))
            total = sum(n for _, n in counts)
            if total:
                detail = ", ".join(f"{n} {label}" for label, n in counts if n)
                lines.append(f"{total} {one if total == 1 else many}: {detail}")
            if kind == "observation" and self.lab_reports:
                lines.append(self.lab_line())
        return lines

    def lab_line(self) -> str:
        """'5 results from 2 lab reports' (the results are among the observations counted above)."""
        results, reports = self.lab_results, self.lab_reports
        return (f"{results} {'result' if results == 1 else 'results'} from {reports} "
                f"lab {'report' if reports == 1 else 'reports'}")

    def skipped_line(self) -> str:
        """'Skipped 3 Practitioner, 1 Organization' (empty when nothing was skipped)."""
        if not self.skipped:
            return ""
        parts = [f"{n} {label}" for label, n in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0]))]
        return "Skipped " + ", ".join(parts)

    def counts_for_audit(self) -> dict:
        """Counts only: no names, identifiers or free text."""
        return {
            "outcome": "imported" if self.imported else "rejected",
            "entries": self.entries,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "skipped": sum(self.skipped.values()),
            "problems": self.problem_count,
            "patients": self.patients,
            "lab_reports": self.lab_reports,
        }


def render_text(reports: list[FileReport]) -> str:
    """The report as plain text, for the command line."""
    out: list[str] = []
    for report in reports:
        if report.imported:
            out.append(f"{report.name}: imported ({report.kind}, {report.entries} entries)")
            out.extend(f"  {line}" for line in report.imported_lines() or ["nothing new to record"])
        else:
            out.append(f"{report.name}: REJECTED - nothing from this file was stored")
            out.append(f"  {report.problem_count} problem{'s' if report.problem_count != 1 else ''}:")
            out.extend(f"  - {p.describe()}" for p in report.problems)
            if report.more_problems:
                out.append(f"  - and {report.more_problems} more")
        if report.imported and report.skipped_line():
            out.append(f"  {report.skipped_line()}")
        if report.warnings:
            out.append("  Warnings:")
            out.extend(f"  - {w.describe()}" for w in report.warnings)
            if report.more_warnings:
                out.append(f"  - and {report.more_warnings} more")
    return "\n".join(out)
