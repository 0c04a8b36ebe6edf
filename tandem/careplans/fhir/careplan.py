"""The CarePlan resource: the plan itself, which holds what has no resource of its own. Pure.

FHIR R4 CarePlan:
- status active for the latest version; an earlier version is revoked (FHIR: "terminated prior to
  reaching completion, though it may have been replaced by a new plan": it was replaced by the next
  version). intent plan. category SNOMED CT 734163000 "Care plan" (the root of FHIR's example care plan
  category value set). title "Personalised care and support plan".
- meta.versionId: the plan's version number; identifiers: the plan (`.../Id/care-plan`) and the version
  (`.../Id/care-plan-version`, "plan/version"). The resource id is the same for every version.
- subject: the Patient (with the NHS number); created and period.start: when this version was saved;
  author: the clinician who saved it (else the practice); contributor: the person, the clinician and
  those who took part; careTeam: the CareTeam (careteam.py); addresses: the Conditions (condition.py);
  goal: the Goals (goal.py), the person's own first, then clinical targets.
- note (Annotation), one per part of the plan written as free text, each tagged with Tandem's
  `care-plan-note-topic` extension (valueCode) so it reads back into the right place: what-matters,
  people, communication, please-do, please-dont, strengths (PRSB "About me"), information (information
  given) and self-management (self-management support).
- Tandem's `care-planning-area` extension (valueCoding), once per area covered (the five areas).
- activity, in this order (each detail coded with Tandem's `care-plan-activity` code system, or with
  the `medication-agreement` system for medicines; list items keep their id as the activity's
  element id):
    goal actions         detail: description what, scheduledString when, performer who (the Patient; or
                         a display name typed RelatedPerson, Practitioner or HealthcareService for a carer,
                         professional or service), goal the Goal, status (not-started, in-progress,
                         completed, stopped), Tandem extensions action-confidence (0-10, the person's own)
                         and action-strategies.
    medication agreements detail kind MedicationRequest; code start/stop/change/deprescribe/continue;
                         productCodeableConcept.text the medicine; reasonCode.text why; doNotPerform for
                         "stop"; Tandem extension medication-agreed-by.
    support services     reference to a ServiceRequest (activity.py).
    contingency plan     one activity per warning sign: reasonCode coded green/amber/red (Tandem
                         warning-level) with the signs as text; description what to do; performer
                         display who to contact and how. FHIR R4 has no contingency element; activities
                         keep each sign with its response, in order, and stay valid for any reader.
    rescue medicines     detail kind MedicationRequest, description: anticipatory medicines or rescue pack.
    referrals            reference to a Task (activity.py).
    review               status scheduled; scheduledPeriod.start the planned review date; performer
                         display who is responsible.
    follow-ups           description: follow-up contacts to arrange.
"""

from __future__ import annotations

from ..rules.document import AREAS, LEVELS, MEDICATION_KINDS, Action, Plan
from .common import (
    ACTIVITY_ACTION,
    ACTIVITY_CONTINGENCY,
    ACTIVITY_FOLLOW_UP,
    ACTIVITY_LABELS,
    ACTIVITY_RESCUE,
    ACTIVITY_REVIEW,
    CS_ACTIVITY,
    CS_AREA,
    CS_MEDICATION_AGREEMENT,
    CS_WARNING_LEVEL,
    EXT_ADDED_BY,
    EXT_AGREED_BY,
    EXT_AREA,
    EXT_CONFIDENCE,
    EXT_NOTE_TOPIC,
    EXT_STRATEGIES,
    ID_CARE_PLAN,
    ID_CARE_PLAN_VERSION,
    NHS_NUMBER,
    NOTE_TOPICS,
    SNOMED,
    Source,
    coding,
    compact,
    concept,
    extension,
    instant,
    ref,
    stable_id,
    urn,
)

ACTION_STATUS = {"not_started": "not-started", "in_progress": "in-progress", "done": "completed",
                 "stopped": "stopped"}
PERFORMER_TYPE = {"carer": "RelatedPerson", "professional": "Practitioner", "service": "HealthcareService"}
CARE_PLAN = concept(coding(SNOMED, "734163000", "Care plan"))
TITLE = "Personalised care and support plan"


def careplan_id(plan_key: int) -> str:
    return stable_id("careplan", plan_key)


def status(latest: bool) -> str:
    return "active" if latest else "revoked"


def note_value(plan: Plan, topic: str) -> str:
    path = NOTE_TOPICS[topic]
    return getattr(plan.about, path[6:]) if path.startswith("about.") else getattr(plan, path)


def _activity_code(code: str) -> dict:
    return concept(coding(CS_ACTIVITY, code, ACTIVITY_LABELS[code]))


def _action(item: Action, goal: dict, patient: dict) -> dict:
    if item.who == "person":
        performer = compact({"reference": urn(patient["id"]), "display": item.who_name})
    else:
        performer = compact({"type": PERFORMER_TYPE.get(item.who), "display": item.who_name})
    detail = compact({
        "extension": [e for e in (
            extension(EXT_CONFIDENCE, "Integer", item.confidence) if item.confidence is not None else None,
            extension(EXT_STRATEGIES, "String", item.strategies) if item.strategies else None,
            extension(EXT_ADDED_BY, "String", item.author) if item.author else None,
        ) if e],
        "code": _activity_code(ACTIVITY_ACTION),
        "goal": [ref(goal)],
        "status": ACTION_STATUS.get(item.status, "unknown"),
        "scheduledString": item.when,
        "performer": [performer] if performer else [],
        "description": item.what,
    })
    return compact({"id": item.id, "detail": detail})


def activities(source: Source, *, patient: dict, goals: list[dict], tasks: list[dict],
               service_requests: list[dict]) -> list[dict]:
    """`goals`: the Goal resources of the plan's goals, in the same order."""
    plan = source.plan
    out = []
    for goal, resource in zip(plan.goals, goals, strict=True):
        out.extend(_action(action, resource, patient) for action in goal.actions)
    for med in plan.medicines:
        out.append(compact({"id": med.id, "detail": compact({
            "extension": [extension(EXT_AGREED_BY, "String", med.agreed_by)] if med.agreed_by else [],
            "kind": "MedicationRequest",
            "code": concept(coding(CS_MEDICATION_AGREEMENT, med.kind, MEDICATION_KINDS.get(med.kind, ""))),
            "reasonCode": [concept(text=med.reason)] if med.reason else [],
            "status": "in-progress" if med.kind == "continue" else "not-started",
            "doNotPerform": True if med.kind == "stop" else None,
            "productCodeableConcept": concept(text=med.medicine) if med.medicine else None,
        })}))
    out.extend({"reference": ref(r)} for r in service_requests)
    for sign in plan.warning_signs:
        out.append(compact({"id": sign.id, "detail": compact({
            "extension": [extension(EXT_ADDED_BY, "String", sign.author)] if sign.author else [],
            "code": _activity_code(ACTIVITY_CONTINGENCY),
            "reasonCode": [concept(coding(CS_WARNING_LEVEL, sign.level, LEVELS.get(sign.level, "")),
                                   text=sign.signs)],
            "status": "not-started",
            "performer": [{"display": sign.contact}] if sign.contact else [],
            "description": sign.what_to_do,
        })}))
    if plan.rescue:
        out.append({"detail": {"kind": "MedicationRequest", "code": _activity_code(ACTIVITY_RESCUE),
                               "status": "not-started", "description": plan.rescue}})
    out.extend({"reference": ref(t)} for t in tasks)
    if plan.review_date or plan.review_by:
        out.append({"detail": compact({
            "code": _activity_code(ACTIVITY_REVIEW),
            "status": "scheduled",
            "scheduledPeriod": {"start": plan.review_date} if plan.review_date else None,
            "performer": [{"display": plan.review_by}] if plan.review_by else [],
            "description": "Review the care and support plan together",
        })})
    if plan.follow_ups:
        out.append({"detail": {"code": _activity_code(ACTIVITY_FOLLOW_UP), "status": "not-started",
                               "description": plan.follow_ups}})
    return out


def careplan(source: Source, *, patient: dict, author: dict, contributors: list[dict], care_team: dict,
             conditions: list[dict], goals: list[dict], activity: list[dict]) -> dict:
    plan = source.plan
    person = source.person
    saved = instant(source.saved_at)
    notes = [{"extension": [extension(EXT_NOTE_TOPIC, "Code", topic)], "text": note_value(plan, topic)}
             for topic in NOTE_TOPICS if note_value(plan, topic)]
    return compact({
        "resourceType": "CarePlan",
        "id": careplan_id(source.plan_key),
        "meta": {"versionId": str(source.version), "lastUpdated": saved},
        "extension": [extension(EXT_AREA, "Coding", coding(CS_AREA, area, AREAS.get(area, "")))
                      for area in plan.areas],
        "identifier": [{"system": ID_CARE_PLAN, "value": str(source.plan_key)},
                       {"system": ID_CARE_PLAN_VERSION, "value": f"{source.plan_key}/{source.version}"}],
        "status": status(source.latest),
        "intent": "plan",
        "category": [CARE_PLAN],
        "title": TITLE,
        "subject": {"reference": urn(patient["id"]), "identifier": {"system": NHS_NUMBER, "value": person.nhs_number},
                    "display": f"{person.given_name} {person.family_name}".strip()},
        "period": {"start": source.saved_at.date().isoformat()},
        "created": saved,
        "author": author,
        "contributor": contributors,
        "careTeam": [ref(care_team)],
        "addresses": [ref(c) for c in conditions],
        "goal": [ref(g) for g in goals],
        "activity": activity,
        "note": notes,
    })
