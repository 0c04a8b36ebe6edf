"""A person's session on their own pages, in the browser: two minutes before they are signed out for not
using the pages, a warning says so and offers "Stay signed in" (WCAG 2.2.1); staying keeps them signed in;
otherwise, when the time is up, the page moves to the sign-in page, which says why. The browser's clock is
moved on by Playwright and the server's wall clock by the test, so nobody waits half an hour."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser, check_accessibility, clinic, page, screenshot  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_warning_before_signing_out_and_staying_signed_in(page, clinic, live_nhs_login, monkeypatch):  # noqa: F811
    from tandem.people import session

    page.tandem_allowed_hosts.add(urlsplit(live_nhs_login.issuer).netloc)
    page.clock.install()
    page.goto("/my/sign-in/?for=plan")
    page.get_by_label("User").fill("mother")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("care and support plan")
    warning = page.locator("#session-warning")
    expect(warning).to_be_hidden()

    page.clock.fast_forward("28:05")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("we will sign you out in 2 minutes")  # and it says why
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    check_accessibility(page)
    screenshot(page, "person-session-warning")

    # Staying signed in: a request that counts as using the pages, and the warning goes.
    started = session.wall_time()
    monkeypatch.setattr(session, "wall_time", lambda: started + 28 * 60)
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    # It counted: 29 minutes after staying (57 after signing in) they are still signed in.
    monkeypatch.setattr(session, "wall_time", lambda: started + 57 * 60)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("care and support plan")

    # Nothing more for 30 minutes: the page moves to sign in again, which says why.
    monkeypatch.setattr(session, "wall_time", lambda: started + 88 * 60)
    page.clock.fast_forward("30:10")
    page.wait_for_url("**/my/sign-in/")
    expect(page.locator("main")).to_contain_text("you had not used the page for a while")
    check_accessibility(page)
