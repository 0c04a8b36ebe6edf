"""A nurse signs in, finds a person with several long-term conditions and reads their summary.

Every page visited is checked with axe (see conftest.visit / check_accessibility).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import check_accessibility, screenshot, sign_in, visit

pytestmark = pytest.mark.browser


def search(page, text: str) -> None:
    page.get_by_label("Find a patient").fill(text)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-heading")).to_be_visible()
    check_accessibility(page)


def test_nurse_finds_a_multimorbid_patient_and_reads_their_summary(page, clinic):
    visit(page, "/sign-in/")
    screenshot(page, "sign-in")
    sign_in(page, "nurse")
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Surgery")
    expect(page.get_by_text("Practice nurse")).to_be_visible()

    visit(page, "/patients/")
    page.evaluate("window.stillTheSamePage = true")
    search(page, "whitfield")
    # htmx swapped the results in without reloading the page; the address follows the search.
    assert page.evaluate("window.stillTheSamePage === true")
    # no identifiers in the address
    assert page.url.endswith("/patients/")
    expect(page.locator("#results-heading")).to_have_text("2 patients found")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    dorothy = rows.filter(has_text="Dorothy WHITFIELD")
    expect(dorothy).to_contain_text("999 000 0034")
    expect(dorothy).to_contain_text("11 February 1947 (79 years)")
    expect(dorothy.locator("td").last).to_have_text("5")  # long-term conditions
    expect(page.locator("#search-status")).to_have_text("2 patients found")
    screenshot(page, "patient-search")

    search(page, "999 000 0034")
    expect(page.locator("#results-heading")).to_have_text("1 patient found")
    page.get_by_role("link", name="Dorothy WHITFIELD").click()
    page.wait_for_url(f"**/patients/{clinic.patient.pk}/")
    check_accessibility(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Dorothy WHITFIELD")
    banner = page.locator(".tandem-patient-banner")
    expect(banner).to_contain_text("999 000 0034")
    expect(banner).to_contain_text("79 years")

    adjustments = page.locator(".tandem-adjustments")
    expect(adjustments).to_contain_text("Large print")
    expect(adjustments).to_contain_text("Interpreter: Polish")

    conditions = page.locator("section", has=page.locator("#conditions"))
    for name in ("Hypertension", "Type 2 diabetes mellitus", "Chronic obstructive pulmonary disease",
                 "Depression", "Chronic kidney disease stage 3 to 5"):
        expect(conditions).to_contain_text(name)
    expect(page.locator("#conditions")).to_contain_text("5")

    hba1c = page.locator("#result-hba1c")
    expect(hba1c).to_contain_text("72 mmol/mol")
    expect(hba1c).to_contain_text("Above target")
    expect(hba1c.get_by_role("img")).to_have_accessible_name(re.compile(r"^HbA1c readings .*72 mmol/mol in "))
    expect(page.locator("#result-blood_pressure")).to_contain_text("146/84 mmHg")
    expect(page.locator("#result-blood_pressure")).to_contain_text("Above target")  # 79 years: 140/90

    medicines = page.locator("section", has=page.locator("#medicines"))
    expect(medicines).to_contain_text("11 regular")
    expect(medicines).to_contain_text("Polypharmacy")
    expect(medicines).to_contain_text("Metformin 500mg tablets")

    contacts = page.locator("section", has=page.locator("#contacts"))
    expect(contacts).to_contain_text("A&E attendance")
    expect(contacts).to_contain_text("Did not attend")

    people = page.locator("section", has=page.locator("#people"))
    expect(people).to_contain_text("Alan Whitfield")
    expect(people).to_contain_text("Carer")

    page.locator("#result-hba1c summary").click()
    expect(hba1c.locator("details table")).to_be_visible()
    check_accessibility(page)
    page.locator("#result-hba1c summary").click()
    screenshot(page, "patient-summary")


def test_search_works_without_htmx(page, clinic):
    """Progressive enhancement: with htmx not loaded the form is an ordinary GET form."""
    page.route("**/htmx.min.js", lambda route: route.abort())
    sign_in(page, "nurse")
    visit(page, "/patients/")
    page.get_by_label("Find a patient").fill("whitfield, dorothy")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    check_accessibility(page)
    expect(page.locator("#results-heading")).to_have_text("1 patient found")
    visit(page, "/patients/")
    page.get_by_label("Find a patient").fill("9990000035")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    check_accessibility(page)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("not a valid NHS number")
    expect(page).to_have_title(re.compile(r"^Error: "))


def test_an_invalid_nhs_number_is_explained_in_place(page, clinic):
    sign_in(page, "nurse")
    visit(page, "/patients/")
    page.get_by_label("Find a patient").fill("999 000 0035")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("check digit does not match")
    expect(page.locator(".nhsuk-error-message")).to_contain_text("check digit does not match")
    expect(page).to_have_title(re.compile(r"^Error: Find a patient"))
    check_accessibility(page)


def test_a_gp_in_two_practices_chooses_where_they_are_working(page, clinic):
    sign_in(page, "gp")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which practice are you working in?")
    screenshot(page, "choose-practice")
    page.get_by_label(re.compile("Hillview Medical Centre")).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hillview Medical Centre")
    check_accessibility(page)

    # Working at Hillview, the Riverside patient does not exist.
    visit(page, f"/patients/{clinic.patient.pk}/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    visit(page, "/patients/")
    search(page, "whitfield")
    expect(page.locator("#results-heading")).to_have_text("No patients found")


def test_another_practices_patient_is_not_found(page, clinic):
    sign_in(page, "nurse")
    visit(page, f"/patients/{clinic.foreign_patient.pk}/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
