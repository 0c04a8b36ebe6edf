"""Check-ins through time: agreed in the plan, opened and sent with the person's own link, reminded on
days 3 and 6, answered behind the date of birth (a red home BP shows the plan's "what to do" and makes
an urgent task for the named clinician), closed when unanswered; phone check-ins on the caller's list."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.careplans.models import Task
from tandem.checkins import actions, queries
from tandem.checkins.models import Answer, CheckIn, GoalRating, Schedule
from tandem.messaging.models import OutboxMessage

from .conftest import D, agreed_plan, born, working_link

pytestmark = pytest.mark.django_db


def _open(u, day, settle):
    settle(day)
    return actions.open_due(practice=u.practice, by=None, today=day)


@pytest.fixture
def settle(monkeypatch):
    """Move the pinned clock to a day (noon)."""
    from tandem.core import clock

    def to(day):
        moment = dt.datetime.combine(day, dt.time(12), tzinfo=clock.now().tzinfo)
        monkeypatch.setattr(clock, "now", lambda: moment)
        monkeypatch.setattr(clock, "today", lambda: day)
    return to


def test_saving_the_plan_schedules_monthly_check_ins_until_four_weeks_before_the_review(agreed):
    schedule = Schedule.objects.get(patient=agreed.beatrice)
    assert schedule.days[0] == "2026-07-15" and schedule.days[-1] == "2027-04-15"
    assert schedule.next_on == D(2026, 7, 15) and schedule.clinician_id == agreed.nurse.pk
    assert [g["id"] for g in schedule.questions["goals"]] == ["walk", "sleep"]
    agreed.beatrice.refresh_from_db()
    assert agreed.beatrice.named_clinician_id == agreed.nurse.pk  # chosen in the plan


def test_nothing_opens_before_the_day_and_each_opens_once(agreed, settle):
    assert actions.open_due(practice=agreed.practice, by=None, today=D(2026, 7, 14)).opened == 0
    first = _open(agreed, D(2026, 7, 15), settle)
    again = actions.open_due(practice=agreed.practice, by=None, today=D(2026, 7, 15))
    assert (first.opened, first.sent, again.opened) == (1, 1, 0)
    checkin = CheckIn.objects.get(patient=agreed.beatrice)
    assert (checkin.number, checkin.closes_on, checkin.status) == (1, D(2026, 7, 21), "open")
    assert checkin.questionnaire["resourceType"] == "Questionnaire"
    message = OutboxMessage.objects.get(patient=agreed.beatrice, template="checkin")
    assert message.channel == "sms" and "/r/" in message.body
    assert Schedule.objects.get(patient=agreed.beatrice).next_on == D(2026, 8, 15)


def test_reminders_on_day_three_and_six_then_closed_unanswered(agreed, settle):
    _open(agreed, D(2026, 7, 15), settle)
    sent = []
    for day in range(16, 23):
        settle(D(2026, 7, day))
        actions.close_unanswered(practice=agreed.practice, today=D(2026, 7, day))
        sent.append(actions.send_reminders(practice=agreed.practice, by=None, today=D(2026, 7, day)))
    assert sent == [0, 1, 0, 0, 1, 0, 0]  # 17 July is day 3, 20 July day 6
    assert OutboxMessage.objects.filter(template="checkin_reminder").count() == 2
    assert CheckIn.objects.get(patient=agreed.beatrice).status == "missed"  # closed on 22 July


def test_the_person_answers_with_a_red_blood_pressure_and_sees_what_to_do(agreed, settle, client):
    _open(agreed, D(2026, 7, 15), settle)
    token = working_link(OutboxMessage.objects.get(template="checkin"))
    assert client.get(f"/r/{token}/check-in/").status_code == 302  # date of birth first
    assert client.post(f"/r/{token}/", born(agreed.beatrice))["Location"] == f"/r/{token}/check-in/"
    page = client.get(f"/r/{token}/check-in/")
    assert "Walk to the shop without stopping" in page.content.decode() and "no-store" in page["Cache-Control"]
    answers = {"goal-walk": "-1", "goal-sleep": "0", "confidence": "６", "reading-home_bp": "182/96",
               "phq2-1": "1", "phq2-2": "1", "talk-about": "<b>My feet</b> hurt", "from": "person"}
    response = client.post(f"/r/{token}/check-in/", answers)
    assert response.status_code == 302 and response["Location"] == f"/r/{token}/check-in/done/"
    done = client.get(response["Location"]).content.decode()
    assert "Call the surgery today and ask for the duty doctor" in done  # the plan's red "what to do"
    assert "Start the rescue pack" in done  # and amber's
    answer = Answer.objects.get(checkin__patient=agreed.beatrice)
    assert (answer.confidence, answer.phq2, answer.readings, answer.talk_about) == (
        6, 2, {"home_bp": "182/96"}, "<b>My feet</b> hurt")
    assert answer.response["resourceType"] == "QuestionnaireResponse"
    task = Task.objects.get(patient=agreed.beatrice, referral_id__startswith="ci")
    assert (task.priority, task.to_user_id, task.due_on, task.status) == ("urgent", agreed.nurse.pk, D(2026, 7, 15),
                                                                         "requested")
    assert "182/96" in task.what
    assert sorted(GoalRating.objects.filter(patient=agreed.beatrice).values_list("goal_id", "level")) == [
        ("sleep", 0), ("walk", -1)]
    # Answered once: the form now shows the thank-you page, and posting again records nothing.
    assert client.post(f"/r/{token}/check-in/", answers)["Location"].endswith("/check-in/done/")
    assert Answer.objects.count() == 1


def test_answers_that_cannot_be_read_come_back_with_everything_typed(agreed, settle, client):
    _open(agreed, D(2026, 7, 15), settle)
    token = working_link(OutboxMessage.objects.get(template="checkin"))
    client.post(f"/r/{token}/", born(agreed.beatrice))
    long_text = "word " * 500
    page = client.post(f"/r/{token}/check-in/", {"reading-home_bp": "85/135", "confidence": "11",
                                                  "talk-about": long_text, "from": ""})
    body = page.content.decode()
    assert page.status_code == 400
    assert "The top number should be bigger" in body and "0 to 10" in body and "Say who is answering" in body
    assert "85/135" in body and long_text.strip()[:200] in body
    assert not Answer.objects.exists() and not Task.objects.filter(referral_id__startswith="ci").exists()


def test_a_calm_check_in_makes_no_task(agreed, settle):
    _open(agreed, D(2026, 7, 15), settle)
    from tandem.checkins import forms

    checkin = CheckIn.objects.get()
    read = forms.read({"goal-walk": "1", "reading-home_bp": "132/80"}, checkin.questions)
    recorded = actions.record_answer(checkin_id=checkin.pk, practice=agreed.practice, answers=read.answers,
                                     given_by="carer")
    assert recorded.flags == [] and recorded.task is None


def test_a_closed_check_in_cannot_be_answered(agreed, settle, client):
    _open(agreed, D(2026, 7, 15), settle)
    token = working_link(OutboxMessage.objects.get(template="checkin"))
    client.post(f"/r/{token}/", born(agreed.beatrice))
    settle(D(2026, 7, 22))
    actions.close_unanswered(practice=agreed.practice)
    # The link itself expired with the check-in.
    assert client.get(f"/r/{token}/check-in/").status_code == 410


def test_phone_check_ins_are_on_the_callers_list_and_recorded_as_theirs(booked, settle, client):
    from tandem.careplans import actions as plan_actions

    plan_actions.save_plan(patient=booked.arthur, by=booked.nurse, base_version=0,
                           plan=agreed_plan(booked, channel="phone", caller=booked.nurse))
    _open(booked, D(2026, 7, 15), settle)
    assert not OutboxMessage.objects.filter(template="checkin").exists()
    calls, _flags = queries.calls_for(booked.practice, booked.nurse.pk, today=D(2026, 7, 15))
    assert [c.patient_id for c in calls] == [booked.arthur.pk]
    client.force_login(booked.nurse)
    home = client.get("/").content.decode()
    assert "Calls to make" in home and "Arthur Bennett" in home
    page = client.get(f"/check-ins/{calls[0].pk}/").content.decode()
    assert "Phone script" in page and "Walk to the shop without stopping" in page
    response = client.post(f"/check-ins/{calls[0].pk}/", {"goal-walk": "-2", "phq2-1": "3", "phq2-2": "0"})
    assert response.status_code == 302
    answer = Answer.objects.get()
    assert (answer.given_by, answer.recorded_by_id) == ("phone", booked.nurse.pk)
    task = Task.objects.get(referral_id__startswith="ci")
    assert task.priority == "routine" and "PHQ-2" in task.what and "much worse than expected" in task.what
    flagged = client.get("/").content.decode()
    assert "raised a flag" in flagged


def test_text_check_ins_need_a_mobile_number(booked):
    from tandem.careplans import actions as plan_actions

    with pytest.raises(plan_actions.PlanError) as error:
        plan_actions.save_plan(patient=booked.arthur, by=booked.nurse, base_version=0, plan=agreed_plan(booked))
    assert "checkins.channel" in {p.field for p in error.value.problems}


def test_another_practice_cannot_see_a_check_in(agreed, settle, client, universe):
    _open(agreed, D(2026, 7, 15), settle)
    checkin = CheckIn.objects.get()
    client.force_login(agreed.other_nurse)
    assert client.get(f"/check-ins/{checkin.pk}/").status_code == 404
    assert client.get(f"/check-ins/{checkin.pk}/fhir/").status_code == 404
    assert client.get(f"/check-ins/person/{agreed.beatrice.pk}/").status_code == 404


def test_goal_progress_and_t_score_on_the_persons_page(agreed, settle, client):
    _open(agreed, D(2026, 7, 15), settle)
    from tandem.checkins import forms

    checkin = CheckIn.objects.get()
    read = forms.read({"goal-walk": "1", "goal-sleep": "1"}, checkin.questions)
    actions.record_answer(checkin_id=checkin.pk, practice=agreed.practice, answers=read.answers, given_by="person")
    client.force_login(agreed.nurse)
    page = client.get(f"/check-ins/person/{agreed.beatrice.pk}/").content.decode()
    # importance 8 and 4, both +1: 50 + 10*12 / sqrt(0.7*80 + 0.3*144) = 62.04
    assert "62.0: better than expected overall" in page
    assert "better than expected (+1)" in page


def test_a_person_who_left_gets_no_more_check_ins(agreed, settle):
    from tandem.patients.models import Patient
    from tandem.recall import stored

    Patient.objects.filter(pk=agreed.beatrice.pk).update(registration_status="left")  # as a record import says
    stored.refresh(agreed.practice.pk, [agreed.beatrice.pk])
    summary = _open(agreed, D(2026, 7, 15), settle)
    assert (summary.opened, summary.ended) == (0, 1) and not Schedule.objects.exists()


def test_the_written_plan_says_what_was_agreed_and_a_later_version_how_the_goals_went(agreed, settle, client):
    from tandem.careplans import actions as plan_actions
    from tandem.careplans import queries as plan_queries
    from tandem.careplans.presenters.written import written
    from tandem.checkins import forms

    first = written(agreed.version, agreed.beatrice, agreed.practice)
    assert first.checkins[0] == ("We will check in with you every month, by text message, with a link to answer a "
                                 "few questions, until your next review.")
    assert "amber if either number is at or above 150/95 and red if either number is at or above 180/110" in (
        first.checkins[2])
    assert first.named_clinician == "Nia Evans, practice nurse"
    _open(agreed, D(2026, 7, 15), settle)
    checkin = CheckIn.objects.get()
    actions.record_answer(checkin_id=checkin.pk, practice=agreed.practice, given_by="person",
                          answers=forms.read({"goal-walk": "-1"}, checkin.questions).answers)
    settle(D(2026, 8, 1))
    plan = plan_queries.plan_of(agreed.version)
    later = plan_actions.save_plan(patient=agreed.beatrice, by=agreed.nurse, plan=plan, base_version=1).version
    walk = next(g for g in written(later, agreed.beatrice, agreed.practice).goals if g.words.startswith("Walk"))
    assert walk.progress == "Not as well as expected, at your check-in on 15 July 2026"
    # The first version stays as it was written.
    assert all(not g.progress for g in written(agreed.version, agreed.beatrice, agreed.practice).goals)


def test_a_persons_copy_of_their_data_holds_their_check_ins_and_task_history(agreed, settle):
    from tandem.checkins import forms
    from tandem.privacy import actions as privacy_actions
    from tandem.privacy import presenters as privacy_presenters
    from tandem.privacy import queries as privacy_queries

    _open(agreed, D(2026, 7, 15), settle)
    checkin = CheckIn.objects.get()
    actions.record_answer(checkin_id=checkin.pk, practice=agreed.practice, given_by="person",
                          answers=forms.read({"reading-home_bp": "182/96", "talk-about": "My feet"},
                                             checkin.questions).answers)
    held = privacy_queries.held_about(agreed.practice, agreed.beatrice)
    tables = {t.title: t for t in privacy_presenters.tables(held)}
    rows = tables["Your check-ins between visits"].rows
    assert rows[0][2] == "Answered" and "home bp 182/96" in rows[0][3] and "to talk about: My feet" in rows[0][3]
    assert tables["What happened with each task"].rows[0][2] == "Requested"  # the check-in's task, as made
    bundle = privacy_actions._record_fhir(held, agreed.practice, by=None)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert "Questionnaire" in kinds and "QuestionnaireResponse" in kinds
    response = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    assert response["subject"]["reference"].startswith("urn:uuid:")


def test_the_practice_changes_how_long_check_ins_stay_open_and_when_reminders_go(agreed, settle, client):
    from tandem.checkins.models import Settings

    client.force_login(agreed.manager)
    page = client.get("/check-ins/settings/").content.decode()
    assert 'value="7"' in page and 'value="3, 6"' in page
    bad = client.post("/check-ins/settings/", {"open_days": "5", "reminder_days": "2, 6", "revision": "0"})
    assert bad.status_code == 400 and "from day 2 to day 5" in bad.content.decode()
    assert not Settings.objects.exists()
    assert client.post("/check-ins/settings/", {"open_days": "５", "reminder_days": "2 4",
                                                "revision": "0"}).status_code == 302
    stale = client.post("/check-ins/settings/", {"open_days": "9", "reminder_days": "", "revision": "0"})
    assert stale.status_code == 302 and Settings.objects.get().open_days == 5  # someone else's page: not saved
    _open(agreed, D(2026, 7, 15), settle)
    checkin = CheckIn.objects.get()
    assert (checkin.closes_on, checkin.reminder_days) == (D(2026, 7, 19), [2, 4])
    client.force_login(agreed.nurse)
    assert client.get("/check-ins/settings/").status_code == 403


def test_what_a_person_wrote_is_shown_to_staff_escaped(agreed, settle, client):
    from tandem.checkins import forms

    _open(agreed, D(2026, 7, 15), settle)
    checkin = CheckIn.objects.get()
    actions.record_answer(checkin_id=checkin.pk, practice=agreed.practice, given_by="person",
                          answers=forms.read({"talk-about": "<script>alert(1)</script> my feet"}, checkin.questions).answers)
    client.force_login(agreed.nurse)
    page = client.get(f"/check-ins/{checkin.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; my feet" in page and "<script>alert(1)" not in page
