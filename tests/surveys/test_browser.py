"""The survey pages in a browser, checked with axe (WCAG 2.2 AA): the manager opens a round, a nurse sees
"A survey is waiting" and answers it; the results after the round closes; a person answers their survey
on their phone (390 pixels, no JavaScript)."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tests.browser.conftest import (  # noqa: F401 (fixtures)
    _one_request_at_a_time,
    browser,
    check_accessibility,
    page,
    sign_in,
    visit,
)
from tests.browser.test_self_booking import _checked, _submit, phones  # noqa: F401

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TANDEM_SURVEY_SHOTS", "")


def _shot(page, name):  # noqa: F811
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def team(transactional_db):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.surveys import actions

    practice = core_actions.create_practice(ods_code="A81001", name="Riverside Surgery", by=None)
    manager = core_actions.add_staff(practice=practice, username="manager", role=Role.MANAGER, by=None,
                                     password="tandem-demo")
    nurse = core_actions.add_staff(practice=practice, username="nurse", role=Role.NURSE, by=None,
                                   password="tandem-demo")
    staff = [core_actions.add_staff(practice=practice, username=f"s{n}", role=Role.GP, by=None) for n in range(5)]
    earlier = actions.open_round(practice=practice, by=manager, weeks=2)
    for user in staff:
        actions.record_staff_answer(practice=practice, by=user, round_id=earlier.pk,
                                    answers={**{f"b{n}": "4" for n in range(1, 21)}, "a1": "6"})
    actions.close_round(practice=practice, by=manager, round_id=earlier.pk, revision=earlier.revision)
    return practice, manager, nurse


def test_the_staff_survey_in_a_browser(page, team):  # noqa: F811
    sign_in(page, "manager", "tandem-demo")
    visit(page, "/surveys/staff/")
    _shot(page, "rounds")
    page.get_by_role("button", name="Open the staff survey").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "nurse", "tandem-demo")
    assert page.get_by_text("A survey is waiting").is_visible()
    _shot(page, "home")
    page.get_by_role("link", name="Answer the staff survey").click()
    page.wait_for_load_state()
    check_accessibility(page)
    _shot(page, "answer")
    page.get_by_role("group", name="1. I can see how the care and support planning approach differs from usual ways of "
                                   "working").get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert page.get_by_text("kept without your name").is_visible()
    visit(page, "/surveys/staff/report/")
    _shot(page, "report")
    assert page.get_by_role("cell", name="4.0").first.is_visible()


def test_a_person_answers_their_survey_on_a_phone(phones, team):  # noqa: F811
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.rules.document import Plan
    from tandem.messaging.models import OutboxMessage
    from tandem.patients import actions as patient_actions
    from tandem.surveys import actions
    from tests.checkins.conftest import working_link

    practice, manager, nurse = team
    person = patient_actions.register_patient(
        practice=practice, by=None, nhs_number="999 000 0018", given_name="Dorothy", family_name="Reyes",
        date_of_birth=dt.date(1950, 4, 3), sex="female", postcode="LS1 4AB")
    person.mobile = "07700 900123"
    person.save(update_fields=["mobile"])
    plan_actions.save_plan(patient=person, by=nurse, base_version=0, plan=Plan(
        information="Walking", held_on="2026-06-01", agreed_on="2026-06-01", agreed_with_person=True,
        held_by_id=nurse.pk))
    assert actions.send_due(practice=practice, by=None).sent == 1
    token = working_link(OutboxMessage.objects.get(template="care_planning_survey"))
    phone, checker = phones
    phone.goto(f"/r/{token}/")
    phone.get_by_label("Day").fill("3")
    phone.get_by_label("Month").fill("4")
    phone.get_by_label("Year").fill("1950")
    _submit(phone, "Continue")
    _checked(phone, checker, "survey-person")
    _shot(phone, "person")
    _submit(phone, "Send my answers")  # nothing chosen: says who is answering is needed
    assert phone.get_by_text("Say who is answering").first.is_visible()
    _shot(phone, "person-error")
    phone.get_by_label("I am the person this survey was sent to").check()
    phone.get_by_role("group", name="1. Asked for my ideas when we made a treatment plan.").get_by_label(
        "Most of the time").check()
    _submit(phone, "Send my answers")
    _checked(phone, checker, "survey-person-done")
    assert phone.get_by_role("heading", name="Thank you for your answers").is_visible()
