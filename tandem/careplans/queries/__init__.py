"""Reads of the careplans app: always scoped to a practice; patient reads are audited by the caller's
view through tandem.patients.queries.get_patient or here."""

from __future__ import annotations

from tandem.core.models import Practice, User
from tandem.patients.models import Patient

from ..models import CarePlan, CopyGiven, Draft, LocalService, PlanVersion, Task
from ..rules.document import Plan


def latest(practice: Practice, patient: Patient) -> PlanVersion | None:
    return (PlanVersion.objects.filter(practice=practice, patient=patient).select_related("created_by")
            .order_by("-version").first())


def earlier(practice: Practice, patient: Patient, conversation) -> PlanVersion | None:
    """The plan as it stood before `conversation`: the latest version saved in another conversation
    or between conversations."""
    return (PlanVersion.objects.filter(practice=practice, patient=patient).exclude(conversation=conversation)
            .select_related("created_by").order_by("-version").first())


def current_version_number(practice: Practice, patient: Patient) -> int:
    return CarePlan.objects.filter(practice=practice, patient=patient).values_list("version", flat=True).first() or 0


def history(practice: Practice, patient: Patient) -> list[PlanVersion]:
    return list(PlanVersion.objects.filter(practice=practice, patient=patient).select_related("created_by")
                .order_by("-version"))


def version(practice: Practice, patient: Patient, number: int) -> PlanVersion | None:
    return PlanVersion.objects.filter(practice=practice, patient=patient, version=number).first()


def plan_of(version: PlanVersion | None) -> Plan:
    return Plan.from_dict(version.content) if version is not None else Plan()


def draft(practice: Practice, patient: Patient, user: User) -> Draft | None:
    return Draft.objects.filter(practice=practice, patient=patient, user=user).first()


def copies(version: PlanVersion) -> list[CopyGiven]:
    return list(version.copies.order_by("-on", "-pk"))


def services(practice: Practice, *, active_only: bool = True) -> list[LocalService]:
    qs = LocalService.objects.filter(practice=practice)
    return list(qs.filter(active=True) if active_only else qs)


def open_tasks(practice: Practice, patient: Patient | None = None) -> list[Task]:
    qs = Task.objects.filter(practice=practice, status=Task.Status.OPEN).select_related("to_user", "patient")
    if patient is not None:
        qs = qs.filter(patient=patient)
    return list(qs.order_by("due_on", "pk"))
