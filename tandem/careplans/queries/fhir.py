"""Reads for the FHIR export: one version of a person's plan with what the document needs from their
record (tandem.careplans.fhir.common.Source). Scoped to the practice; audited as an export."""

from __future__ import annotations

from dataclasses import replace

from django.http import Http404
from django.utils import timezone

from tandem.core import audit
from tandem.core.models import AuditEvent, Membership, Practice, User
from tandem.core.rules import ROLE_LABELS
from tandem.patients.models import Condition, Patient, RelatedPerson
from tandem.patients.queries import patients_of
from tandem.registers.models import RegisterMembership
from tandem.terminology import codelists

from ..fhir.common import Carer, Clinician, Diagnosis, Organisation, Person, Service, Source
from ..models import CarePlan, LocalService, PlanVersion, Task
from ..rules.document import Plan


def _clinicians(practice: Practice, users: list[User]) -> dict[int, Clinician]:
    roles = dict(Membership.objects.filter(practice=practice, user__in=users).values_list("user_id", "role"))
    return {u.pk: Clinician(key=u.pk, name=u.display_name, given_name=u.first_name, family_name=u.last_name,
                            role=roles.get(u.pk, ""), role_label=ROLE_LABELS.get(roles.get(u.pk, ""), ""))
            for u in users}


def export_source(*, practice: Practice, patient_id: int, by: User, number: int | None = None) -> Source | None:
    """The plan version to export (the latest, or `number`), audited as an export; None when the person
    has no saved plan. Http404 for a person not at this practice, or a version that does not exist."""
    try:
        patient = patients_of(practice).select_related("named_clinician").get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient in this practice") from None
    record = CarePlan.objects.filter(practice=practice, patient=patient).first()
    if record is None or record.version == 0:
        if number is not None:
            raise Http404("No such version of this care plan")
        return None
    version = (PlanVersion.objects.filter(plan=record, version=number or record.version)
               .select_related("created_by").first())
    if version is None:
        raise Http404("No such version of this care plan")
    plan = Plan.from_dict(version.content)
    if plan.information_items:  # the FHIR document carries information given as one note
        plan = replace(plan, information="\n".join([*(i.text for i in plan.information_items), plan.information]).strip())
    # The document's author is who held the conversation (the plan records it), else who saved it.
    author_id = plan.held_by_id if plan.held_by_id is not None else version.created_by_id

    referral_users = {r.to_user_id for r in plan.referrals if r.to_user_id is not None}
    users = list(User.objects.filter(pk__in=referral_users, memberships__practice=practice).distinct())
    held_by = User.objects.filter(pk=plan.held_by_id, memberships__practice=practice).first() if (
        plan.held_by_id is not None) else None
    for extra in (version.created_by, patient.named_clinician, held_by):
        if extra is not None and extra.pk not in {u.pk for u in users}:
            users.append(extra)
    clinicians = _clinicians(practice, users)
    service_ids = {s.service_id for s in plan.services if s.service_id is not None}
    kinds = dict(LocalService.Kind.choices)
    services = {s.pk: Service(key=s.pk, name=s.name, kind=s.kind, kind_label=kinds.get(s.kind, ""),
                              description=s.description, contact=s.contact)
                for s in LocalService.objects.filter(practice=practice, pk__in=service_ids)}
    relationships = dict(RelatedPerson.Relationship.choices)
    carers = tuple(Carer(key=c.pk, name=c.name, relationship=relationships.get(c.relationship, ""), phone=c.phone)
                   for c in RelatedPerson.objects.filter(patient=patient, is_carer=True).order_by("pk"))
    diagnoses = tuple(Diagnosis(key=c.pk, code=c.code, term=c.term, onset=c.onset_date, resolved=c.resolved_date,
                                registers=codelists.conditions_for_code(c.code))
                      for c in Condition.objects.filter(practice=practice, patient=patient).order_by("onset_date", "pk"))
    registers = tuple(RegisterMembership.objects.filter(practice=practice, patient=patient)
                      .order_by("register").values_list("register", flat=True))
    wanted = set(registers) | {slug for need in plan.needs for slug in need.conditions}
    names = {slug: codelists.display_name(slug) for slug in wanted if slug in codelists.all_codelists()}
    statuses = dict(Task.objects.filter(patient=patient, referral_id__in=[r.id for r in plan.referrals])
                    .values_list("referral_id", "status"))
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
    )
