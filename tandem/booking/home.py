"""Today's clinic on the home page (tandem.core.home): the signed-in person's appointments today, in
time order, with a link to the day list. One statement."""

from __future__ import annotations

from tandem.core.home import Asking, Block

from . import queries
from .day_presenters import day_url
from .rules import KIND_LABELS

ORDER = 10


def todays_clinic(asking: Asking) -> Block:
    appointments = queries.day_appointments(asking.practice, asking.today, staff_id=asking.user.pk)
    rows = [{"time": f"{a.start_time:%H:%M}", "person": f"{a.patient.given_name} {a.patient.family_name}",
             "kind": KIND_LABELS.get(a.kind, a.kind), "arrived": a.arrived_at is not None,
             "attended": a.state} for a in appointments]
    return Block(order=ORDER, template="booking/_home_clinic.jinja",
                 context={"appointments": rows, "day_url": day_url(asking.today, asking.user.pk)},
                 patient_ids=tuple(a.patient_id for a in appointments))
