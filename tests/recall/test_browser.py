"""An administrator works the recall board: filters, searches, sends the month's invitations and
watches the progress bar, records a booking; the practice manager sets capacity. Every page on the
way is checked with axe."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401
    PASSWORD,
    browser,
    check_accessibility,
    clinic,
    page,
    screenshot,
    sign_in,
    visit,
)

from .conftest import ADDRESS, person

pytestmark = [pytest.mark.browser]
D = dt.date


@pytest.fixture
def board(clinic):  # noqa: F811
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.recall import actions
    from tandem.registers import actions as register_actions

    practice = clinic.practice
    practice.address_line1, practice.phone = "1 Riverside Road", "0113 496 0000"
    practice.save()
    core_actions.add_staff(practice=practice, username="admin", role=Role.ADMIN, by=None, password=PASSWORD,
                           first_name="Sam", last_name="Reed")
    core_actions.add_staff(practice=practice, username="manager", role=Role.MANAGER, by=None, password=PASSWORD,
                           first_name="Priya", last_name="Shah")
    person(practice, nhs_number="9990000050", given="Colin", family="Dare", born=D(1970, 7, 20),
           conditions=["asthma"], adjustments=["large_print"], **ADDRESS)
    person(practice, nhs_number="9990000069", given="Beatrice", family="Cole", born=D(1960, 7, 1),
           conditions=["copd", "heart_failure"], preferred_channel="sms", mobile="07700 900001", **ADDRESS)
    person(practice, nhs_number="9990000085", given="Fatima", family="Green", born=D(1975, 6, 12),
           conditions=["hypertension", "diabetes_type2"], preferred_channel="email", email="f@example.org",
           **ADDRESS)
    register_actions.refresh_practice(practice=practice, by=None)
    actions.plan_reviews(practice=practice, by=None)
    return clinic


def test_administrator_works_the_recall_board(page, board):  # noqa: F811
    from tandem.jobs import worker

    sign_in(page, "admin")
    visit(page, "/recall/")
    rows = page.locator("table.recall-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Beatrice COLE")).to_contain_text("Tests: 61 min: HCA 26, nurse 35")
    screenshot(page, "recall-board")

    page.get_by_label("Condition").select_option("copd")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/recall/?*condition=copd*")
    check_accessibility(page)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Beatrice COLE")
    expect(rows.first).to_contain_text("GP or specialist nurse")

    page.get_by_label("Due").select_option("both")
    page.get_by_label("Condition").select_option("")
    page.get_by_role("button", name="Filter").click()
    page.get_by_label("Name, NHS number or date of birth").fill("green")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(rows).to_have_count(1)
    assert "green" not in page.url.lower()
    page.get_by_role("button", name="Clear search").click()
    page.wait_for_load_state()
    expect(rows).to_have_count(3)

    page.get_by_role("button", name="Send this month's invitations").click()
    page.wait_for_url("**/recall/send/")
    check_accessibility(page)
    screenshot(page, "recall-send")
    page.get_by_role("button", name="Send 3 invitations and the reminders due").click()
    page.wait_for_url("**/recall/#send")
    progress = page.get_by_role("progressbar")
    expect(progress).to_have_count(1)
    check_accessibility(page)
    worker.run_pending(limit=1)
    expect(page.locator(".tandem-job__count")).to_have_text("3 of 3", timeout=10_000)
    expect(page.locator("#recall-summary")).to_contain_text("Invited: 2", timeout=10_000)  # counts refresh
    check_accessibility(page)
    screenshot(page, "recall-board-sent")
    page.get_by_role("link", name="Show the list as it is now").click()
    page.wait_for_load_state()

    row = rows.filter(has_text="Colin DARE")
    expect(row).to_contain_text("First invitation sent")
    row.get_by_role("link", name="Record a booking for Colin DARE").click()
    page.wait_for_url(re.compile(r".*/recall/patients/\d+/\?next=.*"))
    page.get_by_label("Booked").check()
    page.get_by_label("Day").last.fill("2")
    page.get_by_label("Month").last.fill("7")
    page.get_by_label("Year").last.fill("2026")
    page.get_by_label("Tests appointment time (for a booking)").fill("10:30")
    page.get_by_role("button", name="Record response").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_text("Recorded for Colin DARE: booked.")).to_be_visible()
    expect(rows.filter(has_text="Colin DARE")).to_contain_text("Booked for 2 July 2026 at 10:30")

    rows.filter(has_text="Colin DARE").get_by_role("link", name="Colin DARE", exact=True).click()
    page.wait_for_url("**/recall/patients/*/")
    check_accessibility(page)
    expect(page.get_by_role("heading", name="Tests appointment")).to_be_visible()
    screenshot(page, "recall-review")
    expect(page.locator("table").last).to_contain_text("First invitation sent by letter (large print)")
    page.get_by_label("Attended").check()
    page.get_by_role("button", name="Record response").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_text("There is nothing to record: the review is attended.")).to_be_visible()


def test_practice_manager_sets_recall_and_capacity(page, board):  # noqa: F811
    sign_in(page, "manager")
    visit(page, "/recall/settings/")
    page.get_by_label("Reminders: weeks after the first invitation").fill("4, 2")
    page.get_by_role("button", name="Save recall settings").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("later than the one before")
    page.get_by_label("Reminders: weeks after the first invitation").fill("2, 4")
    page.get_by_label("Health care assistants").fill("5")
    page.get_by_label("Practice nurses").fill("5")
    page.get_by_role("button", name="Save recall settings").click()
    page.wait_for_url("**/recall/settings/")
    check_accessibility(page)
    screenshot(page, "recall-settings")
    visit(page, "/recall/")
    warning = page.locator(".nhsuk-card--warning")
    expect(warning).to_contain_text("Not enough staff time")
    expect(warning).to_contain_text("June 2026: Health care assistants: 5 minutes a week short (10 needed, 5 available)")
