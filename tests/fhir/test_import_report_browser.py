"""The practice manager imports a file with several kinds of problem and reads every one of them on
the result page once the worker has imported it; a nurse searches with an NHS number typed in
full-width digits and finds the person, and with a superscript digit and is told what is wrong.
Every page is checked with axe."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401

from .test_import_report import blood_pressure, hba1c, patient

pytestmark = [pytest.mark.browser]
PASSWORD = "correct-horse-battery"


@pytest.fixture
def practice(transactional_db):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.patients import actions as patient_actions

    class P:
        pass

    p = P()
    p.practice = core_actions.create_practice(ods_code="A81001", name="Riverside Surgery", by=None)
    core_actions.add_staff(practice=p.practice, username="manager", role=Role.MANAGER, by=None, password=PASSWORD)
    core_actions.add_staff(practice=p.practice, username="nurse", role=Role.NURSE, by=None, password=PASSWORD)
    p.patient = patient_actions.register_patient(practice=p.practice, by=None, nhs_number="9990000018",
                                                 given_name="Margaret", family_name="Okafor",
                                                 date_of_birth=dt.date(1948, 3, 2), sex="female")
    return p


def test_every_problem_of_a_file_is_listed_on_the_result_page(page, practice, tmp_path, settings):  # noqa: F811
    from tandem.jobs import worker

    settings.TANDEM_IMPORT_DIR = tmp_path / "imports"
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": patient(born="1950-01-01")},
        {"resource": patient("9990000042", pid="p2", deceasedDateTime="2027-02-01")},
        {"resource": hba1c(oid="early", when="1949-06-01")},
        {"resource": blood_pressure(80, 120)},
        {"request": {"method": "DELETE", "url": "Observation/x"}},
    ]}
    path = tmp_path / "ann-lee.json"
    path.write_text(json.dumps(bundle))
    sign_in(page, "manager")
    visit(page, "/import/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name=re.compile("Import")).click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Importing records")  # the worker has it
    check_accessibility(page)
    worker.run_pending()
    page.reload()
    check_accessibility(page)
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    body = page.locator("main")
    expect(body).to_contain_text("died on 1 February 2027, which is in the future")
    expect(body).to_contain_text("before the person was born (1 January 1950)")
    expect(body).to_contain_text("is not above the diastolic (bottom) reading 120 mmHg")
    expect(body).to_contain_text("importing into Tandem never deletes")
    screenshot(page, "import-every-problem")


def test_nhs_numbers_in_other_digits_are_read_on_the_search_page(page, practice):  # noqa: F811
    sign_in(page, "nurse")
    visit(page, "/patients/")
    page.get_by_label("Find a patient").fill("\uff19\uff19\uff19 \uff10\uff10\uff10 \uff10\uff10\uff11\uff18")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text("999 000 0018")
    expect(page.locator("main")).to_contain_text("OKAFOR")
    check_accessibility(page)
    page.get_by_label("Find a patient").fill("999000001\u00b2")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("check digit does not match")
    check_accessibility(page)
    screenshot(page, "search-superscript-digit")
    visit(page, "/patients/")  # the search is kept: coming back shows it again, not an error page
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("check digit does not match")
