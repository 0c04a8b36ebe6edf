"""In a real browser: a nurse at a practice that requires two-factor authentication signs in, sets up
an authenticator app from the QR code page (the code worked out here from the key shown, as a phone
app would), keeps the backup codes, signs out, and signs in again with the next code. axe checks
every page on the way (tests/browser/conftest.py)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, browser, check_accessibility, clinic, page, visit  # noqa: F401

from .auth_helpers import totp, wrong_codes


def _seconds_pass(user) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    long_ago = timezone.now() - dt.timedelta(hours=1)
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=long_ago)

pytestmark = [pytest.mark.browser]


def _password_step(page, username: str) -> None:  # noqa: F811 - the page fixture's page
    visit(page, "/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    check_accessibility(page)


def test_signing_in_with_two_factor_required_by_the_practice(page, clinic):  # noqa: F811
    from tandem.core import account_actions

    account_actions.set_two_factor_requirement(practice=clinic.practice, required=True, by=clinic.nurse)

    _password_step(page, "nurse")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_text("Riverside Surgery requires two-factor authentication")).to_be_visible()
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    secret = page.locator("code.tandem-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill(totp(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your backup codes")
    expect(page.locator(".tandem-backup-codes li")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Surgery")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    _password_step(page, "nurse")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    page.get_by_label("Enter the code from your authenticator app").fill(wrong_codes(secret, 1)[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    check_accessibility(page)  # the error summary and the message by the box
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The code is not right")
    _seconds_pass(clinic.nurse)  # django-otp refuses codes for a second or two after a wrong one
    # the set-up used this 30 seconds' code: an app shows the next one 30 seconds later
    page.get_by_label("Enter the code from your authenticator app").fill(totp(secret, at=time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Surgery")

    visit(page, "/account/")
    expect(page.get_by_text("You have 10 backup codes left")).to_be_visible()
