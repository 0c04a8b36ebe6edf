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
    age_unit,
    clip,
    code_of,
    coding_in,
    future,
    is_sctid,
    long_date,
    period_end,
    period_start,
    shown,
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
    return None


def _abatement(resource: Any):
    if resource.abatementDateTime is not None:
        return to_date(resource.abatementDateTime)
    if resource.abatementPeriod is not None:
        return period_start(resource.abatementPeriod) or period_end(resource.abatementPeriod)
    return None


def _given_age(resource: Any, element: str) -> tuple[float, str] | None:
    """`element` ("onset" or "abatement") given as an age (xAge) or an age range (xRange.low), or None."""
    age, span = getattr(resource, f"{element}Age"), getattr(resource, f"{element}Range")
    if age is not None:
        return _age(age, f"{element}Age")
    if span is not None and span.low is not None:
        return _age(span.low, f"{element}Range.low")
    return None


def _age(quantity: Any, element: str) -> tuple[float, str]:
    found = age_unit(quantity)
    if found is None:
        raise MappingError(f"gives {element} as {shown(quantity.value)} {shown(quantity.code or quantity.unit)}, "
                           "which is not an age Tandem can read (a number of years, months, weeks or days).")
    return found


def map_condition(resource: Any, ctx: Context) -> Mapped:
    """The condition's onset and abatement may be dates or the person's age (onsetAge, abatementAge,
    or the low end of an age range); ages are turned into dates by the planner, with the birth date."""
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

    ages: dict[str, tuple[float, str]] = {}
    onset = _onset(resource)
    if onset is None:
        onset_age = _given_age(resource, "onset")
        if onset_age is not None:
            ages["onset_date"] = onset_age
        else:
            onset = to_date(resource.recordedDate)
    if onset is None and not ages:
        raise MappingError("has no onset date or recorded date, so Tandem cannot say when it started.")
    if future(onset, ctx):
        raise MappingError(f"starts on {onset:%d %B %Y}, which is in the future.")

    resolved = _abatement(resource)
    abatement_age = _given_age(resource, "abatement") if resolved is None else None
    if abatement_age is not None:
        ages["resolved_date"] = abatement_age
    status = code_of(resource.clinicalStatus)
    ended = status in _RESOLVED_STATUSES or bool(resource.abatementString)
    if resolved is None and abatement_age is None and ended:
        how = status if status in _RESOLVED_STATUSES else "as ended"
        resolved = to_date(resource.recordedDate)
        if onset is None or resolved is None or resolved < onset:
            if onset is None:
                ages["resolved_date"] = ages["onset_date"]
            resolved = onset
            mapped.warnings.append(f"marked {how} without a date; recorded as resolved from its onset date")
    if future(resolved, ctx):
        raise MappingError(f"is recorded as resolved on {resolved:%d %B %Y}, which is in the future.")
    if resolved is not None and onset is not None and resolved < onset:
        raise MappingError(
            f"is recorded as resolved on {long_date(resolved)}, before it started on {long_date(onset)}."
        )
    mapped.rows.append(Row("condition", {
        "code": code, "term": clip(term, 255), "onset_date": onset, "resolved_date": resolved,
    }, ages=ages))
    return mapped
