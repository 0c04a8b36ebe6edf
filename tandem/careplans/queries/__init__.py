"""Reads of the careplans app: always scoped to a practice; patient reads are audited by the caller's
view through tandem.patients.queries.get_patient or here. Tasks for the team: tasks.py."""

from __future__ import annotations

from tandem.core.compiled import CompiledRead
from tandem.core.models import Practice, User
from tandem.patients.models import Patient

from ..models import CarePlan, CopyGiven, Draft, LocalService, PlanVersion
from ..rules.document import Plan

_VERSION_FIELDS = tuple(f.attname for f in PlanVersion._meta.concrete_fields)
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)
# Read on every view and autosave of the workspace: its SQL is built once per process (tandem.core.compiled).
_LATEST = CompiledRead(lambda practice, patient: PlanVersion.objects.filter(practice_id=practice, patient_id=patient)
                       .order_by("-version").values_list(*_VERSION_FIELDS,
                                                         *(f"created_by__{name}" for name in _USER_FIELDS))[:1],
                       "practice", "patient")


def latest(practice: Practice, patient: Patient) -> PlanVersion | None:
    """The person's latest plan version, with who saved it."""
    found = _LATEST.run(practice=practice.pk, patient=patient.pk)
    if not found:
        return None
    split = len(_VERSION_FIELDS)
    version = PlanVersion.from_db("default", _VERSION_FIELDS, found[0][:split])
    creator = found[0][split:]
    version.created_by = User.from_db("default", _USER_FIELDS, creator) if creator[0] is not None else None
    return version


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


# Read on every view of the workspace: their SQL is built once per process (tandem.core.compiled).
_DRAFT = CompiledRead(lambda practice, patient, user: Draft.objects.filter(
    practice_id=practice, patient_id=patient, user_id=user).order_by("pk")[:1], "practice", "patient", "user",
    models=True)
_ACTIVE_SERVICES = CompiledRead(lambda practice: LocalService.objects.filter(practice_id=practice, active=True),
                                "practice", models=True)


def draft(practice: Practice, patient: Patient, user: User) -> Draft | None:
    found = _DRAFT.run(practice=practice.pk, patient=patient.pk, user=user.pk)
    return found[0] if found else None


def copies(version: PlanVersion) -> list[CopyGiven]:
    return list(version.copies.order_by("-on", "-pk"))


def services(practice: Practice, *, active_only: bool = True) -> list[LocalService]:
    if active_only:
        return _ACTIVE_SERVICES.run(practice=practice.pk)
    return list(LocalService.objects.filter(practice=practice))

