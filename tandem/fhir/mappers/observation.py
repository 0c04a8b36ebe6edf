"""FHIR Observation -> Tandem Observation rows. Pure.

- The code (LOINC or SNOMED CT) is mapped to one of Tandem's measurement concepts
  (tandem.terminology.observations); observations Tandem does not use are skipped
  and counted.
- Values are converted once, here, to the concept's canonical unit (HbA1c % becomes
  mmol/mol). A unit Tandem cannot convert rejects the file rather than storing a
  number that may mean something else.
- A value outside the concept's plausible range rejects the file. These ranges are
  wide (HbA1c 15-200 mmol/mol, systolic 50-300 mmHg): a value outside one is almost
  always a unit mix-up (an HbA1c of 7.5 labelled mmol/mol) or a typing error, and a
  wrong number would reach the results sent to the person and the decisions made
  with them. Better to stop and ask the sender to correct it.
- A blood-pressure panel becomes two rows, systolic and diastolic; a systolic reading at or
  below the diastolic one rejects the file (the two are swapped or mistyped).
- Smoking status (LOINC 72166-2 with a SNOMED CT finding, or the SNOMED CT finding
  as the code itself, as GP systems in England record it) becomes a coded value.
"""

from __future__ import annotations

from typing import Any

from tandem.patients.rules import blood_pressure_problem
from tandem.terminology import observations as obs

from .common import (
    SNOMED,
    UCUM,
    Context,
    Mapped,
    MappingError,
    Row,
    codings,
    future,
    period_start,
    shown,
    subject_of,
    to_date,
)

_NOT_STORED = {"entered-in-error": "entered in error", "cancelled": "cancelled", "registered": "no result yet"}
SMOKING = obs.BY_KEY["smoking"]


def _effective(resource: Any):
    if resource.effectiveDateTime is not None:
        return to_date(resource.effectiveDateTime)
    if resource.effectivePeriod is not None and resource.effectivePeriod.start is not None:
        return period_start(resource.effectivePeriod)
    if resource.effectiveInstant is not None:
        return to_date(resource.effectiveInstant)
    return to_date(resource.issued)


def concept_for(concept: Any) -> tuple[obs.Concept | None, Any | None]:
    """The Tandem concept a CodeableConcept means, and the coding that said so."""
    for coding in codings(concept):
        if not coding.code:
            continue
        found = obs.lookup(coding.system or "", coding.code)
        if found is not None:
            return found, coding
    for coding in codings(concept):
        if coding.system == SNOMED and coding.code in obs.SMOKING_VALUES:
            return SMOKING, coding
    return None, None


def _short_system(coding: Any) -> str:
    return obs.SYSTEMS.get(coding.system or "", "")


def _number(concept: obs.Concept, quantity: Any, mapped: Mapped) -> float:
    value = float(quantity.value)
    units = [quantity.code if quantity.system == UCUM else None, quantity.unit, quantity.code]
    candidates = [u for u in units if u is not None] or [""]
    for unit in candidates:
        try:
            canonical = obs.to_canonical(concept, value, unit)
            break
        except obs.UnknownUnit:
            continue
    else:
        known = ", ".join(sorted(u for u in concept.conversions if u)) or concept.unit
        raise MappingError(
            f"has {concept.name} in unit {shown(candidates[0])}, which Tandem cannot convert "
            f"(it understands {known})."
        )
    shown_unit = candidates[0]
    outside = obs.outside_plausible(concept, canonical)
    if outside:
        converted = "" if canonical == value else f" ({canonical:g} {concept.unit})"
        raise MappingError(f"has {concept.name} {value:g} {shown_unit}{converted}, {outside}. Check the value and its unit.")
    if quantity.comparator:
        mapped.warnings.append(
            f"{concept.name} was reported as '{quantity.comparator}{value:g}'; recorded as {canonical:g} {concept.unit}"
        )
    return canonical


def _numeric_row(concept: obs.Concept, coding: Any, holder: Any, day, mapped: Mapped, suffix: str = "") -> Row | None:
    """A row from something carrying value[x] (the Observation itself or a component)."""
    if holder.valueQuantity is not None and holder.valueQuantity.value is not None:
        value = _number(concept, holder.valueQuantity, mapped)
    elif holder.valueInteger is not None:
        value = _number(concept, _Quantity(holder.valueInteger), mapped)
    else:
        return None
    return Row("observation", {
        "concept": concept.key, "code_system": _short_system(coding), "code": coding.code[:20],
        "value": value, "value_code": "", "unit": concept.unit, "effective_date": day,
    }, suffix=suffix)


class _Quantity:
    """A unitless quantity for valueInteger (questionnaire scores)."""

    def __init__(self, value: int):
        self.value, self.unit, self.code, self.system, self.comparator = value, "", None, None, None


def _smoking_row(coding: Any, resource: Any, day, mapped: Mapped) -> Row | None:
    if coding.code in obs.SMOKING_VALUES:  # the finding is the code itself
        finding = coding.code
    else:
        value = next(
            (c for c in codings(resource.valueCodeableConcept) if c.system == SNOMED and c.code), None
        )
        if value is None or value.code not in obs.SMOKING_VALUES:
            mapped.warnings.append("smoking status not imported: its value is not a smoking finding Tandem knows")
            return None
        finding = value.code
    return Row("observation", {
        "concept": SMOKING.key, "code_system": _short_system(coding), "code": coding.code[:20], "value": None,
        "value_code": obs.SMOKING_VALUES[finding], "unit": "", "effective_date": day,
    })


def map_observation(resource: Any, ctx: Context) -> Mapped:
    mapped = Mapped(subject=subject_of(resource.subject))
    if resource.status in _NOT_STORED:
        mapped.skipped = f"Observation ({_NOT_STORED[resource.status]})"
        return mapped
    concept, coding = concept_for(resource.code)
    component_concepts = [(c, *concept_for(c.code)) for c in resource.component or []]
    if concept is None and not any(found for _, found, _ in component_concepts):
        mapped.skipped = "Observation (code not used by Tandem)"
        return mapped

    day = _effective(resource)
    if day is None:
        raise MappingError("has no date (effective[x] or issued), so Tandem cannot place the result in time.")
    if future(day, ctx):
        raise MappingError(f"is dated {day:%d %B %Y}, which is in the future.")

    if concept is not None and concept.coded:
        row = _smoking_row(coding, resource, day, mapped)
        if row is not None:
            mapped.rows.append(row)
    elif concept is not None:
        row = _numeric_row(concept, coding, resource, day, mapped)
        if row is not None:
            mapped.rows.append(row)
    if not mapped.rows:
        # A panel (e.g. blood pressure 85354-9) carries its readings as components.
        seen = set()
        for component, found, found_coding in component_concepts:
            if found is None or found.coded or found.key in seen:
                continue
            row = _numeric_row(found, found_coding, component, day, mapped, suffix=found.key)
            if row is not None:
                seen.add(found.key)
                mapped.rows.append(row)
    if not mapped.rows and not mapped.skipped:
        mapped.skipped = "Observation (no value)"
    values = {row.fields["concept"]: row.fields["value"] for row in mapped.rows}
    if "systolic_bp" in values and "diastolic_bp" in values:
        problem = blood_pressure_problem(values["systolic_bp"], values["diastolic_bp"])
        if problem:
            raise MappingError(f"is a blood pressure that cannot be right. {problem} Correct the reading where "
                               "it was recorded.")
    return mapped
