"""A person's administrative page: what reception and recall need (contact details, how to reach
them, reasonable adjustments, annual reviews and invitations), without clinical detail. For every
role that may see patients, administrators included; the read is practice-scoped and audited."""

from __future__ import annotations

from django.shortcuts import render

from tandem.core import clock
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can

from . import presenters_person, queries


@practice_required(Capability.VIEW_PATIENT)
def person(request, patient_id: int):
    record = queries.person_admin(practice=request.practice, patient_id=patient_id, by=request.user)
    return render(request, "recall/person.jinja", {
        "person": presenters_person.person_page(record, today=clock.today()), "active_section": "patients",
        "can_view_clinical": can(request.roles, Capability.VIEW_CLINICAL),
    })
