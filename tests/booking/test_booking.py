"""Booking a person's tests appointment and conversation into clinic sessions, through the actions."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.booking import actions, queries
from tandem.booking.models import Appointment, TakenSlot
from tandem.core.models import AuditEvent
from tandem.prepare.models import Conversation

from .conftest import open_reviews, session_on

D, T = dt.date, dt.time
TUESDAY, THURSDAY = D(2026, 6, 16), D(2026, 6, 18)


def test_a_tests_appointment_takes_its_slots_and_records_the_review_as_booked(booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    session = session_on(w.tests_pattern, TUESDAY)
    a = actions.book(practice=w.practice, by=w.admin, review=review, kind="tests", session_id=session.pk,
                     start=T(9, 15), minutes=25)
    assert (a.start_time, a.end_time, a.staff_id, a.state) == (T(9, 15), T(9, 40), w.hca.pk, "booked")
    assert sorted(TakenSlot.objects.filter(appointment=a).values_list("start", flat=True)) == [T(9, 15), T(9, 30)]
    review.refresh_from_db()
    assert (review.status, review.booked_for, review.booked_time) == ("booked", TUESDAY, T(9, 15))
    assert queries.free_starts(session, minutes=15) == [T(9, 0), T(9, 45)]
    assert queries.free_starts(session, minutes=25) == []  # no two free slots next to each other
    assert AuditEvent.objects.filter(what="booking.tests", object_id=str(a.pk), patient_id=review.patient_id,
                                     user=w.admin).exists()


def test_a_conversation_books_the_conversation_its_pack_is_made_for(booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    a = actions.book(practice=w.practice, by=w.admin, review=review, kind="conversation",
                     session_id=session_on(w.talk_pattern, THURSDAY).pk, start=T(14, 20), minutes=30)
    talk = Conversation.objects.get(pk=a.conversation_id)
    assert (talk.state, talk.minutes, talk.clinician_id) == ("booked", 30, w.nurse.pk)
    assert talk.starts_at.astimezone().time() == T(14, 20) and a.end_time == T(14, 50)


@pytest.mark.parametrize(("where", "start", "minutes", "message"), [
    ("talk", T(14, 0), 20, "not for tests appointments"),
    ("tests", T(9, 10), 15, "does not fit"),
    ("tests", T(9, 45), 30, "does not fit"),  # the last slot, and nothing after it
    ("tests", T(9, 0), 0, "from 5 to 120 minutes"),
])
def test_what_cannot_be_booked_is_refused_and_nothing_is_taken(booking_week, where, start, minutes, message):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    pattern = w.talk_pattern if where == "talk" else w.tests_pattern
    day = THURSDAY if where == "talk" else TUESDAY
    with pytest.raises(actions.BookingError, match=message):
        actions.book(practice=w.practice, by=w.admin, review=review, kind="tests",
                     session_id=session_on(pattern, day).pk, start=start, minutes=minutes)
    assert not Appointment.objects.exists() and not TakenSlot.objects.exists()


def test_a_slot_that_is_taken_is_refused_with_the_next_free_places(booking_week):
    w = booking_week
    first, second = open_reviews(w.practice, 2)
    session = session_on(w.tests_pattern, TUESDAY)
    actions.book(practice=w.practice, by=w.admin, review=first, kind="tests", session_id=session.pk,
                 start=T(9, 0), minutes=15)
    with pytest.raises(actions.SlotGone) as gone:
        actions.book(practice=w.practice, by=w.admin, review=second, kind="tests", session_id=session.pk,
                     start=T(9, 0), minutes=15)
    assert [(s.day, t) for s, t in gone.value.next_free][:3] == [(TUESDAY, T(9, 15)), (TUESDAY, T(9, 30)),
                                                                 (TUESDAY, T(9, 45))]
    assert Appointment.objects.count() == 1
    second.refresh_from_db()
    assert second.status != "booked"  # nothing of the refused booking is left


def test_one_booked_appointment_of_each_kind_per_review(booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    session = session_on(w.tests_pattern, TUESDAY)
    actions.book(practice=w.practice, by=w.admin, review=review, kind="tests", session_id=session.pk,
                 start=T(9, 0), minutes=15)
    with pytest.raises(actions.BookingError, match="already has a tests appointment booked"):
        actions.book(practice=w.practice, by=w.admin, review=review, kind="tests", session_id=session.pk,
                     start=T(9, 30), minutes=15)


def test_moving_and_cancelling_keep_history_and_free_the_slots(booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    tuesday = session_on(w.tests_pattern, TUESDAY)
    later = session_on(w.tests_pattern, D(2026, 6, 23))
    a = actions.book(practice=w.practice, by=w.admin, review=review, kind="tests", session_id=tuesday.pk,
                     start=T(9, 0), minutes=15)
    with pytest.raises(actions.BookingConflict):
        actions.move(practice=w.practice, by=w.admin, appointment_id=a.pk, version=0, session_id=later.pk,
                     start=T(9, 0))
    b = actions.move(practice=w.practice, by=w.admin, appointment_id=a.pk, version=1, session_id=later.pk,
                     start=T(9, 30))
    a.refresh_from_db()
    assert (a.state, a.moved_to_id, a.ended_by_id) == ("moved", b.pk, w.admin.pk)
    assert queries.free_starts(tuesday, minutes=15) == [T(9, 0), T(9, 15), T(9, 30), T(9, 45)]
    review.refresh_from_db()
    assert (review.booked_for, review.booked_time) == (D(2026, 6, 23), T(9, 30))
    actions.cancel(practice=w.practice, by=w.admin, appointment_id=b.pk, version=1, reason="Unwell")
    assert [x.state for x in queries.history(w.practice, review.pk)] == ["moved", "cancelled"]
    assert not TakenSlot.objects.exists()


def test_a_time_that_has_passed_cannot_be_booked(booking_week):
    from django.utils import timezone

    w = booking_week
    [review] = open_reviews(w.practice, 1)
    session = session_on(w.tests_pattern, TUESDAY)
    at_930 = timezone.make_aware(dt.datetime(2026, 6, 16, 9, 30))
    with pytest.raises(actions.BookingError, match="has passed"):
        actions.book(practice=w.practice, by=w.admin, review=review, kind="tests", session_id=session.pk,
                     start=T(9, 15), minutes=15, now=at_930)
    assert [t for _, t in queries.next_free(w.practice, kind="tests", minutes=15, from_day=TUESDAY, now=at_930)][:1] \
        == [T(9, 45)]


def test_another_practices_session_or_review_is_refused(booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    with pytest.raises(actions.BookingError, match="not in this practice"):
        actions.book(practice=w.other_practice, by=w.admin, review=review, kind="tests",
                     session_id=session_on(w.tests_pattern, TUESDAY).pk, start=T(9, 0), minutes=15)


def test_changing_or_ending_a_pattern_keeps_the_sessions_people_are_booked_into(booking_week):
    from tandem.clinics import actions as clinic_actions
    from tandem.clinics.actions import Repeat
    from tandem.clinics.models import ClinicSession
    from tests.clinics.conftest import entry

    w = booking_week
    [review] = open_reviews(w.practice, 1)
    booked_session = session_on(w.tests_pattern, D(2026, 6, 23))
    a = actions.book(practice=w.practice, by=w.admin, review=review, kind="tests", session_id=booked_session.pk,
                     start=T(9, 0), minutes=15)
    clinic_actions.change_pattern(
        practice=w.practice, by=w.manager, pattern_id=w.tests_pattern.pk, version=1,
        entry=entry(w.hca, start=T(13, 0), end=T(14, 0), slot=15),
        repeat=Repeat(weekday=1, every_weeks=1, first_day=D(2026, 6, 15), last_day=None))
    kept = ClinicSession.objects.get(pk=booked_session.pk)
    assert (kept.start_time, kept.changed) == (T(9, 0), True)  # kept as it was, with its booking
    assert ClinicSession.objects.get(pattern=w.tests_pattern, day=D(2026, 6, 30)).start_time == T(13, 0)
    clinic_actions.end_pattern(practice=w.practice, by=w.manager, pattern_id=w.tests_pattern.pk, version=2,
                               last_day=D(2026, 6, 16))
    assert ClinicSession.objects.filter(pk=booked_session.pk).exists() and Appointment.objects.get(pk=a.pk).state == "booked"
    assert not ClinicSession.objects.filter(pattern=w.tests_pattern, day=D(2026, 6, 30)).exists()


def test_a_session_with_people_booked_is_not_cancelled_and_leave_over_it_says_who_needs_moving(client, booking_week):
    from tandem.clinics import actions as clinic_actions

    w = booking_week
    [review] = open_reviews(w.practice, 1)
    session = session_on(w.tests_pattern, D(2026, 6, 23))
    actions.book(practice=w.practice, by=w.admin, review=review, kind="tests", session_id=session.pk,
                 start=T(9, 0), minutes=15)
    with pytest.raises(clinic_actions.SessionError, match="1 person is booked into this session"):
        clinic_actions.cancel_session(practice=w.practice, by=w.manager, session_id=session.pk, version=1, note="")
    client.force_login(w.manager)
    response = client.post("/clinics/leave/", {
        "staff": str(w.hca.pk), "first_day[day]": "22", "first_day[month]": "6", "first_day[year]": "2026",
        "last_day[day]": "26", "last_day[month]": "6", "last_day[year]": "2026"})
    page = client.get(response["Location"]).content.decode()
    assert "1 person was booked into those sessions: find them another time" in page


def test_the_week_shows_how_many_are_booked_into_each_session(client, booking_week):
    w = booking_week
    first, second = open_reviews(w.practice, 2)
    session = session_on(w.tests_pattern, D(2026, 6, 16))
    for review, start in ((first, T(9, 0)), (second, T(9, 30))):
        actions.book(practice=w.practice, by=w.admin, review=review, kind="tests", session_id=session.pk,
                     start=start, minutes=15)
    client.force_login(w.admin)
    page = client.get("/clinics/?week=2026-06-15").content.decode()
    assert "4 of 15 min, 2 booked" in page
