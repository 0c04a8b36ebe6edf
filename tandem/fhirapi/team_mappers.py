"""The care team's resources as the API serves them: Task (a task from a care plan for the practice team, a
referral to an organisation outside the practice, or an addition to the plan from the care team waiting for
review) and ServiceRequest (a referral to an organisation outside the practice). Pure: no Django.

References are to the API's own ids (Patient/<id>, CarePlan/<id>, ServiceRequest/<id>); what the API does not
serve as a resource (the organisation outside the practice, the member of staff) is named by its identifier
and display. `meta.versionId` is the task's revision: what `If-Match` names when it is changed (tandem.fhirapi
.writes), as the ETag does.

An addition to the plan (tandem.careteam.models.Contribution) is a Task with intent "proposal" and code
"change" (http://hl7.org/fhir/CodeSystem/task-code): a request to change its focus, the CarePlan. What was
added is its `input` (Tandem's contribution-field code system); its status follows the decision: waiting is
requested, added to the plan is completed (output: the plan version), not added is rejected (statusReason),
withdrawn is cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.careplans.fhir.activity import REQUEST_STATUS, TASK_STATUS
from tandem.careplans.fhir.common import BASE, ID_STAFF, ODS, coding, compact, concept, instant
from tandem.careteam.fhir import ID_PROVIDER

from .rules import CLAIMED

TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
CS_CONTRIBUTION_KIND = f"{BASE}/CodeSystem/care-team-contribution-kind"
CS_CONTRIBUTION_FIELD = f"{BASE}/CodeSystem/care-team-contribution-field"
TASK_STATUS_OF = {"requested": "requested", "accepted": "accepted", "in_progress": "in-progress",
                  "completed": "completed", "declined": "rejected", "cancelled": "cancelled"}
CONTRIBUTION_STATUS = {"waiting": "requested", "accepted": "completed", "declined": "rejected",
                       "withdrawn": "cancelled"}


@dataclass(frozen=True)
class TaskRow:
    """A careplans Task, with what its resource shows."""

    rid: str
    pid: str
    status: str
    what: str
    revision: int
    authored_at: dt.datetime
    changed_at: dt.datetime | None
    due_on: dt.date | None = None
    outcome: str = ""
    decline_reason: str = ""
    priority: str = "routine"
    requester: str = ""  # who asked, by name
    to_role_label: str = ""  # a task for the practice team: the role
    to_user: tuple[int, str] | None = None  # ... or one member of staff (key, name)
    organisation: tuple[int, str, str] | None = None  # a referral out: (key, name, ODS code)
    request_id: str = ""  # its ServiceRequest's API id, for a referral out
    why: str = ""


def _organisation(key: int, name: str, ods_code: str) -> dict:
    identifier = {"system": ODS, "value": ods_code} if ods_code else {"system": ID_PROVIDER, "value": str(key)}
    return {"identifier": identifier, "display": name}


def _meta(revision: int, changed: dt.datetime | None, type_name: str = "") -> dict:
    """The revision, when it last changed, and the UK Core profile the type claims (rules.CLAIMED), if any."""
    return compact({"versionId": str(revision), "lastUpdated": instant(changed) if changed else None,
                    "profile": [CLAIMED[type_name].url] if type_name in CLAIMED else None})


def task(row: TaskRow) -> dict:
    owner = None
    if row.organisation is not None:
        owner = _organisation(*row.organisation)
    elif row.to_user is not None:
        owner = {"identifier": {"system": ID_STAFF, "value": str(row.to_user[0])}, "display": row.to_user[1]}
    return compact({
        "resourceType": "Task",
        "id": row.rid,
        "meta": _meta(row.revision, row.changed_at or row.authored_at),
        "status": TASK_STATUS.get(row.status, "requested"),
        "statusReason": concept(text=row.decline_reason) if row.decline_reason else None,
        "intent": "order",
        "priority": row.priority if row.priority != "routine" else None,
        "description": row.what,
        "focus": {"reference": f"ServiceRequest/{row.request_id}"} if row.request_id else None,
        "for": {"reference": f"Patient/{row.pid}"},
        "authoredOn": instant(row.authored_at),
        "lastModified": instant(row.changed_at) if row.changed_at else None,
        "requester": {"display": row.requester} if row.requester else None,
        "performerType": [concept(text=row.to_role_label)] if row.to_role_label and owner is None else [],
        "owner": owner,
        "restriction": {"period": {"end": row.due_on.isoformat()}} if row.due_on else None,
        "output": [{"type": concept(text="Outcome"), "valueString": row.outcome}] if row.outcome else [],
    })


def service_request(row: TaskRow, *, sid: str) -> dict:
    """A referral to an organisation outside the practice, as the order it is (its Task follows it)."""
    return compact({
        "resourceType": "ServiceRequest",
        "id": sid,
        "meta": _meta(row.revision, row.changed_at or row.authored_at, "ServiceRequest"),
        "status": REQUEST_STATUS.get(row.status, "active"),
        "intent": "order",
        "code": concept(text=row.what),
        "subject": {"reference": f"Patient/{row.pid}"},
        "occurrenceDateTime": row.due_on.isoformat() if row.due_on else None,
        "authoredOn": instant(row.authored_at),
        "requester": {"display": row.requester} if row.requester else None,
        "performer": [_organisation(*row.organisation)] if row.organisation else [],
        "reasonCode": [concept(text=row.why)] if row.why else [],
    })


@dataclass(frozen=True)
class ContributionRow:
    rid: str
    pid: str
    plan_id: str  # the CarePlan's API id ("" before the person has a plan)
    kind: str
    kind_label: str
    content: dict
    status: str  # tandem.careteam.models.Contribution.Status
    author: str  # "Jo Marsh, community matron, Riverside Community Nursing"
    author_key: int
    created_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str
    added_in: int | None  # the plan version it went into
    revision: int
    practice: tuple[str, str]  # (ODS code, name): whose named clinician reviews it


def contribution(row: ContributionRow) -> dict:
    inputs = [{"type": concept(coding(CS_CONTRIBUTION_FIELD, "kind", "What is added")),
               "valueCoding": coding(CS_CONTRIBUTION_KIND, row.kind, row.kind_label)}]
    inputs += [{"type": concept(coding(CS_CONTRIBUTION_FIELD, name, name)), "valueString": str(value)}
               for name, value in row.content.items() if value]
    return compact({
        "resourceType": "Task",
        "id": row.rid,
        "meta": _meta(row.revision, row.decided_at or row.created_at),
        "status": CONTRIBUTION_STATUS.get(row.status, "requested"),
        "statusReason": concept(text=row.reason) if row.reason else None,
        "intent": "proposal",
        "code": concept(coding(TASK_CODE, "change", "Change the focal resource")),
        "description": f"{row.kind_label}, from {row.author}",
        "focus": {"reference": f"CarePlan/{row.plan_id}"} if row.plan_id else None,
        "for": {"reference": f"Patient/{row.pid}"},
        "authoredOn": instant(row.created_at),
        "lastModified": instant(row.decided_at) if row.decided_at else None,
        "requester": {"identifier": {"system": ID_STAFF, "value": str(row.author_key)}, "display": row.author},
        "owner": {"identifier": {"system": ODS, "value": row.practice[0]}, "display": row.practice[1]},
        "input": inputs,
        "output": [{"type": concept(text="Added to the plan"), "valueString": f"Version {row.added_in}"}]
        if row.added_in else [],
    })
