"""Booking from the person's own pages will call tandem.booking's actions with `on_behalf` (ADR 16):
whoever books, moves or cancels, the audit row says it was the person or someone helping them, with
the account and grant, and no member of staff."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.booking import actions
from tandem.booking.models import Appointment
from tandem.core.models import AuditEvent
from tandem.core.on_behalf import OnBehalf
from tests.booking.conftest import booking_week, open_reviews, session_on  # noqa: F401 - fixtures
from tests.clinics.conftest import team  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

D, T = dt.date, dt.time
TUESDAY, THURSDAY = D(2026, 6, 16), D(2026, 6, 18)


def test_a_carers_booking_move_and_cancel_are_audited_as_theirs_on_the_persons_behalf(booking_week):  # noqa: F811
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    carer = OnBehalf(account=7, grant=3)
    [tests] = actions.book_online(practice=w.practice, review=review, on_behalf=carer, choices=[actions.Choice(
        kind="tests", session_id=session_on(w.tests_pattern, TUESDAY).pk, start=T(9, 0), minutes=15,
        roles=frozenset({"hca"}))])
    booked = AuditEvent.objects.get(what="booking.tests", object_id=str(tests.pk))
    assert booked.user_id is None
    assert (booked.detail["by"], booked.detail["account"], booked.detail["grant"]) == (
        "someone helping them, online", 7, 3)

    moved = actions.move(practice=w.practice, by=None, appointment_id=tests.pk, version=tests.version,
                         session_id=session_on(w.tests_pattern, TUESDAY).pk, start=T(9, 30), online=True,
                         on_behalf=OnBehalf(account=5))
    audit = AuditEvent.objects.get(what="booking.tests", object_id=str(moved.pk))
    assert (audit.detail["by"], audit.detail["account"], audit.detail["grant"], audit.detail["moved_from"]) == (
        "the person, online", 5, None, tests.pk)

    actions.cancel(practice=w.practice, by=None, appointment_id=moved.pk, version=moved.version, online=True,
                   on_behalf=carer)
    cancelled = AuditEvent.objects.filter(what="booking.tests", object_id=str(moved.pk),
                                          detail__state="cancelled").get()
    assert (cancelled.detail["account"], cancelled.detail["grant"]) == (7, 3)
    assert Appointment.objects.get(pk=moved.pk).state == Appointment.State.CANCELLED


def test_staff_bookings_say_nothing_of_an_account(booking_week):  # noqa: F811
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    a = actions.book(practice=w.practice, by=w.admin, review=review, kind="tests",
                     session_id=session_on(w.tests_pattern, TUESDAY).pk, start=T(9, 0), minutes=15)
    detail = AuditEvent.objects.get(what="booking.tests", object_id=str(a.pk)).detail
    assert "account" not in detail and "by" not in detail
