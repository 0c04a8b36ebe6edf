"""In a real browser, under the Content-Security-Policy the server sends, the staff journey runs with no
violation: the NHS.UK components start (the page template's inline scripts carry the nonce), htmx swaps
search results and saves drafts without eval or styles of its own, and no page has an inline style the
browser must refuse. The `page` fixture (tests/browser/conftest.py) collects violations from the
`securitypolicyviolation` event and the console across every page of every browser test, and fails the
test if there is one; this test walks the pages of a consultation and of the practice manager."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, browser, check_accessibility, page, sign_in, visit  # noqa: F401
from tests.prepare.conftest import booked, planned, recall  # noqa: F401

pytestmark = [pytest.mark.browser]


def assert_frontend_started(page) -> None:  # noqa: F811 - the page fixture's page
    classes = page.evaluate("document.body.className")
    assert "js-enabled" in classes and "nhsuk-frontend-supported" in classes, (
        f"the NHS.UK page script did not run on {page.url} (its nonce?)")


def test_the_staff_journey_meets_no_content_security_policy_violation(page, booked):  # noqa: F811
    u = booked
    sign_in(page, "manager", PASSWORD)
    assert_frontend_started(page)

    visit(page, "/patients/")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Find a patient").fill("bennett")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-heading")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === true"), "htmx did not swap the results in"
    check_accessibility(page)

    for path in (f"/patients/{u.arthur.pk}/", "/recall/", "/prepare/", f"/prepare/conversations/{u.arthur_talk.pk}/",
                 "/registers/", "/messages/", "/jobs/", f"/care-plans/{u.arthur.pk}/plan/", "/care-plans/services/"):
        visit(page, path)
        assert_frontend_started(page)

    visit(page, f"/care-plans/{u.arthur.pk}/")
    assert_frontend_started(page)
    page.evaluate("window.stillTheSamePage = true")
    with page.expect_response(lambda r: r.url.endswith("/autosave/") and r.status == 200):
        page.locator("#goals-0-words").fill("Walk to the allotment")
    page.get_by_role("button", name="Add another goal").click()
    expect(page.locator("#goals-1-words")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === true")
    check_accessibility(page)

    assert not page.csp_violations, "\n".join(page.csp_violations)


def test_a_violation_would_be_seen(page, booked):  # noqa: F811
    """The recorder itself works: a style attribute added by hand is refused and recorded."""
    visit(page, "/sign-in/")
    with page.expect_console_message(lambda m: "CSP violation" in m.text):
        page.evaluate("""() => { const d = document.createElement("div"); d.innerHTML = '<p style="color: red">x</p>';
                                 document.body.appendChild(d); }""")
    assert any("style-src" in v for v in page.csp_violations), page.csp_violations
    page.csp_violations.clear()  # (made on purpose; the fixture would fail the test at its end)
