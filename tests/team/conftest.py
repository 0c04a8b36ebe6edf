"""The team tests: Riverside's practice manager, and a mail sink that Django's mailer sends to over SMTP."""

from __future__ import annotations

import email
import re
from email import policy

import pytest

from tandem.core import actions as core_actions
from tandem.core.rules import Role
from tandem.messaging.sink import MailSink

PASSWORD = "correct-horse-battery"


@pytest.fixture
def manager(universe):
    universe.manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER,
                                              by=None, password=PASSWORD, first_name="Priya", last_name="Shah")
    return universe.manager


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def mail_sink(settings):
    received = []
    server = MailSink(deliver=received.append, port=0)
    port = server.start_in_thread()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10}}}
    settings.TANDEM_PUBLIC_URL = "https://tandem.practice.example"
    yield received
    server.stop()


def set_password_link(envelope) -> str:
    message = email.message_from_bytes(envelope.data, policy=policy.default)
    assert message["Subject"] == "Set your Tandem password"
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https://tandem\.practice\.example(/password-reset/\S+/)", body)
    assert found, body
    return found.group(1)
