"""How many database queries each page a clinician uses in a consultation makes, pinned, and that the
number does not grow with what is on the page (more items in the plan, more conversations in the
list, more replies): a query per row (N+1) would make a long list or a full plan slow for everyone.

The pinned numbers are upper bounds on each page's own queries: what the page makes beyond the home
page, less the home page's own (tests/core/test_home.py), so the queries every request makes
(the session, the user, their practice and role) are counted once, in the middleware's own tests. A
change that needs more queries raises a bound knowingly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.prepare import actions as prepare_actions
from tandem.prepare.actions import agenda as agenda_actions
from tests.careplans.test_workspace import the_form
from tests.core.home_queries import HOME_QUERIES, home_queries
from tests.recall.conftest import review_of


def _count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


def queries_for(client, path: str) -> int:
    """The page's own queries: those beyond the home page's, less the home page's own (its counts, the
    person's clinic and tasks: tests/core/test_home.py)."""
    every_page, home_own = home_queries(client)
    return _count(client, path) - (every_page - home_own)


def bigger_plan(u, rows: int) -> dict:
    """The workspace's small plan for Arthur with `rows` goals (two actions each), needs, medicine
    agreements, warning signs, people who took part and tasks for the team."""
    form = the_form(u)
    for i in range(rows):
        form |= {f"goals.{i}.id": "", f"goals.{i}.words": f"Goal {i}", f"goals.{i}.importance": "7",
                 f"goals.{i}.stage": "new"}
        for j in range(2):
            form |= {f"goals.{i}.actions.{j}.id": "", f"goals.{i}.actions.{j}.what": f"Step {i}.{j}",
                     f"goals.{i}.actions.{j}.who": "person", f"goals.{i}.actions.{j}.when": "weekly",
                     f"goals.{i}.actions.{j}.status": "not_started", f"goals.{i}.actions.{j}.confidence": "8"}
        form |= {f"needs.{i}.id": "", f"needs.{i}.text": f"Need {i}", f"needs.{i}.conditions": ["hypertension"],
                 f"medicines.{i}.id": "", f"medicines.{i}.kind": "continue", f"medicines.{i}.medicine": f"Medicine {i}",
                 f"medicines.{i}.reason": "Agreed", f"medicines.{i}.agreed_by": "Arthur and the nurse",
                 f"warning_signs.{i}.id": "", f"warning_signs.{i}.level": "amber", f"warning_signs.{i}.signs": f"Sign {i}",
                 f"participants.{i}.id": "", f"participants.{i}.name": f"Person {i}",
                 f"participants.{i}.relationship": "friend",
                 f"referrals.{i}.id": "", f"referrals.{i}.what": f"Task {i}", f"referrals.{i}.to": f"user:{u.nurse.pk}"}
    return form


@pytest.fixture
def nurse(client, booked):
    client.force_login(booked.nurse)
    client.get(reverse("home"))  # the first request of a session also stores the practice chosen
    return client


def save(client, u, form) -> None:
    response = client.post(reverse("careplans:workspace", args=[u.arthur.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]


# --- The care planning workspace and the FHIR document ------------------------------------------

# The staff read once (tasks and who holds it), the agenda once (its history), the conversation with
# its pack once; the register facts and risk tier from the summary's read (only the frailty read); how
# each goal of the last plan went between visits (one read of its goal ratings); the organisations outside the
# practice a referral can go to (one).
WORKSPACE_QUERIES = 21
# The FHIR document: the person, the version with its plan record, everyone it names at the practice
# (one read), carers, diagnoses, registers, the state of its tasks, the care team outside the practice (one
# read, tandem.careteam through careplans.hooks), and the audit row (and the local services, for a plan that
# names some).
FHIR_QUERIES = 9
PACK_QUERIES = 3  # the person, their conversations with the pack sent, the audit row


def test_the_workspace_reads_a_fixed_number_of_queries_however_long_the_plan(nurse, booked):
    u = booked
    path = reverse("careplans:workspace", args=[u.arthur.pk])
    save(nurse, u, bigger_plan(u, 1))
    small = queries_for(nurse, path)
    save(nurse, u, bigger_plan(u, 6) | {"base_version": "1"})
    large = queries_for(nurse, path)
    assert large == small
    assert large <= WORKSPACE_QUERIES


def test_the_fhir_document_reads_a_fixed_number_of_queries_however_long_the_plan(nurse, booked):
    u = booked
    path = reverse("careplans:fhir", args=[u.arthur.pk])
    save(nurse, u, bigger_plan(u, 1))
    small = queries_for(nurse, path)
    save(nurse, u, bigger_plan(u, 6) | {"base_version": "1"})
    large = queries_for(nurse, path)
    assert large == small
    assert large <= FHIR_QUERIES


def test_the_pack_in_the_workspace_is_read_in_a_fixed_number_of_queries(nurse, booked):
    prepare_actions.send_packs(practice=booked.practice, by=booked.admin, day=dt.date(2026, 6, 23))
    path = reverse("careplans:workspace_pack", args=[booked.arthur.pk])
    with CaptureQueriesContext(connection) as home:
        nurse.get(reverse("home"))
    with CaptureQueriesContext(connection) as pack:
        assert nurse.get(path, HTTP_HX_REQUEST="true").status_code == 200
    assert len(pack) - (len(home) - 1) <= PACK_QUERIES


# --- The patient summary --------------------------------------------------------------------------

# With one read of the person's contacts of the last two years for the continuity panel
# (tandem.continuity.person).
SUMMARY_QUERIES = 12  # tests/patients/test_summary.py holds it as the record grows


def test_the_summary_reads_a_fixed_number_of_queries(nurse, booked):
    assert queries_for(nurse, reverse("patients:summary", args=[booked.arthur.pk])) <= SUMMARY_QUERIES


# --- Care planning lists: the packs for the coming weeks, one conversation ------------------------

# The conversations with their people, packs sent, results preferences, replies and reply links (one),
# the practice's settings, fresh results, what the recall rules read (one), the audit rows (one
# statement for every person listed) and the sending job.
PACKS_QUERIES = 7  # with who sends packs at this practice (tandem.team): the button, or who does
CONVERSATION_QUERIES = 21


def _book(u, patient, day: int, hour: int):
    starts = dt.datetime(2026, 6, day, hour, tzinfo=timezone.get_current_timezone())
    return prepare_actions.book_conversation(review=review_of(patient), by=u.admin, starts_at=starts, minutes=20,
                                             clinician=u.nurse, place="Riverside Surgery, room 3")


def test_the_packs_list_reads_a_fixed_number_of_queries_however_many_conversations(nurse, booked):
    u = booked
    path = reverse("prepare:packs")
    three = queries_for(nurse, path)
    for day, patient in ((26, u.colin), (29, u.dilys), (30, u.edwin)):
        talk = _book(u, patient, day, 11)
        agenda_actions.record_agenda(conversation=talk, via="online", by=None, reply=agenda_actions.Reply(
            what_matters="Sleeping better", topics=("Sleep",), questions=""))
    six = queries_for(nurse, path)
    assert six == three
    assert six <= PACKS_QUERIES


def test_one_conversation_reads_a_fixed_number_of_queries_however_many_replies(nurse, booked):
    u = booked
    path = reverse("prepare:conversation", args=[u.arthur_talk.pk])

    def reply(n: int) -> None:
        agenda_actions.record_agenda(conversation=u.arthur_talk, via="online", by=None, reply=agenda_actions.Reply(
            what_matters=f"Reply {n}", topics=("Sleep",), questions="A question"))

    reply(0)
    save(nurse, u, bigger_plan(u, 1))
    before = queries_for(nurse, path)
    for n in range(1, 5):
        reply(n)
    save(nurse, u, bigger_plan(u, 4) | {"base_version": "1"})
    after = queries_for(nurse, path)
    assert after == before
    assert after <= CONVERSATION_QUERIES


# --- What every signed-in page reads before its own queries ---------------------------------------

def test_every_signed_in_page_reads_the_session_then_the_user_with_their_practices_in_one_query(nurse, booked):
    with CaptureQueriesContext(connection) as captured:
        response = nurse.get(reverse("home"))
    assert response.status_code == 200
    sql = [q["sql"] for q in captured]
    # the session; the user, memberships and practices; the home page's own (nothing to show: no audit row)
    assert len(sql) == 2 + HOME_QUERIES - 1
    assert "django_session" in sql[0]
    assert all(table in sql[1] for table in ("core_membership", "core_user", "core_practice"))
    assert response.wsgi_request.practice == booked.practice


def test_a_membership_removed_is_noticed_on_the_next_page(nurse, booked):
    from tandem.core.models import Membership

    Membership.objects.filter(user=booked.nurse).delete()
    response = nurse.get(reverse("careplans:workspace", args=[booked.arthur.pk]))
    assert response.status_code == 302  # no practice any more: sent to choose one, nothing shown
    assert "Arthur" not in response.content.decode()
