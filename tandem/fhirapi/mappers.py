"""The resources the API serves, made by the mappers Tandem's exports already use. Pure: no Django.

The exports (the care plan document, a person's copy of their data) make resources that refer to each
other inside one Bundle (`urn:uuid:` references between entries). The API serves each resource on its
own, so here each is made by the same mapper, given its API id (tandem.fhirapi.ids), and its
references are rewritten to `Patient/<id>`, `Goal/<id>`: a reference to something the API does not
serve (the plan's CareTeam, its Tasks and ServiceRequests, its needs) keeps only its display text, or
is left out. Nothing here changes what the exports themselves contain.

Each resource of a type that claims a UK Core profile (rules.CLAIMED) names it in `meta.profile`. What the
API serves differs from the export in two places, both for UK Core and FHIR R4 (README, "UK Core"): an
Observation's unit code is its UCUM code (`mm[Hg]`, not the `mmHg` shown: tandem.careplans.fhir.goal.UCUM_CODES,
as every export says it), and a vital sign coded with LOINC carries the R4 category `vital-signs`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from tandem.careplans.fhir import careplan as careplan_mapper
from tandem.careplans.fhir import condition as condition_mapper
from tandem.careplans.fhir import goal as goal_mapper
from tandem.careplans.fhir import parties
from tandem.careplans.fhir.common import (
    ODS,
    Diagnosis,
    Organisation,
    Person,
    Source,
    compact,
    instant,
    keys,
    urn,
)
from tandem.careplans.rules.document import Plan
from tandem.privacy import fhir as record_mapper
from tandem.privacy.fhir import Medicine, Result

from .ids import item_key
from .rules import CLAIMED


def _patient_ref(pid: str) -> dict:
    return {"reference": f"Patient/{pid}"}


def _meta(updated: dt.datetime | None, type_name: str = "") -> dict:
    """`meta`: the UK Core profile the type claims (if it does), and when it last changed (if known)."""
    meta = {}
    if type_name in CLAIMED:
        meta["profile"] = [CLAIMED[type_name].url]
    if updated is not None:
        meta["lastUpdated"] = instant(updated)
    return {"meta": meta} if meta else {}


# FHIR R4's vital signs (the LOINC codes of its vital signs profiles, observation-vitalsigns.html): an
# Observation with one of these codes SHALL carry the category vital-signs.
VITAL_SIGNS = frozenset({"85353-1", "9279-1", "8867-4", "2708-6", "59408-5", "8310-5", "8302-2", "9843-4",
                         "29463-7", "39156-5", "85354-9", "8480-6", "8462-4"})
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def rewrite(value: Any, targets: Mapping[str, str]) -> Any:
    """`value` with each `urn:uuid:` reference replaced by its API reference (`targets`: urn -> "Type/id"),
    or, when the API does not serve what it names, cut down to its display text (or left out)."""
    if isinstance(value, list):
        kept = [rewrite(v, targets) for v in value]
        return [v for v in kept if v not in (None, {}, [])]
    if not isinstance(value, dict):
        return value
    out = {}
    for name, inner in value.items():
        if name == "reference" and isinstance(inner, str) and inner.startswith("urn:uuid:"):
            if inner in targets:
                out[name] = targets[inner]
            continue
        kept = rewrite(inner, targets)
        if kept not in (None, {}, []):
            out[name] = kept
    return out or None


def patient(person: Person, practice: Organisation, *, pid: str, updated: dt.datetime | None) -> dict:
    org = parties.organization(practice)
    resource = parties.patient(person, org)
    resource["id"] = pid
    resource["generalPractitioner"] = [{"identifier": {"system": ODS, "value": practice.ods_code},
                                        "display": practice.name}]
    return {"resourceType": "Patient", "id": pid, **_meta(updated, "Patient"),
            **{k: v for k, v in resource.items() if k not in ("resourceType", "id")}}


def _served(resource: dict, *, rid: str, pid: str) -> dict:
    """An export's resource with its API id, its meta and its subject the API's Patient."""
    rest = {k: v for k, v in resource.items() if k not in ("resourceType", "id", "meta")}
    return {"resourceType": resource["resourceType"], "id": rid, **_meta(None, resource["resourceType"]),
            **rest, "subject": _patient_ref(pid)}


def condition(row: Diagnosis, *, rid: str, pid: str) -> dict:
    return _served(condition_mapper.diagnosis(row, {"id": pid}), rid=rid, pid=pid)


def observation(row: Result, *, rid: str, pid: str) -> dict:
    resource = _served(record_mapper.observation(row, {"id": pid}), rid=rid, pid=pid)
    if row.system == "loinc" and row.code in VITAL_SIGNS:
        resource["category"] = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs",
                                             "display": "Vital Signs"}], "text": "Vital Signs"}]
    return resource


def medication_statement(row: Medicine, *, rid: str, pid: str) -> dict:
    return _served(record_mapper.medication_statement(row, {"id": pid}), rid=rid, pid=pid)


def questionnaire_response(stored: Mapping[str, Any], *, rid: str, pid: str, answered_at: dt.datetime) -> dict:
    """A check-in's answers as they were stored when given (tandem.checkins.fhir.response)."""
    resource = {k: v for k, v in stored.items() if k not in ("id", "subject", "meta")}
    source = resource.get("source") or {}
    if isinstance(source, dict) and str(source.get("reference", "")).startswith(("Patient/", "urn:uuid:")):
        resource["source"] = _patient_ref(pid)  # the person answered themselves
    elif isinstance(source, dict) and source.get("reference"):
        kept = {k: v for k, v in source.items() if k != "reference"}
        if kept:
            resource["source"] = kept
        else:
            resource.pop("source", None)
    return {"resourceType": "QuestionnaireResponse", "id": rid, **_meta(answered_at),
            **{k: v for k, v in resource.items() if k != "resourceType"}, "subject": _patient_ref(pid)}


GoalId = Callable[[int], str]  # item key -> the Goal's API id


def goals(plan_key: int, plan: Plan, *, pid: str, goal_id: GoalId, saved_at: dt.datetime) -> list[tuple[int, dict]]:
    """The plan's goals (the person's own, then agreed targets) as (item key, Goal), with API ids."""
    placeholder = {"id": pid}
    targets = {urn(pid): f"Patient/{pid}"}
    out: list[tuple[int, dict]] = []
    for key, item in zip(keys(plan.goals), plan.goals, strict=True):
        extra = item_key("goal", key)
        out.append((extra, goal_mapper.goal(plan_key, key, item, placeholder)))
    for item in plan.targets:
        extra = item_key("target", item.concept)
        out.append((extra, goal_mapper.target(plan_key, item, placeholder, {})))
    return [(extra, {**rewrite(resource, targets), "id": goal_id(extra), **_meta(saved_at)})
            for extra, resource in out]


def careplan(source: Source, *, rid: str, pid: str, goal_id: GoalId) -> dict:
    """The CarePlan of one plan version, its goals referred to by their API ids; what the API does not
    serve (CareTeam, Task, ServiceRequest, the needs as Conditions) is not referred to."""
    plan = source.plan
    placeholder = {"id": pid}
    goal_resources = [goal_mapper.goal(source.plan_key, key, item, placeholder)
                      for key, item in zip(keys(plan.goals), plan.goals, strict=True)]
    target_resources = [goal_mapper.target(source.plan_key, t, placeholder, {}) for t in plan.targets]
    targets = {urn(pid): f"Patient/{pid}"}
    for (key, _item), resource in zip(zip(keys(plan.goals), plan.goals, strict=True), goal_resources, strict=True):
        targets[urn(resource["id"])] = f"Goal/{goal_id(item_key('goal', key))}"
    for item, resource in zip(plan.targets, target_resources, strict=True):
        targets[urn(resource["id"])] = f"Goal/{goal_id(item_key('target', item.concept))}"
    author = compact({"display": source.saved_by.name if source.saved_by else source.practice.name})
    activity = careplan_mapper.activities(source, patient=placeholder, goals=goal_resources, tasks=[],
                                          service_requests=[])
    resource = careplan_mapper.careplan(
        source, patient=placeholder, author=author, contributors=[], care_team={"id": "not-served"},
        conditions=[], goals=[*goal_resources, *target_resources], activity=activity)
    resource = rewrite(resource, targets)
    resource["id"] = rid
    resource["subject"] = {**resource.get("subject", {}), "reference": f"Patient/{pid}"}
    return resource
