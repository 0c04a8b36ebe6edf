"""A person types the code from their invitation letter, gives their date of birth and asks to be
called back; staff see the answer on the person's recall page. Every page on the way is checked with axe."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tandem.messaging import link_actions
from tandem.messaging.models import OutboxMessage
from tandem.recall import actions as recall_actions
from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401
from tests.recall.conftest import planned, recall  # noqa: F401

from .test_reply_links import PRINTED_CODE

pytestmark = [pytest.mark.browser]


@pytest.fixture
def invited(transactional_db, planned):  # noqa: F811
    recall_actions.send_due_invitations(practice=planned.practice, month=dt.date(2026, 6, 1), by=planned.admin)
    letter = OutboxMessage.objects.get(patient=planned.colin)
    planned.code = PRINTED_CODE.search(link_actions.as_sent(letter.letter_html, html=True)).group(1)
    return planned


def test_a_person_answers_their_invitation_with_the_code_from_their_letter(page, invited):  # noqa: F811
    u = invited
    visit(page, "/r/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your letter")
    screenshot(page, "reply-code")
    page.get_by_label("Enter the code from your letter").fill("KX7M")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the 8-character code")

    page.get_by_label("Enter the code from your letter").fill(u.code.lower())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your date of birth")
    page.get_by_label("Day").fill("20")
    page.get_by_label("Month").fill("7")
    page.get_by_label("Year").fill("1970")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/answer/")
    check_accessibility(page)
    screenshot(page, "reply-invitation-answer")

    page.get_by_role("button", name="Send").click()  # nothing chosen: a clear error
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose what you would like to do")

    page.get_by_label("Please call me to book").check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/answered/")
    check_accessibility(page)
    expect(page.locator("main")).to_contain_text("We will call you in the next few working days")
    screenshot(page, "reply-invitation-answered")

    sign_in(page, "admin")
    visit(page, f"/recall/patients/{u.colin.pk}/")
    expect(page.locator("main")).to_contain_text("Online answer: Asked us to call them back")
