"""Tasks on the home page (tandem.core.home): how many unfinished tasks are for the signed-in person
or their role, how many are overdue, and the first few, overdue first. Two statements."""

from __future__ import annotations

from tandem.core.home import Asking, Block

from .presenters import tasks as presenters
from .queries import tasks as queries

ORDER = 20
FIRST = 5


def my_tasks(asking: Asking) -> Block:
    total, overdue, first = queries.work_for(asking.practice, asking.user.pk, asking.roles, asking.today,
                                             first=FIRST)
    return Block(order=ORDER, template="careplans/tasks/_home.jinja",
                 context={"total": total, "overdue": overdue, "rows": presenters.rows(first, today=asking.today)},
                 patient_ids=tuple(t.patient_id for t in first))
