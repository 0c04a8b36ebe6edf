"""The booking page as an administrator uses it: the tests first, the conversation two weeks or more
later, with the named clinician offered first."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tandem.booking.models import Appointment
from tandem.prepare.models import Conversation

from .conftest import open_reviews, session_on

D, T = dt.date, dt.time


@pytest.fixture
def admin(client, booking_week):
    client.force_login(booking_week.admin)
    return client


def offered(page: str, prefix: str) -> list[str]:
    return re.findall(rf'id="{prefix}(?:-\d+)?" name="place" type="radio" value="([^"]+)"', page)


def test_the_administrator_books_the_tests_then_the_conversation(admin, booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    url = f"/booking/reviews/{review.pk}/"
    page = admin.get(url).content.decode()
    # what the tests appointment is for, each test named once whatever conditions ask for it
    names = re.search(r"minutes with [^<]* for: ([^<]*)\.</p>", page).group(1).split(", ")
    assert names and len(names) == len(set(names)) and "Blood pressure" in names
    tuesday = session_on(w.tests_pattern, D(2026, 6, 16))
    tests = offered(page, "tests-place")
    assert tests and tests[0] == f"{tuesday.pk}/09:00"
    assert "Book the tests first" in page and not offered(page, "talk-place")
    response = admin.post(f"{url}book/", {"kind": "tests", "place": tests[0]})
    assert response.status_code == 302
    page = admin.get(url).content.decode()
    assert "Tests appointment booked: Tuesday 16 June 2026 at 09:00 with Hannah Cole" in page
    talks = offered(page, "talk-place")
    first_talk = session_on(w.talk_pattern, D(2026, 7, 2))  # the first Thursday 14 days or more after the tests
    assert talks[0] == f"{first_talk.pk}/14:00"
    admin.post(f"{url}book/", {"kind": "conversation", "place": talks[0]})
    talk = Conversation.objects.get(review=review, state="booked")
    assert talk.clinician_id == w.nurse.pk and talk.starts_at.date() == D(2026, 7, 2)
    assert "Move the conversation" in admin.get(url).content.decode()


def test_the_named_clinician_is_offered_first(admin, booking_week):
    from tandem.clinics import actions as clinic_actions
    from tandem.clinics.actions import Repeat
    from tandem.patients import actions as patient_actions
    from tests.clinics.conftest import entry

    w = booking_week
    gp_pattern, _ = clinic_actions.add_pattern(
        practice=w.practice, by=w.manager, entry=entry(w.gp, "gp", purpose="conversation", start=T(16, 0),
                                                       end=T(17, 0), slot=20),
        repeat=Repeat(weekday=4, every_weeks=1, first_day=D(2026, 6, 15), last_day=None))
    [review] = open_reviews(w.practice, 1)
    patient_actions.set_named_clinician(patient=review.patient, by=w.nurse, clinician=w.gp)
    admin.post(f"/booking/reviews/{review.pk}/book/", {
        "kind": "tests", "place": f"{session_on(w.tests_pattern, D(2026, 6, 16)).pk}/09:00"})
    page = admin.get(f"/booking/reviews/{review.pk}/").content.decode()
    talks = offered(page, "talk-place")
    assert talks[0] == f"{session_on(gp_pattern, D(2026, 7, 3)).pk}/16:00"  # Dr Price's Friday, before the nurse
    assert "(their named clinician)" in page


def test_an_interpreter_makes_each_appointment_longer(admin, booking_week):
    from tandem.patients import actions as patient_actions

    w = booking_week
    [review] = open_reviews(w.practice, 1)
    patient_actions.set_reasonable_adjustment(patient=review.patient, by=w.nurse, kind="interpreter", detail="Polish")
    page = admin.get(f"/booking/reviews/{review.pk}/").content.decode()
    assert "10 minutes longer for the interpreter" in page
    tests = offered(page, "tests-place")
    admin.post(f"/booking/reviews/{review.pk}/book/", {"kind": "tests", "place": tests[0]})
    a = Appointment.objects.get(review=review)
    assert a.minutes > 15 and a.slots.count() >= 2


def test_a_time_taken_meanwhile_says_so_and_offers_what_is_free(admin, booking_week):
    w = booking_week
    first, second = open_reviews(w.practice, 2)
    place = f"{session_on(w.tests_pattern, D(2026, 6, 16)).pk}/09:00"
    admin.post(f"/booking/reviews/{first.pk}/book/", {"kind": "tests", "place": place})
    page = admin.get(admin.post(f"/booking/reviews/{second.pk}/book/", {"kind": "tests", "place": place})["Location"])
    text = page.content.decode()
    assert "That time has just been taken by someone else. Nothing was booked. Free now:" in text
    assert not Appointment.objects.filter(review=second).exists()


@pytest.mark.parametrize("place", ["", "abc", "1/25:00", "99999999999/09:00", "²/09:00", "1/" + "9" * 300])
def test_bad_places_are_refused_and_nothing_is_booked(admin, booking_week, place):
    [review] = open_reviews(booking_week.practice, 1)
    response = admin.post(f"/booking/reviews/{review.pk}/book/", {"kind": "tests", "place": place})
    assert response.status_code == 302
    assert not Appointment.objects.exists()
    page = admin.get(response["Location"]).content.decode()
    assert "Choose a time" in page or "does not exist in this practice" in page


def test_cancelling_frees_the_time_and_keeps_the_history(admin, booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    place = f"{session_on(w.tests_pattern, D(2026, 6, 16)).pk}/09:00"
    admin.post(f"/booking/reviews/{review.pk}/book/", {"kind": "tests", "place": place})
    a = Appointment.objects.get()
    assert admin.post(f"/booking/appointments/{a.pk}/cancel/", {"version": "0"}).status_code == 302  # stale
    assert Appointment.objects.get().state == "booked"
    admin.post(f"/booking/appointments/{a.pk}/cancel/", {"version": "1"})
    assert Appointment.objects.get().state == "cancelled"
    assert offered(admin.get(f"/booking/reviews/{review.pk}/").content.decode(), "tests-place")[0] == place


def test_another_practices_review_and_appointment_are_not_found(client, booking_week):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    w = booking_week
    [review] = open_reviews(w.practice, 1)
    place = f"{session_on(w.tests_pattern, D(2026, 6, 16)).pk}/09:00"
    client.force_login(w.admin)
    client.post(f"/booking/reviews/{review.pk}/book/", {"kind": "tests", "place": place})
    a = Appointment.objects.get()
    elsewhere = core_actions.add_staff(practice=w.other_practice, username="hillview-admin", role=Role.ADMIN,
                                       by=None)
    client.force_login(elsewhere)
    assert client.get(f"/booking/reviews/{review.pk}/").status_code == 404
    assert client.post(f"/booking/reviews/{review.pk}/book/", {"kind": "tests", "place": place}).status_code == 404
    assert client.post(f"/booking/appointments/{a.pk}/cancel/", {"version": "1"}).status_code == 404
    assert Appointment.objects.get().state == "booked"


def test_the_booking_page_reads_a_fixed_number_of_queries(admin, booking_week):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.recall.crowd import crowd

    w = booking_week
    [review] = open_reviews(w.practice, 1)
    url = f"/booking/reviews/{review.pk}/"
    admin.get(url)
    with CaptureQueriesContext(connection) as few:
        admin.get(url)
    crowd(w.practice, 40, start=44)
    with CaptureQueriesContext(connection) as more:
        admin.get(url)
    # session, user and roles; the review; the person (and the audit row of reading them); their facts;
    # what is booked; the practice's gap between the visits; the tests' free places (sessions and slots
    # taken, a fortnight, then four weeks)
    assert len(few) == len(more) == 12, [q["sql"][:80] for q in more.captured_queries]


def test_the_manager_sets_the_gap_and_the_conversation_follows_it(client, booking_week):
    w = booking_week
    client.force_login(w.manager)
    for bad, message in (("6", "from 7 to 42"), ("²", "from 7 to 42"), ("", "Enter the number of days"),
                         ("9" * 500, "from 7 to 42")):
        response = client.post("/booking/settings/", {"gap_days": bad, "version": "0"})
        assert response.status_code == 400 and message in response.content.decode()
    assert client.post("/booking/settings/", {"gap_days": "21", "version": "0"}).status_code == 302
    stale = client.post("/booking/settings/", {"gap_days": "28", "version": "0"})
    assert stale.status_code == 400 and "Someone else changed this" in stale.content.decode()
    client.force_login(w.admin)
    assert client.get("/booking/settings/").status_code == 403
    [review] = open_reviews(w.practice, 1)
    client.post(f"/booking/reviews/{review.pk}/book/", {
        "kind": "tests", "place": f"{session_on(w.tests_pattern, D(2026, 6, 16)).pk}/09:00"})
    page = client.get(f"/booking/reviews/{review.pk}/").content.decode()
    assert "at least 21 days later" in page
    assert offered(page, "talk-place")[0] == f"{session_on(w.talk_pattern, D(2026, 7, 9)).pk}/14:00"


def test_whether_they_came_is_recorded_once_the_time_has_passed(admin, booking_week):
    from tandem.core import clock
    from tandem.recall.models import Review

    w = booking_week
    first, second = open_reviews(w.practice, 2)
    for review, day in ((first, D(2026, 6, 16)), (second, D(2026, 6, 23))):
        admin.post(f"/booking/reviews/{review.pk}/book/", {
            "kind": "tests", "place": f"{session_on(w.tests_pattern, day).pk}/09:00"})
    missed, came = Appointment.objects.get(review=first), Appointment.objects.get(review=second)
    page = admin.get(f"/booking/reviews/{first.pk}/").content.decode()
    assert "Did not attend" not in page and "Cancel" in page  # not before the time
    early = admin.post(f"/booking/appointments/{missed.pk}/outcome/", {"outcome": "did_not_attend", "version": "1"})
    assert "once the appointment" in admin.get(early["Location"]).content.decode()
    assert Appointment.objects.get(pk=missed.pk).state == "booked"
    with clock.frozen(dt.datetime(2026, 6, 23, 10, 0)):
        page = admin.get(f"/booking/reviews/{first.pk}/").content.decode()
        assert "Did not attend" in page and "Came" in page
        admin.post(f"/booking/appointments/{missed.pk}/outcome/", {"outcome": "did_not_attend", "version": "1"})
        admin.post(f"/booking/appointments/{came.pk}/outcome/", {"outcome": "attended", "version": "1"})
    assert Appointment.objects.get(pk=missed.pk).state == "did_not_attend"
    assert Review.objects.get(pk=first.pk).status == "did_not_attend"
    assert Appointment.objects.get(pk=came.pk).state == "attended"
    assert Review.objects.get(pk=second.pk).status == "attended"
