"""Activities that are resources of their own: referrals to other members of the team (Task) and
support services (ServiceRequest, with the HealthcareService from the practice's directory). Pure.

A referral (Plan.referrals: "needs for another member of the team become tasks"), FHIR R4 Task:
- intent order, basedOn the CarePlan, for the Patient, requester who saved the plan.
- description: what the other member of the team should do.
- performerType: the role it is for (Tandem's staff roles); owner: the named person, if any, with
  Tandem's staff identifier (and the Practitioner in the document).
- restriction.period.end: by when. identifier: the referral's id.
- From the team task Tandem made for it, as it stands now (common.TeamTask; team_task below): status
  (requested, accepted, in_progress: in-progress, completed, declined: rejected, cancelled), whom it is
  for now (owner, performerType: it may have been reassigned), the due date (restriction.period.end),
  the outcome (note) and the reason it was declined (statusReason.text), lastModified.

A referral to an organisation outside the practice (Referral.to_provider_id; its task's `to_provider`) is an
order to that organisation: a FHIR R4 ServiceRequest and the Task that follows it (referral_request and
referral_task below):
- ServiceRequest: intent order; status active while the task is open, completed, or revoked (rejected or
  cancelled); code.text what the practice asks, reasonCode.text why; subject the Patient; requester the
  clinician; performer the Organization (ods-organization-code identifier where it has one); occurrence by
  when; basedOn the CarePlan; identifier the referral's id.
- Task: intent order, focus the ServiceRequest, owner the Organization, basedOn the CarePlan; status from the
  task (requested, accepted, rejected with statusReason, in-progress, completed, cancelled); the outcome as
  output (and note); restriction.period.end by when.
- Organization: the provider, with its ODS code where it has one.

A support service or signpost (Plan.services), FHIR R4 ServiceRequest:
- intent plan (it is part of the person's plan, not an order to the service); status follows the plan.
- code.text: the service's name as written in the plan, with Tandem's kind of service;
  reasonCode.text: why; performer: the HealthcareService from the practice's local services
  directory, with its directory identifier. identifier: the signpost's id.
"""

from __future__ import annotations

from ..rules.document import Referral, Signpost
from .common import (
    CS_SERVICE_KIND,
    CS_STAFF_ROLE,
    EXT_ADDED_BY,
    ID_LOCAL_SERVICE,
    ID_REFERRAL,
    ID_SIGNPOST,
    ID_STAFF,
    ODS,
    Clinician,
    OutsideOrganisation,
    Service,
    TeamTask,
    coding,
    compact,
    concept,
    extension,
    instant,
    ref,
    stable_id,
)

#: careplans Task status -> FHIR R4 Task.status (required binding http://hl7.org/fhir/task-status)
TASK_STATUS = {"requested": "requested", "accepted": "accepted", "in_progress": "in-progress",
               "completed": "completed", "declined": "rejected", "cancelled": "cancelled"}


def _owner(to_user_id: int | None, owner: Clinician | None, owner_resource: dict | None) -> dict | None:
    if to_user_id is None:
        return None
    return compact({
        "reference": f"urn:uuid:{owner_resource['id']}" if owner_resource else None,
        "identifier": {"system": ID_STAFF, "value": str(to_user_id)},
        "display": owner.name if owner else None,
    })


def team_task(team: TeamTask, *, patient: dict, owner: Clinician | None = None, owner_resource: dict | None = None,
              role_label: str = "") -> dict:
    """A team task on its own as a FHIR R4 Task: intent order, for the Patient (a reference to `patient`),
    its status, owner, due date, outcome (note) and reason declined (statusReason)."""
    return compact({
        "resourceType": "Task",
        "id": stable_id("task", team.key),
        "identifier": [{"system": ID_REFERRAL, "value": team.referral_id}] if team.referral_id else [],
        "status": TASK_STATUS.get(team.status, "requested"),
        "statusReason": concept(text=team.decline_reason) if team.decline_reason else None,
        "intent": "order",
        "priority": team.priority if team.priority != "routine" else None,
        "description": team.what,
        "for": ref(patient),
        "authoredOn": instant(team.authored_at) if team.authored_at else None,
        "lastModified": instant(team.changed_at) if team.changed_at else None,
        "performerType": [concept(coding(CS_STAFF_ROLE, team.to_role, role_label))] if team.to_role else [],
        "owner": _owner(team.to_user_id, owner, owner_resource),
        "restriction": {"period": {"end": team.due_on.isoformat()}} if team.due_on else None,
        "note": [{"text": team.outcome}] if team.outcome else [],
    })


def task(*, plan_key: int, key: str, item: Referral, careplan_id: str, patient: dict, requester: dict,
         authored: str, status: str, owner: Clinician | None, owner_resource: dict | None,
         role_label: str, team: TeamTask | None = None) -> dict:
    """A referral in the plan as a Task; `team`: the task Tandem made for it, as it stands now."""
    if team is not None:
        resource = team_task(team, patient=patient, owner=owner, owner_resource=owner_resource, role_label=role_label)
        resource.update({"id": stable_id("careplan", plan_key, "referral", key),
                         "basedOn": [{"reference": f"urn:uuid:{careplan_id}"}], "authoredOn": authored,
                         "requester": requester})
        if item.id:
            resource["identifier"] = [{"system": ID_REFERRAL, "value": item.id}]
        return compact(resource)
    owner_ref = _owner(item.to_user_id, owner, owner_resource)
    return compact({
        "resourceType": "Task",
        "id": stable_id("careplan", plan_key, "referral", key),
        "identifier": [{"system": ID_REFERRAL, "value": item.id}] if item.id else [],
        "basedOn": [{"reference": f"urn:uuid:{careplan_id}"}],
        "status": TASK_STATUS.get(status, "requested"),
        "intent": "order",
        "description": item.what,
        "for": ref(patient),
        "authoredOn": authored,
        "requester": requester,
        "performerType": [concept(coding(CS_STAFF_ROLE, item.to_role, role_label))] if item.to_role else [],
        "owner": owner_ref,
        "restriction": {"period": {"end": item.by_when}} if item.by_when else None,
    })


def _telecom(contact: str) -> list[dict]:
    contact = contact.strip()
    if not contact:
        return []
    if "@" in contact and " " not in contact:
        return [{"system": "email", "value": contact}]
    if contact.startswith(("http://", "https://", "www.")):
        return [{"system": "url", "value": contact}]
    return [{"system": "phone", "value": contact}]


def healthcare_service(service: Service) -> dict:
    return compact({
        "resourceType": "HealthcareService",
        "id": stable_id("local-service", service.key),
        "identifier": [{"system": ID_LOCAL_SERVICE, "value": str(service.key)}],
        "type": [concept(coding(CS_SERVICE_KIND, service.kind, service.kind_label), text=service.kind_label)],
        "name": service.name,
        "comment": service.description,
        "telecom": _telecom(service.contact),
    })


def service_request(*, plan_key: int, key: str, item: Signpost, careplan_id: str, status: str, patient: dict,
                    requester: dict, authored: str, service: Service | None, service_resource: dict | None) -> dict:
    performer = None
    if item.service_id is not None:
        performer = compact({
            "reference": f"urn:uuid:{service_resource['id']}" if service_resource else None,
            "identifier": {"system": ID_LOCAL_SERVICE, "value": str(item.service_id)},
            "display": service.name if service else item.name,
        })
    kind = [coding(CS_SERVICE_KIND, service.kind, service.kind_label)] if service else []
    return compact({
        "resourceType": "ServiceRequest",
        "id": stable_id("careplan", plan_key, "service", key),
        "extension": [extension(EXT_ADDED_BY, "String", item.author)] if item.author else [],
        "identifier": [{"system": ID_SIGNPOST, "value": item.id}] if item.id else [],
        "basedOn": [{"reference": f"urn:uuid:{careplan_id}"}],
        "status": status,
        "intent": "plan",
        "code": concept(*kind, text=item.name),
        "subject": ref(patient),
        "authoredOn": authored,
        "requester": requester,
        "performer": [performer] if performer else [],
        "reasonCode": [concept(text=item.why)] if item.why else [],
    })


# --- Referrals to organisations outside the practice ------------------------------------------------------

#: careplans Task status -> FHIR R4 ServiceRequest.status (required binding http://hl7.org/fhir/request-status)
REQUEST_STATUS = {"requested": "active", "accepted": "active", "in_progress": "active", "completed": "completed",
                  "declined": "revoked", "cancelled": "revoked"}


def outside_organization(org: OutsideOrganisation) -> dict:
    """An organisation outside the practice as a FHIR R4 Organization (ODS code where it has one)."""
    telecom = [{"system": "phone", "value": org.phone, "use": "work"}] if org.phone else []
    if org.email:
        telecom.append({"system": "email", "value": org.email, "use": "work"})
    return compact({
        "resourceType": "Organization",
        "id": stable_id("provider", org.key),
        "identifier": [{"system": ODS, "value": org.ods_code}] if org.ods_code else [],
        "active": True,
        "type": [concept(text=org.kind_label)] if org.kind_label else [],
        "name": org.name,
        "telecom": telecom,
    })


def _organisation_ref(organization: dict, org: OutsideOrganisation) -> dict:
    return compact({"reference": f"urn:uuid:{organization['id']}",
                    "identifier": {"system": ODS, "value": org.ods_code} if org.ods_code else None,
                    "display": org.name})


def referral_request(*, plan_key: int, key: str, item: Referral, careplan_id: str, patient: dict, requester: dict,
                     authored: str, organization: dict, org: OutsideOrganisation, team: TeamTask | None) -> dict:
    """A referral to an organisation outside the practice as a ServiceRequest (an order to that organisation)."""
    status = team.status if team is not None else "requested"
    due = team.due_on.isoformat() if team is not None and team.due_on else item.by_when
    why = (team.why if team is not None else "") or item.why
    return compact({
        "resourceType": "ServiceRequest",
        "id": stable_id("careplan", plan_key, "referral", key, "request"),
        "identifier": [{"system": ID_REFERRAL, "value": item.id}] if item.id else [],
        "basedOn": [{"reference": f"urn:uuid:{careplan_id}"}],
        "status": REQUEST_STATUS.get(status, "active"),
        "intent": "order",
        "code": concept(text=team.what if team is not None else item.what),
        "subject": ref(patient),
        "occurrenceDateTime": due or None,
        "authoredOn": authored,
        "requester": requester,
        "performer": [_organisation_ref(organization, org)],
        "reasonCode": [concept(text=why)] if why else [],
    })


def referral_task(*, plan_key: int, key: str, item: Referral, careplan_id: str, patient: dict, requester: dict,
                  authored: str, request: dict, organization: dict, org: OutsideOrganisation,
                  team: TeamTask | None) -> dict:
    """The Task that follows a referral to an organisation outside the practice: its focus the ServiceRequest,
    owned by the Organization, its status as the organisation answered it, the outcome as its output."""
    status = team.status if team is not None else "requested"
    due = team.due_on.isoformat() if team is not None and team.due_on else item.by_when
    outcome = team.outcome if team is not None else ""
    reason = team.decline_reason if team is not None else ""
    return compact({
        "resourceType": "Task",
        "id": stable_id("careplan", plan_key, "referral", key),
        "identifier": [{"system": ID_REFERRAL, "value": item.id}] if item.id else [],
        "basedOn": [{"reference": f"urn:uuid:{careplan_id}"}],
        "status": TASK_STATUS.get(status, "requested"),
        "statusReason": concept(text=reason) if reason else None,
        "intent": "order",
        "priority": team.priority if team is not None and team.priority != "routine" else None,
        "description": team.what if team is not None else item.what,
        "focus": ref(request),
        "for": ref(patient),
        "authoredOn": authored,
        "lastModified": instant(team.changed_at) if team is not None and team.changed_at else None,
        "requester": requester,
        "owner": _organisation_ref(organization, org),
        "restriction": {"period": {"end": due}} if due else None,
        "output": [{"type": concept(text="Outcome"), "valueString": outcome}] if outcome else [],
        "note": [{"text": outcome}] if outcome else [],
    })
