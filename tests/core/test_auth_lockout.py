"""Sign-in lock-out (django-axes): per account and per address, the right password refused while
locked, the lock ending after TANDEM_LOCKOUT_MINUTES, and a safe `next`."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tandem.core import actions as core_actions
from tandem.core.rules import Role

from .auth_helpers import PASSWORD, sign_in


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.TANDEM_SIGN_IN_ACCOUNT_FAILURES = settings.AXES_FAILURE_LIMIT = 5
    settings.TANDEM_SIGN_IN_ADDRESS_FAILURES = 12
    settings.TANDEM_LOCKOUT_MINUTES = 15


def _fail(client, username, times, *, address="10.1.1.1"):
    for _ in range(times):
        sign_in(client, username, "not-the-password", address=address)


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(client, universe):
    _fail(client, "nurse", 4)
    assert sign_in(client, "nurse", "not-the-password").status_code == 429  # the fifth locks
    locked = sign_in(client, "nurse")  # then the right password
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Signing in is paused" in page
    assert "Wait 15 minutes, then try again" in page
    assert reverse("core:password_reset") in page
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302  # not signed in


def test_an_account_locked_from_one_address_is_locked_from_every_address(client, universe):
    _fail(client, "nurse", 5, address="10.1.1.1")
    assert sign_in(client, "nurse", address="10.9.9.9").status_code == 429


def test_one_locked_account_does_not_lock_a_colleague_at_the_same_address(client, universe):
    _fail(client, "nurse", 5)
    response = sign_in(client, "admin")
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_many_failures_from_one_address_lock_that_address_for_every_account(client, universe):
    # 12 failures spread over accounts that do not exist (none reaches the account limit)
    for n in range(12):
        sign_in(client, f"guess{n}", "not-the-password", address="10.6.6.6")
    assert sign_in(client, "nurse", address="10.6.6.6").status_code == 429
    # the accounts themselves are not locked: from elsewhere the nurse signs in
    assert sign_in(client, "nurse", address="10.7.7.7").status_code == 302


def test_the_lock_ends_after_the_lockout_time(client, universe):
    _fail(client, "nurse", 5)
    assert sign_in(client, "nurse").status_code == 429
    # time passes: the last failure (which the refused right password renewed) is 16 minutes old
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    response = sign_in(client, "nurse")
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_lockout_time_is_a_setting(client, universe, settings):
    settings.TANDEM_LOCKOUT_MINUTES = 60
    _fail(client, "nurse", 5)
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    locked = sign_in(client, "nurse")
    assert locked.status_code == 429 and "Wait 60 minutes" in locked.content.decode()


def test_failures_are_logged_without_username_or_address(client, universe, caplog):
    core_actions.add_staff(practice=universe.practice, username="jane.doe", role=Role.NURSE, by=None,
                           password=PASSWORD)
    with caplog.at_level("INFO"):
        _fail(client, "jane.doe", 5, address="10.44.44.44")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "AXES" in text  # the failures were logged
    assert "jane.doe" not in text and "10.44.44.44" not in text


def test_what_was_typed_is_not_kept_in_the_failure_records(client, universe):
    sign_in(client, "nurse", "nearly-the-password")
    attempt = AccessAttempt.objects.get()
    assert "nearly-the-password" not in attempt.post_data


@pytest.mark.parametrize("target", ["foo", "//evil.example/", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", ""])
def test_sign_in_goes_home_when_next_is_not_a_page_of_tandem(client, universe, target):
    response = sign_in(client, "nurse", next=target)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_sign_in_returns_to_the_page_asked_for(client, universe):
    wanted = reverse("patients:summary", args=[universe.patient.pk]) + "?tab=results"
    page = client.get(reverse("core:login") + "?next=" + wanted.replace("?", "%3F").replace("=", "%3D"))
    assert f'value="{wanted}"' in page.content.decode()
    response = sign_in(client, "nurse", next=wanted)
    assert response.status_code == 302 and response["Location"] == wanted


def test_the_demo_password_still_signs_in(client, universe):
    """The password policy applies to new passwords; existing ones, like the demo's, keep working."""
    from tandem.demo.management.commands.demo_setup import DEMO_PASSWORD

    core_actions.add_staff(practice=universe.practice, username="demo.nurse", role=Role.NURSE, by=None,
                           password=DEMO_PASSWORD)
    assert sign_in(client, "demo.nurse", DEMO_PASSWORD).status_code == 302
