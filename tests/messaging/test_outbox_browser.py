"""An administrator sends waiting messages and follows them through the outbox (axe on every page)."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tandem.jobs import worker
from tandem.messaging import actions
from tests.browser.conftest import (  # noqa: F401 - browser and page are fixtures
    _missing,
    browser,
    check_accessibility,
    page,
    screenshot,
    sign_in,
    visit,
)

if _missing() and not os.environ.get("CI"):
    pytest.skip(_missing(), allow_module_level=True)

pytestmark = [pytest.mark.browser]


def test_administrator_sends_messages_and_opens_a_letter(page, queue, settings, universe):  # noqa: F811
    settings.TANDEM_SMS_GATEWAY = None
    queue("sms")
    actions.dispatch_pending()
    queue("letter"), queue("letter", variant="easy_read"), queue("email")

    sign_in(page, "admin")
    visit(page, "/messages/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    expect(page.get_by_text("3 messages are waiting to send.")).to_be_visible()
    expect(page.locator("#outbox caption")).to_contain_text("4 messages")
    screenshot(page, "outbox")

    page.get_by_label("State").select_option("queued")
    page.get_by_role("button", name="Show messages").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator("#outbox tbody tr")).to_have_count(3)

    page.get_by_role("button", name="Send waiting messages").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/\?back="))
    check_accessibility(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Send queued messages")
    progress = page.get_by_role("progressbar", name="Send queued messages: waiting to start")
    expect(progress).to_be_visible()

    worker.run_pending()  # the worker, run here rather than as a process
    # htmx polls once a second; the bar fills and the outcome is announced once
    expect(page.locator(".tandem-job__count")).to_have_text("3 of 3")
    expect(page.get_by_role("status")).to_have_text("Send queued messages: finished. 3 of 3.")
    assert page.locator("[hx-trigger]").count() == 0  # polling has stopped
    check_accessibility(page)
    screenshot(page, "job-progress")

    page.get_by_role("link", name="Back").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator("#outbox tbody")).not_to_contain_text("Waiting to send")
    letter_link = page.get_by_role("link", name="Open letter to Margaret Okafor (PDF)").first
    response = page.request.get(letter_link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf" and response.body().startswith(b"%PDF")

    page.get_by_role("link", name="Margaret Okafor").first.click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recall invitation to Margaret Okafor")

    visit(page, "/messages/demo/texts/")
    expect(page.locator("table")).to_contain_text("Hello Margaret")
    screenshot(page, "demo-texts")
    visit(page, "/messages/demo/mailbox/")
