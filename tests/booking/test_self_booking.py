"""Booking online: the person picks a tests time and then a conversation on their invitation's link,
behind the same date of birth, lock-out and expiry as the rest of the link; changes or cancels up to
the practice's cut-off; and is told by their preferred channel, with a reminder two days before."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tandem.booking import actions, message_actions
from tandem.booking.models import Appointment, TakenSlot
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.messaging import link_actions, links
from tandem.messaging.models import OutboxMessage, ReplyLink
from tandem.patients.models import Patient
from tandem.prepare.models import Conversation

from .conftest import open_reviews, session_on

D, T = dt.date, dt.time


@pytest.fixture
def invited(booking_week):
    """The first open review's person has an invitation link and prefers email."""
    w = booking_week
    [w.review] = open_reviews(w.practice, 1)
    Patient.objects.filter(pk=w.review.patient_id).update(preferred_channel="email", email="person@example.org",
                                                          mobile="07700900123")
    w.review.patient.refresh_from_db()
    w.token = link_actions.issue_links(practice=w.practice, by=w.admin, requests=[link_actions.LinkRequest(
        patient=w.review.patient, purpose=ReplyLink.Purpose.INVITATION, object_id=w.review.pk,
        expires_at=links.invitation_expires_at(clock.now()))])[0].token
    return w


def _born(w):
    born = w.review.patient.date_of_birth
    return {"dob[day]": str(born.day), "dob[month]": str(born.month), "dob[year]": str(born.year)}


@pytest.fixture
def person(client, invited):
    """A browser that has given the right date of birth on the link."""
    assert client.post(f"/r/{invited.token}/", _born(invited)).status_code == 302
    return client


def offered(page: str) -> list[str]:
    return re.findall(r'name="place" type="radio" value="([^"]+)"', page)


def _book_both(client, w, tests_from: str = "") -> tuple[str, str]:
    base = f"/r/{w.token}/book/"
    tests = offered(client.get(base + (f"?from={tests_from}" if tests_from else "")).content.decode())[0]
    assert client.post(base, {"place": tests})["Location"] == f"{base}conversation/"
    talk = offered(client.get(f"{base}conversation/").content.decode())[0]
    assert client.post(f"{base}conversation/", {"place": talk})["Location"] == f"{base}check/"
    response = client.post(f"{base}check/")
    assert response.status_code == 302 and response["Location"] == f"{base}booked/"
    return tests, talk


def test_the_booking_pages_ask_for_the_date_of_birth_first(client, invited):
    for page in ("", "conversation/", "check/", "yours/", "change-tests/", "cancel-tests/"):
        response = client.get(f"/r/{invited.token}/book/{page}")
        assert response.status_code == 302 and response["Location"] == f"/r/{invited.token}/"
    response = client.post(f"/r/{invited.token}/book/check/")
    assert response.status_code == 302 and not Appointment.objects.exists()


def test_a_locked_or_expired_link_books_nothing(client, invited):
    link = ReplyLink.objects.get()
    ReplyLink.objects.filter(pk=link.pk).update(locked_at=clock.now())
    assert client.get(f"/r/{invited.token}/book/").status_code == 410
    ReplyLink.objects.filter(pk=link.pk).update(locked_at=None, expires_at=clock.now() - dt.timedelta(minutes=1))
    assert client.get(f"/r/{invited.token}/book/").status_code == 410
    assert client.get("/r/not-a-link-at-all/book/").status_code == 404


def test_the_answer_page_offers_to_book_now(person, invited):
    page = person.get(f"/r/{invited.token}/answer/").content.decode()
    assert "Book my appointments now" in page and f"/r/{invited.token}/book/" in page
    from tandem.booking.models import BookingSettings

    BookingSettings.objects.create(practice=invited.practice, online_booking=False, updated_at=clock.now())
    page = person.get(f"/r/{invited.token}/answer/").content.decode()
    assert "Book my appointments now" not in page
    assert "Call us to book" in person.get(f"/r/{invited.token}/book/").content.decode()


def test_the_person_books_the_tests_then_the_conversation_and_is_told_by_email(person, invited):
    w = invited
    page = person.get(f"/r/{w.token}/book/").content.decode()
    tuesday = session_on(w.tests_pattern, D(2026, 6, 16))
    assert offered(page)[0] == f"{tuesday.pk}/09:00"  # soonest first
    assert "Later dates" in page and "<script" not in page.split("</footer>")[0].split("<main")[1]
    tests, talk = _book_both(person, w)
    first_talk = session_on(w.talk_pattern, D(2026, 7, 2))  # the first Thursday 14 days or more after the tests
    assert talk == f"{first_talk.pk}/14:00"
    made = {a.kind: a for a in Appointment.objects.filter(review=w.review, state="booked")}
    assert set(made) == {"tests", "conversation"}
    assert all(a.booked_online and a.created_by is None and a.confirmed_at for a in made.values())
    assert Conversation.objects.get(review=w.review, state="booked").starts_at.date() == D(2026, 7, 2)
    w.review.refresh_from_db()
    assert w.review.status == "booked"
    event = AuditEvent.objects.filter(what="booking.tests", object_id=str(made["tests"].pk)).get()
    assert event.user_id is None and event.detail["by"] == "the person, online"
    [message] = OutboxMessage.objects.filter(template="booking_confirmation")
    assert message.channel == "email" and message.subject.startswith("Your appointments are booked")
    assert "Tuesday 16 June 2026 at 9am" in message.body and "Thursday 2 July 2026 at 2pm" in message.body
    assert "Hannah Cole, health care assistant" in message.body
    page = person.get(f"/r/{w.token}/book/booked/").content.decode()
    assert "Your appointments are booked" in page and "We will send you an email to confirm it" in page


def test_a_time_taken_meanwhile_books_nothing_and_offers_fresh_times(person, invited):
    w = invited
    base = f"/r/{w.token}/book/"
    tests = offered(person.get(base).content.decode())[0]
    person.post(base, {"place": tests})
    talk = offered(person.get(f"{base}conversation/").content.decode())[0]
    person.post(f"{base}conversation/", {"place": talk})
    # someone else books that tests time while they check their answers
    [other] = [r for r in open_reviews(w.practice, 2) if r.pk != w.review.pk]
    session_id, at = tests.split("/")
    actions.book(practice=w.practice, by=w.admin, review=other, kind="tests", session_id=int(session_id),
                 start=dt.time.fromisoformat(at), minutes=20)
    response = person.post(f"{base}check/")
    assert response.status_code == 302 and response["Location"] == base
    assert not Appointment.objects.filter(review=w.review).exists()
    assert not OutboxMessage.objects.filter(patient=w.review.patient, template="booking_confirmation").exists()
    page = person.get(base).content.decode()
    assert "That time has just been taken" in page
    assert offered(page) and tests not in offered(page)


def test_change_and_cancel_before_the_cut_off_keep_the_history(person, invited):
    w = invited
    _book_both(person, w, tests_from="2026-06-23")  # Tuesday 23 June, then Thursday 9 July
    page = person.get(f"/r/{w.token}/book/yours/").content.decode()
    assert "Change" in page and "Cancel" in page and "too close" not in page
    old = Appointment.objects.get(review=w.review, kind="tests", state="booked")
    page = person.get(f"/r/{w.token}/book/change-tests/").content.decode()
    later = [p for p in offered(page) if p != f"{old.session_id}/09:00"][0]
    response = person.post(f"/r/{w.token}/book/change-tests/", {"place": later, "version": old.version})
    assert response["Location"] == f"/r/{w.token}/book/yours/"
    old.refresh_from_db()
    assert old.state == "moved" and old.moved_to.booked_online and old.moved_to.state == "booked"
    assert "Your appointment has been changed" in person.get(response["Location"]).content.decode()
    talk = Appointment.objects.get(review=w.review, kind="conversation", state="booked")
    page = person.get(f"/r/{w.token}/book/cancel-conversation/").content.decode()
    assert "Are you sure you want to cancel" in page
    person.post(f"/r/{w.token}/book/cancel-conversation/", {"version": talk.version})
    talk.refresh_from_db()
    assert talk.state == "cancelled" and talk.ended_by is None and talk.booked_online
    assert not TakenSlot.objects.filter(appointment=talk).exists()
    assert set(OutboxMessage.objects.filter(template="booking_confirmation").values_list("subject", flat=True)) == {
        f"Your appointments are booked – {w.practice.name}", f"Your appointment has changed – {w.practice.name}",
        f"Your appointment is cancelled – {w.practice.name}"}


def test_after_the_cut_off_the_page_says_to_phone_the_practice(person, invited):
    w = invited
    _book_both(person, w)
    tests = Appointment.objects.get(review=w.review, kind="tests", state="booked")  # Tuesday 16 June, 9am
    page = person.get(f"/r/{w.token}/book/yours/").content.decode()  # Monday noon: 21 hours before
    assert "too close to your appointment to change it online" in page and w.practice.phone in page
    for url in ("change-tests/", "cancel-tests/"):
        response = person.post(f"/r/{w.token}/book/{url}", {"version": tests.version, "place": "1/10:00"})
        assert response.status_code == 403 and "Please call" in response.content.decode()
    tests.refresh_from_db()
    assert tests.state == "booked"
    actions.save_settings(practice=w.practice, by=w.manager, gap_days=14, version=0, cutoff_hours=0)
    assert "too close" not in person.get(f"/r/{w.token}/book/yours/").content.decode()


def test_someone_who_needs_a_home_visit_cannot_book_and_asks_to_be_called(person, invited):
    from tandem.patients import actions as patient_actions

    w = invited
    patient_actions.set_reasonable_adjustment(patient=w.review.patient, by=w.nurse, kind="home_visit", detail="")
    assert "Book my appointments now" not in person.get(f"/r/{w.token}/answer/").content.decode()
    page = person.get(f"/r/{w.token}/book/").content.decode()
    assert "We will call you to arrange a home visit" in page and not offered(page)
    assert person.post(f"/r/{w.token}/book/check/").status_code == 200
    response = person.post(f"/r/{w.token}/book/call-me/")
    assert response["Location"] == f"/r/{w.token}/answered/"
    assert ReplyLink.objects.get().answer == ReplyLink.Answer.CALL_BACK
    assert not Appointment.objects.exists()


def test_an_interpreter_gets_the_longer_slot(person, invited):
    from tandem.booking import queries
    from tandem.patients import actions as patient_actions

    w = invited
    plain, _ = queries.needs_for(w.practice, w.review.patient_id, today=clock.today())
    patient_actions.set_reasonable_adjustment(patient=w.review.patient, by=w.nurse, kind="interpreter",
                                              detail="Polish")
    page = person.get(f"/r/{w.token}/book/").content.decode()
    assert "time for your interpreter" in page
    _book_both(person, w)
    made = {a.kind: a for a in Appointment.objects.filter(review=w.review, state="booked")}
    assert made["tests"].minutes == plain.tests_minutes + 10
    assert made["conversation"].minutes == plain.conversation_minutes + 10
    assert TakenSlot.objects.filter(appointment=made["tests"]).count() == -(-made["tests"].minutes // 15)


def test_the_confirmation_goes_by_text_when_that_is_preferred_and_staff_bookings_are_confirmed_too(invited):
    w = invited
    Patient.objects.filter(pk=w.review.patient_id).update(preferred_channel="sms")
    w.review.patient.refresh_from_db()
    tuesday = session_on(w.tests_pattern, D(2026, 6, 16))
    done = actions.book(practice=w.practice, by=w.admin, review=w.review, kind="tests", session_id=tuesday.pk,
                        start=T(9, 30), minutes=20)
    [message] = OutboxMessage.objects.filter(template="booking_confirmation")
    assert message.channel == "sms" and message.recipient == "+447700900123"
    assert "Tuesday 16 June 2026 at 9:30am" in message.body and not done.booked_online
    assert message.created_by_id == w.admin.pk


TUESDAY_23 = D(2026, 6, 23)


def _booked_for(w, day=TUESDAY_23):
    return actions.book(practice=w.practice, by=w.admin, review=w.review, kind="tests",
                        session_id=session_on(w.tests_pattern, day).pk, start=T(9, 0), minutes=20)


def test_the_reminder_goes_once_two_days_before(invited):
    w = invited
    appointment = _booked_for(w)  # Tuesday 23 June, booked on Monday 15 June
    assert message_actions.send_reminders(practice=w.practice, by=None, today=D(2026, 6, 20)) == 0
    assert message_actions.send_reminders(practice=w.practice, by=None, today=D(2026, 6, 21)) == 1
    assert message_actions.send_reminders(practice=w.practice, by=None, today=D(2026, 6, 21)) == 0
    assert message_actions.send_reminders(practice=w.practice, by=None, today=D(2026, 6, 22)) == 0
    [reminder] = OutboxMessage.objects.filter(template="booking_reminder")
    assert reminder.channel == "email" and "Tuesday 16" not in reminder.body
    assert "Tuesday 23 June 2026 at 9am" in reminder.body and "Reminder" in reminder.subject
    appointment.refresh_from_db()
    assert appointment.reminded_at is not None


def test_no_reminder_for_a_cancelled_or_moved_or_passed_appointment(invited):
    w = invited
    appointment = _booked_for(w)
    actions.cancel(practice=w.practice, by=w.admin, appointment_id=appointment.pk, version=appointment.version)
    assert message_actions.send_reminders(practice=w.practice, by=None, today=D(2026, 6, 21)) == 0
    moved = _booked_for(w, D(2026, 6, 30))
    actions.move(practice=w.practice, by=w.admin, appointment_id=moved.pk, version=moved.version,
                 session_id=session_on(w.tests_pattern, D(2026, 7, 7)).pk, start=T(9, 0))
    assert message_actions.send_reminders(practice=w.practice, by=None, today=D(2026, 6, 28)) == 0
    assert message_actions.send_reminders(practice=w.practice, by=None, today=D(2026, 7, 7)) == 0  # the day itself
    assert not OutboxMessage.objects.filter(template="booking_reminder").exists()


def test_the_reminder_job_and_command_send_the_reminders(invited, capsys):
    from django.core.management import call_command

    from tandem.jobs import actions as job_actions
    from tandem.jobs import worker
    from tandem.jobs.models import Job

    w = invited
    _booked_for(w, D(2026, 6, 16))  # passed by the 21st
    _other = open_reviews(w.practice, 2)[1]
    Patient.objects.filter(pk=_other.patient_id).update(preferred_channel="sms", mobile="07700900124")
    actions.book(practice=w.practice, by=w.admin, review=_other, kind="tests",
                 session_id=session_on(w.tests_pattern, D(2026, 6, 23)).pk, start=T(9, 30), minutes=20)
    with clock.frozen(D(2026, 6, 21)):
        call_command("booking_reminders")
        assert "1 appointment reminders queued" in capsys.readouterr().out
        job = job_actions.enqueue(kind=message_actions.REMINDER_JOB, practice=w.practice, by=w.manager, params={},
                                  idempotency_key="reminders-test")
        worker.run_next(worker="test")
    job = Job.objects.get(pk=job.pk)
    assert job.state == "done", job.error
    assert "0 appointment reminders queued" in job.message
    assert OutboxMessage.objects.filter(template="booking_reminder").count() == 1


@pytest.mark.parametrize("place", [
    "{other}/09:00",  # another practice's session
    "{tests}/09:07",  # a time that is not a slot
    "{tests}/9:00:00",
    "9" * 400 + "/09:00",
    "{tests}/" + "9" * 400,
    "{talk}/14:00",  # a conversation session for the tests
    "-1/09:00", "\u0663" * 7 + "/09:00", "",
])
def test_hostile_places_change_nothing(person, invited, place):
    from tandem.clinics.models import ClinicSession
    from tandem.core.models import Practice

    w = invited
    other_practice = Practice.objects.create(name="Elsewhere", ods_code="Z99999")
    other = ClinicSession.objects.filter(practice=w.practice).first()
    other_id = ClinicSession.objects.filter(pk=other.pk).values_list("pk", flat=True)[0] + 100000
    ClinicSession.objects.create(**{
        **{f.attname: getattr(other, f.attname) for f in ClinicSession._meta.concrete_fields if f.attname != "id"},
        "id": other_id, "practice_id": other_practice.pk, "pattern_id": None})
    value = place.format(other=other_id, tests=session_on(w.tests_pattern, D(2026, 6, 16)).pk,
                         talk=session_on(w.talk_pattern, D(2026, 7, 2)).pk)
    response = person.post(f"/r/{w.token}/book/", {"place": value})
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    response = person.get(f"/r/{w.token}/book/?from=" + "9" * 400)
    assert response.status_code == 200
    person.post(f"/r/{w.token}/book/check/")
    assert not Appointment.objects.exists() and not TakenSlot.objects.exists()


def test_a_conversation_before_the_gap_cannot_be_chosen(person, invited):
    w = invited
    base = f"/r/{w.token}/book/"
    person.post(base, {"place": f"{session_on(w.tests_pattern, D(2026, 6, 16)).pk}/09:00"})
    too_soon = f"{session_on(w.talk_pattern, D(2026, 6, 25)).pk}/14:00"
    response = person.post(f"{base}conversation/", {"place": too_soon})
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_the_manager_turns_online_booking_off_and_sets_the_cut_off(client, invited):
    from tandem.booking import queries

    w = invited
    client.force_login(w.manager)
    page = client.get("/booking/settings/").content.decode()
    assert "Let people book online" in page and "Changing or cancelling online stops" in page
    for bad, message in (("169", "from 0 to 168"), ("-1", "from 0 to 168"), ("9" * 400, "from 0 to 168"),
                         ("\u0663" * 400, "from 0 to 168"), ("", "Enter the number of hours")):
        response = client.post("/booking/settings/", {"gap_days": "14", "cutoff_hours": bad, "online_booking": "no",
                                                      "version": "0"})
        assert response.status_code == 400 and message in response.content.decode(), bad
    assert queries.online_settings(w.practice).online_booking
    response = client.post("/booking/settings/", {"gap_days": "14", "cutoff_hours": "48", "online_booking": "no",
                                                  "version": "0"})
    assert response.status_code == 302
    saved = queries.online_settings(w.practice)
    assert (saved.online_booking, saved.cutoff_hours, saved.version) == (False, 48, 1)
    stale = client.post("/booking/settings/", {"gap_days": "14", "cutoff_hours": "2", "online_booking": "yes",
                                               "version": "0"})
    assert stale.status_code == 400 and "Someone else changed this" in stale.content.decode()
    assert queries.online_settings(w.practice).cutoff_hours == 48


def _own_queries(client, urls: dict[str, str]) -> dict[str, int]:
    """Queries of one GET of each page (after a first), leaving out the rate limiter's (its cache
    table, whose statements depend on the cache backend) and savepoints."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, url in urls.items():
        assert client.get(url).status_code == 200, name
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, name
        counts[name] = sum(1 for q in captured.captured_queries
                           if "tandem_shared_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"])
    return counts


def test_the_booking_pages_read_a_fixed_number_of_queries(person, invited):
    from tests.recall.crowd import crowd

    w = invited
    base = f"/r/{w.token}/book/"
    person.post(base, {"place": f"{session_on(w.tests_pattern, D(2026, 6, 23)).pk}/09:00"})
    person.post(f"{base}conversation/", {"place": f"{session_on(w.talk_pattern, D(2026, 7, 9)).pk}/14:00"})
    choosing = {"tests": base, "conversation": f"{base}conversation/", "check": f"{base}check/"}
    few = _own_queries(person, choosing)
    crowd(w.practice, 40, start=44)
    # session; the link; the review; their facts; the practice's settings; what is booked; free places
    # (sessions and slots taken, per window read) or the places chosen, checked again; the audit row; the
    # session saved
    assert _own_queries(person, choosing) == few == {"tests": 10, "conversation": 14, "check": 12}
    person.post(f"{base}check/")
    booked = {"yours": f"{base}yours/", "change": f"{base}change-tests/", "answer": f"/r/{w.token}/answer/"}
    assert _own_queries(person, booked) == {"yours": 8, "change": 12, "answer": 6}


@pytest.mark.parametrize("channel", ["sms", "email", "letter"])
def test_the_confirmation_and_reminder_read_well_in_each_channel(invited, channel):
    from tandem.core.models import Practice
    from tandem.messaging import actions as messaging_actions
    from tandem.messaging.models import LetterPdf
    from tests.pdf import pdf_pages

    w = invited
    Practice.objects.filter(pk=w.practice.pk).update(phone="0113 496 0000")
    w.practice.refresh_from_db()
    Patient.objects.filter(pk=w.review.patient_id).update(preferred_channel=channel, address_line1="1 High Street",
                                                          town="Leeds", postcode="LS1 1AA")
    w.review.patient.refresh_from_db()
    from tandem.patients import actions as patient_actions
    from tandem.patients.models import ReasonableAdjustment

    for kind in ReasonableAdjustment.objects.filter(patient=w.review.patient).values_list("kind", flat=True):
        patient_actions.remove_reasonable_adjustment(patient=w.review.patient, by=w.nurse, kind=kind)
    _booked_for(w)
    message_actions.send_reminders(practice=w.practice, by=None, today=D(2026, 6, 21))
    messages = {m.template: m for m in OutboxMessage.objects.filter(channel=channel)}
    assert set(messages) == {"booking_confirmation", "booking_reminder"}
    for message in messages.values():
        text = message.body
        assert "Tuesday 23 June 2026 at 9am" in text and "Hannah Cole, health care assistant" in text
        assert "link in your invitation" in text and "call us on 0113 496 0000" in text
        assert "{" not in text and "None" not in text
    if channel == "letter":
        messaging_actions.dispatch_pending(practice=w.practice)
        pages = pdf_pages(LetterPdf.objects.get(message=messages["booking_reminder"]).pdf)
        assert "Reminder: your tests appointment" in pages[0]


def test_booking_both_is_all_or_nothing_when_the_conversation_is_taken_at_the_last_moment(person, invited,
                                                                                        monkeypatch):
    from tandem.booking import public

    w = invited
    base = f"/r/{w.token}/book/"
    person.post(base, {"place": f"{session_on(w.tests_pattern, D(2026, 6, 16)).pk}/09:00"})
    talk = session_on(w.talk_pattern, D(2026, 7, 2))
    person.post(f"{base}conversation/", {"place": f"{talk.pk}/14:00"})
    checked = public._chosen_rows(public.Person(ReplyLink.objects.get(), today=clock.today()),
                                  person.session[public.STATE_KEY])
    # someone else takes the conversation between the last check and the insert
    [other] = [r for r in open_reviews(w.practice, 2) if r.pk != w.review.pk]
    actions.book(practice=w.practice, by=w.admin, review=other, kind="conversation", session_id=talk.pk,
                 start=T(14, 0), minutes=20)
    monkeypatch.setattr(public, "_chosen_rows", lambda *args: checked)
    response = person.post(f"{base}check/")
    assert response["Location"] == f"{base}conversation/"
    assert not Appointment.objects.filter(review=w.review).exists()  # the tests were not kept either
    w.review.refresh_from_db()
    assert w.review.status != "booked"
    monkeypatch.undo()
    page = person.get(f"{base}conversation/").content.decode()
    assert "That time has just been taken" in page and f"{talk.pk}/14:00" not in offered(page)
