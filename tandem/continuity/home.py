"""The people whose named clinician the signed-in person is, on the home page (tandem.core.home): how
many, how many have a care plan overdue for review, and the first few, overdue first. One statement
(queries.my_people). Here because continuity reads named clinicians and care plans (tandem.careplans)
together; registered in ContinuityConfig.ready."""

from __future__ import annotations

from django.urls import reverse

from tandem.core.home import Asking, Block
from tandem.core.rules import Capability, can

from . import presenters, queries

ORDER = 30  # after today's clinic (10) and tasks (20)
FIRST = 5


def my_people(asking: Asking) -> Block:
    found = queries.my_people(asking.practice, asking.user.pk, today=asking.today, first=FIRST)
    clinical = can(asking.roles, Capability.VIEW_CLINICAL)
    rows = tuple(presenters.NamedRow(
        name=p.name, born=presenters.day(p.date_of_birth),
        url=reverse("patients:summary", args=[p.patient_id]) if clinical
        else reverse("recall:person", kwargs={"patient_id": p.patient_id}),
        overdue=f"Care plan review overdue since {presenters.day(p.review_date)}" if p.review_date else "")
        for p in found.first)
    return Block(order=ORDER, template="continuity/_home_people.jinja",
                 context={"total": found.total, "overdue": found.overdue, "rows": rows},
                 patient_ids=tuple(p.patient_id for p in found.first))
