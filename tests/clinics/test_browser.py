"""The practice manager sets up a week of clinic sessions in the browser: a weekly session (a typo
first), a one-off change, a cancellation and a week of leave; the nurse sees the week but cannot change
it. Every page on the way is checked with axe."""

from __future__ import annotations

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

pytestmark = [pytest.mark.browser]


@pytest.fixture
def practice(clinic):  # noqa: F811
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    core_actions.add_staff(practice=clinic.practice, username="manager", role=Role.MANAGER, by=None,
                           password=PASSWORD, first_name="Priya", last_name="Shah")
    core_actions.add_staff(practice=clinic.practice, username="hca", role=Role.HCA, by=None,
                           password=PASSWORD, first_name="Grace", last_name="Okoro")
    return clinic


def _checked(page):  # noqa: F811
    page.wait_for_load_state()
    check_accessibility(page)


def test_the_manager_sets_up_a_week_of_sessions(page, practice):  # noqa: F811
    sign_in(page, "manager")
    visit(page, "/clinics/weekly/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly sessions")
    page.get_by_role("link", name="Add a weekly session").first.click()
    _checked(page)
    page.get_by_label("Who holds the session").select_option(label="Grace Okoro (Health care assistant)")
    page.get_by_label("Tests appointments", exact=True).check()
    page.get_by_label("Place (optional)").fill("Treatment room")
    page.get_by_label("Start time").fill("8:30")
    page.get_by_label("End time").fill("8.00")  # a slip: before the start
    page.get_by_label("Day of the week").select_option(label="Tuesday")
    page.get_by_role("button", name="Save weekly session").click()
    _checked(page)
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("End time must be after the start time")
    summary.get_by_role("link").first.click()
    expect(page.locator("#end_time")).to_be_focused()
    expect(page.get_by_label("Place (optional)")).to_have_value("Treatment room")  # nothing typed is lost
    page.get_by_label("End time").fill("11:30")
    page.get_by_label("End time").press("Enter")  # Enter saves the form it is in
    _checked(page)
    expect(page.get_by_role("status").first).to_contain_text("Weekly session added")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Week of 15 to 21 June 2026")
    expect(page.locator("main")).to_contain_text("Grace Okoro")
    screenshot(page, "clinics-week")

    # One Tuesday is a training afternoon: change it on its own, then cancel the one after
    page.get_by_role("link", name="Change the session at 08:30 to 11:30 on Tuesday 16 June 2026").click()
    _checked(page)
    page.get_by_label("End time").fill("10:30")
    page.get_by_role("button", name="Save session").click()
    _checked(page)
    expect(page.locator("main")).to_contain_text("08:30 to 10:30")
    page.get_by_role("link", name="Next").click()
    _checked(page)
    page.get_by_role("link", name="Change the session at 08:30 to 11:30 on Tuesday 23 June 2026").click()
    page.get_by_label("Reason (optional)").fill("Practice training")
    page.get_by_role("button", name="Cancel session").click()
    _checked(page)
    expect(page.locator("main")).to_contain_text("Cancelled: Practice training")

    # Grace's week of leave
    visit(page, "/clinics/leave/")
    _checked(page)
    page.get_by_label("Who").select_option(label="Grace Okoro (Health care assistant)")
    leave = page.get_by_role("group", name="First day of leave")
    leave.get_by_label("Day").fill("29")
    leave.get_by_label("Month").fill("6")
    leave.get_by_label("Year").fill("2026")
    back = page.get_by_role("group", name="Last day of leave")
    back.get_by_label("Day").fill("3")
    back.get_by_label("Month").fill("7")
    back.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Add leave").click()
    _checked(page)
    expect(page.get_by_role("status").first).to_contain_text("1 of their sessions will not be held")
    screenshot(page, "clinics-leave")
    visit(page, "/clinics/?week=2026-06-29")
    expect(page.locator("main")).to_contain_text("Staff leave")

    # The nurse sees the week and nothing to change it with
    page.context.clear_cookies()
    sign_in(page, "nurse")
    visit(page, "/clinics/?week=2026-06-15")
    _checked(page)
    expect(page.locator("main")).to_contain_text("Grace Okoro")
    expect(page.get_by_role("link", name="Add a weekly session")).to_have_count(0)
