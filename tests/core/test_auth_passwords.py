"""Passwords: the policy (Django's validators), changing one, and resetting a forgotten one by email
sent over SMTP to the demo mail sink, which ends every other session and lifts a lock-out."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tandem.core.models import User
from tandem.messaging.sink import MailSink

from .auth_helpers import PASSWORD, sign_in

NEW_PASSWORD = "kettle-harbour-violet-42"


@pytest.mark.parametrize(("password", "says"), [
    ("short-pass1", "at least 12 characters"),
    ("1q2w3e4r5t6y", "too common"),
    ("482910375561", "entirely numeric"),
    ("nia.evans@practice", "too similar"),
])
def test_the_password_policy_refuses_weak_passwords(universe, password, says):
    universe.nurse.email = "nia.evans@practice.example"
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=universe.nurse)
    assert says in " ".join(refused.value.messages)


def test_a_long_unrelated_password_is_accepted(universe):
    validate_password(NEW_PASSWORD, user=universe.nurse)


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, universe):
    elsewhere = Client()
    assert sign_in(elsewhere, "nurse").status_code == 302
    assert sign_in(client, "nurse").status_code == 302
    page = client.get(reverse("core:password_change"))
    assert "at least 12 characters" in page.content.decode()
    response = client.post(reverse("core:password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("core:account")
    assert client.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home")).status_code == 302  # signed out there
    client.logout()
    assert sign_in(client, "nurse", NEW_PASSWORD).status_code == 302


def test_a_weak_new_password_is_refused_with_the_reason_linked_to_the_box(client, universe):
    client.force_login(universe.nurse)
    response = client.post(reverse("core:password_change"), {
        "old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This password is too short. It must contain at least 12 characters." in html
    assert 'href="#id_new_password2"' in html  # the error summary links to the box
    assert "<title>Error: Change your password" in html


def test_the_wrong_current_password_is_refused(client, universe):
    client.force_login(universe.nurse)
    response = client.post(reverse("core:password_change"), {
        "old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 400
    assert "Your old password was entered incorrectly" in response.content.decode()


@pytest.fixture
def mail_sink(settings):
    """The demo mail sink on a free port; Django's mailer sends to it over SMTP."""
    received = []
    server = MailSink(deliver=received.append, port=0)
    port = server.start_in_thread()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10}}}
    settings.TANDEM_PUBLIC_URL = "https://tandem.practice.example"
    yield received
    server.stop()


def _reset_link(envelope) -> str:
    message = email.message_from_bytes(envelope.data, policy=policy.default)
    assert message["Subject"] == "Reset your Tandem password"
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https://tandem\.practice\.example(/password-reset/\S+/)", body)
    assert found, body
    return found.group(1)


def test_a_forgotten_password_is_reset_through_the_emailed_link(client, universe, mail_sink):
    User.objects.filter(pk=universe.nurse.pk).update(email="nia.evans@practice.example")
    elsewhere = Client()
    sign_in(elsewhere, "nurse")
    response = client.post(reverse("core:password_reset"), {"email": "nia.evans@practice.example"})
    assert response.status_code == 302 and response["Location"] == reverse("core:password_reset_done")
    [envelope] = mail_sink
    assert envelope.recipients == ["nia.evans@practice.example"]
    link = _reset_link(envelope)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("core:password_reset_complete")
    assert sign_in(client, "nurse", NEW_PASSWORD).status_code == 302
    assert elsewhere.get(reverse("home")).status_code == 302  # the other session has ended
    # the link worked once
    again = Client().get(link, follow=True)
    assert "This link does not work" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, universe, mail_sink):
    response = client.post(reverse("core:password_reset"), {"email": "nobody@practice.example"})
    assert response.status_code == 302 and response["Location"] == reverse("core:password_reset_done")
    assert mail_sink == []


def test_resetting_the_password_lifts_a_lock_out(client, universe, mail_sink, settings):
    settings.TANDEM_SIGN_IN_ACCOUNT_FAILURES = settings.AXES_FAILURE_LIMIT = 3
    User.objects.filter(pk=universe.nurse.pk).update(email="nia.evans@practice.example")
    for _ in range(3):
        sign_in(client, "nurse", "not-it")
    assert sign_in(client, "nurse").status_code == 429
    client.post(reverse("core:password_reset"), {"email": "nia.evans@practice.example"})
    form = client.get(_reset_link(mail_sink[0]), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert not AccessAttempt.objects.filter(username="nurse").exists()
    assert sign_in(client, "nurse", NEW_PASSWORD).status_code == 302


def test_the_sign_in_page_links_to_resetting_a_password(client, universe):
    assert reverse("core:password_reset") in client.get(reverse("core:login")).content.decode()
