"""Importing a care plan document (FHIR R4, as Tandem exports it) as a new version of a person's plan.

The document is read by the pure tandem.careplans.fhir.importer; the person is found by NHS number
among this practice's patients; the plan is saved through save_plan, so it is checked exactly as a plan
typed in, makes tasks for new referrals and makes its targets the person's own. Any problem and nothing
is saved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import transaction

from tandem.core import audit
from tandem.core.models import AuditEvent, Membership, Practice, Provider, User
from tandem.patients.queries import patients_of

from ..fhir import importer
from ..models import CarePlan, LocalService
from ..rules.document import Plan, Problem
from . import PlanError, Saved, save_plan

NOTE = "Imported from a FHIR care plan document"


def _local(plan: Plan, practice: Practice) -> tuple[Plan, list[Problem]]:
    """Links to staff and services keep only those of this practice (a document from another practice
    names its own); a referral left with nobody to do it is a problem."""
    staff = set(Membership.objects.filter(practice=practice).values_list("user_id", flat=True))
    services = set(LocalService.objects.filter(practice=practice).values_list("pk", flat=True))
    problems = []
    referrals = []
    providers = dict(Provider.objects.filter(practice=practice).values_list("name", "pk"))
    for i, ref in enumerate(plan.referrals):
        if ref.to_provider_name and not ref.to_role and ref.to_user_id is None:  # to an organisation outside
            ref = replace(ref, to_provider_id=providers.get(ref.to_provider_name))
            if ref.to_provider_id is None:
                problems.append(Problem(f"referrals.{i}.to_role", f"This referral is to {ref.to_provider_name}, "
                                        "which is not on this practice's list of organisations."))
        if ref.to_user_id is not None and ref.to_user_id not in staff:
            ref = replace(ref, to_user_id=None)
            if not ref.to_role:
                problems.append(Problem(f"referrals.{i}.to_role", "This referral is for someone who does not work "
                                                                  "at this practice, and names no role."))
        referrals.append(ref)
    signposts = tuple(s if s.service_id is None or s.service_id in services else replace(s, service_id=None)
                      for s in plan.services)
    return replace(plan, referrals=tuple(referrals), services=signposts), problems


@transaction.atomic
def import_plan(*, practice: Practice, by: User | None, document: Any, note: str = NOTE) -> Saved:
    """Save the plan in `document` (a Bundle as a dict, or its JSON text) as the next version of the
    plan of the person at this practice with its NHS number. Raises PlanError (nothing saved)."""
    plan, nhs_number, problems = importer.plan_from_bundle(document)
    if problems:
        raise PlanError(problems)
    patient = patients_of(practice).filter(nhs_number=nhs_number).first()
    if patient is None:
        raise PlanError([Problem("patient", "No one registered at this practice has the NHS number in this care "
                                            "plan. Check the file is for a patient of this practice.")])
    plan, problems = _local(plan, practice)
    if problems:
        raise PlanError(problems)
    base = CarePlan.objects.filter(patient=patient).values_list("version", flat=True).first() or 0
    # A document is a plan as it was made: its review date may have passed since (historical).
    saved = save_plan(patient=patient, by=by, plan=plan, base_version=base, note=note, historical=True)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.IMPORT, what="careplans.fhir",
                 patient_id=patient.pk, object_id=saved.version.pk, detail={"version": saved.version.version})
    return saved
