"""Tasks on the home page (tandem.core.home): how many unfinished tasks are for the signed-in person
or their role, how many are overdue, and the first few, overdue first; and the answers that came back lately
from organisations outside the practice to referrals they made (or for people whose named clinician they
are). Two statements."""

from __future__ import annotations

from tandem.core.home import Asking, Block

from .presenters import tasks as presenters
from .queries import tasks as queries

ORDER = 20
FIRST = 5


def my_tasks(asking: Asking) -> Block:
    total, overdue, first, answered, answers = queries.work_for(asking.practice, asking.user.pk, asking.roles,
                                                                asking.today, first=FIRST)
    return Block(order=ORDER, template="careplans/tasks/_home.jinja",
                 context={"total": total, "overdue": overdue, "rows": presenters.rows(first, today=asking.today),
                          "answered": answered, "answers": presenters.rows(answers, today=asking.today),
                          "answers_for_days": queries.ANSWERS_FOR_DAYS},
                 patient_ids=tuple(dict.fromkeys(t.patient_id for t in (*first, *answers))))
