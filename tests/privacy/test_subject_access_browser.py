"""The practice manager makes a person's copy of their data in a browser: every page checked with axe."""

from __future__ import annotations

import pytest

from tandem.jobs.worker import run_pending
from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401


@pytest.mark.browser
def test_the_manager_finds_the_person_asks_for_their_copy_and_downloads_it(transactional_db, booked, page):  # noqa: F811
    from playwright.sync_api import expect

    sign_in(page, "manager")
    visit(page, "/privacy/")
    page.get_by_label("Find the person").fill("999 000 0034")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_role("link", name="Arthur BENNETT").click()
    page.wait_for_load_state()
    check_accessibility(page)
    page.get_by_role("button", name="Make a copy of their data").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Their copy is being made")).to_be_visible()
    check_accessibility(page)
    run_pending()
    page.reload()
    page.wait_for_load_state()
    check_accessibility(page)
    screenshot(page, "privacy-subject-access")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (ZIP)").click()
    assert download.value.suggested_filename.endswith(".zip")
