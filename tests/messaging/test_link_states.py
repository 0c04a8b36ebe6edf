"""The list of packs shows each conversation's reply link state from the columns the state needs:
the same state staff see on the conversation's own page (its newest link not replaced)."""

from __future__ import annotations

import datetime as dt
import itertools

from tandem.core import clock
from tandem.messaging import queries
from tandem.messaging.models import ReplyLink

_numbers = itertools.count(1)


def link(universe, patient, object_id, *, created_days_ago, expires_in_days, locked=False, revoked=False):
    now = clock.now()
    n = next(_numbers)
    return ReplyLink.objects.create(
        practice=universe.practice, patient=patient, purpose="pack", object_id=object_id,
        token_hash=f"{n:064d}", expires_at=now + dt.timedelta(days=expires_in_days),
        created_at=now - dt.timedelta(days=created_days_ago), locked_at=now if locked else None,
        revoked_at=now if revoked else None)


def test_each_state_is_the_state_of_the_newest_link_not_replaced(universe, patient):
    link(universe, patient, 1, created_days_ago=1, expires_in_days=30)  # works
    link(universe, patient, 2, created_days_ago=1, expires_in_days=30, locked=True)  # locked
    link(universe, patient, 3, created_days_ago=40, expires_in_days=-10)  # expired
    link(universe, patient, 4, created_days_ago=5, expires_in_days=30, locked=True)
    link(universe, patient, 4, created_days_ago=1, expires_in_days=30)  # a fresh one after the locked one
    link(universe, patient, 5, created_days_ago=1, expires_in_days=30, revoked=True)  # replaced, none newer
    link(universe, patient, 6, created_days_ago=1, expires_in_days=30)  # not asked about
    ids = [1, 2, 3, 4, 5, 7]
    now = clock.now()
    states = queries.current_link_states(universe.practice, "pack", ids, now=now)
    full = queries.current_links(universe.practice, "pack", ids, now=now)
    assert {k: (v.state, v.works) for k, v in states.items()} == {k: (v.state, v.works) for k, v in full.items()}
    assert {k: v.state.value for k, v in states.items()} == {1: "open", 2: "locked", 3: "expired", 4: "open"}
    assert queries.current_link_states(universe.practice, "pack", [], now=now) == {}
    assert queries.current_link_states(universe.other_practice, "pack", ids, now=now) == {}
