"""Responses and exceptions: what booking, attending, missing and declining do to a review."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.recall.rules.status import (
    ExceptionReason,
    ResponseNotAllowed,
    Status,
    exception_in_force,
    respond,
)

# Spec table: status, response -> new status, starts a new round, exception recorded, exception lifted
RESPONSES = [
    ("planned", "booked", "booked", False, None, False),
    ("invited", "booked", "booked", False, None, False),
    ("booked", "booked", "booked", False, None, False),  # re-booked
    ("booked", "attended", "attended", False, None, False),
    ("invited", "attended", "attended", False, None, False),  # came without booking
    ("booked", "did_not_attend", "did_not_attend", True, None, False),
    ("did_not_attend", "booked", "booked", False, None, False),
    ("invited", "declined", "declined", False, ExceptionReason.INFORMED_DISSENT, False),
    ("booked", "declined", "declined", False, ExceptionReason.INFORMED_DISSENT, False),
    # answering after a no-response exception lifts it
    ("excepted", "booked", "booked", False, None, True),
    ("excepted", "attended", "attended", False, None, True),
    ("excepted", "declined", "declined", False, ExceptionReason.INFORMED_DISSENT, True),
    # changing one's mind after declining
    ("declined", "booked", "booked", False, None, True),
]


@pytest.mark.parametrize(("status", "response", "after", "new_round", "exception", "lifts"), RESPONSES)
def test_responses(status, response, after, new_round, exception, lifts):
    t = respond(status, response)
    assert (t.status, t.new_round, t.exception, t.lifts_exception) == (after, new_round, exception, lifts)


NOT_ALLOWED = [
    ("planned", "did_not_attend", "Only a booked review can be missed"),
    ("invited", "did_not_attend", "Only a booked review can be missed"),
    ("attended", "booked", "already attended"),
    ("attended", "declined", "already attended"),
    ("declined", "declined", "already declined"),
    ("withdrawn", "booked", "already no longer needed"),
]


@pytest.mark.parametrize(("status", "response", "message"), NOT_ALLOWED)
def test_responses_that_make_no_sense_are_refused_with_a_reason(status, response, message):
    with pytest.raises(ResponseNotAllowed, match=message):
        respond(status, response)


def test_exceptions_lapse_at_the_next_review_year():
    assert exception_in_force(2026, today=dt.date(2027, 3, 31))
    assert not exception_in_force(2026, today=dt.date(2027, 4, 1))
    assert not exception_in_force(2025, today=dt.date(2026, 6, 15))


def test_every_status_has_a_label_and_is_open_or_closed():
    from tandem.recall.rules.status import CLOSED, OPEN, STATUS_LABELS

    assert set(STATUS_LABELS) == set(Status)
    assert OPEN | CLOSED == set(Status) and not OPEN & CLOSED


def test_the_responses_offered_follow_the_status():
    from tandem.recall.rules.status import allowed_responses

    assert allowed_responses("planned") == ("booked", "attended", "declined")
    assert allowed_responses("booked", appointment_passed=True) == ("booked", "attended", "did_not_attend", "declined")
    assert allowed_responses("attended") == ()
    assert allowed_responses("withdrawn") == ()


def test_did_not_attend_is_not_offered_before_the_appointment():
    from tandem.recall.rules.status import allowed_responses

    assert allowed_responses("booked") == ("booked", "attended", "declined")
    assert allowed_responses("booked", appointment_passed=False) == ("booked", "attended", "declined")


# Spec table: appointment day, time, now -> over?
AT = dt.datetime
PASSED = [
    (dt.date(2026, 7, 8), dt.time(10, 30), AT(2026, 7, 8, 10, 29), False),  # a minute before
    (dt.date(2026, 7, 8), dt.time(10, 30), AT(2026, 7, 8, 10, 30), True),
    (dt.date(2026, 7, 8), dt.time(10, 30), AT(2026, 7, 7, 23, 0), False),  # the day before
    (dt.date(2026, 7, 8), dt.time(10, 30), AT(2026, 7, 9, 8, 0), True),
    (dt.date(2026, 7, 8), None, AT(2026, 7, 8, 18, 0), False),  # no time: only once the day is over
    (dt.date(2026, 7, 8), None, AT(2026, 7, 9, 0, 0), True),
    (None, None, AT(2026, 7, 9, 0, 0), False),  # no appointment recorded
]


@pytest.mark.parametrize(("on", "at", "now", "passed"), PASSED)
def test_an_appointment_is_over_only_after_its_day_and_time(on, at, now, passed):
    from tandem.recall.rules.status import appointment_has_passed, why_not_missed

    assert appointment_has_passed(on=on, at=at, now=now) is passed
    assert (why_not_missed(on=on, at=at, now=now) == "") is passed


def test_why_did_not_attend_cannot_be_recorded_yet_is_said_plainly():
    from tandem.recall.rules.status import why_not_missed

    assert why_not_missed(on=dt.date(2026, 7, 8), at=dt.time(10, 30), now=AT(2026, 6, 15, 12, 0)) == (
        "The appointment is on 8 July 2026 at 10:30. You can record that the person did not attend only after it.")
    assert "Record the booking with its date and time first" in why_not_missed(on=None, at=None, now=AT(2026, 6, 15))
