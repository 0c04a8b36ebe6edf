"""The practice manager adds a member of staff, changes a role, records that someone has left and come
back, and chooses who does each step. Every page on the way is checked with axe."""

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
def team(clinic, settings):  # noqa: F811
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    core_actions.add_staff(practice=clinic.practice, username="manager", role=Role.MANAGER, by=None,
                           password=PASSWORD, first_name="Priya", last_name="Shah")
    return clinic


def _check(page):  # noqa: F811
    page.wait_for_load_state()
    check_accessibility(page)


def test_the_manager_runs_the_team(page, team):  # noqa: F811
    sign_in(page, "manager")
    visit(page, "/team/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team")
    screenshot(page, "team")

    page.get_by_role("button", name="Add a member of staff").click()
    _check(page)
    page.get_by_role("button", name="Add to the team").click()  # nothing typed: errors, linked to fields
    _check(page)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter their first name")
    page.get_by_label("First name").fill("Siân")
    page.get_by_label("Last name").fill("Okoro")
    page.get_by_label("Username").fill("sian.okoro")
    page.get_by_label("Email address").fill("sian.okoro@practice.example")
    page.get_by_label("Health care assistant").check()
    page.get_by_role("button", name="Add to the team").click()
    _check(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Siân Okoro")
    expect(page.get_by_role("status").first).to_contain_text("An email has been sent to sian.okoro@practice.example")

    page.get_by_label("Practice nurse").check()
    page.get_by_role("button", name="Save role").click()
    _check(page)
    expect(page.get_by_role("status").first).to_contain_text("Siân Okoro is now practice nurse")

    page.get_by_role("button", name="Record that they have left").click()
    _check(page)
    expect(page.get_by_role("button", name="Record that they have returned")).to_be_visible()
    visit(page, "/team/")
    expect(page.locator("table").nth(1)).to_contain_text("Siân Okoro")
    page.get_by_role("link", name="Siân Okoro").click()
    _check(page)
    page.get_by_role("button", name="Record that they have returned").click()
    _check(page)
    expect(page.get_by_role("status").first).to_contain_text("works at this practice again")

    visit(page, "/team/steps/")
    # roles in the order GP, nurse, HCA, pharmacist (then manager, administrator where they may)
    page.locator("#packs-5").uncheck()  # the practice manager no longer sends packs
    page.locator("#tests-2").uncheck()
    page.locator("#tests-3").uncheck()  # no one for tests appointments: refused
    page.get_by_role("button", name="Save").click()
    _check(page)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose at least one role for tests appointments")
    page.locator("#tests-3").check()
    page.get_by_role("button", name="Save").click()
    _check(page)
    expect(page.get_by_role("status").first).to_contain_text("Saved who does each step")
    screenshot(page, "team-steps")
    from tandem.core.rules import Role
    from tandem.team import queries

    steps = queries.who_does(team.practice)
    assert steps.tests == {Role.HCA} and steps.packs == {Role.ADMIN}
