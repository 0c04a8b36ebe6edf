"""FHIR Condition -> Tandem Condition. Pure.

Registers are built from SNOMED CT coded diagnoses, so:
- only SNOMED CT coded conditions are stored; others (e.g. ICD-10 only) are skipped
  and counted, with a warning naming the coding systems found;
- only confirmed (or unqualified) diagnoses are stored: refuted, provisional,
  differential, unconfirmed and entered-in-error conditions are skipped, because a
  register built on a possible diagnosis would invite people to reviews for a
  condition they may not have.
"""

from __future__ import annotations

from typing import Any

from tandem.terminology import codelists

from .common import (
    SNOMED,
    Context,
    Mapped,
    MappingError,
    Row,
    clip,
    code_of,
    coding_in,
    future,
    is_sctid,
    period_end,
    period_start,
    subject_of,
    systems_of,
    to_date,
)

_NOT_STORED = {
    "entered-in-error": "entered in error",
    "refuted": "refuted",
    "unconfirmed": "not confirmed",
    "provisional": "not confirmed",
    "differential": "not confirmed",
}
_RESOLVED_STATUSES = {"resolved", "inactive", "remission"}


def _onset(resource: Any):
    if resource.onsetDateTime is not None:
        return to_date(resource.onsetDateTime)
    if resource.onsetPeriod is not None and resource.onsetPeriod.start is not None:
        return period_start(resource.onsetPeriod)
    return to_date(resource.recordedDate)


def _abatement(resource: Any):
    if resource.abatementDateTime is not None:
        return to_date(resource.abatementDateTime)
    if resource.abatementPeriod is not None:
        return period_start(resource.abatementPeriod) or period_end(resource.abatementPeriod)
    return None


def map_condition(resource: Any, ctx: Context) -> Mapped:
    mapped = Mapped(subject=subject_of(resource.subject))
    verification = code_of(resource.verificationStatus)
    if verification in _NOT_STORED:
        mapped.skipped = f"Condition ({_NOT_STORED[verification]})"
        return mapped
    coding = coding_in(resource.code, [SNOMED])
    if coding is None:
        mapped.skipped = "Condition (not coded in SNOMED CT)"
        mapped.warnings.append(
            f"not imported: coded in {systems_of(resource.code)}, not SNOMED CT ({SNOMED})"
        )
        return mapped
    code = coding.code.strip()
    if not is_sctid(code):
        raise MappingError(f"has SNOMED CT code '{clip(code, 30)}', which is not a SNOMED CT concept id.")
    term = coding.display or codelists.term_for(code) or (resource.code.text or "") or f"SNOMED CT {code}"

    onset = _onset(resource)
    if onset is None:
        raise MappingError("has no onset date or recorded date, so Tandem cannot say when it started.")
    if future(onset, ctx):
        raise MappingError(f"starts on {onset:%d %B %Y}, which is in the future.")

    resolved = _abatement(resource)
    if resolved is None and code_of(resource.clinicalStatus) in _RESOLVED_STATUSES:
        resolved = to_date(resource.recordedDate)
        if resolved is None or resolved < onset:
            resolved = onset
            mapped.warnings.append(
                f"marked {code_of(resource.clinicalStatus)} without a date; recorded as resolved from its onset date"
            )
    if resolved is not None and resolved < onset:
        raise MappingError(
            f"is recorded as resolved on {resolved:%d %B %Y}, before it started on {onset:%d %B %Y}."
        )
    mapped.rows.append(Row("condition", {
        "code": code, "term": clip(term, 255), "onset_date": onset, "resolved_date": resolved,
    }))
    return mapped
