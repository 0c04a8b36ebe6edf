"""Reads for the FHIR export: one version of a person's plan with what the document needs from their
record (tandem.careplans.fhir.common.Source). Scoped to the practice; audited as an export."""

from __future__ import annotations

from dataclasses import replace

from django.db.models import F
from django.http import Http404
from django.utils import timezone

from tandem.core import audit
from tandem.core.compiled import CompiledRead
from tandem.core.models import AuditEvent, Membership, Practice, Provider, User
from tandem.core.rules import ROLE_LABELS
from tandem.patients.models import Condition, Patient, RelatedPerson
from tandem.registers.models import RegisterMembership
from tandem.terminology import codelists

from .. import hooks
from ..fhir.common import (
    Carer,
    Clinician,
    Diagnosis,
    Organisation,
    OutsideOrganisation,
    Person,
    Service,
    Source,
    TeamTask,
)
from ..models import CarePlan, LocalService, PlanVersion, Task
from ..rules.document import Plan


def _clinicians(members: dict[int, Membership], users: list[User]) -> dict[int, Clinician]:
    roles = {pk: m.role for pk, m in members.items()}
    return {u.pk: Clinician(key=u.pk, name=u.display_name, given_name=u.first_name, family_name=u.last_name,
                            role=roles.get(u.pk, ""), role_label=ROLE_LABELS.get(roles.get(u.pk, ""), ""))
            for u in users}


# The person's own rows the document carries: fixed shapes, their SQL built once (tandem.core.compiled).
_CARERS = CompiledRead(lambda patient: RelatedPerson.objects.filter(patient_id=patient, is_carer=True)
                       .order_by("pk").values_list("pk", "name", "relationship", "phone"), "patient")
_DIAGNOSES = CompiledRead(lambda practice, patient: Condition.objects.filter(practice_id=practice, patient_id=patient)
                          .order_by("onset_date", "pk")
                          .values_list("pk", "code", "term", "onset_date", "resolved_date"), "practice", "patient")
_REGISTERS = CompiledRead(lambda practice, patient: RegisterMembership.objects
                          .filter(practice_id=practice, patient_id=patient).order_by("register")
                          .values_list("register"), "practice", "patient")


def _fields(model) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


_PATIENT_FIELDS, _USER_FIELDS = _fields(Patient), _fields(User)
_VERSION_FIELDS, _PLAN_FIELDS = _fields(PlanVersion), _fields(CarePlan)


def _instance(model, names: tuple[str, ...], values) -> object | None:
    """A model instance from a row's columns, as select_related() makes it; None for a join that found
    nothing (its primary key is NULL)."""
    return model.from_db("default", names, values) if values[0] is not None else None


# The person with their named clinician, and a version of their plan with the plan record and who
# saved it: fixed shapes read on every download, their SQL built once (tandem.core.compiled).
_PATIENT = CompiledRead(lambda practice, patient: Patient.objects.filter(practice_id=practice, pk=patient)
                        .values_list(*_PATIENT_FIELDS, *(f"named_clinician__{n}" for n in _USER_FIELDS)),
                        "practice", "patient")


_LATEST_VERSION = CompiledRead(lambda practice, patient: PlanVersion.objects
                               .filter(plan__practice_id=practice, plan__patient_id=patient,
                                       version=F("plan__version"))  # the latest: the one the plan record names
                               .values_list(*_VERSION_FIELDS, *(f"plan__{n}" for n in _PLAN_FIELDS),
                                            *(f"created_by__{n}" for n in _USER_FIELDS)), "practice", "patient")


def _patient(practice: Practice, patient_id: int) -> Patient | None:
    rows = _PATIENT.run(practice=practice.pk, patient=patient_id)
    if not rows:
        return None
    split = len(_PATIENT_FIELDS)
    patient = _instance(Patient, _PATIENT_FIELDS, rows[0][:split])
    patient.named_clinician = _instance(User, _USER_FIELDS, rows[0][split:])
    return patient


def _version(practice: Practice, patient: Patient, number: int | None) -> PlanVersion | None:
    """The plan version (the latest, or `number`) with its plan record and who saved it, or None."""
    if number is not None:  # an earlier version, now and then: built as it is asked for
        return (PlanVersion.objects.filter(plan__practice=practice, plan__patient=patient, version=number)
                .select_related("plan", "created_by").first())
    rows = _LATEST_VERSION.run(practice=practice.pk, patient=patient.pk)
    if not rows:
        return None
    first, second = len(_VERSION_FIELDS), len(_VERSION_FIELDS) + len(_PLAN_FIELDS)
    version = _instance(PlanVersion, _VERSION_FIELDS, rows[0][:first])
    version.plan = _instance(CarePlan, _PLAN_FIELDS, rows[0][first:second])
    version.created_by = _instance(User, _USER_FIELDS, rows[0][second:])
    return version


def export_source(*, practice: Practice, patient_id: int, by: User, number: int | None = None) -> Source | None:
    """The plan version to export (the latest, or `number`), audited as an export; None when the person
    has no saved plan. Http404 for a person not at this practice, or a version that does not exist."""
    patient = _patient(practice, patient_id)
    if patient is None:
        raise Http404("No such patient in this practice")
    version = _version(practice, patient, number)
    if version is None:
        if number is not None:
            raise Http404("No such version of this care plan")
        return None
    record = version.plan
    plan = Plan.from_dict(version.content)
    if plan.information_items:  # the FHIR document carries information given as one note
        plan = replace(plan, information="\n".join([*(i.text for i in plan.information_items), plan.information]).strip())
    # The document's author is who held the conversation (the plan records it), else who saved it.
    author_id = plan.held_by_id if plan.held_by_id is not None else version.created_by_id

    # Everyone the document names who is at the practice, with their role there, in one read: who
    # referrals are for and who held the conversation must be at the practice to be named.
    # The referrals' tasks as they stand now: whom each is for now (reassigned, perhaps) is named too.
    tasks = list(Task.objects.filter(practice=practice, patient=patient,
                                     referral_id__in=[r.id for r in plan.referrals if r.id]).select_related("to_provider"))
    provider_kinds = dict(Provider.Kind.choices)
    providers = {t.to_provider_id: OutsideOrganisation(
        key=t.to_provider_id, name=t.to_provider.name, ods_code=t.to_provider.ods_code,
        kind_label=str(provider_kinds.get(t.to_provider.kind, "")), phone=t.to_provider.phone,
        email=t.to_provider.email) for t in tasks if t.to_provider_id is not None}
    team_tasks = {t.referral_id: TeamTask(
        key=t.pk, referral_id=t.referral_id, what=t.what, status=t.status, to_role=t.to_role, to_user_id=t.to_user_id,
        due_on=t.due_on, outcome=t.outcome, decline_reason=t.decline_reason, priority=t.priority,
        authored_at=timezone.localtime(t.created_at),
        changed_at=timezone.localtime(t.updated_at) if t.updated_at else None, to_provider_id=t.to_provider_id,
        why=t.why)
        for t in tasks}
    referral_users = {r.to_user_id for r in plan.referrals if r.to_user_id is not None}
    referral_users |= {t.to_user_id for t in team_tasks.values() if t.to_user_id is not None}
    named = referral_users | {plan.held_by_id, version.created_by_id, patient.named_clinician_id}
    members = {m.user_id: m for m in Membership.with_left.filter(practice=practice, user_id__in=named - {None})
               .select_related("user").order_by("user_id")}
    users = [m.user for pk, m in members.items() if pk in referral_users]
    held_by = members[plan.held_by_id].user if plan.held_by_id in members else None
    for extra in (version.created_by, patient.named_clinician, held_by):
        if extra is not None and extra.pk not in {u.pk for u in users}:
            users.append(extra)
    clinicians = _clinicians(members, users)
    service_ids = {s.service_id for s in plan.services if s.service_id is not None}
    kinds = dict(LocalService.Kind.choices)
    services = {s.pk: Service(key=s.pk, name=s.name, kind=s.kind, kind_label=kinds.get(s.kind, ""),
                              description=s.description, contact=s.contact)
                for s in LocalService.objects.filter(practice=practice, pk__in=service_ids)}
    relationships = dict(RelatedPerson.Relationship.choices)
    carers = tuple(Carer(key=pk, name=name, relationship=relationships.get(relationship, ""), phone=phone)
                   for pk, name, relationship, phone in _CARERS.run(patient=patient.pk))
    diagnoses = tuple(Diagnosis(key=pk, code=code, term=term, onset=onset, resolved=resolved,
                                registers=codelists.conditions_for_code(code))
                      for pk, code, term, onset, resolved in _DIAGNOSES.run(practice=practice.pk, patient=patient.pk))
    registers = tuple(register for (register,) in _REGISTERS.run(practice=practice.pk, patient=patient.pk))
    wanted = set(registers) | {slug for need in plan.needs for slug in need.conditions}
    names = {slug: codelists.display_name(slug) for slug in wanted if slug in codelists.all_codelists()}
    statuses = {rid: t.status for rid, t in team_tasks.items()}
    audit.record(by=by, practice=practice, action=AuditEvent.Action.EXPORT, what="careplans.fhir",
                 patient_id=patient.pk, object_id=version.pk, detail={"version": version.version})
    return Source(
        plan=plan, plan_key=record.pk, version=version.version, latest=version.version == record.version,
        saved_at=timezone.localtime(version.created_at),
        person=Person(key=patient.pk, nhs_number=patient.nhs_number, given_name=patient.given_name,
                      family_name=patient.family_name, birth_date=patient.date_of_birth, sex=patient.sex),
        practice=Organisation(ods_code=practice.ods_code, name=practice.name, phone=practice.phone),
        saved_by=clinicians.get(author_id) if author_id else None,
        named_clinician=clinicians.get(patient.named_clinician_id) if patient.named_clinician_id else None,
        carers=carers, diagnoses=diagnoses, registers=registers, register_names=names, services=services,
        staff={pk: c for pk, c in clinicians.items() if pk in referral_users}, task_status=statuses,
        team_tasks=team_tasks, providers=providers,
        outside_team=tuple(hooks.outside_team(practice.pk, patient.pk)),
    )
