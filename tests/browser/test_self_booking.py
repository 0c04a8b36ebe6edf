"""A person books their tests appointment and conversation on their invitation's link on a phone-sized
screen (390 pixels wide) with JavaScript turned off, then changes and cancels one. Every page on the way
is checked with axe (in a second browser tab with JavaScript, at the same width and with the same
cookies, since axe is a script); TANDEM_SCREENSHOTS=1 writes each page's picture."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tandem.booking.models import Appointment
from tandem.core import clock
from tandem.messaging import link_actions, links
from tandem.messaging.models import ReplyLink
from tandem.patients.models import Patient
from tests.booking.conftest import booking_week, open_reviews  # noqa: F401
from tests.browser.conftest import (  # noqa: F401
    _describe_outside,
    _one_request_at_a_time,
    _refuse_other_hosts,
    browser,
    check_accessibility,
    screenshot,
)
from tests.clinics.conftest import team  # noqa: F401

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def invited(transactional_db, booking_week):  # noqa: F811
    w = booking_week
    [w.review] = open_reviews(w.practice, 1)
    Patient.objects.filter(pk=w.review.patient_id).update(preferred_channel="email", email="person@example.org")
    w.review.patient.refresh_from_db()
    w.token = link_actions.issue_links(practice=w.practice, by=w.admin, requests=[link_actions.LinkRequest(
        patient=w.review.patient, purpose=ReplyLink.Purpose.INVITATION, object_id=w.review.pk,
        expires_at=links.invitation_expires_at(clock.now()))])[0].token
    return w


@pytest.fixture
def phones(browser, live_server):  # noqa: F811
    """(no_script, checker): a phone-sized page with JavaScript off, where the person does everything,
    and one with JavaScript on, sharing its cookies, where axe checks each page as the person saw it."""
    _one_request_at_a_time(live_server)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB",
                                  timezone_id="Europe/London", java_script_enabled=False)
    checking = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB",
                                   timezone_id="Europe/London")
    outside = _refuse_other_hosts(context, live_server.url)[0] + _refuse_other_hosts(checking, live_server.url)[0]
    page, checker = context.new_page(), checking.new_page()
    for p in (page, checker):
        p.set_default_timeout(15_000)
        p.tandem_outside_requests = outside
    yield page, checker
    context.close()
    checking.close()
    assert not outside, _describe_outside(outside)


def _checked(page, checker, name: str) -> None:
    """Axe on the page the person is looking at (a GET of the same address, with their cookies), no
    sideways scrolling at 390 pixels, and its picture."""
    checker.context.clear_cookies()
    checker.context.add_cookies(page.context.cookies())
    checker.goto(page.url, wait_until="load")
    check_accessibility(checker)
    assert checker.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"
    screenshot(page, name)


def _submit(page, button: str) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def test_a_person_books_changes_and_cancels_on_a_phone_without_javascript(phones, invited):
    page, checker = phones
    w = invited
    born = w.review.patient.date_of_birth
    page.goto(f"/r/{w.token}/")
    page.get_by_label("Day").fill(str(born.day))
    page.get_by_label("Month").fill(str(born.month))
    page.get_by_label("Year").fill(str(born.year))
    _submit(page, "Continue")
    assert page.url.endswith("/answer/")
    _checked(page, checker, "selfbook-answer")
    page.get_by_role("button", name="Book my appointments now").click()
    page.wait_for_load_state()
    assert page.url.endswith("/book/")

    _submit(page, "Continue")  # nothing chosen: a clear error
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose one of the times shown")
    _checked(page, checker, "selfbook-tests-error")
    page.get_by_role("link", name="Later dates").click()
    page.wait_for_load_state()
    assert "?from=" in page.url
    page.get_by_role("link", name="The soonest dates").click()
    page.wait_for_load_state()
    _checked(page, checker, "selfbook-tests")
    page.get_by_label("Tuesday 23 June 2026 at 9am").check()
    _submit(page, "Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time for your care planning conversation")
    _checked(page, checker, "selfbook-conversation")
    page.locator("input[name=place]").first.check()
    _submit(page, "Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your appointments")
    _checked(page, checker, "selfbook-check")
    _submit(page, "Book these appointments")
    expect(page.locator(".nhsuk-panel")).to_contain_text("Your appointments are booked")
    expect(page.locator(".nhsuk-panel")).to_contain_text("We will send you an email to confirm it")
    _checked(page, checker, "selfbook-booked")
    assert Appointment.objects.filter(review=w.review, state="booked", booked_online=True).count() == 2

    page.get_by_role("link", name="Change your tests appointment").click()
    page.wait_for_load_state()
    _checked(page, checker, "selfbook-change")
    page.locator("input[name=place]").first.check()
    _submit(page, "Change to this time")
    expect(page.locator(".nhsuk-panel")).to_contain_text("Your appointment has been changed")

    page.get_by_role("link", name="Cancel your care planning conversation").click()
    page.wait_for_load_state()
    _checked(page, checker, "selfbook-cancel")
    _submit(page, "Yes, cancel it")
    expect(page.locator(".nhsuk-panel")).to_contain_text("Your appointment has been cancelled")
    _checked(page, checker, "selfbook-yours")
    assert not Appointment.objects.filter(review=w.review, kind="conversation", state="booked").exists()
