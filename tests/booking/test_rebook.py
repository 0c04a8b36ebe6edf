"""Leave (or a cancelled session) never drops a booked person: they wait on "People to re-book" until
someone moves them to another time, and the manager adding the leave is told how many."""

from __future__ import annotations

import datetime as dt

from tandem.booking import actions
from tandem.clinics import actions as clinic_actions
from tandem.core.models import AuditEvent

from .conftest import open_reviews, session_on

D, T = dt.date, dt.time
TUESDAY, NEXT_TUESDAY = D(2026, 6, 16), D(2026, 6, 23)
URL = "/booking/rebook/"
LEAVE_FORM = {"first_day[day]": "16", "first_day[month]": "6", "first_day[year]": "2026",
              "last_day[day]": "16", "last_day[month]": "6", "last_day[year]": "2026", "note": ""}


def test_leave_puts_the_booked_person_on_the_list_until_they_are_moved(client, booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    booked = actions.book(practice=w.practice, by=w.admin, review=review, kind="tests",
                          session_id=session_on(w.tests_pattern, TUESDAY).pk, start=T(9, 15), minutes=15)
    client.force_login(w.admin)
    assert "Nobody needs re-booking" in client.get(URL).content.decode()

    client.force_login(w.manager)
    response = client.post("/clinics/leave/", LEAVE_FORM | {"staff": str(w.hca.pk)}, follow=True)
    assert "1 person was booked into those sessions" in response.content.decode()
    assert "People to re-book" in response.content.decode()

    client.force_login(w.admin)
    page = client.get(URL).content.decode()
    person = f"{review.given_name} {review.family_name}"
    assert "1 appointment is booked into sessions that will no longer be held" in page
    assert person in page and "Tuesday 16 June 2026 at 09:15" in page and "Staff leave" in page
    assert f'href="/booking/reviews/{review.pk}/"' in page
    assert AuditEvent.objects.filter(what="booking.rebook", patient_id=review.patient_id, user=w.admin).exists()

    actions.move(practice=w.practice, by=w.admin, appointment_id=booked.pk, version=booked.version,
                 session_id=session_on(w.tests_pattern, NEXT_TUESDAY).pk, start=T(9, 15))
    assert person not in client.get(URL).content.decode()


def test_the_list_says_why_and_only_its_own_practice_sees_it(client, booking_week):
    w = booking_week
    [review] = open_reviews(w.practice, 1)
    actions.book(practice=w.practice, by=w.admin, review=review, kind="tests",
                 session_id=session_on(w.tests_pattern, TUESDAY).pk, start=T(9, 0), minutes=15)
    clinic_actions.add_leave(practice=w.practice, by=w.manager, staff_id=w.hca.pk, first_day=TUESDAY,
                             last_day=TUESDAY, note="Training day")
    client.force_login(w.admin)
    page = client.get(URL).content.decode()
    assert review.family_name in page and "Training day" in page  # the session's note says why
    client.force_login(w.other_nurse)  # another practice's staff never see them
    assert review.family_name not in client.get(URL).content.decode()
