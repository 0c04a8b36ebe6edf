"""Booking from the person's own pages (ADR 16, stage 2b): signed in, the person (or a carer whose access
includes booking) books their tests appointment and care planning conversation, changes and cancels them,
through the same steps as booking on an invitation's link (tandem.booking.public). Whoever did it is in the
audit row; what a carer did is listed for the person; anyone else's appointment is not found; a time taken
meanwhile books nothing; bad input changes nothing.

Riverside's week (tests/booking/conftest.py): tests on Tuesdays 9:00-10:00, conversations on Thursdays
14:00-15:00; the clock is Monday 15 June 2026 at noon, so Tuesday 16 June is inside the 24-hour cut-off.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from tandem.booking import actions as booking_actions
from tandem.booking.models import Appointment, TakenSlot
from tandem.core.models import AuditEvent
from tandem.people.models import ProxyActivity, ProxyHidden
from tandem.recall.models import Review
from tests.booking.conftest import booking_week, open_reviews, session_on  # noqa: F401 - fixtures
from tests.clinics.conftest import team  # noqa: F401 - fixture
from tests.people.test_writes_conftest import Writer, writer  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

D, T = dt.date, dt.time
BOOK, BOOKED = "/my/appointments/book/", "/my/appointments/booked/"


def offered(page: str) -> list[str]:
    return re.findall(r'name="place" type="radio" value="([^"]+)"', page)


@pytest.fixture
def week(booking_week):  # noqa: F811
    """Two people at Riverside with this year's review still to book (the first two open reviews)."""
    w = booking_week
    w.review, w.other_review = open_reviews(w.practice, 2)
    w.person, w.other = w.review.patient, w.other_review.patient
    return w


def _book_both(writer, tests_from: str = "") -> tuple[str, str]:  # noqa: F811
    tests = offered(writer.get(BOOK + (f"?from={tests_from}" if tests_from else "")).content.decode())[0]
    assert writer.post(BOOK, {"place": tests})["Location"] == f"{BOOK}conversation/"
    talk = offered(writer.get(f"{BOOK}conversation/").content.decode())[0]
    assert writer.post(f"{BOOK}conversation/", {"place": talk})["Location"] == f"{BOOK}check/"
    page = writer.get(f"{BOOK}check/").content.decode()
    assert "Check your appointments" in page and "Nothing is booked until you press the button" in page
    response = writer.post(f"{BOOK}check/")
    assert response.status_code == 302 and response["Location"] == BOOKED
    return tests, talk


def _booked(review) -> dict[str, Appointment]:
    return {a.kind: a for a in Appointment.objects.filter(review=review, state="booked")}


def _audit(appointment, **detail) -> AuditEvent:
    return AuditEvent.objects.filter(what=f"booking.{appointment.kind}", object_id=str(appointment.pk),
                                     **{f"detail__{k}": v for k, v in detail.items()}).get()


def test_the_person_books_both_from_their_pages_and_sees_them_listed(writer, week):  # noqa: F811
    w = week
    account = writer.sign_in(w.person)
    page = writer.get("/my/appointments/").content.decode()
    assert "You have no appointments booked with us" in page and "/my/appointments/book" in page
    page = writer.get(BOOK).content.decode()
    assert "Choose a time for your tests appointment" in page and "Your pages" in page  # inside their own pages
    assert offered(page)[0] == f"{session_on(w.tests_pattern, D(2026, 6, 16)).pk}/09:00"  # soonest first
    _book_both(writer)
    made = _booked(w.review)
    assert set(made) == {"tests", "conversation"}
    assert made["conversation"].day == D(2026, 7, 2)  # the first Thursday at least 14 days after the tests
    assert all(a.booked_online and a.created_by is None for a in made.values())
    for appointment in made.values():
        event = _audit(appointment)
        assert event.user_id is None
        assert (event.detail["by"], event.detail["account"], event.detail["grant"]) == (
            "the person, online", account.pk, None)
    assert not ProxyActivity.objects.exists()  # only a carer's writes are listed for the person
    w.review.refresh_from_db()
    assert w.review.status == "booked"
    page = writer.get(BOOKED).content.decode()
    assert "Your appointments are booked" in page and "Tuesday 16 June 2026 at 9am" in page
    page = writer.get("/my/appointments/").content.decode()
    assert "Tests appointment" in page and "Care planning conversation" in page
    assert "Tuesday 16 June" in page and "Thursday 2 July" in page
    # nothing left to book: the first step says what is booked
    assert writer.get(BOOK)["Location"] == BOOKED


def test_the_person_changes_one_and_cancels_the_other(writer, week):  # noqa: F811
    w = week
    account = writer.sign_in(w.person)
    _book_both(writer, tests_from="2026-06-23")  # Tuesday 23 June, then Thursday 9 July: before the cut-off
    old = _booked(w.review)["tests"]
    page = writer.get(BOOKED).content.decode()
    assert f"/my/appointments/{old.pk}/change/" in page and f"/my/appointments/{old.pk}/cancel/" in page
    page = writer.get(f"/my/appointments/{old.pk}/change/").content.decode()
    assert "Choose a new time for your tests appointment" in page and "Tuesday 23 June 2026 at 9am" in page
    later = [p for p in offered(page) if p != f"{old.session_id}/09:00"][0]
    response = writer.post(f"/my/appointments/{old.pk}/change/", {"place": later, "version": old.version})
    assert response.status_code == 302 and response["Location"] == BOOKED
    old.refresh_from_db()
    assert old.state == "moved" and old.moved_to.state == "booked"
    assert _audit(old.moved_to).detail["account"] == account.pk
    assert "Your appointment has been changed" in writer.get(BOOKED).content.decode()

    talk = _booked(w.review)["conversation"]
    page = writer.get(f"/my/appointments/{talk.pk}/cancel/").content.decode()
    assert "Are you sure you want to cancel your care planning conversation?" in page
    assert "from your appointments page" in page and "on this link" not in page
    response = writer.post(f"/my/appointments/{talk.pk}/cancel/", {"version": talk.version})
    assert response["Location"] == BOOKED
    talk.refresh_from_db()
    assert talk.state == "cancelled" and talk.ended_by is None
    assert not TakenSlot.objects.filter(appointment=talk).exists()
    assert _audit(talk, state="cancelled").detail["account"] == account.pk
    assert "Your appointment has been cancelled" in writer.get(BOOKED).content.decode()
    # the cancelled one can be booked again, through the same steps
    assert writer.get(BOOK)["Location"] == f"{BOOK}conversation/"


def test_a_carer_who_may_book_books_changes_and_cancels_and_the_person_sees_it(writer, week):  # noqa: F811
    w = week
    grant = writer.act_for(w.person, scopes=("book",))
    page = writer.get(BOOK).content.decode()
    assert "You are helping" in page and offered(page)
    _book_both(writer, tests_from="2026-06-23")
    made = _booked(w.review)
    for appointment in made.values():
        detail = _audit(appointment).detail
        assert (detail["by"], detail["account"], detail["grant"]) == (
            "someone helping them, online", grant.proxy_account_id, grant.pk)
    tests = made["tests"]
    later = [p for p in offered(writer.get(f"/my/appointments/{tests.pk}/change/").content.decode())
             if p != f"{tests.session_id}/09:00"][0]
    writer.post(f"/my/appointments/{tests.pk}/change/", {"place": later, "version": tests.version})
    talk = made["conversation"]
    writer.post(f"/my/appointments/{talk.pk}/cancel/", {"version": talk.version})
    tests.refresh_from_db()
    assert _audit(tests.moved_to).detail["grant"] == grant.pk
    assert _audit(talk, state="cancelled").detail["grant"] == grant.pk
    assert sorted(ProxyActivity.objects.filter(grant=grant, patient=w.person).values_list("what", "object_id")) == \
        sorted([("appointment.booked", str(tests.pk)), ("appointment.booked", str(talk.pk)),
                ("appointment.moved", str(tests.moved_to_id)), ("appointment.cancelled", str(talk.pk))])


def test_a_carer_without_booking_in_their_access_is_refused_and_nothing_changes(writer, week):  # noqa: F811
    w = week
    tests = booking_actions.book(practice=w.practice, by=w.admin, review=w.review, kind="tests",
                                 session_id=session_on(w.tests_pattern, D(2026, 6, 23)).pk, start=T(9, 0), minutes=20)
    writer.act_for(w.person, scopes=("answer_checkins", "view_plan"))
    place = f"{session_on(w.tests_pattern, D(2026, 6, 30)).pk}/09:00"
    for url in (BOOK, f"{BOOK}conversation/", f"{BOOK}check/", BOOKED, f"/my/appointments/{tests.pk}/change/",
                f"/my/appointments/{tests.pk}/cancel/"):
        tried = [writer.get(url)] + ([writer.post(url, {"place": place, "version": tests.version})]
                                     if url != BOOKED else [])  # a page to read only: a POST is 405
        for response in tried:
            assert response.status_code == 403, url
            assert "Tuesday 23 June" not in response.content.decode()
    tests.refresh_from_db()
    assert tests.state == "booked" and list(_booked(w.review)) == ["tests"]
    assert not ProxyActivity.objects.exists()


def test_another_persons_appointment_is_not_found(writer, week):  # noqa: F811
    w = week
    theirs = booking_actions.book(practice=w.practice, by=w.admin, review=w.other_review, kind="tests",
                                  session_id=session_on(w.tests_pattern, D(2026, 6, 23)).pk, start=T(9, 0),
                                  minutes=20)
    for sign_in in (lambda: writer.sign_in(w.person), lambda: writer.act_for(w.person, scopes=("book",))):
        sign_in()
        for action in ("change", "cancel"):
            url = f"/my/appointments/{theirs.pk}/{action}/"
            assert writer.get(url).status_code == 404
            response = writer.post(url, {"version": theirs.version,
                                         "place": f"{session_on(w.tests_pattern, D(2026, 6, 30)).pk}/09:00"})
            assert response.status_code == 404
        assert "Tuesday 23 June" not in writer.get(BOOKED).content.decode()
    theirs.refresh_from_db()
    assert theirs.state == "booked" and theirs.version == 1
    assert not Appointment.objects.filter(review=w.review).exists()


def test_an_appointment_hidden_from_carers_is_not_found_for_a_carer(writer, week):  # noqa: F811
    from tandem.people import actions as people_actions

    w = week
    tests = booking_actions.book(practice=w.practice, by=w.admin, review=w.review, kind="tests",
                                 session_id=session_on(w.tests_pattern, D(2026, 6, 23)).pk, start=T(9, 0), minutes=20)
    people_actions.hide(practice=w.practice, patient=w.person, what=ProxyHidden.What.APPOINTMENT, object_id=tests.pk,
                        part="", reason="", by=w.nurse)
    writer.act_for(w.person, scopes=("book",))
    assert writer.get(f"/my/appointments/{tests.pk}/change/").status_code == 404
    assert writer.post(f"/my/appointments/{tests.pk}/cancel/", {"version": tests.version}).status_code == 404
    assert "Tuesday 23 June" not in writer.get(BOOKED).content.decode()
    writer.sign_in(w.person)  # the person themselves sees and may change it
    assert writer.get(f"/my/appointments/{tests.pk}/change/").status_code == 200
    tests.refresh_from_db()
    assert tests.state == "booked"


def test_two_people_choosing_the_last_free_time_one_gets_it_and_the_other_is_told(writer, week):  # noqa: F811
    w = week
    other = Writer(Client())
    writer.sign_in(w.person)
    other.sign_in(w.other)
    place = f"{session_on(w.tests_pattern, D(2026, 6, 16)).pk}/09:00"
    talk = f"{session_on(w.talk_pattern, D(2026, 7, 2)).pk}/14:00"
    for someone in (writer, other):
        assert someone.post(BOOK, {"place": place}).status_code == 302
        assert someone.post(f"{BOOK}conversation/", {"place": talk}).status_code == 302
    assert writer.post(f"{BOOK}check/")["Location"] == BOOKED
    response = other.post(f"{BOOK}check/")
    assert response.status_code == 302 and response["Location"] == BOOK
    page = other.get(BOOK).content.decode()
    assert "That time has just been taken by someone else. Nothing was booked" in page
    assert place not in offered(page) and offered(page)
    assert set(_booked(w.review)) == {"tests", "conversation"}
    assert not Appointment.objects.filter(review=w.other_review).exists()  # neither of theirs: all or nothing


@pytest.mark.parametrize("place", [
    "{other}/09:00",  # another practice's session
    "{tests}/09:07",  # a time that is not a slot
    "{tests}/9:00:00",
    "{past}/09:00",  # a session last week
    "{today}/09:00",  # a time already gone today
    "9" * 400 + "/09:00",
    "{tests}/" + "9" * 400,
    "{talk}/14:00",  # a conversation's session for the tests
    "-1/09:00", "\u0663" * 7 + "/09:00", "", "{tests}/\u0660\u0669:07",
])
def test_bad_places_change_nothing(writer, week, place):  # noqa: F811
    from tandem.clinics.models import ClinicSession
    from tandem.core.models import Practice

    w = week
    tuesday = session_on(w.tests_pattern, D(2026, 6, 16))

    def copy(**values) -> int:
        fields = {f.attname: getattr(tuesday, f.attname) for f in ClinicSession._meta.concrete_fields
                  if f.attname != "id"}
        return ClinicSession.objects.create(**{**fields, "pattern_id": None, **values}).pk

    elsewhere = Practice.objects.create(name="Elsewhere", ods_code="Z99998")
    value = place.format(other=copy(practice_id=elsewhere.pk), past=copy(day=D(2026, 6, 9)),
                         today=copy(day=D(2026, 6, 15)), tests=tuesday.pk,
                         talk=session_on(w.talk_pattern, D(2026, 7, 2)).pk)
    writer.sign_in(w.person)
    response = writer.post(BOOK, {"place": value})
    assert response.status_code == 400 and "Choose one of the times shown" in response.content.decode()
    assert writer.get(f"{BOOK}?from=" + "9" * 400).status_code == 200
    assert writer.get(f"{BOOK}check/")["Location"] == BOOK  # nothing chosen: back to the first step
    writer.post(f"{BOOK}check/")
    assert not Appointment.objects.exists() and not TakenSlot.objects.exists()


def test_bad_ids_kinds_and_versions_change_nothing(writer, week):  # noqa: F811
    w = week
    writer.sign_in(w.person)
    _book_both(writer, tests_from="2026-06-23")
    tests = _booked(w.review)["tests"]
    for url in ("/my/appointments/0/change/", "/my/appointments/-1/change/", "/my/appointments/1e3/cancel/",
                "/my/appointments/" + "9" * 400 + "/change/", "/my/appointments/\u0663/cancel/",
                "/my/appointments/book/nonsense/", "/my/appointments/change-tests/", "/my/appointments/cancel-tests/",
                f"/my/appointments/{tests.pk}/move/", f"/my/appointments/{tests.pk + 100000}/cancel/"):
        assert writer.get(url).status_code == 404, url
        assert writer.post(url, {"version": tests.version}).status_code == 404, url
    later = [p for p in offered(writer.get(f"/my/appointments/{tests.pk}/change/").content.decode())
             if p != f"{tests.session_id}/09:00"][0]
    for version in ("", "abc", "9" * 400, "\u0662", str(tests.version + 1), "-1", "1.0"):
        response = writer.post(f"/my/appointments/{tests.pk}/change/", {"place": later, "version": version})
        assert response.status_code == 409, version
        assert "Your appointment was changed while you were looking" in response.content.decode()
        response = writer.post(f"/my/appointments/{tests.pk}/cancel/", {"version": version})
        assert response.status_code == 409, version
    tests.refresh_from_db()
    assert tests.state == "booked" and tests.version == 1


def test_after_the_cut_off_the_page_says_to_call(writer, week):  # noqa: F811
    w = week
    writer.sign_in(w.person)
    _book_both(writer)  # Tuesday 16 June at 9am: 21 hours away
    tests = _booked(w.review)["tests"]
    assert "too close to your appointment to change it online" in writer.get(BOOKED).content.decode()
    for action in ("change", "cancel"):
        response = writer.post(f"/my/appointments/{tests.pk}/{action}/", {"version": tests.version,
                                                                          "place": "1/10:00"})
        assert response.status_code == 403 and "Please call" in response.content.decode()
    tests.refresh_from_db()
    assert tests.state == "booked"


def test_with_nothing_to_book_or_a_home_visit_the_pages_say_what_to_do(writer, week):  # noqa: F811
    from tandem.patients import actions as patient_actions

    w = week
    Review.objects.filter(pk=w.review.pk).update(status="attended")
    writer.sign_in(w.person)
    for url in (BOOK, f"{BOOK}conversation/", f"{BOOK}check/", BOOKED):
        page = writer.get(url).content.decode()
        assert "There is nothing to book online at the moment" in page, url
        assert not offered(page)
    assert writer.post(f"{BOOK}check/").status_code == 200 and not Appointment.objects.exists()
    patient_actions.set_reasonable_adjustment(patient=w.other, by=w.nurse, kind="home_visit", detail="")
    writer.sign_in(w.other)
    page = writer.get(BOOK).content.decode()
    assert "We will call you to arrange a home visit" in page and "Please call" in page
    assert "Please call me" not in page and not offered(page)  # no invitation to answer here
    assert writer.post(f"{BOOK}check/").status_code == 200 and not Appointment.objects.exists()
    booking_actions.save_settings(practice=w.practice, by=w.manager, gap_days=14, version=0, online_booking=False)
    writer.sign_in(w.person)
    Review.objects.filter(pk=w.review.pk).update(status="invited")
    page = writer.get(BOOK).content.decode()
    assert "Call us to book" in page and "You cannot book online with Riverside" in page and not offered(page)



def booked_tests_for(u, patient) -> int:
    """The id of a tests appointment booked by the practice for `patient`'s review this year, in a nurse's
    Tuesday session made for it (for tables of objects only one person has, as in
    tests/people/test_every_person_url.py). Asked again, the same appointment."""
    from tandem.clinics import actions as clinic_actions
    from tandem.clinics.actions import Repeat
    from tests.clinics.conftest import entry

    review = Review.objects.get(patient=patient, review_year=2026)
    made = Appointment.objects.filter(review=review, kind="tests", state="booked").values_list("pk", flat=True).first()
    if made is not None:
        return made
    if not hasattr(u, "booking_pattern"):
        u.booking_pattern, _ = clinic_actions.add_pattern(
            practice=u.practice, by=u.admin, entry=entry(u.nurse, "nurse", start=T(9, 0), end=T(12, 0), slot=15),
            repeat=Repeat(weekday=1, every_weeks=1, first_day=D(2026, 6, 15), last_day=None))
    session = session_on(u.booking_pattern, D(2026, 6, 23))
    taken = Appointment.objects.filter(session=session).count()
    return booking_actions.book(practice=u.practice, by=u.admin, review=review, kind="tests", session_id=session.pk,
                                start=T(9 + taken, 0), minutes=15).pk


def test_the_appointments_page_offers_booking_or_changing_only_when_there_is_one_to_do(writer, week, rf):  # noqa: F811
    """What /my/appointments/ links to, from people.views.booking.online (given to its template)."""
    from django.template.loader import render_to_string

    from tandem.people import presenters
    from tandem.people.session import Person
    from tandem.people.views import booking

    w = week
    account = writer.sign_in(w.person)
    viewer = Person(account_id=account.pk, link_id=1, patient=w.person, practice=w.practice, level="P9")

    def links() -> tuple[bool, bool]:
        page = render_to_string("people/pages/appointments.jinja", {
            **presenters.frame(viewer), "appointments": [], "online": booking.online(viewer)},
            request=rf.get("/my/appointments/"))
        return 'href="/my/appointments/book/"' in page, 'href="/my/appointments/booked/"' in page

    assert links() == (True, False)  # a review to book, nothing booked yet
    _book_both(writer, tests_from="2026-06-23")
    assert links() == (False, True)  # both booked: change or cancel them
    Review.objects.filter(pk=w.review.pk).update(status="attended")
    assert links() == (False, False)  # the review is done: nothing to book or change online


def test_the_booking_pages_read_at_the_standard_reading_age_on_the_persons_own_pages(writer, week):  # noqa: F811
    from tandem.messaging.wording.readability import limit_for, score
    from tests.people.test_pages import prose

    w = week
    writer.sign_in(w.person)
    tests = offered(writer.get(BOOK).content.decode())[3]  # Tuesday 23 June: before the cut-off
    writer.post(BOOK, {"place": tests})
    writer.post(f"{BOOK}conversation/", {"place": offered(writer.get(f"{BOOK}conversation/").content.decode())[0]})
    pages = {"tests": BOOK, "conversation": f"{BOOK}conversation/", "check": f"{BOOK}check/"}
    read = {name: writer.get(url).content.decode() for name, url in pages.items()}
    writer.post(f"{BOOK}check/")
    booked = _booked(w.review)["tests"]
    read.update({name: writer.get(url).content.decode() for name, url in {
        "booked": BOOKED, "change": f"/my/appointments/{booked.pk}/change/",
        "cancel": f"/my/appointments/{booked.pk}/cancel/"}.items()})
    for name, page in read.items():
        measured = score(prose(page))
        assert measured.words > 5, name
        assert measured.reading_age <= limit_for("standard"), (name, measured)


def test_a_time_taken_between_the_last_check_and_the_booking_books_neither(writer, week, monkeypatch):  # noqa: F811
    """The insert itself refuses the second booking of a slot (its unique row): nothing of theirs is kept."""
    from tandem.booking import public
    from tandem.people.views.booking import PersonWhere

    w = week
    writer.act_for(w.person, scopes=("book",))  # a carer: their activity row is not kept either
    talk = session_on(w.talk_pattern, D(2026, 7, 2))
    writer.post(BOOK, {"place": f"{session_on(w.tests_pattern, D(2026, 6, 16)).pk}/09:00"})
    writer.post(f"{BOOK}conversation/", {"place": f"{talk.pk}/14:00"})
    state = writer.client.session["tandem_person_booking"]
    viewer = writer.client.get("/my/appointments/").wsgi_request.person
    checked = public._chosen_rows(public.Person(PersonWhere(viewer), today=D(2026, 6, 15)), state)
    booking_actions.book(practice=w.practice, by=w.admin, review=w.other_review, kind="conversation",
                         session_id=talk.pk, start=T(14, 0), minutes=20)  # someone else takes the conversation
    monkeypatch.setattr(public, "_chosen_rows", lambda *args: checked)  # as if the last check came just before
    response = writer.post(f"{BOOK}check/")
    assert response["Location"] == f"{BOOK}conversation/"
    assert not Appointment.objects.filter(review=w.review).exists()  # the tests were not kept either
    assert not ProxyActivity.objects.exists()
    assert not AuditEvent.objects.filter(what="booking.tests", patient_id=w.person.pk).exists()
    monkeypatch.undo()
    page = writer.get(f"{BOOK}conversation/").content.decode()
    assert "That time has just been taken" in page and f"{talk.pk}/14:00" not in offered(page)
