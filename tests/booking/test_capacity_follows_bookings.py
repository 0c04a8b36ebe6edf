"""Staff time follows the clinic sessions and what is booked into them: the weeks ahead and the recall
board say, for each role, the minutes held, how many of them bookings have taken, and how many are free."""

from __future__ import annotations

import datetime as dt

from tandem.booking import actions
from tandem.recall import queries as recall_queries

from .conftest import open_reviews, session_on

D, T = dt.date, dt.time
MONDAY, TUESDAY, THURSDAY = D(2026, 6, 15), D(2026, 6, 16), D(2026, 6, 18)


def first_week(practice):
    week = recall_queries.forecast(practice, today=MONDAY).weeks[0]
    assert week.monday == MONDAY
    return {line.group: (line.held, line.booked, line.free) for line in week.lines}


def test_booking_takes_minutes_from_the_week_and_cancelling_gives_them_back(booking_week):
    w = booking_week
    # The HCA's Tuesday session is 60 minutes; the nurse's Thursday conversations 60 minutes.
    assert first_week(w.practice) == {"hca": (60, 0, 60), "clinician": (60, 0, 60)}
    first, second = open_reviews(w.practice, 2)
    tests = actions.book(practice=w.practice, by=w.admin, review=first, kind="tests",
                         session_id=session_on(w.tests_pattern, TUESDAY).pk, start=T(9, 15), minutes=25)
    actions.book(practice=w.practice, by=w.admin, review=second, kind="conversation",
                 session_id=session_on(w.talk_pattern, THURSDAY).pk, start=T(14, 0), minutes=30)
    # 25 minutes take two 15-minute slots (30 minutes); 30 minutes take two 20-minute slots (40 minutes).
    assert first_week(w.practice) == {"hca": (60, 30, 30), "clinician": (60, 40, 20)}
    actions.cancel(practice=w.practice, by=w.admin, appointment_id=tests.pk, version=tests.version)
    assert first_week(w.practice) == {"hca": (60, 0, 60), "clinician": (60, 40, 20)}


def test_another_practice_s_bookings_never_count(booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    actions.book(practice=w.practice, by=w.admin, review=review, kind="tests",
                 session_id=session_on(w.tests_pattern, TUESDAY).pk, start=T(9, 0), minutes=15)
    other = recall_queries.forecast(w.other_practice, today=MONDAY).weeks[0]
    assert all(line.booked in (None, 0) for line in other.lines)


def test_the_board_and_the_weeks_ahead_show_booked_and_free(client, booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    actions.book(practice=w.practice, by=w.admin, review=review, kind="tests",
                 session_id=session_on(w.tests_pattern, TUESDAY).pk, start=T(9, 0), minutes=15)
    june = recall_queries.capacity(practice=w.practice, months=[D(2026, 6, 1)], today=MONDAY)[0]
    hca = june.lines[0]
    # June has Tuesdays 16, 23 and 30: 180 minutes held, 15 booked, over 30/7 weeks
    assert (hca.available_per_week, hca.booked_per_week, hca.free_per_week) == (42, 4, 38)
    client.force_login(w.manager)
    board = client.get("/recall/").content.decode()
    assert ">Booked</th>" in board and ">Free</th>" in board
    weeks = client.get("/recall/forecast/").content.decode()
    assert ">Booked</th>" in weeks and ">Free</th>" in weeks and "booked and free" in weeks
