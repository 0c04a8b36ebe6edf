"""Sending: letters become PDFs, texts go to the gateway, emails to the mail server, and nothing is
ever sent twice."""

from __future__ import annotations

import smtplib

import pytest

from tandem.core.models import AuditEvent
from tandem.jobs import worker
from tandem.jobs.models import Job
from tandem.messaging import actions, gateways
from tandem.messaging.delivery import classify_smtp_error
from tandem.messaging.models import DemoSms, LetterPdf, OutboxMessage
from tandem.messaging.rules import MAX_ATTEMPTS, Outcome

from .conftest import pdf_text


class RecordingGateway:
    """A stand-in provider: records what it was asked to send, or fails as told."""

    calls: list[tuple[str, str]] = []
    fail_with: type[BaseException] | None = None

    def send(self, to, text):
        RecordingGateway.calls.append((to, text))
        if RecordingGateway.fail_with is not None:
            raise RecordingGateway.fail_with("provider said something about +447700900123")
        return f"prov-{len(RecordingGateway.calls)}"


@pytest.fixture
def provider(settings):
    settings.TANDEM_SMS_GATEWAY = "tests.messaging.test_dispatch.RecordingGateway"
    RecordingGateway.calls, RecordingGateway.fail_with = [], None
    return RecordingGateway


def state(message):
    message.refresh_from_db()
    return message.state


def test_a_letter_becomes_a_stored_pdf_and_the_sending_is_audited(queue, patient, universe):
    letter = queue("letter")
    summary = actions.dispatch_pending()
    assert (summary.sent, summary.failed) == (1, 0)
    assert state(letter) == "sent" and letter.sent_at is not None
    pdf = LetterPdf.objects.get(message=letter)
    assert bytes(pdf.pdf).startswith(b"%PDF") and pdf.pages == 1
    text = pdf_text(bytes(pdf.pdf))
    assert "Margaret Okafor" in text and "LS1 4AB" in text and "999 000 0018" in text
    assert "Your yearly health review is due in July 2026" in text
    event = AuditEvent.objects.get(what="message.sent")
    assert event.patient_id == patient.pk and event.user == universe.admin and event.action == "export"
    assert event.detail == {"channel": "letter", "template": "recall_invitation", "variant": "standard"}


def test_large_print_and_easy_read_letters(queue):
    large, easy = queue("letter", variant="large_print"), queue("letter", variant="easy_read")
    actions.dispatch_pending()
    large_text = pdf_text(bytes(LetterPdf.objects.get(message=large).pdf))
    easy_text = pdf_text(bytes(LetterPdf.objects.get(message=easy).pdf))
    assert LetterPdf.objects.get(message=large).pages == 2  # 18pt takes more room
    assert "Time for your health check" in easy_text and "Every year we check your health." in easy_text
    assert "What happens" in large_text


def test_typed_markup_appears_as_text_in_the_pdf(queue, patient):
    patient.given_name = "<b>Margaret</b> & <i>co</i>"
    patient.save()
    letter = queue("letter")
    actions.dispatch_pending()
    assert "Dear <b>Margaret</b> & <i>co</i> Okafor," in pdf_text(bytes(LetterPdf.objects.get(message=letter).pdf))


def test_the_demo_gateway_keeps_texts_and_confirms_delivery(queue, settings):
    settings.TANDEM_SMS_GATEWAY = None
    sms = queue("sms")
    actions.dispatch_pending()
    assert state(sms) == "delivered" and sms.delivered_at is not None
    kept = DemoSms.objects.get()
    assert kept.to == "+447700900123" and kept.text == sms.body and kept.provider_id == sms.provider_id


def test_production_needs_a_real_gateway(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.TANDEM_SMS_GATEWAY, settings.PRODUCTION = None, True
    with pytest.raises(ImproperlyConfigured, match="TANDEM_SMS_GATEWAY"):
        gateways.get_gateway()


def test_email_goes_through_djangos_mail_api(queue, mailoutbox):
    email = queue("email")
    actions.dispatch_pending()
    assert state(email) == "sent"
    [sent] = mailoutbox
    assert sent.to == ["m.okafor@example.com"] and sent.subject == email.subject and sent.body == email.body
    assert sent.from_email == "Riverside Surgery <tandem@practice.invalid>"
    assert sent.extra_headers["X-Tandem-Message"] == str(email.pk)
    assert email.provider_id == sent.extra_headers["Message-ID"]


def test_sending_again_sends_nothing_new(queue, provider, mailoutbox):
    queue("letter"), queue("sms"), queue("email")
    first = actions.dispatch_pending()
    second = actions.dispatch_pending()
    assert first.sent == 3 and second.tried == 0
    assert len(provider.calls) == 1 and len(mailoutbox) == 1 and LetterPdf.objects.count() == 1
    assert AuditEvent.objects.filter(what="message.sent").count() == 3


def test_a_lost_answer_holds_the_message_for_a_person_and_never_resends_it(queue, provider, universe):
    sms = queue("sms")
    provider.fail_with = TimeoutError
    summary = actions.dispatch_pending()
    assert summary.held == 1
    assert state(sms) == "sending" and sms.attempts == 1
    assert "check with the provider" in sms.last_error and "+44" not in sms.last_error
    provider.fail_with = None
    for _ in range(3):
        actions.dispatch_pending()
    assert len(provider.calls) == 1  # never tried again by itself
    # a person checks: it did not arrive, so it may go again
    actions.resolve_sending(message=sms, by=universe.admin, sent=False)
    actions.dispatch_pending()
    assert state(sms) == "sent" and len(provider.calls) == 2
    assert AuditEvent.objects.filter(what="message.send_again", patient_id=sms.patient_id).exists()


def test_a_person_can_confirm_a_held_message_did_arrive(queue, provider, universe):
    sms = queue("sms")
    provider.fail_with = ConnectionResetError
    actions.dispatch_pending()
    actions.resolve_sending(message=sms, by=universe.admin, sent=True)
    assert state(sms) == "sent"
    actions.dispatch_pending()
    assert len(provider.calls) == 1
    with pytest.raises(actions.MessagingError):
        actions.resolve_sending(message=sms, by=universe.admin, sent=False)


def test_a_dispatcher_that_died_mid_send_leaves_the_message_held(queue, provider):
    sms = queue("sms")
    assert actions._claim(sms.pk) is not None  # claimed and committed, then the process died
    actions.dispatch_pending()
    assert state(sms) == "sending" and provider.calls == []


def test_a_message_is_claimed_once(queue):
    sms = queue("sms")
    assert actions._claim(sms.pk) is not None
    assert actions._claim(sms.pk) is None


def test_an_unavailable_gateway_puts_texts_back_and_stops_trying_this_run(universe, queue, provider, patient):
    first = queue("sms", key="one")
    second = queue("sms", key="two")
    provider.fail_with = gateways.GatewayUnavailable
    summary = actions.dispatch_pending()
    assert (summary.retry, summary.waiting) == (1, 1)
    assert state(first) == "queued" and first.attempts == 1
    assert state(second) == "queued" and second.attempts == 0
    assert len(provider.calls) == 1


def test_retries_stop_after_the_limit(queue, provider):
    sms = queue("sms")
    provider.fail_with = gateways.GatewayUnavailable
    for _ in range(MAX_ATTEMPTS):
        actions.dispatch_pending()
    assert state(sms) == "failed" and sms.attempts == MAX_ATTEMPTS
    assert sms.last_error.startswith(f"Not sent after {MAX_ATTEMPTS} tries.")


def test_a_rejected_text_is_not_sent_again(queue, provider):
    sms = queue("sms")
    provider.fail_with = gateways.GatewayRejected
    actions.dispatch_pending()
    actions.dispatch_pending()
    assert state(sms) == "failed" and len(provider.calls) == 1
    assert "check the mobile number" in sms.last_error


def test_delivery_reports(queue, provider):
    sms = queue("sms")
    actions.dispatch_pending()
    assert state(sms) == "sent"
    assert actions.record_delivery_report(provider_id=sms.provider_id, delivered=True) == 1
    assert state(sms) == "delivered"
    assert actions.record_delivery_report(provider_id="unknown", delivered=True) == 0


def test_an_unreachable_mail_server_leaves_emails_queued_without_using_a_try(queue, settings):
    import socket

    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
    email, letter = queue("email"), queue("letter")
    summary = actions.dispatch_pending()
    assert state(email) == "queued" and email.attempts == 0
    assert state(letter) == "sent"  # other channels carry on
    assert summary.waiting == 1 and summary.problems == ["The mail server could not be reached (ConnectionRefusedError)."]


@pytest.mark.parametrize(("exc", "outcome"), [
    (smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no such user")}), Outcome.REJECTED),
    (smtplib.SMTPRecipientsRefused({"a@b.c": (452, b"mailbox full")}), Outcome.RETRY),
    (smtplib.SMTPSenderRefused(451, b"try later", "x@y.z"), Outcome.RETRY),
    (smtplib.SMTPDataError(554, b"spam"), Outcome.REJECTED),
    (smtplib.SMTPDataError(421, b"closing"), Outcome.RETRY),
    (smtplib.SMTPServerDisconnected("gone"), Outcome.UNKNOWN),
    (TimeoutError(), Outcome.UNKNOWN),
    (ConnectionResetError(), Outcome.UNKNOWN),
])
def test_what_an_smtp_error_proves(exc, outcome):
    assert classify_smtp_error(exc) is outcome


def test_dispatch_is_per_practice(queue, universe):
    letter = queue("letter")
    actions.dispatch_pending(practice=universe.other_practice)
    assert state(letter) == "queued"
    actions.dispatch_pending(practice=universe.practice, limit=1)
    assert state(letter) == "sent"


def test_sending_as_a_job_with_progress_is_safe_to_ask_for_twice(queue, universe, provider):
    queue("letter"), queue("sms")
    job = actions.request_dispatch(practice=universe.practice, by=universe.admin, idempotency_key="dispatch:t1")
    assert actions.request_dispatch(practice=universe.practice, by=universe.admin,
                                    idempotency_key="dispatch:t1").pk == job.pk
    worker.run_pending()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and (job.done, job.total) == (2, 2) and job.message == "2 sent"
    assert OutboxMessage.objects.filter(state="sent").count() == 2


def test_dispatch_refuses_to_run_inside_a_transaction_it_cannot_commit(queue):
    from django.db import transaction

    queue("letter")
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        actions.dispatch_pending()


def test_queueing_and_sending_log_no_identifiers(queue, provider, caplog, mailoutbox):
    import logging

    caplog.set_level(logging.DEBUG)
    queue("letter"), queue("email")
    sms = queue("sms")
    provider.fail_with = TimeoutError
    actions.dispatch_pending()
    actions.resolve_sending(message=sms, by=None, sent=False)
    provider.fail_with = gateways.GatewayRejected
    actions.dispatch_pending()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "messaging: message" in logged  # it did log, by primary key
    for identifier in ("Okafor", "Margaret", "9990000018", "999 000 0018", "LS1 4AB", "07700", "+447700900123",
                       "m.okafor@example.com", "Mill Lane"):
        assert identifier not in logged, f"{identifier!r} reached the logs"
