"""A nurse builds a cohort (COPD with asthma) with the live preview, saves it and sees it listed;
every registers page on the way is checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tandem.registers import actions
from tests.browser.conftest import (  # noqa: F401
    browser,
    check_accessibility,
    clinic,
    page,
    screenshot,
    sign_in,
    visit,
)

from .builders import add_patient

pytestmark = [pytest.mark.browser]

COPD = ("diagnosis", "13645005", "2018-01-01")
ASTHMA = ("diagnosis", "195967001", "2005-04-01")


@pytest.fixture
def registers(clinic):  # noqa: F811
    add_patient(clinic.practice, "1950-03-01", [COPD, ASTHMA], given="Ada", family="Lovelace")
    add_patient(clinic.practice, "1958-07-09", [COPD, ASTHMA, ("emergency", "2026-03-01")], given="Grace",
                family="Hopper")
    add_patient(clinic.practice, "1962-11-30", [ASTHMA], given="Alan", family="Turing")
    actions.refresh_practice(practice=clinic.practice, by=None)
    return clinic


def test_nurse_builds_a_cohort_with_a_live_preview(page, registers):  # noqa: F811
    sign_in(page, "nurse")
    for path in ("/registers/", "/registers/tiers/", "/registers/worklist/"):
        visit(page, path)
    visit(page, "/registers/cohorts/")
    page.get_by_role("button", name="Create a cohort").click()
    page.wait_for_url("**/registers/cohorts/new/")
    check_accessibility(page)
    count = page.locator("#cohort-count")
    expect(count).to_have_text("4")  # everyone on a register: Dorothy (the clinic's multimorbid patient) and three above

    all_of = page.locator("fieldset", has_text="On all of these registers")
    all_of.get_by_label("Chronic obstructive pulmonary disease", exact=True).check()
    expect(count).to_have_text("3")  # Dorothy has COPD too
    all_of.get_by_label("Asthma", exact=True).check()
    expect(count).to_have_text("2")
    expect(page.locator("#cohort-preview table tbody tr")).to_have_count(2)
    expect(page.locator("#cohort-preview")).to_contain_text("Grace HOPPER")
    check_accessibility(page)

    page.get_by_label("From age").fill("70")
    expect(count).to_have_text("1")
    expect(page.locator("#cohort-preview")).to_contain_text("Ada LOVELACE")
    check_accessibility(page)
    screenshot(page, "cohort-builder")

    page.get_by_label("Name of the cohort").fill("COPD with asthma, 70 and over")
    # the live preview answers typing; the test server shares one in-memory SQLite connection between
    # requests, so let it finish before the save (a real server has a connection per request)
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Save cohort").click()
    page.wait_for_url("**/registers/cohorts/")
    check_accessibility(page)
    row = page.locator("table tbody tr", has_text="COPD with asthma, 70 and over")
    expect(row).to_contain_text("Aged 70 or over")
    expect(row.locator("td").last).to_have_text("1")


def test_saving_without_a_name_shows_the_error_summary(page, registers):  # noqa: F811
    sign_in(page, "nurse")
    visit(page, "/registers/cohorts/new/")
    page.get_by_role("button", name="Save cohort").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter a name for the cohort")
    check_accessibility(page)
    assert page.title().startswith("Error:")
