"""The conversation records what happened. A nurse types in the workspace and presses Enter, as
people do at the end of a line: nothing is saved as a version (a version can never be removed), the
draft is kept and the form stays. Then she keeps or closes each item of last year's plan and saves
with the button; the written plan names her and the day of the conversation, and the conversation
page says the plan was agreed. Every page is checked with axe."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in, visit
from tests.prepare.conftest import booked, planned, recall  # noqa: F401

pytestmark = [pytest.mark.browser]


@pytest.fixture
def last_year(transactional_db, booked):  # noqa: F811
    """Arthur's plan from a year ago: one goal with one action, and a medicine agreement."""
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.rules.document import Action, Goal, MedicationAgreement, Plan
    from tandem.core import clock

    plan = Plan(goals=(Goal(id="", words="Walk to the allotment", importance=8, stage="working_on",
                            actions=(Action(id="", what="Walk after lunch", confidence=7),)),),
                medicines=(MedicationAgreement(id="", kind="continue", medicine="All current medicines"),),
                agreed_with_person=True, review_date="2026-06-01")
    with clock.frozen(dt.date(2025, 6, 20)):
        plan_actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=plan, base_version=0)
    return booked


def _versions(patient) -> int:
    from tandem.careplans.models import PlanVersion

    return PlanVersion.objects.filter(patient=patient).count()


def _enter(page, field, text: str) -> None:
    """Type into a field and press Enter; wait for the autosave that typing sends."""
    with page.expect_response(lambda r: r.url.endswith("/autosave/") and r.status == 200):
        field.fill(text)
        field.press("Enter")


def test_enter_in_a_text_field_does_not_save_the_plan(page, last_year):
    from tandem.careplans.models import Draft

    u = last_year
    workspace = f"/care-plans/{u.arthur.pk}/"
    sign_in(page, "nurse")
    visit(page, workspace)
    page.evaluate("window.stillTheSamePage = true")

    _enter(page, page.locator("#goals-0-actions-0-what"), "Walk to the end of the road and")
    _enter(page, page.locator("#review_by"), "Nia")
    page.get_by_role("button", name="Add another goal").click()
    _enter(page, page.locator("#goals-1-words"), "Sleep through")

    assert page.evaluate("window.stillTheSamePage === true")  # no form was submitted
    assert page.url.endswith(workspace)
    assert _versions(u.arthur) == 1  # still only last year's
    expect(page.locator("#plan-form")).to_be_visible()
    expect(page.locator("#goals-0-actions-0-what")).to_have_value("Walk to the end of the road and")
    draft = Draft.objects.get(patient=u.arthur, user=u.nurse).content
    assert draft["goals"][0]["actions"][0]["what"] == "Walk to the end of the road and"
    assert draft["goals"][1]["words"] == "Sleep through"
    check_accessibility(page)


def test_saving_is_the_button_and_records_who_held_it_and_when(page, last_year):
    u = last_year
    sign_in(page, "nurse")
    visit(page, f"/care-plans/{u.arthur.pk}/")
    expect(page.locator("#held_by_id")).to_have_value(str(u.nurse.pk))
    expect(page.locator("#held_on-day")).to_have_value("15")
    expect(page.locator("#areas-medication_review-status")).to_contain_text("Not yet")

    page.get_by_role("button", name="Save the plan").first.click()  # last year's items undecided
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Choose whether to keep, change or close last year's goal.")
    assert _versions(u.arthur) == 1

    page.locator('input[name="goals.0.decision"][value="keep"]').check()
    page.locator('input[name="goals.0.actions.0.decision"][value="keep"]').check()
    page.locator('input[name="medicines.0.decision"][value="close"]').check()
    page.get_by_label("The plan was agreed with Arthur").check()
    page.get_by_role("button", name="Save the plan").first.click()
    page.wait_for_url(re.compile(rf".*/care-plans/{u.arthur.pk}/plan/"))
    check_accessibility(page)
    assert _versions(u.arthur) == 2
    plan = page.locator(".plan")
    expect(plan).to_contain_text("15 June 2026, with Nia Evans, practice nurse")
    expect(plan).to_contain_text("I agreed this plan on 15 June 2026")
    expect(plan).not_to_contain_text("All current medicines")

    visit(page, f"/prepare/conversations/{u.arthur_talk.pk}/")
    expect(page.locator("#plan-agreed")).to_contain_text("Plan agreed")
    expect(page.locator("#plan-agreed")).to_contain_text("No copy recorded yet")
    expect(page.get_by_role("link", name="Start the care planning conversation")).to_have_count(0)
    expect(page.get_by_role("link", name="Open the care plan")).to_be_visible()
