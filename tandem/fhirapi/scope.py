"""Whom the API lets a token's user see: ONE function, re-read on every request.

`visible_patients(user)` is every patient of every practice where the user holds a role with
VIEW_CLINICAL now (tandem.core.rules): someone who leaves a practice, or whose role changes to one
that does not see clinical records, loses access with their next request, whatever tokens they hold.
A patient-bound token (patient/ scopes) narrows this to its one person (tandem.fhirapi.auth).

Other ways of seeing a person (for example being in their care team, from another organisation) are
added here (`visible`), as another set of patients joined to this one, so every read of the API follows them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tandem.core.models import Membership, User
from tandem.core.rules import CAPABILITIES, Capability
from tandem.patients.models import Patient

CLINICAL_ROLES = tuple(sorted(role.value for role, caps in CAPABILITIES.items() if Capability.VIEW_CLINICAL in caps))


def clinical_practices(user: User) -> QuerySet:
    """The ids of the practices where the user may read clinical records now (a subquery)."""
    return Membership.objects.filter(user_id=user.pk, role__in=CLINICAL_ROLES).values("practice_id")


def visible(user: User, *, patient: str = "patient_id", practice: str = "practice_id") -> Q:
    """THE rule, as a condition on rows that name a patient (`patient`) and carry their practice
    (`practice`, denormalised on every clinical row, ADR 4): the rows of the people the user may see now.
    Used inside each search's own statement, so it costs no query of its own and lets the database use
    the practice column's indexes. A new way of seeing someone is added here, as `| Q(**{patient + "__in":
    ...})`."""
    return Q(**{f"{practice}__in": clinical_practices(user)})


def visible_patients(user: User) -> QuerySet[Patient]:
    """Every patient the user may see through the API now (the same rule, for the Patient rows)."""
    return Patient.objects.filter(visible(user, patient="pk", practice="practice_id"))
