"""The staff survey: the practice manager opens a round, everyone sees "A survey is waiting" on their
home page and answers once, signed in; the answers are kept without them; results per construct only
after the round closes, and only for 5 or more; every answer as FHIR for the manager, naming no one."""

from __future__ import annotations

import json

import pytest

from tandem.core import actions as core_actions
from tandem.core.models import AuditEvent
from tandem.core.rules import Role
from tandem.surveys import actions
from tandem.surveys.models import StaffAnswer, StaffResponded, StaffRound
from tests.query_counts import queries_per_page

pytestmark = pytest.mark.django_db

ALL_AGREE = {"a1": "8", "a2": "7", "a3": "9", **{f"b{n}": "4" for n in range(1, 21)}, "b10": "2"}


@pytest.fixture
def team(universe):
    u = universe
    u.manager = core_actions.add_staff(practice=u.practice, username="manager", role=Role.MANAGER, by=None)
    u.staff = [core_actions.add_staff(practice=u.practice, username=f"staff{n}", role=Role.NURSE, by=None)
               for n in range(5)]
    return u


def _as(client, user):
    client.force_login(user)
    return client


def test_the_manager_opens_a_round_and_staff_see_it_waiting_on_their_home_page(team, client):
    _as(client, team.manager)
    response = client.post("/surveys/staff/", {"do": "open", "weeks": "4"})
    assert response.status_code == 302
    opened = StaffRound.objects.get(practice=team.practice)
    assert (opened.number, str(opened.closes_on)) == (1, "2026-07-12")
    _as(client, team.nurse)
    home = client.get("/").content.decode()
    assert "A survey is waiting" in home and "Sunday 12 July" in home
    _as(client, team.other_nurse)  # another practice: nothing waiting
    assert "A survey is waiting" not in client.get("/").content.decode()


def test_a_second_round_cannot_open_while_one_is_open(team, client):
    _as(client, team.manager)
    client.post("/surveys/staff/", {"do": "open", "weeks": "4"})
    page = client.post("/surveys/staff/", {"do": "open", "weeks": "2"})
    assert page.status_code == 400 and "A round of the staff survey is open already" in page.content.decode()
    assert StaffRound.objects.count() == 1
    bad = client.post("/surveys/staff/", {"do": "open", "weeks": "5"})
    assert bad.status_code == 400


def test_staff_answer_once_and_the_answer_is_kept_without_them(team, client):
    actions.open_round(practice=team.practice, by=team.manager, weeks=4)
    _as(client, team.nurse)
    form = client.get("/surveys/staff/answer/").content.decode()
    assert "I can see how the care and support planning approach differs from usual ways of working" in form
    assert "kept without your name" in form
    response = client.post("/surveys/staff/answer/", ALL_AGREE)
    assert response.status_code == 302 and response["Location"] == "/"
    answer = StaffAnswer.objects.get()
    assert answer.answers == ALL_AGREE
    assert {f.name for f in StaffAnswer._meta.get_fields()} == {"id", "practice", "round", "answers", "response"}
    assert "subject" not in answer.response and "author" not in answer.response and "source" not in answer.response
    assert answer.response["authored"] == "2026-06-15"  # the round's first day, not when they answered
    assert StaffResponded.objects.filter(user=team.nurse).count() == 1
    # Audited as "answered a round", with nothing of the answers.
    event = AuditEvent.objects.get(what="surveys.staff_answered")
    assert (event.user_id, event.detail) == (team.nurse.pk, {})
    # Once: the home page no longer asks, and a second answer is refused.
    assert "A survey is waiting" not in client.get("/").content.decode()
    assert "You have answered this round" in client.get("/surveys/staff/answer/").content.decode()
    client.post("/surveys/staff/answer/", ALL_AGREE)
    assert StaffAnswer.objects.count() == 1
    with pytest.raises(actions.SurveyError):
        actions.record_staff_answer(practice=team.practice, by=team.nurse, round_id=StaffRound.objects.get().pk,
                                    answers=ALL_AGREE)


def test_an_answer_that_is_not_one_of_the_answers_comes_back_with_the_rest_kept(team, client):
    actions.open_round(practice=team.practice, by=team.manager, weeks=4)
    _as(client, team.nurse)
    page = client.post("/surveys/staff/answer/", {"b1": "4", "b2": "9"})
    body = page.content.decode()
    assert page.status_code == 400 and "There is a problem" in body and 'href="#b2"' in body
    assert 'value="4" checked' in body
    assert not StaffAnswer.objects.exists()
    empty = client.post("/surveys/staff/answer/", {})
    assert empty.status_code == 400 and "Answer at least one question" in empty.content.decode()


def _answer_all(team, round_id, people, answers=ALL_AGREE):
    for user in people:
        actions.record_staff_answer(practice=team.practice, by=user, round_id=round_id, answers=answers)


def test_results_only_after_the_round_closes_and_only_for_five_or_more(team, client):
    first = actions.open_round(practice=team.practice, by=team.manager, weeks=4)
    _answer_all(team, first.pk, team.staff[:4])
    _as(client, team.nurse)
    report = client.get("/surveys/staff/report/").content.decode()
    assert "No round has closed yet" in report and "A round is open now" in report
    actions.close_round(practice=team.practice, by=team.manager, round_id=first.pk, revision=first.revision)
    report = client.get("/surveys/staff/report/").content.decode()
    assert "fewer than 5" in report and "Not shown: fewer than 5 answered" in report and "4.0" not in report
    second = actions.open_round(practice=team.practice, by=team.manager, weeks=2)
    _answer_all(team, second.pk, team.staff)
    actions.record_staff_answer(practice=team.practice, by=team.nurse, round_id=second.pk,
                                answers={"b1": "role", "b10": "5"})
    actions.close_round(practice=team.practice, by=team.manager, round_id=second.pk, revision=second.revision)
    report = client.get("/surveys/staff/report/").content.decode()
    # Coherence: five said 4 to b1-b4; the sixth said only "not relevant" there.
    # Collective action: 6 items at 4 and b10 "disagree" (2, reversed to 4) for five; b10 "strongly agree" = 1.
    assert ">4.0<" in report and ">3.5<" in report
    csv = client.get("/surveys/staff/report/?format=csv").content.decode().splitlines()
    assert csv[0].startswith("Round,Opened,Closed,Staff who answered,Coherence,Cognitive participation")
    assert csv[1].startswith("2,15 June 2026,15 June 2026,6,4.00,4.00,3.50,4.00,8.00,7.00,9.00")
    assert csv[2].startswith("1,15 June 2026,15 June 2026,fewer than 5,Not shown")


def test_a_stale_close_is_refused(team, client):
    opened = actions.open_round(practice=team.practice, by=team.manager, weeks=4)
    _as(client, team.manager)
    page = client.post("/surveys/staff/", {"do": "close", "round": str(opened.pk), "revision": "7"})
    assert page.status_code == 400 and "Someone else changed this round" in page.content.decode()
    assert StaffRound.objects.get().closed_on is None


def test_a_round_past_its_last_day_closes_and_cannot_be_answered(team, client, monkeypatch):
    import datetime as dt

    from tandem.core import clock

    opened = actions.open_round(practice=team.practice, by=team.manager, weeks=2)
    later = opened.closes_on + dt.timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: later)
    with pytest.raises(actions.SurveyError, match="closed"):
        actions.record_staff_answer(practice=team.practice, by=team.nurse, round_id=opened.pk, answers=ALL_AGREE)
    assert actions.close_past_rounds(practice=team.practice) == 1
    assert StaffRound.objects.get().closed_on == later


def test_the_fhir_export_holds_the_questionnaire_and_answers_of_closed_rounds_naming_no_one(team, client):
    opened = actions.open_round(practice=team.practice, by=team.manager, weeks=4)
    _answer_all(team, opened.pk, team.staff)
    _as(client, team.manager)
    before = json.loads(client.get("/surveys/export/").content)
    assert [e["resource"]["resourceType"] for e in before["entry"]] == ["Questionnaire", "Questionnaire"]
    actions.close_round(practice=team.practice, by=team.manager, round_id=opened.pk, revision=opened.revision)
    response = client.get("/surveys/export/")
    assert response["Content-Type"] == "application/fhir+json"
    bundle = json.loads(response.content)
    answers = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert len(answers) == 5
    text = json.dumps(answers)
    assert all(f"staff{n}" not in text for n in range(5)) and "Practitioner" not in text
    assert AuditEvent.objects.filter(what="surveys.fhir", action="export").exists()
    _as(client, team.nurse)
    assert client.get("/surveys/export/").status_code == 403


def test_query_counts_of_the_staff_pages(team, client):
    opened = actions.open_round(practice=team.practice, by=team.manager, weeks=4)
    _answer_all(team, opened.pk, team.staff)
    _as(client, team.manager)
    assert queries_per_page(client, {"rounds": "/surveys/staff/", "answer": "/surveys/staff/answer/",
                                     "report": "/surveys/staff/report/"}) == {"rounds": 4, "answer": 3, "report": 4}
