"""Whom the API lets a token's user see: ONE function, re-read on every request.

`visible_patients(user)` is every patient of every practice where the user holds a role with
VIEW_CLINICAL now (tandem.core.rules): someone who leaves a practice, or whose role changes to one
that does not see clinical records, loses access with their next request, whatever tokens they hold.
A patient-bound token (patient/ scopes) narrows this to its one person (tandem.fhirapi.auth).

A professional of an organisation outside the practice (tandem.careteam) sees the people whose care team they
are in, and of them only what the care team sees on its pages: who they are, their care plan and goals, their
care team, and their results when the practice allowed that (`CARE_TEAM_TYPES`, `RESULTS_TYPES`). Tasks and
referrals are theirs when their organisation owns them (tandem.fhirapi.team_queries), and so is who a referral
to their organisation is for (the Patient: what the referral's page shows them), care team or not.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tandem.careplans.models import Task
from tandem.careteam import queries as careteam
from tandem.core.models import Membership, User
from tandem.core.rules import CAPABILITIES, Capability
from tandem.patients.models import Patient

CLINICAL_ROLES = tuple(sorted(role.value for role, caps in CAPABILITIES.items() if Capability.VIEW_CLINICAL in caps))


def clinical_practices(user: User) -> QuerySet:
    """The ids of the practices where the user may read clinical records now (a subquery)."""
    return Membership.objects.filter(user_id=user.pk, role__in=CLINICAL_ROLES).values("practice_id")


# What a care team member sees of the people whose care team they are in, by resource type.
CARE_TEAM_TYPES = frozenset({"Patient", "CarePlan", "Goal", "CareTeam"})
RESULTS_TYPES = frozenset({"Observation"})


def visible(user: User, *, patient: str = "patient_id", practice: str = "practice_id",
            type_name: str = "Patient") -> Q:
    """THE rule, as a condition on rows that name a patient (`patient`) and carry their practice
    (`practice`, denormalised on every clinical row, ADR 4): the rows of the people the user may see now.
    Used inside each search's own statement, so it costs no query of its own and lets the database use
    the practice column's indexes. A new way of seeing someone is added here, as `| Q(**{patient + "__in":
    ...})`."""
    q = Q(**{f"{practice}__in": clinical_practices(user)})
    if type_name in CARE_TEAM_TYPES:
        q |= Q(**{f"{patient}__in": careteam.visible_patient_ids(user)})
    if type_name == "Patient":  # who a referral to their organisation is for: what the referral page shows
        q |= Q(**{f"{patient}__in": Task.objects.filter(to_provider_id__in=careteam.provider_ids(user)).values(
            "patient_id")})
    elif type_name in RESULTS_TYPES:
        q |= Q(**{f"{patient}__in": careteam.visible_patient_ids(user, results=True)})
    return q


def visible_patients(user: User) -> QuerySet[Patient]:
    """Every patient the user may see through the API now (the same rule, for the Patient rows)."""
    return Patient.objects.filter(visible(user, patient="pk", practice="practice_id", type_name="Patient"))
