"""Twenty people booking the last free slot at the same moment: exactly one gets it, every other is told
it has just been taken (with the next free places), and nothing of theirs is left behind. Each attempt
has its own database connection in its own thread (on SQLite, to a file, as the server's are)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections

from tandem.booking import actions
from tandem.booking.models import Appointment, TakenSlot
from tests.core.test_sqlite_writers import own_connections  # noqa: F401

from .conftest import open_reviews, session_on

pytestmark = pytest.mark.django_db(transaction=True)

D, T = dt.date, dt.time
ATTEMPTS = 20


def test_twenty_attempts_at_the_last_slot_give_exactly_one_booking(own_connections, booking_week):  # noqa: F811
    w = booking_week
    session = session_on(w.tests_pattern, D(2026, 6, 16))
    reviews = open_reviews(w.practice, ATTEMPTS + 3)
    for review, start in zip(reviews[:3], (T(9, 0), T(9, 15), T(9, 30)), strict=True):  # all but 9:45 taken
        actions.book(practice=w.practice, by=w.admin, review=review, kind="tests", session_id=session.pk,
                     start=start, minutes=15)
    contenders = reviews[3:]
    assert len(contenders) == ATTEMPTS
    start_together = threading.Barrier(ATTEMPTS)
    outcomes: dict[int, object] = {}

    def attempt(review):
        try:
            start_together.wait(30)
            outcomes[review.pk] = actions.book(practice=w.practice, by=w.admin, review=review, kind="tests",
                                               session_id=session.pk, start=T(9, 45), minutes=15)
        except Exception as exc:  # noqa: BLE001 - each outcome is checked below
            outcomes[review.pk] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(r,)) for r in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    booked = [o for o in outcomes.values() if isinstance(o, Appointment)]
    refused = [o for o in outcomes.values() if isinstance(o, actions.SlotGone)]
    assert len(outcomes) == ATTEMPTS
    assert len(booked) == 1 and len(refused) == ATTEMPTS - 1, [type(o).__name__ for o in outcomes.values()]
    assert all("just been taken" in str(o) for o in refused)
    assert all(o.next_free and o.next_free[0][0].day > D(2026, 6, 16) for o in refused)  # the next Tuesday
    assert TakenSlot.objects.filter(session=session, start=T(9, 45)).get().appointment_id == booked[0].pk
    assert Appointment.objects.filter(session=session).count() == 4
    from tandem.recall.models import Review

    winner = booked[0].review_id
    assert set(Review.objects.filter(pk__in=[r.pk for r in contenders], status="booked")
               .values_list("pk", flat=True)) == {winner}  # the others' reviews are as they were
