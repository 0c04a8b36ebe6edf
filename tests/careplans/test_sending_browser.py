"""Sending the plan home in a browser: the nurse sends it (with a copy to a carer), the page says what
was queued; the person reads it on a phone (390px wide) after their date of birth."""

from __future__ import annotations

import os
import re

import pytest
from django.urls import reverse

from tandem.messaging.link_actions import Secret
from tandem.messaging.models import OutboxMessage
from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401
from tests.careplans.test_sending import plan_fixture  # noqa: F401 - the fixture `plan`

SHOTS = os.environ.get("TANDEM_SENDING_SHOTS", "")  # a folder: full-page pictures for a person to look at


def _shot(page, name):  # noqa: F811
    screenshot(page, name)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.browser
def test_a_nurse_sends_the_plan_and_the_person_reads_it_on_their_phone(transactional_db, plan, page):  # noqa: F811
    from playwright.sync_api import expect

    sign_in(page, "nurse")
    visit(page, reverse("careplans:plan", args=[plan.arthur.pk]))
    expect(page.get_by_role("heading", name="Send the plan")).to_be_visible()
    page.locator("#send-channel").check()  # email
    page.get_by_label("Joan Bennett (spouse or partner)").check()
    page.locator(f"#send-carer-{plan.joan.pk}-letter").check()
    page.get_by_role("button", name="Send the plan").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Tick to confirm that the person has agreed that Joan Bennett may have a copy").first
           ).to_be_visible()
    check_accessibility(page)
    page.get_by_label("They have agreed that Joan Bennett may have a copy").check()
    page.get_by_role("button", name="Send the plan").click()
    page.wait_for_load_state()
    expect(page.get_by_text("In the outbox to send: an email to Arthur Bennett; a letter (standard print) to Joan "
                            "Bennett.")).to_be_visible()
    check_accessibility(page)
    _shot(page, "careplans-plan-sent")

    page.locator("#send-channel-3").check()  # a text
    page.get_by_role("button", name="Send the plan").click()
    page.wait_for_load_state()
    token = Secret(nonce=re.search(r"reply-token-([0-9a-f]{32})",
                                   OutboxMessage.objects.get(channel="sms").body)[1]).token
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    visit(page, reverse("reply:start", args=[token]))
    page.get_by_label("Day").fill("9")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("1950")
    page.get_by_role("button", name=re.compile("Continue|Open|Next")).click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="My care and support plan")).to_be_visible()
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "careplans-plan-online-390")
