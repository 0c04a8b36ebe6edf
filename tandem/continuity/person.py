"""Continuity on a person's summary page (tandem.core.person_panels): over the last two years, how
many contacts counted, how often they saw the same clinician (UPC, COC, SECON, in words a clinician
reads at a glance) and how many contacts were with their named clinician. One read (queries.one_person); the summary page has
already audited the person as viewed.

Registered in ContinuityConfig.ready. Only for readers with clinical access (the summary is theirs)."""

from __future__ import annotations

from tandem.core.person_panels import Asking, Panel
from tandem.core.rules import Capability, can
from tandem.patients.models import RegistrationStatus

from . import presenters, queries

ORDER = 10


def panel(asking: Asking) -> Panel | None:
    patient = asking.patient
    if not can(asking.roles, Capability.VIEW_CLINICAL):
        return None
    registered = patient.registration_status == RegistrationStatus.REGISTERED
    # Continuity counts registered people's contacts only (queries.qualifying_contacts): for someone who
    # has left or died there is nothing to read.
    found = queries.one_person(asking.practice, patient.pk, named_clinician_id=patient.named_clinician_id,
                               today=asking.today) if registered else None
    return Panel(order=ORDER, template="continuity/_person.jinja", context={
        "continuity": presenters.person(found, today=asking.today, registered=registered,
                                        has_named=patient.named_clinician_id is not None)})
