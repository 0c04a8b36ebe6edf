"""Reading the parts of a care plan document: the entries by reference, goals and targets, and the
CarePlan's activities (with the Tasks and ServiceRequests they point at). Pure. Used by importer.py;
where each part is written is in careplan.py, goal.py and activity.py.
"""

from __future__ import annotations

from typing import Any

from tandem.core.parsing import is_ascii_digits, read_id
from tandem.terminology import observations

from ..rules.document import (
    Action,
    Goal,
    MedicationAgreement,
    Problem,
    Referral,
    Signpost,
    TargetAgreement,
    WarningSign,
)
from .careplan import ACTION_STATUS, PERFORMER_TYPE
from .common import (
    ACTIVITY_ACTION,
    ACTIVITY_CONTINGENCY,
    ACTIVITY_FOLLOW_UP,
    ACTIVITY_RESCUE,
    ACTIVITY_REVIEW,
    CS_ACTIVITY,
    CS_MEASUREMENT,
    CS_MEDICATION_AGREEMENT,
    CS_STAFF_ROLE,
    CS_WARNING_LEVEL,
    EXT_ADDED_BY,
    EXT_AGREED_BY,
    EXT_CONFIDENCE,
    EXT_IMPORTANCE,
    EXT_STRATEGIES,
    GOAL_ACHIEVEMENT,
    ID_GOAL,
    ID_LOCAL_SERVICE,
    ID_REFERRAL,
    ID_SIGNPOST,
    ID_STAFF,
    ID_TARGET,
    code_in,
    extension_value,
    identifier_value,
)
from .goal import STAGES, UCUM_CODES

_STAGE_OF = {pair: stage for stage, pair in STAGES.items()}
# A goal from elsewhere may give only a lifecycle status; these say enough on their own.
_STAGE_OF_LIFECYCLE = {"proposed": "new", "planned": "new", "accepted": "new", "active": "working_on",
                       "on-hold": "working_on", "cancelled": "dropped", "rejected": "dropped"}
_ACTION_STATUS_OF = {v: k for k, v in ACTION_STATUS.items()} | {
    "scheduled": "not_started", "on-hold": "in_progress", "cancelled": "stopped"}
_WHO_OF = {v: k for k, v in PERFORMER_TYPE.items()} | {"PractitionerRole": "professional",
                                                       "Organization": "service"}


class Document:
    """The entries of one document, found by fullUrl or by Type/id."""

    def __init__(self, entries: list[dict]):
        self.resources: list[dict] = []
        self.by_reference: dict[str, dict] = {}
        for entry in entries:
            resource = entry.get("resource") or {}
            self.resources.append(resource)
            if entry.get("fullUrl"):
                self.by_reference[entry["fullUrl"]] = resource
            if resource.get("id"):
                self.by_reference[f"{resource['resourceType']}/{resource['id']}"] = resource

    def resolve(self, reference: dict | None) -> dict | None:
        literal = (reference or {}).get("reference") or ""
        if not literal:
            return None
        found = self.by_reference.get(literal)
        if found is None and "/" in literal and not literal.startswith("urn:"):
            found = self.by_reference.get("/".join(literal.rstrip("/").split("/")[-2:]))  # an absolute URL
        return found

    def of_type(self, resource_type: str) -> list[dict]:
        return [r for r in self.resources if r.get("resourceType") == resource_type]


class Reader:
    def __init__(self, doc: Document, patient: dict | None):
        self.doc = doc
        self.patient = patient
        self.problems: list[Problem] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def whole(self, value: Any, where: str, what: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, f"{what} must be a whole number.")
            return None
        return value


def _goal(reader: Reader, resource: dict, where: str) -> Goal | None:
    lifecycle = resource.get("lifecycleStatus")
    if lifecycle == "entered-in-error":
        return None
    achievement = code_in(resource.get("achievementStatus"), GOAL_ACHIEVEMENT)
    stage = _STAGE_OF.get((lifecycle, achievement)) or _STAGE_OF.get((lifecycle, None))
    if stage is None:
        stage = _STAGE_OF_LIFECYCLE.get(lifecycle)
    if stage is None:
        reader.problem(where, f"The goal's status ({lifecycle}, {achievement or 'no achievement status'}) does not "
                              "say whether it was achieved.")
        stage = "new"
    words = (resource.get("description") or {}).get("text", "")
    outcomes = resource.get("outcomeCode") or []
    return Goal(id=identifier_value(resource, ID_GOAL) or "", words=words,
                importance=reader.whole(extension_value(resource, EXT_IMPORTANCE, "Integer"), where, "Importance"),
                stage=stage, outcome=outcomes[0].get("text", "") if outcomes else "",
                author=extension_value(resource, EXT_ADDED_BY, "String") or "")


def _value(reader: Reader, quantity: dict, found: observations.Concept, where: str) -> float | None:
    value = quantity.get("value")
    if value is None:
        reader.problem(where, "The target has no value.")
        return None
    unit = quantity.get("code") or quantity.get("unit") or ""
    if unit in (found.unit, UCUM_CODES.get(found.unit)):
        return value
    try:
        return observations.to_canonical(found, float(value), unit)
    except observations.UnknownUnit as exc:
        reader.problem(where, str(exc))
        return None


def _target(reader: Reader, resource: dict, where: str) -> TargetAgreement | None:
    targets = resource.get("target") or []
    if len(targets) != 1:
        reader.problem(where, "A clinical target goal needs exactly one target (a measurement and a value).")
        return None
    target = targets[0]
    measure = target.get("measure") or {}
    key = code_in(measure, CS_MEASUREMENT)
    found = observations.BY_KEY.get(key) if key else None
    if found is None:
        found = next((c for c in (observations.lookup(cd.get("system", ""), cd.get("code", ""))
                                  for cd in measure.get("coding", [])) if c), None)
    if found is None or found.coded:
        reader.problem(where, "The target's measurement is not one Tandem can agree a target for "
                              f"({measure.get('text') or 'no measurement named'}).")
        return None
    upper = lower = None
    if "detailRange" in target:
        low, high = target["detailRange"].get("low"), target["detailRange"].get("high")
        lower = _value(reader, low, found, where) if low else None
        upper = _value(reader, high, found, where) if high else None
    elif "detailQuantity" in target:
        quantity = target["detailQuantity"]
        comparator = quantity.get("comparator")
        if comparator not in ("<=", ">="):
            reader.problem(where, "A target value needs the comparator <= (the highest agreed) or >= (the lowest).")
            return None
        value = _value(reader, quantity, found, where)
        upper, lower = (value, None) if comparator == "<=" else (None, value)
    else:
        reader.problem(where, "The target has no value (detailQuantity or detailRange).")
        return None
    notes = resource.get("note") or []
    return TargetAgreement(concept=found.key, upper=upper, lower=lower,
                           reason=notes[0].get("text", "") if notes else "")


def read_goals(reader: Reader, careplan: dict) -> tuple[list[tuple[dict, Goal]], list[TargetAgreement]]:
    goals: list[tuple[dict, Goal]] = []  # (the Goal resource, the goal)
    targets = []
    for i, reference in enumerate(careplan.get("goal", [])):
        where = f"CarePlan.goal[{i}]"
        resource = reader.doc.resolve(reference)
        if resource is None or resource.get("resourceType") != "Goal":
            reader.problem(where, "This reference does not lead to a Goal in the document.")
            continue
        if identifier_value(resource, ID_TARGET) is not None or resource.get("target"):
            target = _target(reader, resource, where)
            if target is not None:
                targets.append(target)
            continue
        goal = _goal(reader, resource, where)
        if goal is not None:
            goals.append((resource, goal))
    return goals, targets


def _performer(reader: Reader, detail: dict, where: str) -> tuple[str, str]:
    performers = detail.get("performer") or []
    if not performers:
        return "person", ""
    performer = performers[0]
    resolved = reader.doc.resolve(performer)
    display = performer.get("display", "")
    if resolved is not None and resolved is reader.patient:
        return "person", display
    kind = resolved.get("resourceType") if resolved else performer.get("type", "")
    who = _WHO_OF.get(kind)
    if who is None:
        reader.problem(where, "Tandem cannot tell who will do this action (the person, a carer, a named "
                              "professional or a service).")
        return "person", display
    return who, display


def _action(reader: Reader, activity: dict, where: str) -> Action:
    detail = activity["detail"]
    status = _ACTION_STATUS_OF.get(detail.get("status"))
    if status is None:
        reader.problem(where, f"The action's status '{detail.get('status')}' is not one Tandem records.")
        status = "not_started"
    who, who_name = _performer(reader, detail, where)
    return Action(id=activity.get("id", ""), what=detail.get("description", ""), who=who, who_name=who_name,
                  when=detail.get("scheduledString", ""),
                  strategies=extension_value(detail, EXT_STRATEGIES, "String") or "", status=status,
                  confidence=reader.whole(extension_value(detail, EXT_CONFIDENCE, "Integer"), where, "Confidence"),
                  author=extension_value(detail, EXT_ADDED_BY, "String") or "")


def first_text(items: list[dict] | None) -> str:
    return (items or [{}])[0].get("text", "")


def first_display(items: list[dict] | None) -> str:
    return (items or [{}])[0].get("display", "")


def _key(value: Any) -> int | None:
    """A Tandem primary key as the export writes it (ASCII digits, a database id), or None."""
    return read_id(value) if isinstance(value, str) and is_ascii_digits(value) else None


def _task(reader: Reader, resource: dict, where: str) -> Referral:
    to_role = next((code for code in (code_in(c, CS_STAFF_ROLE) for c in resource.get("performerType", [])) if code),
                   "")
    to_user_id = None
    owner = resource.get("owner") or {}
    ident = owner.get("identifier") or {}
    if ident.get("system") != ID_STAFF:
        ident = next((i for i in (reader.doc.resolve(owner) or {}).get("identifier", [])
                      if i.get("system") == ID_STAFF), {})
    if ident.get("value"):
        to_user_id = _key(ident["value"])
        if to_user_id is None:
            reader.problem(where, "The task's owner has a staff identifier Tandem does not recognise.")
    period = (resource.get("restriction") or {}).get("period") or {}
    # a referral to an organisation outside the practice: owned by an Organization (matched by name on import)
    owner_resource = reader.doc.resolve(owner) or {} if owner.get("reference") else {}
    organisation = (owner_resource.get("name") or owner.get("display") or ""
                    if owner_resource.get("resourceType") == "Organization" and not to_role and to_user_id is None
                    else "")
    return Referral(id=identifier_value(resource, ID_REFERRAL) or "", what=resource.get("description", ""),
                    to_role=to_role, to_user_id=to_user_id, by_when=(period.get("end") or "")[:10],
                    to_provider_name=str(organisation)[:120])


def _service(reader: Reader, resource: dict, where: str) -> Signpost:
    service_id = None
    performer = (resource.get("performer") or [{}])[0]
    ident = performer.get("identifier") or {}
    if ident.get("system") != ID_LOCAL_SERVICE:
        ident = next((i for i in (reader.doc.resolve(performer) or {}).get("identifier", [])
                      if i.get("system") == ID_LOCAL_SERVICE), {})
    if ident.get("value"):
        service_id = _key(ident["value"])
        if service_id is None:
            reader.problem(where, "The service's identifier in the practice's directory is not one Tandem made.")
    return Signpost(id=identifier_value(resource, ID_SIGNPOST) or "", service_id=service_id,
                    name=(resource.get("code") or {}).get("text", ""), why=first_text(resource.get("reasonCode")),
                    author=extension_value(resource, EXT_ADDED_BY, "String") or "")


class Activities:
    def __init__(self):
        self.actions: dict[int, list[Action]] = {}  # by the goal's position
        self.medicines: list[MedicationAgreement] = []
        self.services: list[Signpost] = []
        self.signs: list[WarningSign] = []
        self.referrals: list[Referral] = []
        self.once: dict[str, Any] = {}


def read_activities(reader: Reader, careplan: dict, goals: list[dict]) -> Activities:
    """`goals`: the plan's own Goal resources (not targets), in order."""
    out = Activities()
    for i, activity in enumerate(careplan.get("activity", [])):
        where = f"CarePlan.activity[{i}]"
        if "reference" in activity:
            resource = reader.doc.resolve(activity["reference"])
            kind = (resource or {}).get("resourceType")
            if kind == "Task":
                out.referrals.append(_task(reader, resource, where))
            elif kind == "ServiceRequest":
                out.services.append(_service(reader, resource, where))
            else:
                reader.problem(where, "This activity does not lead to a Task or ServiceRequest in the document.")
            continue
        detail = activity.get("detail")
        if not detail:
            reader.problem(where, "This activity has neither a detail nor a reference.")
            continue
        kind = code_in(detail.get("code"), CS_ACTIVITY)
        medicine = code_in(detail.get("code"), CS_MEDICATION_AGREEMENT)
        if detail.get("status") == "entered-in-error":
            continue
        if medicine:
            out.medicines.append(MedicationAgreement(
                id=activity.get("id", ""), kind=medicine,
                medicine=(detail.get("productCodeableConcept") or {}).get("text", ""),
                reason=first_text(detail.get("reasonCode")),
                agreed_by=extension_value(detail, EXT_AGREED_BY, "String") or ""))
        elif kind == ACTIVITY_ACTION:
            owners = [reader.doc.resolve(g) for g in detail.get("goal", [])]
            index = next((n for n, g in enumerate(goals) if len(owners) == 1 and g is owners[0]), None)
            if index is None:
                reader.problem(where, "This action does not belong to one of the plan's goals.")
                continue
            out.actions.setdefault(index, []).append(_action(reader, activity, where))
        elif kind == ACTIVITY_CONTINGENCY:
            reason = (detail.get("reasonCode") or [{}])[0]
            out.signs.append(WarningSign(
                id=activity.get("id", ""), level=code_in(reason, CS_WARNING_LEVEL) or "", signs=reason.get("text", ""),
                what_to_do=detail.get("description", ""), contact=first_display(detail.get("performer")),
                author=extension_value(detail, EXT_ADDED_BY, "String") or ""))
        elif kind in (ACTIVITY_RESCUE, ACTIVITY_REVIEW, ACTIVITY_FOLLOW_UP):
            if kind in out.once:
                reader.problem(where, f"There are two '{kind}' activities; a plan has one.")
                continue
            out.once[kind] = detail
        else:
            reader.problem(where, "Tandem does not know what kind of activity this is (its detail.code has no "
                                  "Tandem care plan activity or medication agreement code).")
    return out
