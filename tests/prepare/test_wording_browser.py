"""The practice manager changes a block of pack wording: opens the list, opens a block, types
(the reading age and preview update as they type), is stopped by wording that is too hard, saves,
and finds the new version in the history. Every page on the way is checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401
    PASSWORD,
    browser,
    check_accessibility,
    page,
    screenshot,
    sign_in,
    visit,
)

pytestmark = [pytest.mark.browser]

HARD = ("Notwithstanding the aforementioned considerations, comprehensive multidisciplinary evaluation "
        "necessitates substantial preparatory documentation, {given_name}.")
MINE = "Dear {given_name}\n\nWe will see you on {date}. This pack helps you get ready."


@pytest.fixture
def practice(transactional_db):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    practice = core_actions.create_practice(ods_code="A81001", name="Riverside Surgery", by=None)
    core_actions.add_staff(practice=practice, username="manager", role=Role.MANAGER, by=None, password=PASSWORD,
                           first_name="Priya", last_name="Shah")
    return practice


def test_practice_manager_changes_the_opening_wording(page, practice):  # noqa: F811
    sign_in(page, "manager")
    visit(page, "/prepare/wording/")
    expect(page.get_by_role("heading", name="Pack and invitation wording", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Opening and closing")).to_be_visible()
    screenshot(page, "prepare-wording-list")

    page.get_by_role("link", name="Change the standard wording: Opening", exact=True).click()
    page.wait_for_url("**/prepare/wording/intro/standard/")
    check_accessibility(page)
    live = page.locator("#wording-check")
    expect(live).to_contain_text("Within the limit")
    box = page.get_by_label("Standard wording")

    box.fill(HARD)
    expect(live).to_contain_text("Over the limit")
    expect(live).to_contain_text("The limit for standard wording is a reading age of 11")
    check_accessibility(page)

    box.fill(MINE)
    expect(live).to_contain_text("Within the limit")
    expect(page.locator("#wording-preview")).to_contain_text(
        "We will see you on Tuesday 14 July. This pack helps you get ready.")
    check_accessibility(page)
    screenshot(page, "prepare-wording-block")

    box.fill(HARD)
    expect(live).to_contain_text("Over the limit")
    page.get_by_role("button", name="Save wording").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_label("Standard wording")).to_have_value(HARD)

    page.get_by_label("Standard wording").fill(MINE)
    page.get_by_label("What did you change? (optional)").fill("Shorter opening")
    page.get_by_role("button", name="Save wording").click()
    page.wait_for_url("**/prepare/wording/intro/standard/")
    check_accessibility(page)
    expect(page.get_by_text("Saved. Version 1 of this wording is now used in new packs.")).to_be_visible()
    history = page.locator("#history ~ div table")
    expect(history).to_contain_text("Version 1")
    expect(history).to_contain_text("Shorter opening")
    expect(history).to_contain_text("Priya Shah")

    page.get_by_role("link", name="Version 1").click()
    page.wait_for_url("**/versions/1/")
    check_accessibility(page)
    expect(page.locator(".tandem-wording-text")).to_contain_text("This pack helps you get ready.")

    visit(page, "/prepare/wording/")
    expect(page.get_by_text("Your wording, version 1")).to_be_visible()


def test_two_managers_editing_at_once_see_a_conflict_and_lose_nothing(page, practice):  # noqa: F811
    from tandem.core.models import User
    from tandem.messaging import wording_actions as actions

    sign_in(page, "manager")
    visit(page, "/prepare/wording/closing/easy_read/")
    page.get_by_label("Easy read wording").fill("If you cannot come, call us on {phone}.\n\nSee you soon.\n\n{practice}")
    actions.save_wording(practice=practice, block="closing", variant="easy_read", by=User.objects.get(),
                         text="Please call {phone} if you cannot come.\n\nSee you soon.\n\n{practice}", expected_version=0)
    page.get_by_role("button", name="Save wording").click()
    page.wait_for_load_state()
    check_accessibility(page)
    conflict = page.locator("#conflict")
    expect(conflict).to_contain_text("Someone else saved this wording")
    expect(conflict).to_contain_text("Please call {phone} if you cannot come.")
    expect(page.get_by_label("Your wording")).to_have_value("If you cannot come, call us on {phone}.\n\nSee you soon.\n\n{practice}")
    screenshot(page, "prepare-wording-conflict")

    page.get_by_role("button", name="Save wording").click()
    page.wait_for_url("**/prepare/wording/closing/easy_read/")
    check_accessibility(page)
    expect(page.get_by_text("Saved. Version 2 of this wording is now used in new packs.")).to_be_visible()
    page.get_by_role("button", name="Go back to Tandem's standard wording").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_text("Tandem's standard wording is in use again, saved as version 3.")).to_be_visible()
