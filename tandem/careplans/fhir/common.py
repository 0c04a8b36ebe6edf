"""What every care plan mapper shares: Tandem's systems and extensions, stable ids, references,
the record a document is made from (`Source`), and checking a resource against the FHIR models.
Pure: no Django.

Tandem's own identifiers, code systems and extensions live under `BASE`. They are names, not
addresses anything fetches; they are used only where FHIR R4 has no element or code for a part of
the PRSB plan (each use is listed in tandem/careplans/fhir/__init__.py).
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from ..rules.document import Plan

BASE = "https://tandem.example.nhs.uk/fhir"

# External code systems and identifier systems.
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"  # UK Core Patient.identifier:nhsNumber
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"  # UK Core Organization.identifier:odsOrganisationCode
GOAL_PRIORITY = "http://terminology.hl7.org/CodeSystem/goal-priority"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
DOCUMENT_ID = "urn:ietf:rfc:3986"
# FHIR R4 core extension: "this condition has an unspecified relationship with another condition".
CONDITION_RELATED = "http://hl7.org/fhir/StructureDefinition/condition-related"

# Tandem's identifiers: the ids items carry in a plan, so versions and imports keep them.
ID_CARE_PLAN = f"{BASE}/Id/care-plan"
ID_CARE_PLAN_VERSION = f"{BASE}/Id/care-plan-version"
ID_GOAL = f"{BASE}/Id/care-plan-goal"
ID_TARGET = f"{BASE}/Id/care-plan-target"
ID_NEED = f"{BASE}/Id/care-plan-need"
ID_REFERRAL = f"{BASE}/Id/care-plan-referral"
ID_SIGNPOST = f"{BASE}/Id/care-plan-service"
ID_STAFF = f"{BASE}/Id/staff"
ID_LOCAL_SERVICE = f"{BASE}/Id/local-service"

# Tandem's code systems.
CS_ACTIVITY = f"{BASE}/CodeSystem/care-plan-activity"
CS_MEDICATION_AGREEMENT = f"{BASE}/CodeSystem/medication-agreement"
CS_WARNING_LEVEL = f"{BASE}/CodeSystem/warning-level"
CS_AREA = f"{BASE}/CodeSystem/care-planning-area"
CS_REGISTER = f"{BASE}/CodeSystem/register"
CS_STAFF_ROLE = f"{BASE}/CodeSystem/staff-role"
CS_CARE_TEAM_ROLE = f"{BASE}/CodeSystem/care-team-role"
CS_MEASUREMENT = f"{BASE}/CodeSystem/measurement"
CS_SERVICE_KIND = f"{BASE}/CodeSystem/local-service-kind"
CS_CONDITION_CATEGORY = f"{BASE}/CodeSystem/condition-category"

# Tandem's extensions.
EXT_NOTE_TOPIC = f"{BASE}/StructureDefinition/care-plan-note-topic"  # on CarePlan.note: valueCode
EXT_AREA = f"{BASE}/StructureDefinition/care-planning-area"  # on CarePlan: valueCoding, repeats
EXT_IMPORTANCE = f"{BASE}/StructureDefinition/goal-importance"  # on Goal: valueInteger 1-10
EXT_CONFIDENCE = f"{BASE}/StructureDefinition/action-confidence"  # on activity.detail: valueInteger 0-10
EXT_STRATEGIES = f"{BASE}/StructureDefinition/action-strategies"  # on activity.detail: valueString
EXT_AGREED_BY = f"{BASE}/StructureDefinition/medication-agreed-by"  # on activity.detail: valueString
EXT_REGISTER = f"{BASE}/StructureDefinition/condition-register"  # on a need's Condition: valueCoding
# Who added an item, when a member of the wider care team did (tandem.careteam): "Jo Marsh, community matron,
# Riverside Community Nursing". On Goal, an action's or warning sign's activity.detail, a service's ServiceRequest.
EXT_ADDED_BY = f"{BASE}/StructureDefinition/care-team-added-by"  # valueString

# Codes of CS_ACTIVITY: what kind of CarePlan.activity.detail an activity is.
ACTIVITY_ACTION = "goal-action"
ACTIVITY_CONTINGENCY = "contingency"
ACTIVITY_RESCUE = "rescue"
ACTIVITY_REVIEW = "review"
ACTIVITY_FOLLOW_UP = "follow-up"
ACTIVITY_LABELS = {
    ACTIVITY_ACTION: "Action towards a goal", ACTIVITY_CONTINGENCY: "Contingency plan: warning signs",
    ACTIVITY_RESCUE: "Anticipatory medicines or rescue pack", ACTIVITY_REVIEW: "Review of the care plan",
    ACTIVITY_FOLLOW_UP: "Follow-up contacts to arrange",
}

# CarePlan.note topics (EXT_NOTE_TOPIC) -> the Plan field they hold ("about." for About me).
NOTE_TOPICS = {
    "what-matters": "about.what_matters", "people": "about.people", "communication": "about.communication",
    "please-do": "about.please_do", "please-dont": "about.please_dont", "strengths": "about.strengths",
    "information": "information", "self-management": "self_management",
}
NOTE_LABELS = {
    "what-matters": "What matters to me", "people": "People who are important to me",
    "communication": "How to communicate with me", "please-do": "Please do", "please-dont": "Please don't",
    "strengths": "My strengths", "information": "Information given",
    "self-management": "Support to manage my health",
}


class ExportError(AssertionError):
    """A resource Tandem made is not valid FHIR R4: a bug, never the user's doing."""


# --- The record a document is made from ---------------------------------------------------------

@dataclass(frozen=True)
class Person:
    key: int  # Patient pk
    nhs_number: str
    given_name: str
    family_name: str
    birth_date: dt.date
    sex: str  # male | female | other | unknown


@dataclass(frozen=True)
class Organisation:
    ods_code: str
    name: str
    phone: str = ""


@dataclass(frozen=True)
class Clinician:
    key: int  # User pk
    name: str
    given_name: str = ""
    family_name: str = ""
    role: str = ""  # tandem.core.rules.Role value
    role_label: str = ""


@dataclass(frozen=True)
class Carer:
    key: int  # RelatedPerson pk
    name: str
    relationship: str  # as shown, e.g. "Son or daughter"
    phone: str = ""


@dataclass(frozen=True)
class Diagnosis:
    """One of the person's coded conditions (tandem.patients.models.Condition)."""

    key: int
    code: str  # SNOMED CT
    term: str
    onset: dt.date
    resolved: dt.date | None = None
    registers: tuple[str, ...] = ()  # the registers its code puts people on


@dataclass(frozen=True)
class Service:
    """An entry in the practice's local services directory."""

    key: int
    name: str
    kind: str
    kind_label: str = ""
    description: str = ""
    contact: str = ""


@dataclass(frozen=True)
class OutsideOrganisation:
    """An organisation outside the practice that a referral went to (tandem.core.models.Provider)."""

    key: int
    name: str
    ods_code: str = ""
    kind_label: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class OutsideMember:
    """A member of the person's care team from outside the practice, in force now (tandem.careteam): the
    organisation, or one of its professionals, and their part in the person's care."""

    organisation: OutsideOrganisation
    role: str  # their part in the person's care, as typed
    since: dt.date
    professional_key: int | None = None  # the user, when one professional rather than the whole team
    professional: str = ""
    job: str = ""


@dataclass(frozen=True)
class TeamTask:
    """The task Tandem made for a referral, as it stands now (tandem.careplans.models.Task): its status,
    whom it is for now (it may have been reassigned), when it is due, and the outcome or the reason it
    was declined."""

    key: int
    referral_id: str
    what: str
    status: str
    to_role: str = ""
    to_user_id: int | None = None
    due_on: dt.date | None = None
    outcome: str = ""
    decline_reason: str = ""
    priority: str = "routine"  # FHIR Task.priority: routine | urgent
    authored_at: dt.datetime | None = None  # aware
    changed_at: dt.datetime | None = None  # aware
    to_provider_id: int | None = None  # referred to an organisation outside the practice
    why: str = ""


@dataclass(frozen=True)
class Source:
    """One version of a person's plan, with what the document needs from their record."""

    plan: Plan
    plan_key: int  # CarePlan pk
    version: int
    latest: bool
    saved_at: dt.datetime  # aware
    person: Person
    practice: Organisation
    saved_by: Clinician | None = None
    named_clinician: Clinician | None = None
    carers: tuple[Carer, ...] = ()
    diagnoses: tuple[Diagnosis, ...] = ()
    registers: tuple[str, ...] = ()  # the registers the person is on
    register_names: Mapping[str, str] = field(default_factory=dict)
    services: Mapping[int, Service] = field(default_factory=dict)  # by LocalService pk
    staff: Mapping[int, Clinician] = field(default_factory=dict)  # by User pk: who referrals are for
    task_status: Mapping[str, str] = field(default_factory=dict)  # referral id -> careplans Task status
    team_tasks: Mapping[str, TeamTask] = field(default_factory=dict)  # referral id -> its task now
    providers: Mapping[int, OutsideOrganisation] = field(default_factory=dict)  # referred to, by Provider pk
    outside_team: tuple[OutsideMember, ...] = ()  # the care team outside the practice, now


# --- Ids and references ----------------------------------------------------------------------

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)


def stable_id(*parts: object) -> str:
    """The same resource id every time for the same thing (a UUID made from our own keys)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def keys(items) -> list[str]:
    """A key per list item for its resource id: its own id, or its position when it has none or shares
    it with an earlier item (the resource ids in a document must differ)."""
    out: list[str] = []
    for index, item in enumerate(items):
        key = item.id or f"#{index}"
        out.append(key if key not in out else f"{key}#{index}")
    return out


def urn(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def ref(resource: Mapping[str, Any], display: str = "") -> dict:
    """A reference to a resource in the same document (by its fullUrl)."""
    out: dict[str, Any] = {"reference": urn(resource["id"])}
    if display:
        out["display"] = display
    return out


def coding(system: str, code: str, display: str = "") -> dict:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(*codings: dict, text: str = "") -> dict:
    """A CodeableConcept; codings without a code (from a value that is not a known key) are left out."""
    out: dict[str, Any] = {}
    kept = [c for c in codings if c.get("code")]
    if kept:
        out["coding"] = kept
    if text:
        out["text"] = text
    return out


def extension(url: str, kind: str, value: Any) -> dict:
    return {"url": url, f"value{kind}": value}


def instant(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ExportError("a FHIR instant needs a time zone")
    return moment.isoformat(timespec="seconds")


def compact(data: dict) -> dict:
    """Drop empty values: FHIR forbids empty strings, lists and objects."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def tidy(value: Any) -> Any:
    """The plan with text that is only whitespace made empty, all through: FHIR allows no value without
    visible content, so such text is left out of the document and reads back as empty."""
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: tidy(getattr(value, f.name)) for f in fields(value)})
    if isinstance(value, tuple):
        return tuple(tidy(v) for v in value)
    if isinstance(value, str) and not value.strip():
        return ""
    return value


def sentences(*parts: str) -> str:
    """Non-empty parts joined as sentences ("Amber: getting worse. More breathless. What to do: ...")."""
    kept = [p.strip().rstrip(".") for p in parts if p and p.strip()]
    return ". ".join(kept) + ("." if kept else "")


def long_date(iso: str) -> str:
    """"2027-06-10" as "10 June 2027" (left as written if it is not a date)."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


def narrative(blocks: Iterable[tuple[str, list[str]]]) -> dict:
    """Generated XHTML narrative: each block a heading (may be empty) and lines. Every piece of text
    is escaped: it is what people typed."""
    parts = []
    for heading, lines in blocks:
        if heading:
            parts.append(f"<h3>{html.escape(heading, quote=False)}</h3>")
        if len(lines) == 1:
            parts.append(f"<p>{html.escape(lines[0], quote=False)}</p>")
        elif lines:
            parts.append("<ul>" + "".join(f"<li>{html.escape(line, quote=False)}</li>" for line in lines) + "</ul>")
    body = "".join(parts) or "<p>None recorded.</p>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


# --- Checking against the FHIR models -------------------------------------------------------------

@cache
def model_class(resource_type: str):
    return get_fhir_model_class(resource_type)


# Codes from value sets FHIR R4 binds as "required" for the elements Tandem writes. The
# fhir.resources models check structure and types, not these bindings, so Tandem checks them.
REQUIRED = {
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Goal", "lifecycleStatus"): {"proposed", "planned", "accepted", "active", "on-hold", "completed", "cancelled",
                                  "entered-in-error", "rejected"},
    ("CareTeam", "status"): {"proposed", "active", "suspended", "inactive", "entered-in-error"},
    ("Task", "status"): {"draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
                         "in-progress", "on-hold", "failed", "completed", "entered-in-error"},
    ("Task", "intent"): {"unknown", "proposal", "plan", "order", "original-order", "reflex-order", "filler-order",
                         "instance-order", "option"},
    ("ServiceRequest", "status"): {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error",
                                   "unknown"},
    ("ServiceRequest", "intent"): {"proposal", "plan", "directive", "order", "original-order", "reflex-order",
                                   "filler-order", "instance-order", "option"},
    ("Composition", "status"): {"preliminary", "final", "amended", "entered-in-error"},
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
}
ACTIVITY_STATUS = {"not-started", "scheduled", "in-progress", "on-hold", "completed", "cancelled", "stopped",
                   "unknown", "entered-in-error"}
ACTIVITY_KIND = {"Appointment", "CommunicationRequest", "DeviceRequest", "MedicationRequest", "NutritionOrder",
                 "Task", "ServiceRequest", "VisionPrescription"}
ATTESTATION_MODE = {"personal", "professional", "legal", "official"}
COMPARATOR = {"<", "<=", ">=", ">"}


def binding_problems(resource: Mapping[str, Any]) -> list[str]:
    """Codes outside the value sets FHIR R4 requires, for the elements Tandem writes."""
    rtype = resource.get("resourceType")
    found = []
    for (owner, element), allowed in REQUIRED.items():
        if owner == rtype and element in resource and resource[element] not in allowed:
            found.append(f"{rtype}.{element} '{resource[element]}' is not in its required value set")
    for i, activity in enumerate(resource.get("activity", []) if rtype == "CarePlan" else []):
        detail = activity.get("detail") or {}
        if detail.get("status") not in ACTIVITY_STATUS | {None}:
            found.append(f"CarePlan.activity[{i}].detail.status is not in its required value set")
        if detail.get("kind") not in ACTIVITY_KIND | {None}:
            found.append(f"CarePlan.activity[{i}].detail.kind is not in its required value set")
    for attester in resource.get("attester", []) if rtype == "Composition" else []:
        if attester.get("mode") not in ATTESTATION_MODE:
            found.append("Composition.attester.mode is not in its required value set")
    for target in resource.get("target", []) if rtype == "Goal" else []:
        comparator = (target.get("detailQuantity") or {}).get("comparator")
        if comparator is not None and comparator not in COMPARATOR:
            found.append("Goal.target.detailQuantity.comparator is not in its required value set")
    return found


def checked(resource: dict) -> dict:
    """The resource, after constructing it with the fhir.resources R4B model of its type and checking
    the required bindings. Raises ExportError if it is not valid (a bug in a mapper)."""
    try:
        model_class(resource["resourceType"]).model_validate(resource)
    except (ValidationError, ValueError, TypeError) as exc:
        raise ExportError(f"{resource.get('resourceType')} is not valid FHIR R4: {exc}") from exc
    problems = binding_problems(resource)
    if problems:
        raise ExportError("; ".join(problems))
    return resource


# --- Reading back (the importer) -------------------------------------------------------------------

def extensions(element: Mapping[str, Any] | None, url: str) -> list[dict]:
    return [e for e in (element or {}).get("extension", []) if e.get("url") == url]


def extension_value(element: Mapping[str, Any] | None, url: str, kind: str) -> Any:
    found = extensions(element, url)
    return found[0].get(f"value{kind}") if found else None


def identifier_value(resource: Mapping[str, Any], system: str) -> str | None:
    for ident in resource.get("identifier", []) or []:
        if ident.get("system") == system and ident.get("value"):
            return ident["value"]
    return None


def code_in(value: Mapping[str, Any] | None, system: str) -> str | None:
    for c in (value or {}).get("coding", []) or []:
        if c.get("system") == system and c.get("code"):
            return c["code"]
    return None
