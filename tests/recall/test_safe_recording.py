"""Recording what people did is safe: no "did not attend" before the appointment, a re-invitation
after one, an explicit choice for every response, a booking with its date and time, history in the
order it says, and a reason on the board when a due month is not the scheme's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from tandem.core import clock
from tandem.messaging.models import OutboxMessage
from tandem.recall import actions
from tandem.recall.models import Invitation, RecallException, ReviewEvent
from tandem.recall.rules.status import ResponseNotAllowed

from .conftest import review_of

D = dt.date
BOARD = "/recall/"


def send(practice, by, month=None, today=None):
    today = today or clock.today()
    return actions.send_due_invitations(practice=practice, month=month or today.replace(day=1), by=by, today=today)


JULY_8 = D(2026, 7, 8)
HALF_TEN = dt.time(10, 30)


def book(review, by, on=JULY_8, at=HALF_TEN):
    return actions.record_response(review=review, response="booked", by=by, appointment_on=on, appointment_time=at)


@pytest.fixture
def admin(client, planned):
    client.force_login(planned.admin)
    return client


def respond_url(patient):
    return reverse("recall:respond", kwargs={"patient_id": patient.pk})


def review_url(patient):
    return reverse("recall:review", kwargs={"patient_id": patient.pk})


# --- Did not attend ---------------------------------------------------------------------------


def test_did_not_attend_cannot_be_recorded_before_the_appointment(planned):
    u = planned
    review = book(review_of(u.beatrice), u.admin)  # 8 July 2026 at 10:30; today is 15 June
    with pytest.raises(ResponseNotAllowed, match="The appointment is on 8 July 2026 at 10:30"):
        actions.record_response(review=review, response="did_not_attend", by=u.admin)
    with clock.frozen(dt.datetime(2026, 7, 8, 10, 0, tzinfo=dt.UTC)):  # 11:00 in London: over
        actions.record_response(review=review_of(u.beatrice), response="did_not_attend", by=u.admin)
    assert review_of(u.beatrice).status == "did_not_attend"


def test_did_not_attend_on_the_morning_of_the_appointment_is_refused_and_changes_nothing(planned):
    u = planned
    review = book(review_of(u.beatrice), u.admin, at=dt.time(15, 0))
    with clock.frozen(dt.datetime(2026, 7, 8, 8, 0, tzinfo=dt.UTC)):  # 9:00 in London
        with pytest.raises(ResponseNotAllowed, match="only after it"):
            actions.record_response(review=review, response="did_not_attend", by=u.admin)
    after = review_of(u.beatrice)
    assert (after.status, after.round, after.booked_for) == ("booked", 1, D(2026, 7, 8))
    assert not ReviewEvent.objects.filter(review=after, kind="did_not_attend").exists()


def test_did_not_attend_cannot_be_dated_before_the_appointment(planned):
    u = planned
    review = book(review_of(u.beatrice), u.admin)
    with clock.frozen(D(2026, 7, 20)):
        with pytest.raises(ResponseNotAllowed, match="cannot be before it"):
            actions.record_response(review=review, response="did_not_attend", by=u.admin, on=D(2026, 7, 1))


def test_did_not_attend_is_not_offered_for_a_future_booking_and_a_post_is_a_400(admin, planned):
    u = planned
    book(review_of(u.beatrice), u.admin)
    page = admin.get(review_url(u.beatrice)).content.decode()
    assert 'value="did_not_attend"' not in page
    board = admin.get(BOARD).content.decode()
    assert '<option value="did_not_attend">Did not attend</option>' not in board
    response = admin.post(respond_url(u.beatrice), {"response": "did_not_attend"})
    assert response.status_code == 400
    assert "You can record that the person did not attend only after it" in response.content.decode()
    assert review_of(u.beatrice).status == "booked"
    with clock.frozen(D(2026, 7, 9)):
        assert 'value="did_not_attend"' in admin.get(review_url(u.beatrice)).content.decode()


def test_after_a_missed_appointment_the_next_step_and_the_message_are_a_re_invitation(admin, planned):
    u = planned
    send(u.practice, u.admin)
    book(review_of(u.colin), u.admin)
    with clock.frozen(D(2026, 7, 9)):
        actions.record_response(review=review_of(u.colin), response="did_not_attend", by=u.admin,
                                on=D(2026, 7, 8))
        page = admin.get(review_url(u.colin)).content.decode()
        assert "Re-invitation after a missed appointment due now" in page
        assert "First invitation due" not in page
        assert "Did not attend the appointment on 8 July 2026 at 10:30" in page
        send(u.practice, u.admin, month=D(2026, 7, 1))
        page = admin.get(review_url(u.colin)).content.decode()
    letter = OutboxMessage.objects.filter(patient=u.colin).order_by("-pk").first()
    assert letter.template == "recall_reinvitation"
    assert "we did not see you" in letter.body and "Wednesday 8 July" in letter.body
    assert "Please book a new appointment" in letter.body
    assert "Re-invitation after a missed appointment sent" in page


def test_after_a_missed_appointment_the_no_response_exception_needs_two_new_unanswered_invitations(planned):
    u = planned
    send(u.practice, u.admin)  # Beatrice: first invitation, 15 June
    book(review_of(u.beatrice), u.admin)
    with clock.frozen(D(2026, 7, 9)):
        actions.record_response(review=review_of(u.beatrice), response="did_not_attend", by=u.admin)
        send(u.practice, u.admin, month=D(2026, 7, 1))  # re-invitation
    with clock.frozen(D(2026, 7, 24)):  # the first invitation before the missed appointment does not count
        send(u.practice, u.admin, month=D(2026, 7, 1))  # first reminder of round 2
        assert Invitation.objects.filter(review__patient=u.beatrice, round=2, stage=2).exists()
        assert not RecallException.objects.filter(patient=u.beatrice).exists()
    with clock.frozen(D(2026, 8, 7)):
        send(u.practice, u.admin, month=D(2026, 8, 1))  # second reminder
    with clock.frozen(D(2026, 8, 21)):
        send(u.practice, u.admin, month=D(2026, 8, 1))
    exception = RecallException.objects.get(patient=u.beatrice)
    assert (exception.reason, exception.on) == ("no_response", D(2026, 8, 21))


# --- An explicit choice, a date and a time -------------------------------------------------------


def test_the_board_preselects_no_response(admin, planned):
    board = admin.get(BOARD).content.decode()
    responses = re.findall(r'<select[^>]*name="response"[^>]*>(.*?)</select>', board, flags=re.S)
    assert responses  # one choice of response per row
    for choices in responses:
        flat = re.sub(r"\s+>", ">", " ".join(choices.split()))
        assert '<option value="" selected>Choose a response</option>' in flat
        assert 'value="booked"' not in flat  # a booking needs its date and time: on the review page
    assert "Record a booking" in board


@pytest.mark.parametrize("data", [{}, {"response": ""}, {"response": "maybe"}, {"next": BOARD}])
def test_a_response_without_a_choice_is_a_400_with_an_error_summary(admin, planned, data):
    response = admin.post(respond_url(planned.arthur), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "nhsuk-error-summary" in page and "Select the person&#39;s response" in page
    assert review_of(planned.arthur).status == "planned"


BOOKING = {"response": "booked", "appointment-day": "2", "appointment-month": "7", "appointment-year": "2026",
           "appointment_time": "10:30"}


@pytest.mark.parametrize(("change", "message"), [
    ({"appointment_time": ""}, "Enter the appointment time"),
    ({"appointment-day": "", "appointment-month": "", "appointment-year": ""}, "Enter the appointment date"),
    ({"appointment_time": "25:00"}, "The appointment time must be a real time"),
    ({"appointment_time": "half ten"}, "The appointment time must be a time"),
    ({"appointment-day": "31", "appointment-month": "2"}, "The appointment date must be a real date"),
    ({"appointment-day": "2²"}, "The appointment date must be a real date in numbers"),
    ({"appointment-year": "2O26"}, "The appointment date must be a real date in numbers"),  # letter O
    ({"appointment-year": "9999"}, "The appointment date must be on or before 16 June 2027"),
    ({"appointment-year": "1926"}, "The appointment date must be on or after 14 June 2025"),
    ({"on-day": "1", "on-month": "1", "on-year": "2020"}, "The date it happened must be on or after"),
    ({"on-day": "2", "on-month": "7", "on-year": "2026"}, "The date it happened cannot be in the future"),
])
def test_a_booking_needs_a_real_date_and_time(admin, planned, change, message):
    response = admin.post(respond_url(planned.arthur), {**BOOKING, **change})
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#39;", "'")
    review = review_of(planned.arthur)
    assert (review.status, review.booked_for) == ("planned", None)


def test_a_booking_typed_in_full_width_digits_is_read(admin, planned):
    data = {**BOOKING, "appointment-day": "２", "appointment_time": "１０:３０"}
    assert admin.post(respond_url(planned.arthur), data).status_code == 302
    review = review_of(planned.arthur)
    assert (review.booked_for, review.booked_time) == (D(2026, 7, 2), dt.time(10, 30))


def test_the_booking_action_refuses_a_booking_without_its_time(planned):
    with pytest.raises(ResponseNotAllowed, match="A booking needs the appointment's date and time"):
        actions.record_response(review=review_of(planned.arthur), response="booked", by=planned.admin,
                                appointment_on=D(2026, 7, 2))
    assert review_of(planned.arthur).status == "planned"


# --- History and due months ------------------------------------------------------------------------


def test_history_is_newest_first_by_the_day_it_happened(admin, planned):
    u = planned
    review = review_of(u.arthur)
    # Recorded today, but the booking was made a week ago: it sorts by the day it happened.
    actions.record_response(review=review, response="declined", by=u.admin)
    book(review_of(u.arthur), u.admin, on=D(2026, 6, 20))
    actions.record_response(review=review_of(u.arthur), response="attended", by=u.nurse, on=D(2026, 6, 1))
    page = admin.get(review_url(u.arthur)).content.decode()
    assert "newest first" in page
    history = page[page.index("<h2>History</h2>"):]
    rows = [history.index(text) for text in ("Booked for 20 June 2026", "Declined", "Attended", "Review planned")]
    # 15 June: booked (recorded last), declined; then 1 June: attended; planned 15 June is first recorded.
    assert rows[0] < rows[1] < rows[3] < rows[2]


def test_a_caught_up_due_month_says_why_on_the_board(admin, planned):
    # Fatima was born in June; Arthur in March. Planning on 15 June puts nobody's month in the past
    # except those born in April or May: plan a person born in April now.
    from tandem.registers import actions as register_actions

    from .conftest import ADDRESS, person

    april = person(planned.practice, nhs_number="9990000093", given="Gwen", family="Hart", born=D(1955, 4, 2),
                   conditions=["hypertension"], **ADDRESS)
    register_actions.refresh_practice(practice=planned.practice, by=None)
    actions.plan_reviews(practice=planned.practice, by=planned.admin)
    due = review_of(april).due_month
    assert due > D(2026, 4, 1)
    page = admin.get(BOARD + "?when=year").content.decode()
    assert ("Caught up: their birth month gives April 2026, which had passed when the review was planned on "
            "15 June 2026") in page
    assert page.count("Caught up:") == 1  # everyone else is due in their birth month
