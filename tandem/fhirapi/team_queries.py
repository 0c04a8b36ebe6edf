"""Reads of the care team's resources for the API: CareTeam (one per person), Task and ServiceRequest (rows of
tandem.careplans.models.Task). Scoped as every read is (tandem.fhirapi.scope), and further:

- Task: the practice's clinicians see their practices' tasks; a professional of an organisation outside the
  practice sees the referrals to their organisation (whether or not they are in the person's care team) and
  the additions to plans they made themselves, nothing else.
- ServiceRequest: referrals to organisations outside the practice, for the practice's clinicians and for the
  organisation's professionals.

Each page is read with what its mapping needs in a fixed number of statements (members and additions are
prefetched for the page), never one per row. The search helpers shared with the other types are
tandem.fhirapi.queries's (imported where used: that module registers these readers in its table).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from tandem.careplans.models import CarePlan, Task
from tandem.careplans.presenters.plans import ROLE_CHOICES
from tandem.careteam import queries as careteam
from tandem.careteam import rules as careteam_rules
from tandem.careteam.actions import REVIEW_PREFIX
from tandem.careteam.fhir import Outside, care_team
from tandem.careteam.models import Contribution, Member
from tandem.core.models import Provider

from . import rules, team_mappers
from .ids import IdCodec
from .scope import clinical_practices


def _narrowed(qs: QuerySet, caller, search: rules.Search, codec: IdCodec, field: str = "patient_id") -> QuerySet:
    if caller.patient_id is not None:
        qs = qs.filter(**{field: caller.patient_id})
    for ors in search.patients:
        qs = qs.filter(**{f"{field}__in": [k for k in (codec.key("Patient", i) for i in ors) if k is not None]})
    return qs


def _status_q(ors, values: dict[str, Q]) -> Q:
    q = Q(pk__in=[])
    for token in ors:
        if token.system is None and token.code in values:
            q |= values[token.code]
    return q


# --- CareTeam ---------------------------------------------------------------------------------------

def careteam_qs(caller, search: rules.Search, codec: IdCodec) -> QuerySet:
    from .queries import _ids, _people

    members = Member.objects.filter(ended_on__isnull=True, provider__active=True)
    qs = _narrowed(_people(caller), caller, search, codec, field="pk")
    qs = qs.filter(Q(named_clinician__isnull=False) | Exists(members.filter(patient_id=OuterRef("pk"))))
    for name, alternatives in search.tokens.items():
        for ors in alternatives:
            if name == "_id":
                qs = qs.filter(pk__in=_ids(codec, "CareTeam", ors))
            elif name == "status":
                qs = qs.filter(_status_q(ors, {"active": Q()}))
    return qs.select_related("practice", "named_clinician").prefetch_related(Prefetch(
        "care_team", queryset=Member.objects.filter(provider__active=True).select_related(
            "provider", "professional", "professional__user").order_by("added_at", "pk"), to_attr="members"))


def map_careteam(patient, codec: IdCodec) -> dict:
    named = patient.named_clinician
    members = [Outside(
        key=m.pk, organisation_key=m.provider_id, organisation=m.provider.name, ods_code=m.provider.ods_code,
        kind=m.provider.kind, kind_label=Provider.Kind(m.provider.kind).label, role=m.role, since=m.agreed_on,
        until=m.ended_on, professional_key=m.professional.user_id if m.professional else None,
        professional=m.professional.user.display_name if m.professional else "",
        job=m.professional.job if m.professional else "") for m in getattr(patient, "members", [])]
    resource = care_team(patient_key=patient.pk, patient_display=f"{patient.given_name} {patient.family_name}",
                         practice_ods=patient.practice.ods_code, practice_name=patient.practice.name,
                         named_clinician=(named.pk, named.display_name) if named else None, members=members)
    resource["id"] = codec.encode("CareTeam", patient.pk)
    resource["subject"]["reference"] = f"Patient/{codec.encode('Patient', patient.pk)}"
    return resource


# --- Task and ServiceRequest ------------------------------------------------------------------------

def _tasks_visible(caller) -> Q:
    user = caller.user
    return (Q(practice_id__in=clinical_practices(user)) | Q(to_provider_id__in=careteam.provider_ids(user))
            | Q(referral_id__startswith=REVIEW_PREFIX, created_by_id=user.pk))


def _changed() -> Coalesce:
    return Coalesce("updated_at", "created_at")


def task_qs(caller, search: rules.Search, codec: IdCodec) -> QuerySet:
    from .queries import _date_q, _ids
    qs = _narrowed(Task.objects.filter(_tasks_visible(caller)), caller, search, codec)
    proposal = Q(referral_id__startswith=REVIEW_PREFIX)
    for name, alternatives in search.tokens.items():
        for ors in alternatives:
            if name == "_id":
                qs = qs.filter(pk__in=_ids(codec, "Task", ors))
            elif name == "intent":
                qs = qs.filter(_status_q(ors, {"order": ~proposal, "proposal": proposal}))
            elif name == "status":
                qs = qs.filter(_status_q(ors, _TASK_STATUS_Q))
    for name, ranges in search.dates.items():
        qs = qs.annotate(changed=_changed()).filter(_date_q("changed" if name == "_lastUpdated" else "created_at",
                                                            ranges))
    return qs.select_related("to_provider", "to_user", "created_by", "practice").order_by("pk")


# careplans Task status -> the FHIR status searched for (a contribution's review task follows its decision:
# tandem.careteam.actions declines it when the addition is not added, cancels it when withdrawn).
_TASK_STATUS_Q = {"requested": Q(status="requested"), "accepted": Q(status="accepted"),
                  "in-progress": Q(status="in_progress"), "completed": Q(status="completed"),
                  "rejected": Q(status="declined"), "cancelled": Q(status="cancelled")}


def _who(task: Task) -> str:
    return task.created_by.display_name if task.created_by else ""


def _row(task: Task, codec: IdCodec) -> team_mappers.TaskRow:
    org = task.to_provider
    return team_mappers.TaskRow(
        rid=codec.encode("Task", task.pk), pid=codec.encode("Patient", task.patient_id), status=task.status,
        what=task.what, revision=task.revision, authored_at=task.created_at, changed_at=task.updated_at,
        due_on=task.due_on, outcome=task.outcome, decline_reason=task.decline_reason, priority=task.priority,
        requester=_who(task), to_role_label=dict(ROLE_CHOICES).get(task.to_role, task.to_role),
        to_user=(task.to_user_id, task.to_user.display_name) if task.to_user_id else None,
        organisation=(org.pk, org.name, org.ods_code) if org is not None else None,
        request_id=codec.encode("ServiceRequest", task.pk) if org is not None else "", why=task.why)


def map_tasks(tasks: list[Task], codec: IdCodec) -> list[dict]:
    """The page's tasks, the additions to plans among them read with their contributions (one query)."""
    wanted = {int(t.referral_id[len(REVIEW_PREFIX):]): t for t in tasks
              if t.referral_id.startswith(REVIEW_PREFIX) and t.referral_id[len(REVIEW_PREFIX):].isdigit()}
    found = {c.pk: c for c in Contribution.objects.filter(pk__in=list(wanted)).select_related(
        "added_in", "practice")} if wanted else {}
    plans = dict(CarePlan.objects.filter(patient_id__in=[t.patient_id for t in wanted.values()]).values_list(
        "patient_id", "pk")) if wanted else {}
    out = []
    for task in tasks:
        key = int(task.referral_id[len(REVIEW_PREFIX):]) if task.referral_id.startswith(REVIEW_PREFIX) and \
            task.referral_id[len(REVIEW_PREFIX):].isdigit() else None
        contribution = found.get(key) if key is not None else None
        if contribution is not None and contribution.patient_id == task.patient_id:
            out.append(team_mappers.contribution(contribution_row(contribution, task, codec, plans.get(task.patient_id))))
        else:
            out.append(team_mappers.task(_row(task, codec)))
    return out


def contribution_row(c: Contribution, task: Task, codec: IdCodec, plan_pk: int | None) -> team_mappers.ContributionRow:
    return team_mappers.ContributionRow(
        rid=codec.encode("Task", task.pk), pid=codec.encode("Patient", c.patient_id),
        plan_id=codec.encode("CarePlan", plan_pk) if plan_pk else "", kind=c.kind,
        kind_label=careteam_rules.KINDS.get(c.kind, c.kind), content=dict(c.content or {}), status=c.status,
        author=c.author_label, author_key=c.author_id, created_at=c.created_at, decided_at=c.decided_at,
        reason=c.reason, added_in=c.added_in.version if c.added_in_id and c.added_in else None,
        revision=task.revision, practice=(c.practice.ods_code, c.practice.name))


def service_request_qs(caller, search: rules.Search, codec: IdCodec) -> QuerySet:
    from .queries import _date_q, _ids
    user = caller.user
    visible = Q(practice_id__in=clinical_practices(user)) | Q(to_provider_id__in=careteam.provider_ids(user))
    qs = _narrowed(Task.objects.filter(visible, to_provider__isnull=False), caller, search, codec)
    for name, alternatives in search.tokens.items():
        for ors in alternatives:
            if name == "_id":
                qs = qs.filter(pk__in=_ids(codec, "ServiceRequest", ors))
            elif name == "status":
                qs = qs.filter(_status_q(ors, {"active": Q(status__in=("requested", "accepted", "in_progress")),
                                               "completed": Q(status="completed"),
                                               "revoked": Q(status__in=("declined", "cancelled"))}))
    for name, ranges in search.dates.items():
        qs = qs.annotate(changed=_changed()).filter(_date_q("changed" if name == "_lastUpdated" else "created_at",
                                                            ranges))
    return qs.select_related("to_provider", "created_by").order_by("pk")


def map_service_request(task: Task, codec: IdCodec) -> dict:
    return team_mappers.service_request(_row(task, codec), sid=codec.encode("ServiceRequest", task.pk))
