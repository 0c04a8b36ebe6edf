"""FHIR MedicationStatement and MedicationRequest -> Tandem Medication. Pure.

The medicine is medicationCodeableConcept, or the Medication a medicationReference
points at (contained in the resource, or elsewhere in the file). A dm+d code is kept
when the coding is dm+d (https://dmd.nhs.uk) or SNOMED CT (dm+d ids are SNOMED CT
ids); medicines coded only in other systems (RxNorm, NDC) are stored by name with no
dm+d code. Entered-in-error, not-taken, cancelled and draft records are skipped.
"""

from __future__ import annotations

from typing import Any

from .common import (
    DMD,
    SNOMED,
    Context,
    Mapped,
    MappingError,
    Row,
    clip,
    coding_in,
    is_sctid,
    period_end,
    period_start,
    subject_of,
    text_of,
    to_date,
)

_STATEMENT_STATUS = {
    "active": "active", "intended": "active", "on-hold": "active", "unknown": "active",
    "completed": "stopped", "stopped": "stopped",
}
_REQUEST_STATUS = {
    "active": "active", "on-hold": "active", "unknown": "active",
    "completed": "stopped", "stopped": "stopped",
}
_SKIPPED_STATUS = {
    "entered-in-error": "entered in error", "not-taken": "not taken", "cancelled": "cancelled",
    "draft": "draft",
}


def _medicine(resource: Any, ctx: Context) -> tuple[Any | None, str]:
    """(CodeableConcept of the medicine, display name from the reference if that is all there is)."""
    if resource.medicationCodeableConcept is not None:
        return resource.medicationCodeableConcept, ""
    reference = resource.medicationReference
    if reference is None:
        raise MappingError("does not say which medicine it is.")
    medication = ctx.medication(reference.reference or "", resource) if reference.reference else None
    if medication is not None and medication.code is not None:
        return medication.code, ""
    if reference.display:
        return None, reference.display
    if medication is not None:
        where = "contained in this resource" if reference.reference.startswith("#") else "in this file"
        raise MappingError(
            f"refers to the medicine {clip(reference.reference, 80)}, which is {where} but has no code, so "
            "Tandem cannot tell which medicine it is. Give that Medication a code (dm+d or SNOMED CT) or a text, "
            "or name the medicine in the reference's display."
        )
    raise MappingError(
        f"refers to the medicine {reference.reference or '(no reference)'}, which is not in this file."
    )


def _dose(dosages: list[Any]) -> tuple[str, bool]:
    """(dose text, taken regularly?)"""
    if not dosages:
        return "", True
    first = dosages[0]
    text = first.text or first.patientInstruction or ""
    as_needed = bool(first.asNeededBoolean) or first.asNeededCodeableConcept is not None
    return text, not as_needed


def map_medication(resource: Any, ctx: Context) -> Mapped:
    kind = resource.get_resource_type()
    mapped = Mapped(subject=subject_of(resource.subject))
    status_map = _STATEMENT_STATUS if kind == "MedicationStatement" else _REQUEST_STATUS
    if resource.status in _SKIPPED_STATUS:
        mapped.skipped = f"{kind} ({_SKIPPED_STATUS[resource.status]})"
        return mapped
    if kind == "MedicationRequest" and resource.intent == "proposal":
        mapped.skipped = f"{kind} (proposal only)"
        return mapped
    status = status_map.get(resource.status or "", "active")

    concept, display = _medicine(resource, ctx)
    coding = coding_in(concept, [DMD, SNOMED])
    dmd_code = coding.code.strip() if coding is not None and is_sctid(coding.code.strip()) else ""
    name = (coding.display if coding is not None else "") or text_of(concept) or display
    if not name:
        raise MappingError("names no medicine: its coding has no display and there is no text.")

    if kind == "MedicationStatement":
        start = to_date(resource.effectiveDateTime) or period_start(resource.effectivePeriod) or to_date(
            resource.dateAsserted
        )
        end = period_end(resource.effectivePeriod)
        dose, regular = _dose(list(resource.dosage or []))
    else:
        validity = resource.dispenseRequest.validityPeriod if resource.dispenseRequest else None
        start = to_date(resource.authoredOn) or period_start(validity)
        end = period_end(validity)
        dose, regular = _dose(list(resource.dosageInstruction or []))
    if start is None:
        raise MappingError("has no date to say when the medicine was started or prescribed.")
    if status == "active":
        end = None
    elif end is not None and end < start:
        raise MappingError(f"stops on {end:%d %B %Y}, before it started on {start:%d %B %Y}.")
    mapped.rows.append(Row("medication", {
        "dmd_code": dmd_code, "name": clip(name, 255), "dose": clip(dose, 255), "status": status,
        "is_regular": regular, "start_date": start, "end_date": end,
    }))
    return mapped
