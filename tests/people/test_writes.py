"""Writes from the person's own pages (ADR 16, stage 2b): a person, or a carer whose grant lets them,
answers a check-in and adds home readings; every write is the person's or the carer's on their behalf
(never a member of staff's), audited with the account and grant, and a carer's is listed for the person.
What is not theirs is not found; what they may not do is refused; bad input changes nothing.

Beatrice (Riverside) has check-in 1 open until 21 July 2026, with home blood pressure agreed at amber
150/95 and red 180/110; Arthur's plan agreed no home readings; Brian is at Hillview."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.test import Client
from django.urls import reverse

from tandem.careplans.models import Task
from tandem.checkins.models import Answer, CheckIn, HomeReading
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.patients.models import Observation
from tandem.people.models import ProxyActivity
from tests.people.test_pages_conftest import booked, people, person_client, planned, recall  # noqa: F401 - fixtures
from tests.people.test_writes_conftest import writer  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

_TAG = re.compile(r"<[^>]+>")


def text(response) -> str:
    return " ".join(html_lib.unescape(_TAG.sub(" ", response.content.decode())).split())


def beatrices_checkin(u) -> CheckIn:
    return CheckIn.objects.get(patient=u.beatrice, number=1)


ANSWERS = {"goal-walk": "1", "goal-sleep": "0", "confidence": "7", "reading-home_bp": "142/88",
           "talk-about": "My inhaler technique"}


# --- Answering a check-in ------------------------------------------------------------------------

def test_the_person_answers_their_own_check_in_and_sees_what_happens_next(writer, people):  # noqa: F811
    account = writer.sign_in(people.beatrice)
    c = beatrices_checkin(people)
    url = reverse("people:checkin", args=[c.pk])
    form = writer.get(url)
    assert form.status_code == 200 and "Walk to the shop without stopping" in text(form)
    assert "no-store" in form["Cache-Control"]

    response = writer.post(url, ANSWERS)
    assert (response.status_code, response["Location"]) == (302, url)
    answer = Answer.objects.get(checkin=c)
    assert answer.given_by == Answer.From.PERSON and answer.recorded_by is None
    assert answer.readings == {"home_bp": "142/88"} and answer.confidence == 7 and answer.flags == []
    assert answer.response["source"] == {"reference": f"Patient/{people.beatrice.pk}"}
    audit = AuditEvent.objects.get(what="checkins.answer", object_id=str(c.pk))
    assert audit.user_id is None and audit.detail["account"] == account.pk and audit.detail["grant"] is None
    assert not ProxyActivity.objects.exists()  # nothing to tell the person about their own answer

    done = text(writer.get(url))
    assert "Thank you for your check-in" in done and "we will talk about what you asked" in done
    listed = text(writer.get(reverse("people:checkins")))
    assert "There is nothing to answer now" in listed and "Answered. You answered online" in listed


def test_a_carer_with_the_scope_answers_on_their_behalf_and_a_red_reading_says_what_to_do(writer, people):  # noqa: F811
    grant = writer.act_for(people.beatrice, scopes=("answer_checkins",))
    c = beatrices_checkin(people)
    url = reverse("people:checkin", args=[c.pk])
    assert "You are answering for the person you help" in text(writer.get(url))

    response = writer.post(url, {**ANSWERS, "reading-home_bp": "185/112"})
    assert response.status_code == 302
    answer = Answer.objects.get(checkin=c)
    assert answer.given_by == Answer.From.CARER  # someone helping them, never "the person"
    assert answer.response["source"] == {"display": "Someone helping them (carer or family)"}
    audit = AuditEvent.objects.get(what="checkins.answer", object_id=str(c.pk))
    assert audit.user_id is None and audit.detail["grant"] == grant.pk
    assert audit.detail["account"] == grant.proxy_account_id
    activity = ProxyActivity.objects.get()
    assert (activity.grant_id, activity.patient_id, activity.what, activity.object_id) == (
        grant.pk, people.beatrice.pk, "checkin.answered", str(c.pk))
    task = Task.objects.get(patient=people.beatrice, referral_id=f"ci{c.pk}")
    assert task.priority == Task.Priority.URGENT and task.to_user_id == people.nurse.pk

    done = text(writer.get(url))
    assert "Some of your answers need attention today" in done
    assert "Do not wait for us to call" in done and "Call the surgery today and ask for the duty doctor" in done
    assert "Someone helping you answered online" in text(writer.get(reverse("people:checkins")))


def test_parts_of_the_plan_hidden_from_carers_stay_hidden_on_the_check_in_and_after_it(writer, people):  # noqa: F811
    from tandem.people import actions as people_actions

    for part in ("goals", "levels", "rescue"):
        people_actions.hide(practice=people.practice, patient=people.beatrice, what="plan_part", object_id=None,
                            part=part, reason="", by=people.nurse)
    writer.act_for(people.beatrice, scopes=("answer_checkins",))
    c = beatrices_checkin(people)
    url = reverse("people:checkin", args=[c.pk])
    form = text(writer.get(url))
    assert "Walk to the shop without stopping" not in form and "Sleep through the night" not in form
    assert writer.post(url, {"confidence": "6", "reading-home_bp": "185/112"}).status_code == 302
    done = text(writer.get(url))
    assert "Some of your answers need attention today" in done  # what to do now is still said ...
    assert "Call the surgery today and ask for the duty doctor" not in done  # ... without the hidden plan
    assert "More breathless than usual" not in done
    assert Answer.objects.get(checkin=c).flags  # and the practice still hears of it


def test_a_carer_without_the_scope_is_refused_and_nothing_changes(writer, people):  # noqa: F811
    writer.act_for(people.beatrice, scopes=("view_plan", "book"))
    c = beatrices_checkin(people)
    url = reverse("people:checkin", args=[c.pk])
    for response in (writer.get(url), writer.post(url, ANSWERS)):
        assert response.status_code == 403
        assert "Walk to the shop" not in text(response)
    assert not Answer.objects.exists() and not ProxyActivity.objects.exists()
    assert CheckIn.objects.get(pk=c.pk).status == CheckIn.Status.OPEN
    assert writer.post(reverse("people:reading_new"), {"reading-home_bp": "120/80"}).status_code == 403
    assert not HomeReading.objects.exists()


def test_another_persons_check_in_is_not_found_for_a_person_or_a_carer(writer, people):  # noqa: F811
    c = beatrices_checkin(people)
    url = reverse("people:checkin", args=[c.pk])
    for sign_in in (lambda: writer.sign_in(people.arthur), lambda: writer.sign_in(people.brian),
                    lambda: writer.act_for(people.arthur, scopes=("answer_checkins",))):
        sign_in()
        assert writer.get(url).status_code == 404
        assert writer.post(url, ANSWERS).status_code == 404
    assert writer.get(reverse("people:checkin", args=[2**31 - 1])).status_code == 404
    for beyond in ("2147483648", "99999999999999999999999", "0"):  # no such id on any database: not found
        assert writer.post(f"/my/check-ins/{beyond}/", ANSWERS).status_code == 404
    assert not Answer.objects.exists()


def test_a_check_in_staff_hid_from_carers_is_not_found_for_a_carer(writer, people):  # noqa: F811
    from tandem.people.models import ProxyHidden

    c = beatrices_checkin(people)
    ProxyHidden.objects.create(practice=people.practice, patient=people.beatrice, what=ProxyHidden.What.CHECKIN,
                               object_id=c.pk, hidden_by=people.nurse, hidden_at=clock.now())
    writer.act_for(people.beatrice, scopes=("answer_checkins",))
    assert writer.post(reverse("people:checkin", args=[c.pk]), ANSWERS).status_code == 404
    writer.sign_in(people.beatrice)
    assert writer.get(reverse("people:checkin", args=[c.pk])).status_code == 200


def test_answering_twice_is_refused_and_keeps_the_first_answer(writer, people):  # noqa: F811
    writer.sign_in(people.beatrice)
    c = beatrices_checkin(people)
    url = reverse("people:checkin", args=[c.pk])
    assert writer.post(url, ANSWERS).status_code == 302
    writer.act_for(people.beatrice, scopes=("answer_checkins",))  # a carer, in another browser, on the old form
    again = writer.post(url, {**ANSWERS, "reading-home_bp": "190/115", "confidence": "1"})
    assert again.status_code == 409
    assert "This check-in has been answered already. Nothing was changed." in text(again)
    answer = Answer.objects.get(checkin=c)
    assert (answer.given_by, answer.confidence, answer.readings) == (Answer.From.PERSON, 7, {"home_bp": "142/88"})
    assert not Task.objects.filter(patient=people.beatrice).exists() and not ProxyActivity.objects.exists()


def test_a_closed_check_in_says_who_to_call_and_takes_no_answer(writer, people):  # noqa: F811
    writer.sign_in(people.beatrice)
    c = beatrices_checkin(people)
    url = reverse("people:checkin", args=[c.pk])
    with clock.frozen(dt.date(2026, 7, 22)):
        page = writer.get(url)
        assert page.status_code == 200 and "This check-in has closed" in text(page)
        assert "call Riverside Surgery on" in text(page)
        refused = writer.post(url, ANSWERS)
    assert refused.status_code == 409 and "Nothing was saved" in text(refused)
    assert not Answer.objects.exists()


def test_an_answer_that_cannot_be_read_comes_back_with_what_was_typed(writer, people):  # noqa: F811
    writer.sign_in(people.beatrice)
    c = beatrices_checkin(people)
    typed = "x" * 10_000
    response = writer.post(reverse("people:checkin", args=[c.pk]),
                           {**ANSWERS, "confidence": "99", "reading-home_bp": "999999/1", "talk-about": typed})
    page = text(response)
    assert response.status_code == 400 and "There is a problem" in page
    assert "Enter a whole number from 0 to 10" in page and "Keep this under 2,000 characters" in page
    assert "Enter both numbers with a slash between them, for example 135/85" in page
    assert typed in response.content.decode()  # nothing they wrote is lost
    assert not Answer.objects.exists() and CheckIn.objects.get(pk=c.pk).status == CheckIn.Status.OPEN


def test_a_post_without_the_csrf_token_is_refused(people, settings, writer):  # noqa: F811
    strict = Client(enforce_csrf_checks=True)
    writer.client = strict
    writer.sign_in(people.beatrice)
    c = beatrices_checkin(people)
    assert strict.post(reverse("people:checkin", args=[c.pk]), ANSWERS).status_code == 403
    assert strict.post(reverse("people:reading_new"), {"reading-home_bp": "120/80"}).status_code == 403
    assert not Answer.objects.exists() and not HomeReading.objects.exists()


def test_the_check_ins_page_links_each_due_check_in_to_its_form(writer, people):  # noqa: F811
    writer.sign_in(people.beatrice)
    c = beatrices_checkin(people)
    page = writer.get(reverse("people:checkins")).content.decode()
    assert f'href="{reverse("people:checkin", args=[c.pk])}">Answer check-in 1 now</a>' in page


# --- Home readings ---------------------------------------------------------------------------------

def today_boxes(day: dt.date | None = None) -> dict:
    day = day or clock.today()
    return {"taken-day": str(day.day), "taken-month": str(day.month), "taken-year": str(day.year)}


def test_a_home_blood_pressure_is_kept_out_of_the_gp_record_and_listed(writer, people):  # noqa: F811
    account = writer.sign_in(people.beatrice)
    form = writer.get(reverse("people:reading_new"))
    assert form.status_code == 200 and "Your blood pressure at home" in text(form)
    observations = Observation.objects.count()
    yesterday = clock.today() - dt.timedelta(days=1)
    response = writer.post(reverse("people:reading_new"), {"reading-home_bp": " 142 / 88 ", **today_boxes(yesterday)})
    assert (response.status_code, response["Location"]) == (302, reverse("people:readings"))
    reading = HomeReading.objects.get()
    assert (reading.patient_id, reading.practice_id, reading.key, reading.text, reading.first, reading.second) == (
        people.beatrice.pk, people.practice.pk, "home_bp", "142/88", 142, 88)
    assert (reading.taken_on, reading.account_id, reading.grant_id, reading.flags) == (yesterday, account.pk, None, [])
    assert Observation.objects.count() == observations  # not the GP record's
    assert not Task.objects.filter(patient=people.beatrice).exists()  # under the amber level: nobody is asked
    audit = AuditEvent.objects.get(what="checkins.home_reading")
    assert audit.user_id is None and audit.detail["account"] == account.pk and audit.detail["grant"] is None

    page = text(writer.get(reverse("people:readings")))
    assert "Thank you. We have your reading." in page
    assert "14 June 2026 Home blood pressure: 142/88 mmHg Added by you" in page
    assert "Thank you" not in text(writer.get(reverse("people:readings")))  # said once, just after adding


def test_a_red_home_reading_by_a_carer_makes_an_urgent_task_and_says_what_to_do(writer, people, client):  # noqa: F811
    grant = writer.act_for(people.beatrice, scopes=("answer_checkins",), given="Sarah", family="Hollis")
    response = writer.post(reverse("people:reading_new"), {"reading-home_bp": "185/100", **today_boxes()})
    assert response.status_code == 302
    reading = HomeReading.objects.get()
    assert (reading.grant_id, reading.account_id, reading.carer_name) == (grant.pk, grant.proxy_account_id,
                                                                            "Sarah Hollis")
    assert [f["level"] for f in reading.flags] == ["red"]
    task = Task.objects.get(patient=people.beatrice, referral_id=f"hr{reading.pk}")
    assert task.priority == Task.Priority.URGENT and task.to_user_id == people.nurse.pk
    assert task.due_on == clock.today() and "entered by a carer on their behalf" in task.what
    assert "Sarah" not in task.what
    activity = ProxyActivity.objects.get()
    assert (activity.what, activity.object_id) == ("home_reading.added", str(reading.pk))
    assert AuditEvent.objects.get(what="checkins.home_reading").detail["grant"] == grant.pk

    page = text(writer.get(reverse("people:readings")))
    assert "Your reading is higher than the red level in your plan" in page
    assert "We have told your named clinician at the practice. Do not wait for us to call" in page
    assert "Call the surgery today and ask for the duty doctor" in page
    assert "Home blood pressure: 185/100 mmHg Above your red level Added by you" in page  # the carer reads it
    writer.sign_in(people.beatrice)
    page = text(writer.get(reverse("people:readings")))
    assert "Added for you by Sarah Hollis" in page and "Your reading is higher" not in page  # said once, to Sarah

    client.force_login(people.nurse)
    staff = text(client.get(reverse("checkins:person", args=[people.beatrice.pk])))
    assert "Home blood pressure: 185/100 mmHg By Sarah Hollis on their behalf" in staff


def test_an_amber_reading_asks_for_a_routine_look_and_the_staff_page_says_who_entered_it(writer, people, client):  # noqa: F811
    writer.sign_in(people.beatrice)
    assert writer.post(reverse("people:reading_new"), {"reading-home_bp": "155/90", **today_boxes()}).status_code == 302
    task = Task.objects.get(patient=people.beatrice)
    assert task.priority == Task.Priority.ROUTINE and task.due_on == clock.today() + dt.timedelta(days=2)
    page = text(writer.get(reverse("people:readings")))
    assert "Your reading is higher than the amber level in your plan" in page and "Someone will contact you" in page
    client.force_login(people.nurse)
    assert "155/90 mmHg Entered by the person" in text(client.get(reverse("checkins:person",
                                                                            args=[people.beatrice.pk])))


def test_without_agreed_readings_the_plan_offers_home_blood_pressure(writer, people):  # noqa: F811
    writer.sign_in(people.arthur)
    form = text(writer.get(reverse("people:reading_new")))
    assert "Your blood pressure at home" in form and "Your weight" not in form
    assert writer.post(reverse("people:reading_new"), {"reading-home_bp": "190/120", **today_boxes()}).status_code == 302
    reading = HomeReading.objects.get()
    assert reading.flags == [] and not Task.objects.filter(referral_id=f"hr{reading.pk}").exists()  # no levels agreed


def test_full_width_digits_are_read_as_the_numbers_they_are(writer, people):  # noqa: F811
    """The project's one parsing layer folds digits typed on another keyboard (tandem.core.parsing):
    "１２０/８０" is 120/80, as it is in a check-in's answers."""
    writer.sign_in(people.beatrice)
    response = writer.post(reverse("people:reading_new"), {"reading-home_bp": "１２０/８０", **today_boxes()})
    assert response.status_code == 302
    assert HomeReading.objects.values_list("text", "first", "second").get() == ("120/80", 120, 80)


BAD_READINGS = [
    ("", "Enter your reading, for example 135/85"),
    ("999999/1", "Enter both numbers with a slash between them, for example 135/85"),
    ("300/250", "Those numbers do not look like a blood pressure"),
    ("80/120", "The top number should be bigger than the bottom number"),
    ("x" * 10_000, "Enter the reading as a number, for example 135/85"),
    ("12²/80", "Enter the reading as a number, for example 135/85"),
    ("120/80; DROP TABLE", "Enter both numbers with a slash between them"),
]


@pytest.mark.parametrize(("typed", "message"), BAD_READINGS, ids=lambda v: v[:12] if isinstance(v, str) else v)
def test_a_reading_that_cannot_be_read_is_refused_with_a_message(writer, people, typed, message):  # noqa: F811
    writer.sign_in(people.beatrice)
    response = writer.post(reverse("people:reading_new"), {"reading-home_bp": typed, **today_boxes()})
    assert response.status_code == 400
    assert "There is a problem" in text(response) and message in text(response)
    assert not HomeReading.objects.exists() and not AuditEvent.objects.filter(what="checkins.home_reading").exists()


BAD_DATES = [
    ({"taken-day": "16", "taken-month": "6", "taken-year": "2026"}, "must be today or in the past"),
    ({"taken-day": "31", "taken-month": "2", "taken-year": "2026"}, "The date you took it must be a real date"),
    ({"taken-day": "14", "taken-month": "6", "taken-year": "2025"}, "must be in the last year"),
    ({"taken-day": "", "taken-month": "", "taken-year": ""}, "Enter the date you took it"),
    ({"taken-day": "1", "taken-month": "6", "taken-year": "26"}, "enter the year in full"),
    ({"taken-day": "9" * 10_000, "taken-month": "6", "taken-year": "2026"}, "must be a real date in numbers"),
]


@pytest.mark.parametrize(("boxes", "message"), BAD_DATES, ids=[m for _, m in BAD_DATES])
def test_a_date_that_cannot_be_right_is_refused_with_a_message(writer, people, boxes, message):  # noqa: F811
    writer.sign_in(people.beatrice)
    response = writer.post(reverse("people:reading_new"), {"reading-home_bp": "120/80", **boxes})
    assert response.status_code == 400 and message in text(response)
    assert 'value="120/80"' in response.content.decode()  # what they typed is kept
    assert not HomeReading.objects.exists()


def test_the_action_refuses_bad_readings_and_dates_whoever_calls_it(people):  # noqa: F811
    from tandem.checkins import actions
    from tandem.core.on_behalf import OnBehalf

    who = OnBehalf(account=1)
    for key, typed, on in (("home_bp", "１２０/８", clock.today()), ("nope", "120/80", clock.today()),
                           ("home_bp", "120/80", clock.today() + dt.timedelta(days=1)),
                           ("home_bp", "120/80", clock.today() - dt.timedelta(days=366)),
                           ("weight", "1e9", clock.today()), ("home_bp", "120/80", None)):
        with pytest.raises(actions.HomeReadingError):
            actions.record_home_reading(practice=people.practice, patient=people.beatrice, key=key, text=typed,
                                        taken_on=on, on_behalf=who)
    with pytest.raises(actions.HomeReadingError):  # another practice's patient
        actions.record_home_reading(practice=people.practice, patient=people.brian, key="home_bp", text="120/80",
                                    taken_on=clock.today(), on_behalf=who)
    assert not HomeReading.objects.exists()


def test_home_readings_show_only_the_persons_own(writer, people):  # noqa: F811
    writer.sign_in(people.beatrice)
    writer.post(reverse("people:reading_new"), {"reading-home_bp": "131/81", **today_boxes()})
    writer.sign_in(people.arthur)
    page = text(writer.get(reverse("people:readings")))
    assert "131/81" not in page and "You have not added a home reading yet" in page


# --- The agenda for the next conversation ----------------------------------------------------------

def agenda_form(w) -> str:
    response = w.get(reverse("people:agenda"))
    assert response.status_code == 200
    found = re.search(r'name="version" id="version" value="(\d+)"', response.content.decode())
    assert found, "the form carries the version it started from"
    return found.group(1)


def test_the_person_says_what_to_talk_about_and_can_change_it_until_it_starts(writer, people):  # noqa: F811
    from tandem.prepare.models import Agenda

    account = writer.sign_in(people.arthur)
    page = text(writer.get(reverse("people:agenda")))
    assert "Tuesday 23 June 2026 at 10:30am" in page
    version = agenda_form(writer)
    response = writer.post(reverse("people:agenda"), {"what_matters": "Walking further", "version": version,
                                                      "coming_with": "My daughter"})
    assert (response.status_code, response["Location"]) == (302, reverse("people:agenda"))
    saved = Agenda.objects.get(conversation=people.arthur_talk)
    assert (saved.version, saved.via, saved.from_who, saved.entered_by_id, saved.what_matters, saved.coming_with) == (
        1, Agenda.Via.ONLINE, Agenda.From.PERSON, None, "Walking further", "My daughter")
    audit = AuditEvent.objects.get(what="prepare.agenda")
    assert audit.user_id is None and audit.detail["account"] == account.pk and audit.detail["grant"] is None
    page = text(writer.get(reverse("people:agenda")))
    assert "Saved. You can change it until your conversation starts." in page and "Walking further" in page

    writer.post(reverse("people:agenda"), {"what_matters": "Walking further and my feet", "version": "1"})
    assert list(Agenda.objects.filter(conversation=people.arthur_talk).values_list("version", flat=True)
                .order_by("version")) == [1, 2]  # a new version each time: the first is kept

    with clock.frozen(dt.datetime(2026, 6, 23, 10, 31, tzinfo=dt.UTC)):
        started = writer.post(reverse("people:agenda"), {"what_matters": "Too late", "version": "2"})
        assert started.status_code == 409 and "Nothing was saved" in text(started)
    assert not Agenda.objects.filter(what_matters="Too late").exists()


def test_a_later_save_never_silently_overwrites_an_earlier_one(writer, people):  # noqa: F811
    from tandem.prepare.models import Agenda

    writer.sign_in(people.arthur)
    started_from = agenda_form(writer)  # the person opens the form ...
    writer.act_for(people.arthur, scopes=("answer_checkins",), given="Sarah", family="Hollis")
    carers = agenda_form(writer)  # ... and so does their daughter, in her own browser
    assert writer.post(reverse("people:agenda"), {"what_matters": "Dad's dizzy spells", "version": carers}
                       ).status_code == 302
    carer_saved = Agenda.objects.get(conversation=people.arthur_talk)
    assert (carer_saved.from_who, carer_saved.helper_name) == (Agenda.From.CARER, "Sarah Hollis")
    assert ProxyActivity.objects.get().what == "agenda.saved"
    assert AuditEvent.objects.get(what="prepare.agenda").detail["grant"] == writer.grant.pk

    writer.sign_in(people.arthur)
    stale = writer.post(reverse("people:agenda"), {"what_matters": "My feet hurt", "version": started_from})
    page = text(stale)
    assert stale.status_code == 409 and "Someone else saved this while you were typing, so yours was not saved" in page
    assert "My feet hurt" in page and "Dad's dizzy spells" in page and "Sarah Hollis, helping" in page
    assert Agenda.objects.filter(conversation=people.arthur_talk).count() == 1
    newest = re.search(r'name="version" id="version" value="(\d+)"', stale.content.decode()).group(1)
    assert newest == "1"  # having seen hers, saving again goes through
    assert writer.post(reverse("people:agenda"), {"what_matters": "My feet hurt", "version": newest}).status_code == 302
    assert Agenda.objects.filter(conversation=people.arthur_talk).count() == 2


@pytest.mark.parametrize(("data", "message"), [
    ({"what_matters": "x" * 10_000}, "What matters most to you must be 2,000 characters or fewer"),
    ({"what_matters": ""}, "Tell us at least one thing"),
    ({"topics": "Something not on the list"}, "Choose topics from the list"),
    ({"what_matters": "Fine", "version": "99999999999999999999"}, "Something went wrong with this form"),
    ({"what_matters": "Fine", "version": "１"}, "Something went wrong with this form"),  # 1: no such version yet
    ({"what_matters": "Fine", "version": "-1"}, "Something went wrong with this form"),
])
def test_an_agenda_that_cannot_be_saved_comes_back_with_what_was_typed(writer, people, data, message):  # noqa: F811
    from tandem.prepare.models import Agenda

    writer.sign_in(people.arthur)
    response = writer.post(reverse("people:agenda"), {"version": "0", **data})
    assert response.status_code in (400, 409) and message in text(response)
    if data.get("what_matters"):
        assert data["what_matters"] in response.content.decode()
    assert not Agenda.objects.exists()


def test_without_a_booked_conversation_the_agenda_page_says_so(writer, people):  # noqa: F811
    writer.sign_in(people.brian)
    page = writer.get(reverse("people:agenda"))
    assert page.status_code == 200 and "You do not have a care planning conversation booked" in text(page)
    assert writer.post(reverse("people:agenda"), {"what_matters": "x", "version": "0"}).status_code == 409


# --- Plain English ---------------------------------------------------------------------------------

def test_the_write_pages_fixed_text_reads_at_the_standard_reading_age(writer, people):  # noqa: F811
    """Every state of every page: the forms, what happens next (nothing crossed, amber, red), refusals."""
    from tandem.messaging.wording.readability import limit_for, score
    from tests.people.test_pages import prose

    def check(response, name):
        measured = score(prose(response.content.decode()))
        assert measured.words > 5, name
        assert measured.reading_age <= limit_for("standard"), (name, measured)

    writer.sign_in(people.beatrice)
    c = beatrices_checkin(people)
    url = reverse("people:checkin", args=[c.pk])
    check(writer.get(url), "check-in form")
    check(writer.post(url, {"confidence": "11"}), "check-in form with an error")
    writer.post(url, {**ANSWERS, "reading-home_bp": "185/112"})
    check(writer.get(url), "check-in: what to do now")
    check(writer.post(url, ANSWERS), "check-in answered already")
    check(writer.get(reverse("people:reading_new")), "home reading form")
    check(writer.post(reverse("people:reading_new"), {"reading-home_bp": "12"}), "home reading with an error")
    for typed in ("120/80", "155/90", "185/100"):
        writer.post(reverse("people:reading_new"), {"reading-home_bp": typed, **today_boxes()})
        check(writer.get(reverse("people:readings")), f"readings after {typed}")
    writer.sign_in(people.arthur)
    check(writer.get(reverse("people:agenda")), "agenda form")
    writer.act_for(people.arthur, scopes=("answer_checkins",))
    check(writer.get(reverse("people:agenda")), "agenda form, for a carer")
    writer.post(reverse("people:agenda"), {"what_matters": "Dad's dizzy spells", "version": "0"})
    check(writer.get(reverse("people:agenda")), "agenda saved")
    writer.sign_in(people.arthur)
    check(writer.post(reverse("people:agenda"), {"what_matters": "My feet", "version": "0"}), "agenda: stale save")
    writer.sign_in(people.brian)
    check(writer.get(reverse("people:agenda")), "no conversation booked")
    with clock.frozen(dt.date(2026, 7, 22)):
        writer.sign_in(people.beatrice)
        check(writer.get(url), "check-in closed")


# --- Hostile values, as the person -----------------------------------------------------------------

def test_hostile_values_in_every_box_are_refused_or_read_and_never_a_server_error(writer, people):  # noqa: F811
    """tests/core/test_hostile_input.py's values, posted by a signed-in person (the core test posts as
    staff, whom these pages send to sign in): each box gets a page that makes sense."""
    from tests.core.test_hostile_input import HOSTILE

    c = beatrices_checkin(people)

    def fresh_checkin() -> str:
        """Another open check-in like Beatrice's (one that read a value as an answer is answered now)."""
        latest = CheckIn.objects.filter(patient=people.beatrice).order_by("-number").first()
        made = CheckIn.objects.create(
            practice=c.practice, patient=c.patient, version=c.version, number=latest.number + 1, channel=c.channel,
            opened_on=c.opened_on, closes_on=c.closes_on, questions=c.questions, questionnaire=c.questionnaire,
            created_at=c.created_at)
        return reverse("people:checkin", args=[made.pk])

    forms = {
        "checkin": (("goal-walk", "confidence", "reading-home_bp", "phq2-1", "phq2-2"), {}),
        "reading_new": (("reading-home_bp", "taken-day", "taken-month", "taken-year"),
                        {"reading-home_bp": "120/80", **today_boxes()}),
        "agenda": (("version",), {"what_matters": "My garden", "version": "0"}),
    }
    urls = {"checkin": reverse("people:checkin", args=[c.pk]), "reading_new": reverse("people:reading_new"),
            "agenda": reverse("people:agenda")}
    for who in (people.beatrice, people.arthur):
        writer.sign_in(who)
        for name, (fields, base) in forms.items():
            if name == "checkin" and who != people.beatrice:
                continue
            for field in fields:
                for hostile in HOSTILE:
                    response = writer.post(urls[name], {**base, field: hostile})
                    where = (name, field, hostile[:20], response.status_code)
                    if name == "checkin":
                        assert response.status_code in (302, 400), where
                        if response.status_code == 302:  # read as an answer: the next value tries a new one
                            urls[name] = fresh_checkin()
                    assert response.status_code in (302, 400, 409), where
                    if response.status_code == 400:
                        assert "There is a problem" in text(response), where
    # Whatever was read and kept, it is what was typed: numbers within the reading's range, dates within a year.
    for r in HomeReading.objects.all():
        assert 50 <= r.first <= 300 and 20 <= r.second <= 200 and clock.today() - r.taken_on <= dt.timedelta(days=365)
