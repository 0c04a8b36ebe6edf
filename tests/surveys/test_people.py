"""People's survey after care planning: two weeks after a plan is agreed the daily task sends PACIC and
the GP Patient Survey's care planning questions by text (else email) with the person's own link, at most
once a year; the person answers behind their date of birth; the report shows sets of 5 or more only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from tandem.core import clock
from tandem.messaging.models import OutboxMessage, ReplyLink
from tandem.surveys import actions
from tandem.surveys.models import PersonAnswer, PersonSurvey
from tests.query_counts import queries_per_page

from .conftest import born, working_link

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def settle(monkeypatch):
    def to(day):
        moment = dt.datetime.combine(day, dt.time(12), tzinfo=clock.now().tzinfo)
        monkeypatch.setattr(clock, "now", lambda: moment)
        monkeypatch.setattr(clock, "today", lambda: day)
    return to


def _agree(u, patient, on: dt.date):
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.rules.document import Plan

    plan = Plan(information="Walking", held_on=on.isoformat(), agreed_on=on.isoformat(), agreed_with_person=True,
                held_by_id=u.nurse.pk)
    return plan_actions.save_plan(patient=patient, by=u.nurse, plan=plan, base_version=0)


@pytest.fixture
def agreed(booked):  # noqa: F811
    _agree(booked, booked.beatrice, D(2026, 6, 1))
    return booked


ANSWERS = {**{f"pacic-p{n}": "4" for n in range(1, 21)}, "pacic-p9": "5", "gpps-conversation": "yes",
           "gpps-plan": "yes", "gpps-copy": "yes", "gpps-helpful": "very", "from": "person"}


def test_the_survey_goes_two_weeks_after_the_plan_is_agreed_and_once_a_year(agreed, settle):
    settle(D(2026, 6, 14))
    assert actions.send_due(practice=agreed.practice, by=None).made == 0  # not yet
    settle(D(2026, 6, 15))
    sent = actions.send_due(practice=agreed.practice, by=None)
    assert (sent.made, sent.sent) == (1, 1)
    survey = PersonSurvey.objects.get()
    assert (survey.patient, survey.channel, survey.closes_on) == (agreed.beatrice, "sms", D(2026, 7, 12))
    message = OutboxMessage.objects.get(template="care_planning_survey")
    assert message.channel == "sms" and "short survey" in message.body
    assert ReplyLink.objects.get(purpose="survey").object_id == survey.pk
    assert actions.send_due(practice=agreed.practice, by=None).made == 0  # the same day again: nothing more
    # A new plan agreed within the year sends nothing more; a missed run catches up within a week.
    settle(D(2026, 9, 10))
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.rules.document import Plan

    plan_actions.save_plan(patient=agreed.beatrice, by=agreed.nurse, base_version=1, plan=Plan(
        information="Walking", held_on="2026-09-01", agreed_on="2026-09-01", agreed_with_person=True,
        held_by_id=agreed.nurse.pk))
    settle(D(2026, 9, 20))
    assert actions.send_due(practice=agreed.practice, by=None).made == 0
    assert PersonSurvey.objects.count() == 1


def test_the_person_answers_behind_their_date_of_birth(agreed, settle, client):
    settle(D(2026, 6, 15))
    actions.send_due(practice=agreed.practice, by=None)
    token = working_link(OutboxMessage.objects.get(template="care_planning_survey"))
    assert client.get(f"/r/{token}/survey/").status_code == 302  # date of birth first
    assert client.post(f"/r/{token}/", born(agreed.beatrice))["Location"] == f"/r/{token}/survey/"
    page = client.get(f"/r/{token}/survey/")
    body = page.content.decode()
    assert "Satisfied that my care was well organised." in body and "no-store" in page["Cache-Control"]
    assert "Have you agreed a plan with a healthcare professional from your GP practice" in body
    response = client.post(f"/r/{token}/survey/", ANSWERS)
    assert response["Location"] == f"/r/{token}/survey/done/"
    assert "Thank you for your answers" in client.get(response["Location"]).content.decode()
    answer = PersonAnswer.objects.get()
    assert answer.answers["pacic"]["p9"] == "5" and answer.answers["gpps"] == {
        "conversation": "yes", "plan": "yes", "copy": "yes", "helpful": "very"}
    assert answer.response["resourceType"] == "QuestionnaireResponse"
    assert answer.response["subject"] == {"reference": f"Patient/{agreed.beatrice.pk}"}
    assert PersonSurvey.objects.get().status == "answered"
    # Once: the form now shows the thank-you page, and posting again records nothing.
    assert client.post(f"/r/{token}/survey/", ANSWERS)["Location"].endswith("/survey/done/")
    assert PersonAnswer.objects.count() == 1


def test_an_answer_that_cannot_be_read_comes_back_with_the_rest_kept(agreed, settle, client):
    settle(D(2026, 6, 15))
    actions.send_due(practice=agreed.practice, by=None)
    token = working_link(OutboxMessage.objects.get(template="care_planning_survey"))
    client.post(f"/r/{token}/", born(agreed.beatrice))
    page = client.post(f"/r/{token}/survey/", {"pacic-p1": "9", "pacic-p2": "3", "gpps-plan": "no"})
    body = page.content.decode()
    assert page.status_code == 400 and "There is a problem" in body
    assert 'href="#pacic-p1"' in body and 'href="#from"' in body and "Say who is answering" in body
    assert 'value="3" checked' in body
    assert not PersonAnswer.objects.exists()


def test_a_closed_survey_cannot_be_answered(agreed, settle, client):
    settle(D(2026, 6, 15))
    actions.send_due(practice=agreed.practice, by=None)
    token = working_link(OutboxMessage.objects.get(template="care_planning_survey"))
    client.post(f"/r/{token}/", born(agreed.beatrice))
    settle(D(2026, 7, 13))
    assert actions.close_unanswered(practice=agreed.practice) == 1
    assert client.get(f"/r/{token}/survey/").status_code in (410, 404)
    assert not PersonAnswer.objects.exists()


def _nhs_number(serial: int) -> str:
    """A valid NHS number (modulus 11 check digit) from the test range 999 ..."""
    while True:
        body = f"999{serial:06d}"
        total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            return body + str(check)
        serial += 1


def _answered(u, n: int, gpps: dict):
    """n people of the practice, each with a plan agreed on 1 June, sent the survey (no address: it is
    kept to answer on paper or by phone) and answering it, all through the actions."""
    from tandem.patients import actions as patient_actions

    start = PersonSurvey.objects.count() * 3 + 500
    people = [patient_actions.register_patient(
        practice=u.practice, by=None, nhs_number=_nhs_number(start + i * 3), given_name=f"P{i}",
        family_name="Survey", date_of_birth=D(1950, 1, 1), sex="female") for i in range(n)]
    for patient in people:
        _agree(u, patient, D(2026, 6, 1))
    actions.send_due(practice=u.practice, by=None)
    return [actions.record_person_answer(survey_id=survey.pk, practice=u.practice, given_by="person",
                                         answers={"pacic": {"p1": "4", "p2": "2"}, "gpps": gpps})
            for survey in PersonSurvey.objects.filter(patient__in=people)]


def test_the_report_shows_sets_of_five_or_more_and_never_a_small_number(agreed, client):
    _answered(agreed, 4, {"plan": "yes"})
    client.force_login(agreed.nurse)
    page = client.get("/surveys/people/").content.decode()
    assert "fewer than 5" in page and "Not shown: fewer than 5 answered" in page and "3.0" not in page
    _answered(agreed, 1, {"plan": "yes"})
    _answered(agreed, 5, {"plan": "no"})
    page = client.get("/surveys/people/").content.decode()
    assert ">10<" in page and ">3.0<" in page  # activation: (4 + 2) / 2 for each of 10
    assert "No answers" in page  # the other subscales: nobody answered them
    assert "50%" in page  # agreed a plan: 5 of 10 (neither 5 nor the other 5 is a small number)
    csv = client.get("/surveys/people/?format=csv").content.decode().splitlines()
    assert csv[1] == ("2026,fewer than 5,10,3.00,No answers,No answers,No answers,No answers,3.00,No answers,50,"
                      "No answers,No answers")  # sent: Beatrice only (the others have no address)
    client.force_login(agreed.admin)  # administrators do not see clinical answers
    assert client.get("/surveys/people/").status_code == 403


def test_the_manager_downloads_peoples_answers_as_fhir(agreed, client):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    _answered(agreed, 2, {"plan": "yes"})
    client.force_login(core_actions.add_staff(practice=agreed.practice, username="pm", role=Role.MANAGER, by=None))
    bundle = json.loads(client.get("/surveys/export/").content)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Questionnaire", "Questionnaire", "QuestionnaireResponse", "QuestionnaireResponse"]
    assert bundle["entry"][2]["resource"]["item"][1]["item"][0]["linkId"] == "gpps-plan"


def test_query_count_of_the_people_report(agreed, client):
    _answered(agreed, 5, {"plan": "yes"})
    client.force_login(agreed.nurse)
    assert queries_per_page(client, {"people": "/surveys/people/"}) == {"people": 4}


def test_people_who_left_or_died_are_not_sent_a_survey(agreed, settle):
    from tandem.patients.models import Patient
    from tandem.recall import stored

    Patient.objects.filter(pk=agreed.beatrice.pk).update(registration_status="left")  # as a record import says
    stored.refresh(agreed.practice.pk, [agreed.beatrice.pk])
    settle(D(2026, 6, 15))
    assert actions.send_due(practice=agreed.practice, by=None).made == 0
    assert dataclasses.is_dataclass(actions.Sent)
