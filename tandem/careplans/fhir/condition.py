"""Condition resources: the person's long-term conditions the plan addresses, and the plan's needs
and concerns. Pure.

What the plan addresses (CarePlan.addresses, FHIR R4 Reference(Condition)):
- the person's coded diagnoses (tandem.patients.models.Condition: SNOMED CT code, term, onset,
  resolved) on the registers the person is on, and on any register a need is linked to: for each
  register, the rows whose code is in its codelist (tandem.terminology.codelists) that are not
  resolved, or the latest one if all are. category problem-list-item, verificationStatus confirmed,
  clinicalStatus active or resolved (with abatementDateTime).
- each need, concern or problem (PRSB: "needs, concerns or problems") as a Condition with only
  text in `code` (the person's own words: they are not diagnoses), category Tandem "need", the
  need's id as an identifier (`.../Id/care-plan-need`), and for each register the need relates to
  the FHIR R4 core extension `condition-related` referencing that register's diagnoses (for any
  reader) and Tandem's `condition-register` extension naming the register (so the link survives even
  where the person has no diagnosis row for it, and is read back exactly).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..rules.document import Need
from .common import (
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_RELATED,
    CONDITION_VERIFICATION,
    CS_CONDITION_CATEGORY,
    CS_REGISTER,
    EXT_REGISTER,
    ID_NEED,
    SNOMED,
    Diagnosis,
    coding,
    compact,
    concept,
    extension,
    ref,
    stable_id,
)


def addressed(diagnoses: Iterable[Diagnosis], registers: Iterable[str]) -> list[Diagnosis]:
    """The diagnoses behind these registers: per register, the unresolved rows in its codelist, or
    the latest if all are resolved. In the order of the person's record (onset, then key)."""
    rows = sorted(diagnoses, key=lambda d: (d.onset, d.key))
    chosen: dict[int, Diagnosis] = {}
    for register in dict.fromkeys(registers):
        matching = [d for d in rows if register in d.registers]
        current = [d for d in matching if d.resolved is None] or matching[-1:]
        chosen.update((d.key, d) for d in current)
    return [d for d in rows if d.key in chosen]


def diagnosis(row: Diagnosis, patient: dict) -> dict:
    status = "resolved" if row.resolved else "active"
    return compact({
        "resourceType": "Condition",
        "id": stable_id("condition", row.key),
        "clinicalStatus": concept(coding(CONDITION_CLINICAL, status, status.title())),
        "verificationStatus": concept(coding(CONDITION_VERIFICATION, "confirmed", "Confirmed")),
        "category": [concept(coding(CONDITION_CATEGORY, "problem-list-item", "Problem List Item"))],
        "code": concept(coding(SNOMED, row.code, row.term), text=row.term),
        "subject": ref(patient),
        "onsetDateTime": row.onset.isoformat(),
        "abatementDateTime": row.resolved.isoformat() if row.resolved else None,
    })


def need(plan_key: int, key: str, item: Need, patient: dict, diagnoses: dict[str, list[dict]],
         register_names: dict[str, str]) -> dict:
    """`diagnoses`: register slug -> the Condition resources of the person's diagnoses on it."""
    related = [extension(CONDITION_RELATED, "Reference", ref(c)) for slug in item.conditions
               for c in diagnoses.get(slug, [])]
    registers = [extension(EXT_REGISTER, "Coding", coding(CS_REGISTER, slug, register_names.get(slug, "")))
                 for slug in item.conditions]
    return compact({
        "resourceType": "Condition",
        "id": stable_id("careplan", plan_key, "need", key),
        "extension": related + registers,
        "identifier": [{"system": ID_NEED, "value": item.id}] if item.id else [],
        "clinicalStatus": concept(coding(CONDITION_CLINICAL, "active", "Active")),
        "category": [concept(coding(CS_CONDITION_CATEGORY, "need", "Need, concern or problem"))],
        "code": concept(text=item.text) if item.text else None,
        "subject": ref(patient),
    })
