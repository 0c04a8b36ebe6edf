"""A nurse opens the Learn pages: the cycle as a chart and a table, the gap, a step's people and the
outcomes. Every page is checked with axe (WCAG 2.2 AA)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401
from tests.learn.test_funnel_counts import cycle  # noqa: F401
from tests.learn.test_outcomes import world  # noqa: F401
from tests.prepare.conftest import booked, planned, recall  # noqa: F401

pytestmark = [pytest.mark.browser]


@pytest.fixture
def learning(transactional_db, cycle):  # noqa: F811
    return cycle


def test_a_nurse_reads_the_cycle_and_follows_a_step_to_its_people(page, learning):  # noqa: F811
    sign_in(page, "nurse", "correct-horse-battery")
    visit(page, "/learn/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Is care planning happening?")
    expect(page.locator("#cycle-caption")).to_be_visible()
    expect(page.get_by_role("img", name="People at each step of the care planning cycle, 2026/27")).to_be_visible()
    screenshot(page, "learn-dashboard")

    page.locator("#cycle-caption").locator("xpath=..").get_by_role("link", name=re.compile("^On a register")).click()
    page.wait_for_url("**/learn/step/on_register/**")
    check_accessibility(page)
    expect(page.locator("main")).to_contain_text("Arthur Bennett")
    screenshot(page, "learn-step")

    visit(page, "/learn/?condition=copd")
    visit(page, "/learn/outcomes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Is care planning changing anything?")
    expect(page.locator("main")).to_contain_text("less than a year ago are not counted yet: fewer than 5")


@pytest.fixture
def compared(transactional_db, world):  # noqa: F811
    return world


def test_a_nurse_reads_the_outcomes_table(page, compared):  # noqa: F811
    sign_in(page, "nurse", "correct-horse-battery")
    visit(page, "/learn/outcomes/")
    expect(page.locator("#caption-everyone")).to_be_visible()
    expect(page.locator("main")).to_contain_text("-13.0")
    screenshot(page, "learn-outcomes")
