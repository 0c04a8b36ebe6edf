"""The home page is the signed-in person's work: today's clinic, tasks for them and their role (overdue
marked), how many people they are the named clinician of, and where to start; in a fixed number of
queries, whatever the day holds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from tandem.careplans import actions as plan_actions
from tandem.careplans.rules.document import Plan, Referral
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.patients import actions as patient_actions
from tests.booking.conftest import booking_week  # noqa: F401 - fixtures
from tests.booking.test_day_list import day  # noqa: F401
from tests.clinics.conftest import team  # noqa: F401
from tests.core.home_queries import HOME_QUERIES, home_queries


def _text(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _task(w, patient, what, *, to_role="", to_user=None, by_when=""):
    plan = Plan(referrals=(Referral(id="", what=what, to_role=to_role, to_user_id=to_user.pk if to_user else None,
                                    by_when=by_when),))
    plan_actions.save_plan(patient=patient, by=w.nurse, plan=plan, base_version=0)


@pytest.fixture
def work(day):  # noqa: F811
    """Wednesday's clinic (tests/booking/test_day_list.py): Hannah (HCA) sees two people for tests, Nia
    (nurse) one for a conversation. A task for the nurses, overdue on Wednesday; one for Nia by name;
    Nia is the named clinician of two people."""
    w = day
    _task(w, w.people[7], "Check inhaler technique", to_role="nurse", by_when="2026-06-16")
    _task(w, w.people[8], "Phone about foot check", to_user=w.nurse)
    for person in w.people[10:12]:
        patient_actions.set_named_clinician(patient=person, by=w.manager, clinician=w.nurse)
    return w


def test_the_nurse_sees_her_clinic_her_tasks_and_her_people(client, work):
    client.force_login(work.nurse)
    with clock.frozen(dt.datetime(2026, 6, 17, 8, 30)):
        text = _text(client)
    assert "Today's clinic You have 1 appointment today." in text
    assert f"10:00 {work.talker.given_name} {work.talker.family_name} Care planning conversation" in text
    assert "Tasks for you and your role 2 open tasks, 1 overdue" in text
    assert "Check inhaler technique" in text and "Phone about foot check" in text and "Overdue" in text
    assert "You are the named clinician of 2 people registered here." in text
    assert "Find a patient" in text  # where to start, as before


def test_the_hca_sees_her_own_clinic_and_no_tasks(client, work):
    client.force_login(work.hca)
    with clock.frozen(dt.datetime(2026, 6, 17, 8, 30)):
        text = _text(client)
    assert "You have 2 appointments today." in text
    assert text.index(work.two.family_name) < text.index(work.four.family_name)  # 9:00, then 9:15
    assert "You have no open tasks." in text
    assert "You are not the named clinician of anyone registered here." in text


def test_the_administrator_sees_an_empty_day_and_tasks_for_the_administration_team(client, work):
    _task(work, work.people[9], "Send the leaflet", to_role="admin")
    client.force_login(work.admin)
    with clock.frozen(dt.datetime(2026, 6, 17, 8, 30)):
        text = _text(client)
    assert "You have no appointments today." in text
    assert "1 open task." in text and "Send the leaflet" in text and "Check inhaler technique" not in text


def test_the_people_the_home_page_names_are_audited_as_viewed(client, work):
    client.force_login(work.nurse)
    with clock.frozen(dt.datetime(2026, 6, 17, 8, 30)):
        _text(client)
    seen = set(AuditEvent.objects.filter(what="home", user=work.nurse).values_list("patient_id", flat=True))
    # today's clinic, her tasks, and the people whose named clinician she is
    assert seen == {work.talker.pk, work.people[7].pk, work.people[8].pk, work.people[10].pk, work.people[11].pk}


def _own_queries(client) -> int:
    return home_queries(client)[1]


def test_the_home_page_reads_a_fixed_number_of_queries_however_much_work_there_is(client, work):
    client.force_login(work.nurse)
    with clock.frozen(dt.datetime(2026, 6, 17, 8, 30)):
        few = _own_queries(client)
        for i in range(12, 20):
            _task(work, work.people[i], f"Task {i}", to_role="nurse", by_when="2026-06-16")
        many = _own_queries(client)
    assert few == many == HOME_QUERIES
