"""Email over a real SMTP connection to the demo mail sink, started on a free port in the test."""

from __future__ import annotations

import smtplib

import pytest
from django.db import connections
from django.urls import reverse

from tandem.messaging import actions
from tandem.messaging.models import OutboxMessage, SinkEmail
from tandem.messaging.sink import HangUp, MailSink


@pytest.fixture
def sink(settings, transactional_db):
    """The sink on a free port, storing what it receives; Django's mailer pointed at it."""
    behaviour = {"hang_up": False}

    def deliver(envelope):  # runs in one of the sink's threads, with its own database connection
        try:
            if behaviour["hang_up"]:
                raise HangUp
            actions.store_sink_email(envelope)
        finally:
            connections.close_all()

    server = MailSink(deliver=deliver, port=0)
    port = server.start_in_thread()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10}}}
    server.behaviour = behaviour
    yield server
    server.stop()


def test_an_email_travels_over_smtp_to_the_sink(sink, queue):
    email = queue("email")
    summary = actions.dispatch_pending()
    assert summary.sent == 1
    email.refresh_from_db()
    assert email.state == "sent"
    received = SinkEmail.objects.get()
    assert received.outbox_id == email.pk
    assert received.recipients == "m.okafor@example.com"
    assert received.mail_from == "tandem@practice.invalid"
    assert received.subject == "Your yearly health review is due in July 2026 – Riverside Surgery"
    assert received.message_id == email.provider_id
    assert "Dear Margaret Okafor," in bytes(received.raw).decode()


def test_the_demo_mailbox_shows_this_practices_emails_escaped(sink, queue, patient, client, universe):
    patient.given_name = "<script>alert(1)</script>"
    patient.save()
    email = queue("email")
    actions.dispatch_pending()
    # an email from elsewhere (not from this practice's outbox) is not shown
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        smtp.sendmail("x@example.org", ["y@example.org"], b"Subject: not ours\r\n\r\nhello\r\n")
    client.force_login(universe.admin)
    mailbox = client.get(reverse("messaging:demo_mailbox"))
    html = mailbox.content.decode()
    assert "Your yearly health review is due in July 2026" in html and "not ours" not in html
    received = SinkEmail.objects.get(outbox_id=email.pk)
    page = client.get(reverse("messaging:demo_email", kwargs={"email_id": received.pk})).content.decode()
    assert "Dear &lt;script&gt;alert(1)&lt;/script&gt; Okafor," in page and "<script>alert(1)" not in page
    other = SinkEmail.objects.exclude(pk=received.pk).get()
    assert client.get(reverse("messaging:demo_email", kwargs={"email_id": other.pk})).status_code == 404


def test_a_lost_answer_from_the_mail_server_is_held_not_resent(sink, queue):
    email = queue("email")
    sink.behaviour["hang_up"] = True  # the server takes the message and hangs up without answering
    summary = actions.dispatch_pending()
    assert summary.held == 1
    email.refresh_from_db()
    assert email.state == "sending" and "check the mail server" in email.last_error
    sink.behaviour["hang_up"] = False
    actions.dispatch_pending()
    assert OutboxMessage.objects.get(pk=email.pk).state == "sending"
    assert not SinkEmail.objects.exists()


def test_the_sink_speaks_enough_smtp(sink):
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        code, _ = smtp.ehlo()
        assert code == 250 and smtp.has_extn("8bitmime")
        assert smtp.noop()[0] == 250
        assert smtp.docmd("RCPT", "TO:<a@b.c>")[0] == 503  # MAIL first
        assert smtp.docmd("MAIL", "FROM:nonsense")[0] == 501
        smtp.sendmail("", ["a@example.org", "b@example.org"], b"Subject: dots\r\n\r\n.leading dot\r\n..two\r\n")
    received = SinkEmail.objects.get()
    assert received.recipients == "a@example.org, b@example.org"
    assert bytes(received.raw).endswith(b".leading dot\r\n..two\r\n")


def test_the_sink_command_refuses_to_run_in_production(settings):
    from django.core.management import CommandError, call_command

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="demos"):
        call_command("mailsink", "--port", "0")
