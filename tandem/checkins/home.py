"""Check-ins on the home page (tandem.core.home): calls to make (phone check-ins, and check-ins that
could not be sent) and answers that raised a flag in the last two weeks, for the signed-in person.
Two statements."""

from __future__ import annotations

from tandem.core.home import Asking, Block

from . import presenters, queries

ORDER = 25
FIRST = 10


def my_checkins(asking: Asking) -> Block | None:
    calls, flagged = queries.calls_for(asking.practice, asking.user.pk, today=asking.today, first=FIRST)
    if not calls and not flagged:
        return None
    return Block(order=ORDER, template="checkins/_home.jinja",
                 context={"calls": [presenters.row(c, today=asking.today) for c in calls],
                          "flagged": [presenters.row(c, today=asking.today) for c in flagged]},
                 patient_ids=tuple(dict.fromkeys(c.patient_id for c in (*calls, *flagged))))
