"""Shaping import reports for the result page."""

from __future__ import annotations

from dataclasses import dataclass

from .report import FileReport, Problem


@dataclass(frozen=True)
class ProblemRow:
    anchor: str
    place: str  # "Entry 3" / "Line 5" / "The file"
    resource: str
    full_url: str
    reason: str


@dataclass(frozen=True)
class FileResult:
    anchor: str
    name: str
    imported: bool
    kind: str
    entries: int
    imported_lines: list[str]
    skipped_line: str
    problems: list[ProblemRow]
    more_problems: int
    warnings: list[ProblemRow]
    more_warnings: int


def _row(anchor: str, problem: Problem) -> ProblemRow:
    where = problem.where
    if where.number is not None:
        place = f"{'Line' if where.line_based else 'Entry'} {where.number}"
    else:
        place = "The file" if not where.resource else ""
    reason = problem.reason[:1].upper() + problem.reason[1:]
    return ProblemRow(anchor=anchor, place=place, resource=where.resource, full_url=where.full_url, reason=reason)


def results(reports: list[FileReport]) -> list[FileResult]:
    out = []
    for index, report in enumerate(reports, start=1):
        anchor = f"file-{index}"
        out.append(FileResult(
            anchor=anchor, name=report.name, imported=report.imported, kind=report.kind, entries=report.entries,
            imported_lines=report.imported_lines(), skipped_line=report.skipped_line() if report.imported else "",
            problems=[_row(f"{anchor}-problem-{n}", p) for n, p in enumerate(report.problems, start=1)],
            more_problems=report.more_problems,
            warnings=[_row(f"{anchor}-warning-{n}", w) for n, w in enumerate(report.warnings, start=1)],
            more_warnings=report.more_warnings,
        ))
    return out


SUMMARY_PER_FILE = 10


def error_list(files: list[FileResult]) -> list[dict]:
    """Items for the NHS.UK error summary: each problem of each rejected file, linked to its row."""
    items = []
    for result in files:
        if result.imported:
            continue
        for problem in result.problems[:SUMMARY_PER_FILE]:
            place = " ".join(p for p in (problem.place, f"({problem.resource})" if problem.resource else "") if p)
            items.append({"text": f"{result.name}: {place}: {problem.reason}", "href": f"#{problem.anchor}"})
        hidden = len(result.problems) - SUMMARY_PER_FILE + result.more_problems
        if hidden > 0:
            items.append({"text": f"{result.name}: and {hidden} more problems", "href": f"#{result.anchor}"})
    return items
