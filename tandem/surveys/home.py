"""The staff survey on the home page (tandem.core.home): "A survey is waiting" for a member of staff
who has not answered the open round. One statement."""

from __future__ import annotations

from tandem.core.home import Asking, Block

from . import queries

ORDER = 5


def survey_waiting(asking: Asking) -> Block | None:
    found = queries.waiting_for(asking.practice, asking.user.pk, asking.today)
    if found is None:
        return None
    return Block(order=ORDER, template="surveys/_home.jinja",
                 context={"closes": f"{found.closes_on:%A} {found.closes_on.day} {found.closes_on:%B}"})
