"""Two-factor authentication (django-otp): setting up an authenticator app with its QR code and key,
signing in with a code worked out here as a phone app would, backup codes, and a practice that
requires it."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tandem.core import account_actions
from tandem.core.models import AuditEvent
from tandem.core.rules import Role

from .auth_helpers import PASSWORD, backup_codes_on_page, secret_on_page, sign_in, totp, wrong_codes

STEP = 30


def _set_up_from_account(client) -> tuple[str, list[str]]:
    """Turn two-factor on from the account page; returns the app's key and the backup codes."""
    page = client.get(reverse("core:two_factor_set_up"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code
    secret = secret_on_page(html)
    response = client.post(reverse("core:two_factor_set_up"), {"code": totp(secret)})
    assert response.status_code == 302 and response["Location"] == reverse("core:backup_codes")
    codes = backup_codes_on_page(client.get(reverse("core:backup_codes")).content.decode())
    return secret, codes


@pytest.fixture
def nurse_with_app(client, universe):
    client.force_login(universe.nurse)
    secret, codes = _set_up_from_account(client)
    client.logout()
    return secret, codes


def test_setting_up_an_app_shows_backup_codes_once(client, universe):
    client.force_login(universe.nurse)
    _, codes = _set_up_from_account(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("core:backup_codes")).status_code == 302  # not shown again
    account = client.get(reverse("core:account")).content.decode()
    assert "You have 10 backup codes left" in account
    assert AuditEvent.objects.filter(what="account.two_factor", user=universe.nurse, detail__two_factor="on").exists()


def test_a_wrong_code_does_not_turn_it_on(client, universe):
    client.force_login(universe.nurse)
    secret = secret_on_page(client.get(reverse("core:two_factor_set_up")).content.decode())
    [wrong] = wrong_codes(secret, 1)
    response = client.post(reverse("core:two_factor_set_up"), {"code": wrong})
    assert response.status_code == 400
    assert "The code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=universe.nurse, confirmed=True).exists()


def test_signing_in_asks_for_the_code_and_nobody_is_signed_in_before_it(client, universe, nurse_with_app):
    secret, _ = nurse_with_app
    wanted = reverse("patients:summary", args=[universe.patient.pk])
    response = sign_in(client, "nurse", next=wanted)
    assert response.status_code == 302 and response["Location"] == reverse("core:sign_in_code")
    assert client.get(wanted).status_code == 302  # not signed in yet
    page = client.get(reverse("core:sign_in_code"))
    assert "Enter the code from your authenticator app" in page.content.decode()
    # the set-up used this 30 seconds' code; an app shows the next one 30 seconds later
    response = client.post(reverse("core:sign_in_code"), {"code": totp(secret, at=time.time() + STEP)})
    assert response.status_code == 302 and response["Location"] == wanted
    assert client.get(wanted).status_code == 200


def test_a_wrong_code_is_refused_and_counts_towards_the_lock_out(client, universe, nurse_with_app, settings):
    settings.TANDEM_SIGN_IN_ACCOUNT_FAILURES = settings.AXES_FAILURE_LIMIT = 3
    secret, _ = nurse_with_app
    first, second, third = wrong_codes(secret, 3)
    sign_in(client, "nurse")
    response = client.post(reverse("core:sign_in_code"), {"code": first})
    assert response.status_code == 400
    assert "The code is not right" in response.content.decode()
    assert client.post(reverse("core:sign_in_code"), {"code": ""}).status_code == 400
    _seconds_pass(universe.nurse)
    client.post(reverse("core:sign_in_code"), {"code": second})
    _seconds_pass(universe.nurse)
    locked = client.post(reverse("core:sign_in_code"), {"code": third})
    assert locked.status_code == 429
    # the right password and the right code are both refused now
    assert sign_in(client, "nurse").status_code == 429


def _seconds_pass(user) -> None:
    """After a wrong code django-otp refuses codes for a few seconds: let them pass."""
    long_ago = timezone.now() - dt.timedelta(hours=1)
    StaticDevice.objects.filter(user=user).update(throttling_failure_timestamp=long_ago)
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=long_ago)


def test_a_backup_code_signs_in_once(client, universe, nurse_with_app):
    _, codes = nurse_with_app
    sign_in(client, "nurse")
    response = client.post(reverse("core:sign_in_code"), {"code": f"{codes[0][:4].upper()} {codes[0][4:]}"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    client.logout()
    sign_in(client, "nurse")
    assert client.post(reverse("core:sign_in_code"), {"code": codes[0]}).status_code == 400
    _seconds_pass(universe.nurse)
    assert client.post(reverse("core:sign_in_code"), {"code": codes[1]}).status_code == 302
    assert "You have 8 backup codes left" in client.get(reverse("core:account")).content.decode()


def test_right_after_a_wrong_code_the_person_is_told_to_wait(client, universe, nurse_with_app):
    _, codes = nurse_with_app
    sign_in(client, "nurse")
    client.post(reverse("core:sign_in_code"), {"code": "notacode"})
    response = client.post(reverse("core:sign_in_code"), {"code": codes[0]})
    assert response.status_code == 400
    assert "Wait a few seconds after a wrong code, then enter the code again" in response.content.decode()
    _seconds_pass(universe.nurse)
    assert client.post(reverse("core:sign_in_code"), {"code": codes[0]}).status_code == 302


def test_the_code_step_expires(client, universe, nurse_with_app, monkeypatch):
    secret, _ = nurse_with_app
    sign_in(client, "nurse")
    later = time.time() + 6 * 60
    monkeypatch.setattr("tandem.core.views.time.time", lambda: later)
    response = client.post(reverse("core:sign_in_code"), {"code": totp(secret, at=time.time() + STEP)})
    assert response.status_code == 302 and response["Location"] == reverse("core:login")


def test_the_code_page_needs_the_password_first(client, universe):
    assert client.get(reverse("core:sign_in_code")).status_code == 302
    assert client.post(reverse("core:sign_in_code"), {"code": "123456"})["Location"] == reverse("core:login")


def test_a_practice_that_requires_two_factor_makes_its_staff_set_it_up_at_sign_in(client, universe):
    account_actions.set_two_factor_requirement(practice=universe.practice, required=True, by=universe.nurse)
    response = sign_in(client, "nurse")
    assert response.status_code == 302 and response["Location"] == reverse("core:sign_in_set_up")
    assert client.get(reverse("home")).status_code == 302  # not signed in until it is set up
    page = client.get(reverse("core:sign_in_set_up")).content.decode()
    assert "Riverside Surgery requires two-factor authentication" in page
    secret = secret_on_page(page)
    response = client.post(reverse("core:sign_in_set_up"), {"code": totp(secret)})
    assert response.status_code == 302 and response["Location"] == reverse("core:backup_codes")
    assert len(backup_codes_on_page(client.get(reverse("core:backup_codes")).content.decode())) == 10
    assert client.get(reverse("home")).status_code == 200
    # and it cannot be turned off while the practice requires it
    client.post(reverse("core:two_factor_off"))
    assert TOTPDevice.objects.filter(user=universe.nurse, confirmed=True).exists()


def test_staff_of_another_practice_are_not_asked(client, universe):
    account_actions.set_two_factor_requirement(practice=universe.practice, required=True, by=universe.nurse)
    response = sign_in(client, "othernurse")
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_practice_manager_decides_whether_the_practice_requires_it(client, universe):
    from tandem.core import actions as core_actions

    manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None,
                                     password=PASSWORD)
    client.force_login(universe.nurse)
    assert "Require two-factor authentication" not in client.get(reverse("core:account")).content.decode()
    assert client.post(reverse("core:practice_security"), {"require_two_factor": "yes"}).status_code == 403
    universe.practice.refresh_from_db()
    assert not universe.practice.require_two_factor
    client.force_login(manager)
    assert "Require two-factor authentication" in client.get(reverse("core:account")).content.decode()
    response = client.post(reverse("core:practice_security"), {"require_two_factor": "yes"})
    assert response.status_code == 302
    universe.practice.refresh_from_db()
    assert universe.practice.require_two_factor
    assert AuditEvent.objects.filter(what="practice.security", practice=universe.practice, user=manager).exists()


def test_turning_two_factor_off(client, universe, nurse_with_app):
    client.force_login(universe.nurse)
    client.post(reverse("core:two_factor_off"))
    assert not TOTPDevice.objects.filter(user=universe.nurse).exists()
    client.logout()
    assert sign_in(client, "nurse")["Location"] == reverse("home")


def test_new_backup_codes_replace_the_old_ones(client, universe, nurse_with_app):
    _, old = nurse_with_app
    client.force_login(universe.nurse)
    assert client.post(reverse("core:new_backup_codes"))["Location"] == reverse("core:backup_codes")
    new = backup_codes_on_page(client.get(reverse("core:backup_codes")).content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    client.logout()
    sign_in(client, "nurse")
    assert client.post(reverse("core:sign_in_code"), {"code": old[0]}).status_code == 400
    _seconds_pass(universe.nurse)
    assert client.post(reverse("core:sign_in_code"), {"code": new[0]}).status_code == 302
