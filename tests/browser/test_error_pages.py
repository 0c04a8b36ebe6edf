"""Error pages look like the rest of Tandem, say what to do in plain words, and load nothing from other hosts.

Every page visited is also checked with axe and for requests to other hosts (see conftest.visit).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, sign_in, visit

pytestmark = pytest.mark.browser


def test_a_mistyped_address_shows_the_nhs_page_not_found_with_no_technical_detail(page, clinic):
    sign_in(page, "nurse")
    visit(page, "/patients/this-page-does-not-exist/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).to_contain_text("check it is correct")
    # The header and navigation are the usual ones, so the nurse can carry on.
    expect(page.get_by_role("link", name="Find a patient")).to_be_visible()
    body = page.locator("body").inner_text()
    for detail in ("URLconf", "urlpatterns", "Traceback", "DEBUG", "Django"):
        assert detail not in body
    screenshot(page, "error-404")


def test_pages_use_the_nhs_font_stack_without_fetching_a_web_font(page, clinic):
    visit(page, "/sign-in/")
    # Frutiger is named first, as in the NHS.UK frontend, and Arial follows for machines without it.
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "arial" in family.lower()
    # No web font was declared, so none was fetched from anywhere.
    assert page.evaluate("document.fonts.size") == 0
    sign_in(page, "nurse")
    visit(page, f"/patients/{clinic.patient.pk}/")
    assert page.evaluate("document.fonts.size") == 0
