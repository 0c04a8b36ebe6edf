"""Goal resources: the person's goals in their own words, and the clinical targets they agreed as
their own. Pure.

A goal (Plan.goals):
- description.text: the goal in the person's own words, exactly as written; expressedBy the Patient.
- lifecycleStatus and achievementStatus (FHIR R4 goal-achievement) from the stage, one pair per stage
  so it reads back exactly:
      new          accepted   (agreed with the person, not started; "proposed" would mean not yet agreed)
      working_on   active     in-progress
      partly       active     improving
      achieved     completed  achieved
      not_achieved completed  not-achieved
      dropped      cancelled
- priority (FHIR R4 goal-priority) from importance: 8-10 high, 4-7 medium, 1-3 low; the exact 1-10 in
  Tandem's `goal-importance` extension (valueInteger).
- outcomeCode.text: how it went, at review (PRSB "outcomes").
- identifier: the goal's id (`.../Id/care-plan-goal`). Its actions are CarePlan activities (careplan.py).
- no addresses: the plan does not record which condition a goal of the person's is about (needs carry
  that link; targets below do address conditions).

A clinical target (Plan.targets), agreed as the person's own:
- target.measure: the measurement's SNOMED CT and LOINC codes from tandem.terminology.observations,
  with Tandem's own measurement code (some measurements, such as the MRC scale, have no single code).
- target.detailQuantity with comparator <= (highest agreed) or >= (lowest agreed), or detailRange when
  both; UCUM units (`http://unitsofmeasure.org`).
- note: why this target suits the person. identifier: the measurement (`.../Id/care-plan-target`).
- addresses: the person's diagnoses the target is meant for (tandem.patients.rules.TARGET_REGISTERS;
  blood pressure: hypertension).
"""

from __future__ import annotations

from tandem.patients.rules import TARGET_REGISTERS, Target
from tandem.terminology import observations

from ..rules.document import Goal, TargetAgreement
from .common import (
    CS_MEASUREMENT,
    EXT_ADDED_BY,
    EXT_IMPORTANCE,
    GOAL_ACHIEVEMENT,
    GOAL_PRIORITY,
    ID_GOAL,
    ID_TARGET,
    LOINC,
    SNOMED,
    UCUM,
    coding,
    compact,
    concept,
    extension,
    ref,
    stable_id,
)

STAGES = {
    "new": ("accepted", None),
    "working_on": ("active", "in-progress"),
    "partly": ("active", "improving"),
    "achieved": ("completed", "achieved"),
    "not_achieved": ("completed", "not-achieved"),
    "dropped": ("cancelled", None),
}
ACHIEVEMENT_LABELS = {"in-progress": "In Progress", "improving": "Improving", "achieved": "Achieved",
                      "not-achieved": "Not Achieved"}
PRIORITY_LABELS = {"high-priority": "High Priority", "medium-priority": "Medium Priority",
                   "low-priority": "Low Priority"}

# Canonical units of tandem.terminology.observations as UCUM codes.
UCUM_CODES = {"mmol/mol": "mmol/mol", "mmHg": "mm[Hg]", "mmol/L": "mmol/L", "kg/m2": "kg/m2", "kg": "kg",
              "mL/min/1.73m2": "mL/min/{1.73_m2}", "mg/mmol": "mg/mmol", "L": "L", "score": "{score}",
              "grade": "{grade}"}
# The LOINC codes listed for urine ACR are mass ratios (mg/g); Tandem's unit is mg/mmol, so only
# SNOMED CT and Tandem's own code name it.
_NO_LOINC = {"urine_acr"}
# Which registers a target is meant for when the default applies to everyone (blood pressure).
_EVERYONE = ("hypertension",)


def priority(importance: int | None) -> str | None:
    if importance is None:
        return None
    return "high-priority" if importance >= 8 else "medium-priority" if importance >= 4 else "low-priority"


def goal(plan_key: int, key: str, item: Goal, patient: dict) -> dict:
    lifecycle, achievement = STAGES.get(item.stage, ("active", None))
    rank = priority(item.importance)
    return compact({
        "resourceType": "Goal",
        "id": stable_id("careplan", plan_key, "goal", key),
        "extension": ([extension(EXT_IMPORTANCE, "Integer", item.importance)] if item.importance is not None else [])
        + ([extension(EXT_ADDED_BY, "String", item.author)] if item.author else []),
        "identifier": [{"system": ID_GOAL, "value": item.id}] if item.id else [],
        "lifecycleStatus": lifecycle,
        "achievementStatus": (concept(coding(GOAL_ACHIEVEMENT, achievement, ACHIEVEMENT_LABELS[achievement]))
                              if achievement else None),
        "priority": concept(coding(GOAL_PRIORITY, rank, PRIORITY_LABELS[rank])) if rank else None,
        "description": {"text": item.words or "(no words recorded)"},
        "subject": ref(patient),
        "expressedBy": ref(patient),
        "outcomeCode": [concept(text=item.outcome)] if item.outcome else [],
    })


def measure(key: str) -> dict:
    found = observations.BY_KEY[key]
    codings = []
    if found.snomed:
        codings.append(coding(SNOMED, found.snomed[0]))
    if found.loinc and key not in _NO_LOINC:
        codings.append(coding(LOINC, found.loinc[0]))
    codings.append(coding(CS_MEASUREMENT, key, found.name))
    return concept(*codings, text=found.name)


def _quantity(value: float, unit: str, comparator: str = "") -> dict:
    return compact({"value": value, "comparator": comparator, "unit": unit, "system": UCUM,
                    "code": UCUM_CODES.get(unit, unit)})


def target(plan_key: int, item: TargetAgreement, patient: dict, diagnoses: dict[str, list[dict]]) -> dict:
    """`diagnoses`: register slug -> the Condition resources of the person's diagnoses on it."""
    found = observations.BY_KEY[item.concept]
    detail: dict = {"measure": measure(item.concept)}
    if item.upper is not None and item.lower is not None:
        detail["detailRange"] = {"low": _quantity(item.lower, found.unit), "high": _quantity(item.upper, found.unit)}
    elif item.upper is not None:
        detail["detailQuantity"] = _quantity(item.upper, found.unit, "<=")
    elif item.lower is not None:
        detail["detailQuantity"] = _quantity(item.lower, found.unit, ">=")
    registers = TARGET_REGISTERS.get(item.concept, ())
    registers = _EVERYONE if registers is None else sorted(registers)
    described = Target(item.concept, item.upper, item.lower).describe(found.unit) if (
        item.upper is not None or item.lower is not None) else "no value agreed"
    return compact({
        "resourceType": "Goal",
        "id": stable_id("careplan", plan_key, "target", item.concept),
        "identifier": [{"system": ID_TARGET, "value": item.concept}],
        "lifecycleStatus": "active",
        "description": {"text": f"{found.name}: {described}"},
        "subject": ref(patient),
        "target": [detail],
        "addresses": [ref(c) for slug in registers for c in diagnoses.get(slug, [])],
        "note": [{"text": item.reason}] if item.reason else [],
    })
