"""FHIR DiagnosticReport (a lab report) -> whether its results are imported, and for whom. Pure.

A report is not a row of its own: its results are Observations (in the file, or contained in
the report) imported through the Observation mapper (tandem.fhir.lab_reports gathers them).
This module decides from the report's status whether they are imported at all.

Statuses are those of the FHIR R4 (4.0.1) code system http://hl7.org/fhir/diagnostic-report-status:
- final (complete and verified), amended, corrected and appended (changed or added to after being
  final) are imported; a corrected report updates the results imported from it before.
- registered (nothing available yet), partial and preliminary (results that may be incomplete or
  unverified, or not all final) are skipped with a warning: a clinician acts on verified results,
  and a preliminary number that the lab then changes would already have reached registers and the
  person's results pack. The final report, when it comes, is imported. The file is not refused: it
  is right as it stands, and refusing it would hold back everything else in it.
- cancelled, entered-in-error and unknown are skipped: there is no result to record.
"""

from __future__ import annotations

from typing import Any

from .common import Mapped, subject_of

IMPORTED_STATUSES = ("final", "amended", "corrected", "appended")
# status -> (label counted in "Skipped ...", why, in words for the warning)
NOT_IMPORTED = {
    "registered": ("no results yet", "the lab has registered it but has no results yet"),
    "partial": ("not final", "it is partial: its results may be incomplete or unverified; the final report "
                             "will be imported when it comes"),
    "preliminary": ("preliminary", "it is preliminary: not all its results are final; the final report will be "
                                   "imported when it comes"),
    "cancelled": ("cancelled", "it was cancelled"),
    "entered-in-error": ("entered in error", "the lab has marked it as entered in error"),
    "unknown": ("status unknown", "its status is unknown, so Tandem cannot tell whether its results are final"),
}


def skip_reason(resource: Any) -> tuple[str, str]:
    """("", "") when the report's results are imported, else (label, why)."""
    if resource.status in IMPORTED_STATUSES:
        return "", ""
    return NOT_IMPORTED.get(resource.status, ("status unknown", NOT_IMPORTED["unknown"][1]))


def map_report(resource: Any) -> Mapped:
    """Who the report is about. It becomes no row itself: its results are the rows."""
    return Mapped(subject=subject_of(resource.subject))


# The elements an Observation dates itself with; when it has none, it takes the report's.
OBSERVATION_DATES = ("effectiveDateTime", "effectivePeriod", "effectiveInstant", "effectiveTiming")
REPORT_DATES = ("effectiveDateTime", "effectivePeriod")


def dated_by_report(observation: dict, report: dict) -> dict:
    """The Observation (a JSON object), dated by the report when it has no date of its own: the
    report's effective date (when the specimen was taken), else the Observation's own issued time,
    else the report's."""
    if any(name in observation for name in OBSERVATION_DATES):
        return observation
    for name in REPORT_DATES:
        if name in report:
            return {**observation, name: report[name]}
    if "issued" not in observation and "issued" in report:
        return {**observation, "issued": report["issued"]}
    return observation
