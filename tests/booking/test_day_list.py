"""The day list as the health care assistant, a clinician and reception use it on the day: who is
coming when, each test once whatever conditions ask for it, what they were asked to bring, the
adjustments to make, and arrivals recorded, taken back and refused when the page was stale."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.booking import actions
from tandem.booking.models import Appointment
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.recall.models import Review
from tests.core.home_queries import home_queries

from .conftest import session_on

D, T = dt.date, dt.time
WEDNESDAY = D(2026, 6, 17)
EARLY = dt.datetime(2026, 6, 17, 8, 30)  # before the first appointment
LATE = dt.datetime(2026, 6, 17, 9, 40)  # after the 9:00 and 9:15 appointments


@pytest.fixture
def day(booking_week):
    """Wednesday 17 June 2026: Hannah (HCA) holds tests from 8:00 to 18:00 in Room 2 and Nia (nurse)
    conversations from 9:00 in Room 5. Booked on Monday: a person with four conditions at 9:15, one with
    diabetes and hypertension at 9:00, and a conversation with Nia at 10:00."""
    from tandem.clinics import actions as clinic_actions
    from tandem.clinics.actions import Repeat
    from tests.clinics.conftest import entry

    w = booking_week
    wednesdays = Repeat(weekday=2, every_weeks=1, first_day=D(2026, 6, 15), last_day=D(2026, 6, 30))
    w.wed_tests, _ = clinic_actions.add_pattern(
        practice=w.practice, by=w.manager, entry=entry(w.hca, start=T(8, 0), end=T(18, 0), slot=15), repeat=wednesdays)
    w.wed_talk, _ = clinic_actions.add_pattern(
        practice=w.practice, by=w.manager, entry=entry(w.nurse, "nurse", purpose="conversation", start=T(9, 0),
                                                       end=T(12, 0), slot=20, place="Room 5"), repeat=wednesdays)
    w.four = w.people[19]  # coronary heart disease, stroke, hypertension, CKD; review planned
    w.two = w.people[1]  # type 2 diabetes and hypertension; invited
    w.talker = w.people[4]  # planned
    w.late = book(w, w.four, "09:15")
    w.early = book(w, w.two, "09:00")
    w.talk = book(w, w.talker, "10:00", kind="conversation")
    return w


def book(w, patient, at: str, *, kind: str = "tests", minutes: int = 15, day: dt.date = WEDNESDAY) -> Appointment:
    session = session_on(w.wed_tests if kind == "tests" else w.wed_talk, day)
    return actions.book(practice=w.practice, by=w.admin, review=Review.objects.get(patient=patient), kind=kind,
                        session_id=session.pk, start=T.fromisoformat(at), minutes=minutes if kind == "tests" else 20)


def page(client, **params) -> str:
    response = client.get(reverse("booking:day"), params)
    assert response.status_code == 200
    return response.content.decode()


def rows(text: str) -> list[str]:
    return re.findall(r'<tr class="nhsuk-table__row" id="appointment-\d+">(.*?)</tr>', text, flags=re.S)


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def hca(client, day):
    client.force_login(day.hca)
    return client


@pytest.fixture
def admin(client, day):
    client.force_login(day.admin)
    return client


def test_the_hcas_own_appointments_today_in_time_order(hca, day):
    with clock.frozen(EARLY):
        text = page(hca)
    assert "Appointments on Wednesday 17 June" in text and "Today: Hannah Cole" in text
    listed = [plain(r) for r in rows(text)]
    assert [r.split()[0] for r in listed] == ["09:00", "09:15"]  # the nurse's conversation is hers, not Hannah's
    assert "15 minutes" in listed[0] and "Room 2" in listed[0]
    assert day.two.full_name in listed[0] and "Tests appointment" in listed[0]
    assert f"NHS number {day.two.nhs_number_display}" in listed[0]
    assert f"{reverse('booking:review', kwargs={'review_pk': day.early.review_id})}" in rows(text)[0]


def test_everyones_appointments_are_shown_to_someone_without_a_session_that_day(admin, day):
    with clock.frozen(EARLY):
        listed = [plain(r) for r in rows(page(admin))]
    assert [r.split()[0] for r in listed] == ["09:00", "09:15", "10:00"]
    assert "Care planning conversation" in listed[2] and "Nia Evans" in listed[2] and "Room 5" in listed[2]


def test_each_test_is_listed_once_with_every_condition_that_asks_for_it(hca, day):
    with clock.frozen(EARLY):
        [_, four] = [plain(r) for r in rows(page(hca))]
    assert four.count("Blood pressure") == 1
    assert ("Blood pressure (Hypertension, Coronary heart disease, Stroke and transient ischaemic attack, "
            "Chronic kidney disease stage 3 to 5)") in four
    assert four.count("Blood sample") == 1


def test_what_they_were_asked_to_bring_is_shown_once(hca, day):
    with clock.frozen(EARLY):
        [two, four] = [plain(r) for r in rows(page(hca))]
    urine = "Please bring a sample of the first urine you pass that morning, in a sample pot from the practice."
    assert two.count(urine) == 1 and four.count(urine) == 1
    assert "Please wear socks and shoes you can take off easily." in two  # the foot check (diabetes)
    assert "socks" not in four


def test_adjustments_are_shown_and_a_home_visit_is_flagged(hca, day):
    from tandem.patients import actions as patient_actions

    patient_actions.set_reasonable_adjustment(patient=day.two, by=day.nurse, kind="interpreter", detail="Polish")
    patient_actions.set_reasonable_adjustment(patient=day.two, by=day.nurse, kind="step_free")
    patient_actions.set_reasonable_adjustment(patient=day.four, by=day.nurse, kind="home_visit")
    patient_actions.set_reasonable_adjustment(patient=day.four, by=day.nurse, kind="carer_present",
                                              detail="Her daughter")
    with clock.frozen(EARLY):
        [two, four] = rows(page(hca))
    assert "Interpreter: Polish" in plain(two) and "Step-free access" in plain(two)
    assert plain(two).index("Interpreter: Polish") < plain(two).index("Step-free access")
    assert "Home visit" not in two
    assert "nhsuk-tag--red" in four and "Housebound: needs a home visit" in plain(four)
    assert "Carer or supporter to be present: Her daughter" in plain(four)


def test_an_arrival_is_recorded_with_who_and_when_and_shown(hca, day):
    with clock.frozen(EARLY):
        response = hca.post(reverse("booking:arrival", args=[day.early.pk]),
                            {"version": day.early.version, "day": WEDNESDAY.isoformat(), "staff": "all"})
        assert response.status_code == 302 and response["Location"] == "/booking/day/?day=2026-06-17&staff=all"
        text = page(hca)
    early = Appointment.objects.get(pk=day.early.pk)
    assert early.arrived_by == day.hca and early.state == "booked"
    assert timezone.localtime(early.arrived_at).replace(tzinfo=None) == EARLY
    assert "Arrived 08:30 (Hannah Cole)" in plain(rows(text)[0])
    assert "Undo arrived" in rows(text)[0] and ">Arrived<" in rows(text)[1]
    event = AuditEvent.objects.filter(what="booking.tests", object_id=str(early.pk)).latest("pk")
    assert event.user == day.hca and event.detail == {"arrived": True} and event.patient_id == day.two.pk


def test_an_arrival_recorded_by_mistake_is_taken_back(hca, day):
    with clock.frozen(EARLY):
        arrived = actions.record_arrival(practice=day.practice, by=day.hca, appointment_id=day.early.pk,
                                         version=day.early.version)
        response = hca.post(reverse("booking:arrival", args=[day.early.pk]),
                            {"version": arrived.version, "undo": "yes", "day": WEDNESDAY.isoformat()})
        assert response.status_code == 302
        text = page(hca)
    early = Appointment.objects.get(pk=day.early.pk)
    assert early.arrived_at is None and early.arrived_by is None and early.version == day.early.version + 2
    assert "taken back" in text and "Undo arrived" not in rows(text)[0] and ">Arrived<" in rows(text)[0]
    assert AuditEvent.objects.filter(what="booking.tests", object_id=str(early.pk),
                                     detail={"arrived": False}).exists()


def test_an_arrival_from_a_stale_page_saves_nothing(hca, day):
    with clock.frozen(EARLY):
        actions.record_arrival(practice=day.practice, by=day.admin, appointment_id=day.early.pk,
                               version=day.early.version)
        # Hannah's page was opened before reception recorded it: her undo carries the old version.
        hca.post(reverse("booking:arrival", args=[day.early.pk]),
                 {"version": day.early.version, "undo": "yes", "day": WEDNESDAY.isoformat()})
        text = page(hca)
    assert "changed by someone else while you were looking" in text
    assert Appointment.objects.get(pk=day.early.pk).arrived_by == day.admin


def test_an_arrival_is_only_for_a_booked_appointment_on_its_own_day(hca, day):
    # Monday (the pinned clock): Wednesday's appointment cannot be marked arrived yet, nor shown as such.
    text = page(hca, day=WEDNESDAY.isoformat())
    assert ">Arrived<" not in text and "Booked" in plain(rows(text)[0])
    with pytest.raises(actions.BookingError, match="only on the day of the appointment"):
        actions.record_arrival(practice=day.practice, by=day.hca, appointment_id=day.early.pk,
                               version=day.early.version)
    actions.cancel(practice=day.practice, by=day.admin, appointment_id=day.late.pk, version=day.late.version)
    with clock.frozen(EARLY), pytest.raises(actions.BookingError, match="no longer booked"):
        actions.record_arrival(practice=day.practice, by=day.hca, appointment_id=day.late.pk,
                               version=day.late.version + 1)
    assert Appointment.objects.get(pk=day.late.pk).arrived_at is None


def test_whether_they_came_is_asked_only_once_the_time_has_passed(hca, day):
    with clock.frozen(EARLY):
        assert 'value="attended"' not in page(hca)
    with clock.frozen(LATE):
        [early, late] = rows(page(hca))
        assert 'value="attended"' in early and 'value="attended"' in late
        response = hca.post(reverse("booking:outcome", args=[day.early.pk]),
                            {"version": day.early.version, "outcome": "attended", "day": WEDNESDAY.isoformat(),
                             "staff": str(day.hca.pk)})
        assert response["Location"] == f"/booking/day/?day=2026-06-17&staff={day.hca.pk}"
        [early, _] = rows(page(hca))
    assert "Came" in plain(early) and 'value="attended"' not in early and ">Arrived<" not in early


def test_another_practices_appointment_is_not_found(client, day):
    client.force_login(day.other_nurse)
    with clock.frozen(EARLY):
        response = client.post(reverse("booking:arrival", args=[day.early.pk]), {"version": day.early.version})
        assert response.status_code == 404
        assert "No appointments on Wednesday 17 June" in page(client)
    assert Appointment.objects.get(pk=day.early.pk).arrived_at is None


def test_the_administrator_sees_the_tests_but_not_when_a_test_was_last_done(admin, hca, day):
    """docs/roles.md: administrators see the conditions and the tests to book, not when a test was
    last done. Spirometry for someone with COPD is left out when done in the last year."""
    copd = day.people[12]  # COPD, spirometry in February
    book(day, copd, "11:00")
    with clock.frozen(EARLY):
        clinician = plain(rows(page(hca))[-1])
        admin.force_login(day.admin)
        administrator = plain(rows(page(admin))[-1])
    assert "Not needed this time: Spirometry (FEV1 and FVC): done 1 February 2026" in clinician
    assert "Spirometry" not in administrator and "February" not in administrator
    assert "COPD Assessment Test (CAT) (Chronic obstructive pulmonary disease)" in administrator  # the tests to do, as on the recall pages


def test_the_filters_choose_the_day_and_whose_appointments(hca, day):
    with clock.frozen(EARLY):
        nia = plain("".join(rows(page(hca, staff=str(day.nurse.pk)))))
        everyone = rows(page(hca, staff="all"))
        text = page(hca, day="2026-06-18")
    assert nia.startswith("10:00") and "Care planning conversation" in nia
    assert len(everyone) == 3
    # Thursday: Hannah has no session, so everyone's; Wednesday and Friday are a click away.
    assert "No appointments on Thursday 18 June." in plain(text)
    assert "/clinics/?week=2026-06-15" in text
    assert "/booking/day/?day=2026-06-17&amp;staff=all" in text and "/booking/day/?day=2026-06-19&amp;staff=all" in text
    assert 'value="all" selected' in text


def test_only_staff_with_sessions_that_day_can_be_chosen(hca, day):
    with clock.frozen(EARLY):
        text = page(hca)
    options = re.findall(r'<option value="([^"]+)"', text)
    assert options == ["all", str(day.hca.pk), str(day.nurse.pk)]


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "\u0663", "x" * 10_000, "2026-02-30",
                                   "9999-12-31", "0001-01-01", "20260617", ""])
def test_hostile_query_values_show_a_sensible_page(hca, day, value):
    with clock.frozen(EARLY):
        for params in ({"day": value}, {"staff": value}, {"day": value, "staff": value}):
            response = hca.get(reverse("booking:day"), params)
            assert response.status_code == 200
    if value and value != "":
        with clock.frozen(EARLY):
            assert "That date was not recognised, so today is shown." in page(hca, day=value)


def test_the_nav_has_a_today_link_to_the_day_list(hca, day):
    text = page(hca)
    assert f'href="{reverse("booking:day")}"' in text and ">Today<" in text


def test_a_tests_appointment_links_to_recording_its_results_for_those_who_may(hca, admin, day, monkeypatch):
    from tandem.booking import day_presenters

    monkeypatch.setattr(day_presenters, "results_url_for", lambda review_pk: f"/results/reviews/{review_pk}/")
    with clock.frozen(EARLY):
        hca.force_login(day.hca)
        [early, _] = rows(page(hca))
        admin.force_login(day.admin)
        text = page(admin)
    assert f'href="/results/reviews/{day.early.review_id}/"' in early and "Record results" in early
    assert "Record results" not in text  # administrators do not record results (URL_ACCESS)
    monkeypatch.setattr(day_presenters, "results_url_for", lambda review_pk: "")  # no results page
    with clock.frozen(EARLY):
        hca.force_login(day.hca)
        assert "Record results" not in page(hca)


def test_the_day_list_is_audited_for_each_person_shown(hca, day):
    with clock.frozen(EARLY):
        page(hca)
    assert set(AuditEvent.objects.filter(what="booking.day", user=day.hca).values_list("patient_id", flat=True)) == {
        day.two.pk, day.four.pk}


# --- Queries: a fixed number, however many appointments --------------------------------------------

# The appointments with people, staff, sessions and who saw them arrive; the staff with sessions; the
# register facts (one statement); the adjustments; the audit rows. Everything else is every page's.
DAY_QUERIES = 5


def _queries(client) -> int:
    def count(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    path = f"{reverse('booking:day')}?day=2026-06-17&staff=all"
    count(path)
    every_page, home_own = home_queries(client)  # the home page less its own (tests/core/test_home.py)
    return count(path) - (every_page - home_own)


def test_the_day_list_reads_a_fixed_number_of_queries_however_many_appointments(client, booking_week):
    from tandem.clinics import actions as clinic_actions
    from tandem.clinics.actions import Repeat
    from tests.booking.conftest import open_reviews
    from tests.clinics.conftest import entry

    w = booking_week
    w.wed_tests, _ = clinic_actions.add_pattern(
        practice=w.practice, by=w.manager, entry=entry(w.hca, start=T(8, 0), end=T(18, 0), slot=15),
        repeat=Repeat(weekday=2, every_weeks=1, first_day=D(2026, 6, 15), last_day=D(2026, 6, 30)))
    session = session_on(w.wed_tests, WEDNESDAY)
    reviews = open_reviews(w.practice, 20)
    assert len(reviews) == 20

    def book_review(i):
        actions.book(practice=w.practice, by=w.admin, review=reviews[i], kind="tests", session_id=session.pk,
                     start=T(8 + i // 4, 15 * (i % 4)), minutes=15)

    book_review(0)
    client.force_login(w.hca)
    with clock.frozen(EARLY):
        one = _queries(client)
    for i in range(1, 20):
        book_review(i)
    with clock.frozen(EARLY):
        twenty = _queries(client)
        assert len(rows(page(client, day="2026-06-17", staff="all"))) == 20
    assert one == twenty <= DAY_QUERIES


def test_the_booking_page_flags_a_home_visit(admin, day):
    from tandem.patients import actions as patient_actions

    patient_actions.set_reasonable_adjustment(patient=day.two, by=day.nurse, kind="home_visit")
    patient_actions.set_reasonable_adjustment(patient=day.two, by=day.nurse, kind="step_free")
    text = plain(admin.get(reverse("booking:review", kwargs={"review_pk": day.early.review_id})).content.decode())
    assert "Home visit" in text and "Housebound: needs a home visit — book a home visit, not a clinic slot." in text
    assert text.count("Housebound: needs a home visit") == 1  # not repeated among the other adjustments
    assert "Step-free access" in text


def test_a_day_with_nothing_booked_links_to_the_next_day_that_has(hca, day):
    with clock.frozen(EARLY):
        text = page(hca, day="2026-06-16")  # Tuesday: Hannah's session, nobody booked yet
    assert "No appointments on Tuesday 16 June for Hannah Cole." in plain(text)
    assert '<a href="/booking/day/?day=2026-06-17">Wednesday 17 June</a> (2 appointments)' in text
    assert '<a href="/clinics/?week=2026-06-15">clinic sessions</a>' in text  # a link, not escaped text
    assert "&lt;p&gt;" not in text
