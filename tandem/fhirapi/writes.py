"""What other providers change through the API: a Task's status, and additions to a plan. Bearer token only,
with the token's user as who did it (the owning apps' actions, audited as on their pages).

- `PUT /fhir/Task/<id>` with `If-Match: W/"<versionId>"`: the Task as it should now be; only its status (with
  the reason for rejecting, `statusReason.text`, or the outcome for completing, `output[].valueString` or
  `note[].text`) is read.
  - A referral to the caller's organisation: requested -> accepted -> in-progress -> completed, or rejected
    (tandem.careplans.actions.tasks, the same lifecycle as the referral page).
  - An addition to a plan the caller made, still waiting: cancelled withdraws it (tandem.careteam.actions).
  The version is checked inside the write's own transaction, with the row locked: a stale `If-Match` gets
  412 and nothing changes; none gets 428.
- `POST /fhir/Task`: an addition to the plan of a person whose care team the caller is in: intent proposal,
  code change, `for` the Patient, and `input` the kind (`kind`, a valueCoding of Tandem's contribution-kind
  system) and its fields (valueString: text; words, what, when; goal, what, when; level, signs, what_to_do,
  contact), checked as the page checks them (422 with every problem). 201 with Location and ETag.
"""

from __future__ import annotations

import json
import re

from django.db import transaction

from tandem.careplans import queries as plan_queries
from tandem.careplans.actions import tasks as task_actions
from tandem.careplans.models import Task
from tandem.careplans.rules import tasks as lifecycle
from tandem.careteam import actions as careteam_actions
from tandem.careteam import queries as careteam_queries
from tandem.careteam import rules as careteam_rules
from tandem.careteam.actions import REVIEW_PREFIX
from tandem.careteam.models import Contribution
from tandem.core import audit
from tandem.core.models import AuditEvent

from . import rules, team_mappers, team_queries
from .auth import Caller, id_codec

MAX_BODY = 64_000
_ETAG = re.compile(r'\s*(?:W/)?"([0-9]{1,9})"\s*')
# FHIR Task.status asked for -> the careplans task change that makes it
CHANGES = {"accepted": "accept", "in-progress": "start", "completed": "complete", "rejected": "decline"}


class Refused(Exception):
    """A write the API refuses: `status` and the OperationOutcome's code and message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


def body_of(request) -> dict:
    kind = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if kind not in ("application/fhir+json", "application/json"):
        raise Refused(415, "not-supported", "send the resource as application/fhir+json")
    if len(request.body) > MAX_BODY:
        raise Refused(413, "too-long", f"the resource is too large: at most {MAX_BODY:,} bytes")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "structure", "the body is not JSON") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Task":
        raise Refused(400, "structure", "the body must be a Task resource")
    return data


def expected_version(request) -> int:
    header = request.META.get("HTTP_IF_MATCH", "")
    if not header:
        raise Refused(428, "required", 'a change needs If-Match: W/"<versionId>", the version you read')
    match = _ETAG.fullmatch(header[:40])
    if match is None:
        raise Refused(400, "invalid", 'If-Match must be W/"<versionId>", as the ETag of the read')
    return int(match.group(1))


def _outcome(data: dict) -> str:
    for item in data.get("output") or []:
        if isinstance(item, dict) and isinstance(item.get("valueString"), str) and item["valueString"].strip():
            return item["valueString"].strip()
    for note in data.get("note") or []:
        if isinstance(note, dict) and isinstance(note.get("text"), str) and note["text"].strip():
            return note["text"].strip()
    return ""


def _reason(data: dict) -> str:
    reason = data.get("statusReason")
    return reason.get("text", "").strip() if isinstance(reason, dict) and isinstance(reason.get("text"), str) else ""


def update_task(request, caller: Caller, ident: str) -> dict:
    """The change the PUT asks for, made; the Task as it is now."""
    if not caller.grant.allows("Task", "update"):
        raise Refused(403, "forbidden", "the token's scopes do not allow changing a Task (Task.u)")
    version = expected_version(request)
    data = body_of(request)
    if data.get("id") not in (None, ident):
        raise Refused(400, "invalid", "the Task's id must be the id in the address")
    wanted = data.get("status")
    codec = id_codec()
    query = rules.Search(type="Task", tokens={"_id": ((rules.Token(None, ident),),)}, count=1)
    task = team_queries.task_qs(caller, query, codec).first() if codec.key("Task", ident) else None
    if task is None:
        raise Refused(404, "not-found", "no Task with that id")
    providers = set(careteam_queries.provider_ids(caller.user).values_list("provider_id", flat=True))
    with transaction.atomic():
        if task.referral_id.startswith(REVIEW_PREFIX):
            _withdraw(caller, task, wanted, version)
        elif task.to_provider_id is not None and task.to_provider_id in providers:
            _answer(caller, task, data, wanted, version)
        else:
            raise Refused(403, "forbidden", "only the organisation a referral is to answers it here; a practice's "
                                            "own tasks are changed on its pages")
    fresh = team_queries.task_qs(caller, query, codec).first()
    return team_queries.map_tasks([fresh], codec)[0]


def _locked(task: Task, version: int) -> Task:
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.revision != version:
        raise Refused(412, "conflict", f"the Task has changed since you read it (it is at version {current.revision}):"
                                       " read it again, then send your change")
    return current


def _answer(caller: Caller, task: Task, data: dict, wanted, version: int) -> None:
    current = _locked(task, version)
    now = team_mappers.TASK_STATUS_OF.get(current.status)
    if wanted == now:
        return  # already so: nothing to change
    change = CHANGES.get(wanted) if isinstance(wanted, str) else None
    if change is None:
        raise Refused(422, "business-rule", "status must be accepted, in-progress, completed or rejected")
    if not lifecycle.can_move(current.status, change):
        raise Refused(422, "business-rule", lifecycle.refusal(current.status, change))
    try:
        if change == "complete":
            outcome = _outcome(data)
            if not outcome or len(outcome) > lifecycle.MAX_OUTCOME:
                raise Refused(422, "required", f"completing needs the outcome, in output[].valueString or note[].text "
                                               f"(at most {lifecycle.MAX_OUTCOME} characters)")
            task_actions.complete_task(task=current, by=caller.user, outcome=outcome, expected_revision=version)
        elif change == "decline":
            reason = _reason(data)
            if not reason or len(reason) > lifecycle.MAX_REASON:
                raise Refused(422, "required", f"rejecting needs the reason, in statusReason.text "
                                               f"(at most {lifecycle.MAX_REASON} characters)")
            task_actions.decline_task(task=current, by=caller.user, reason=reason, expected_revision=version)
        else:
            task_actions.move_task(task=current, by=caller.user, change=change, expected_revision=version)
    except task_actions.TaskConflict:
        raise Refused(412, "conflict", "the Task changed while the change was made: read it again") from None
    except task_actions.TaskError as error:
        raise Refused(422, "business-rule", str(error)) from None


def _withdraw(caller: Caller, task: Task, wanted, version: int) -> None:
    current = _locked(task, version)
    key = current.referral_id[len(REVIEW_PREFIX):]
    contribution = Contribution.objects.select_for_update().filter(
        pk=int(key) if key.isdigit() else 0, patient_id=current.patient_id).first()
    if contribution is None or contribution.author_id != caller.user.pk:
        raise Refused(403, "forbidden", "only who added it can withdraw an addition to a plan")
    if wanted == team_mappers.CONTRIBUTION_STATUS.get(contribution.status):
        return
    if wanted != "cancelled":
        raise Refused(422, "business-rule", "an addition to a plan can only be withdrawn (status cancelled); the "
                                            "named clinician decides the rest")
    try:
        careteam_actions.withdraw(contribution=contribution, by=caller.user, expected_version=contribution.version)
    except careteam_actions.CareTeamError as error:
        raise Refused(422, "business-rule", str(error)) from None


def _inputs(data: dict) -> tuple[str, dict[str, str]]:
    kind, values = "", {}
    for item in data.get("input") or []:
        if not isinstance(item, dict):
            continue
        codings = ((item.get("type") or {}).get("coding") or []) if isinstance(item.get("type"), dict) else []
        field = next((c.get("code") for c in codings if isinstance(c, dict)
                      and c.get("system") == team_mappers.CS_CONTRIBUTION_FIELD), None)
        if field == "kind":
            coding = item.get("valueCoding") or {}
            kind = coding.get("code", "") if isinstance(coding, dict) else ""
        elif isinstance(field, str) and isinstance(item.get("valueString"), str):
            values[field[:40]] = item["valueString"][:5000]
    return str(kind)[:20], values


def create_task(request, caller: Caller) -> tuple[dict, str]:
    """An addition to a person's plan, for their named clinician to review: the Task and its id."""
    if not caller.grant.allows("Task", "create"):
        raise Refused(403, "forbidden", "the token's scopes do not allow creating a Task (Task.c)")
    data = body_of(request)
    if data.get("intent") != "proposal" or not any(
            c.get("code") == "change" for c in ((data.get("code") or {}).get("coding") or []) if isinstance(c, dict)):
        raise Refused(422, "business-rule", "a Task made here proposes a change to the person's care plan: intent "
                                            "proposal and code change (http://hl7.org/fhir/CodeSystem/task-code)")
    reference = (data.get("for") or {}).get("reference", "") if isinstance(data.get("for"), dict) else ""
    codec = id_codec()
    patient_pk = codec.key("Patient", reference.removeprefix("Patient/")) if isinstance(reference, str) else None
    if patient_pk is None or (caller.patient_id is not None and patient_pk != caller.patient_id):
        raise Refused(422, "required", "for must be Patient/<id> of a person whose care team you are in")
    try:
        member = careteam_queries.member_for(caller.user, patient_pk)
    except Exception:  # noqa: BLE001 - Http404: not in their care team, said as the API says it
        raise Refused(404, "not-found", "no such person in your care teams") from None
    kind, values = _inputs(data)
    version = plan_queries.latest(member.patient.practice, member.patient)
    goals = {g.id: g.words for g in plan_queries.plan_of(version).goals}
    read = careteam_rules.read(kind, values, goals=goals)
    if read.problems:
        raise Refused(422, "invalid", "; ".join(f"{field}: {message}" for field, message in read.problems.items()))
    with transaction.atomic():
        try:
            contribution = careteam_actions.contribute(member=member, by=caller.user, kind=kind, content=read.content,
                                                       based_on=version.version if version else 0)
        except careteam_actions.CareTeamError as error:
            raise Refused(403, "forbidden", str(error)) from None
    task = Task.objects.get(patient_id=member.patient_id, referral_id=careteam_actions.review_key(contribution.pk))
    audit.record(by=caller.user, practice=member.patient.practice, action=AuditEvent.Action.CREATE,
                 what="fhirapi.Task", patient_id=member.patient_id, object_id=task.pk,
                 detail={"application": caller.application_id, "token": caller.token_id})
    query = rules.Search(type="Task", tokens={"_id": ((rules.Token(None, codec.encode("Task", task.pk)),),)}, count=1)
    fresh = team_queries.task_qs(caller, query, codec).first()
    resource = team_queries.map_tasks([fresh], codec)[0]
    return resource, resource["id"]
