"""Handing one claimed message to whatever carries it, and saying what happened (rules.Outcome).

No database transaction is open while a provider is contacted (see actions.dispatch_pending)."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from . import gateways, letters
from .models import MessageAttachment, OutboxMessage
from .rules import Outcome

logger = logging.getLogger(__name__)

HEADER = "X-Tandem-Message"


@dataclass
class Attempt:
    outcome: Outcome
    provider_id: str = ""
    error: str = ""  # for staff; never the provider's text, which may echo an address
    pdf: bytes | None = None
    pages: int = 0


def classify_smtp_error(exc: BaseException) -> Outcome:
    """What an exception from sending over SMTP proves about the message.

    The server saying no (a 4xx or 5xx reply to MAIL, RCPT or DATA) proves it was not accepted. A
    connection that broke or timed out mid-conversation proves nothing: the server may have taken
    the message just before. Those are UNKNOWN, and never retried automatically."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return Outcome.RETRY if codes and all(400 <= c < 500 for c in codes) else Outcome.REJECTED
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Outcome.UNKNOWN
    if isinstance(exc, smtplib.SMTPResponseException):
        return Outcome.RETRY if 400 <= exc.smtp_code < 500 else Outcome.REJECTED
    return Outcome.UNKNOWN


def as_sent(text: str, *, html: bool = False) -> str:
    """The stored text with the working reply link put in (link_actions.as_sent), for the copy that leaves."""
    # imported here: link_actions imports actions, which imports this module
    from .link_actions import as_sent as working

    return working(text, html=html)


class Senders:
    """The mail server connection and the SMS gateway for one dispatch run, opened when first needed.
    A channel found to be down is not tried again in the same run (its messages stay queued)."""

    def __init__(self):
        self._mail = None
        self._gateway = None
        self.down: dict[str, str] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._mail is not None:
            try:
                self._mail.close()
            except Exception:  # noqa: BLE001 - closing a broken connection must not hide the result
                logger.warning("messaging: closing the mail connection failed")
        return False

    def mail_ready(self) -> bool:
        """Open the SMTP connection before any email is claimed, so an unreachable server leaves every
        email queued without using up an attempt."""
        if "email" in self.down:
            return False
        if self._mail is None:
            connection = mail.mailers.default
            try:
                connection.open()
            except (OSError, smtplib.SMTPException) as exc:
                self.down["email"] = f"The mail server could not be reached ({type(exc).__name__})."
                logger.warning("messaging: mail server unreachable: %s", type(exc).__name__)
                return False
            self._mail = connection
        return True

    def deliver(self, message: OutboxMessage) -> Attempt:
        if message.channel == "letter":
            return self._letter(message)
        if message.channel == "sms":
            return self._sms(message)
        return self._email(message)

    def _letter(self, message: OutboxMessage) -> Attempt:
        try:
            pdf, pages = letters.to_pdf(as_sent(message.letter_html, html=True))
        except Exception as exc:  # noqa: BLE001 - nothing left the building; record and retry
            logger.warning("messaging: letter %s could not be made: %s", message.pk, type(exc).__name__)
            return Attempt(Outcome.RETRY, error=f"The letter could not be made into a PDF ({type(exc).__name__}).")
        return Attempt(Outcome.SENT, pdf=pdf, pages=pages)

    def _sms(self, message: OutboxMessage) -> Attempt:
        if self._gateway is None:
            self._gateway = gateways.get_gateway()
        try:
            provider_id = self._gateway.send(message.recipient, as_sent(message.body))
        except gateways.GatewayUnavailable as exc:
            self.down["sms"] = "The text message service could not be reached."
            return Attempt(Outcome.RETRY, error=f"The text message service could not be reached ({type(exc).__name__}).")
        except gateways.GatewayRejected:
            return Attempt(Outcome.REJECTED, error="The text message service refused this message (check the mobile number).")
        except Exception as exc:  # noqa: BLE001 - the outcome is unknown: hold it for a person
            return Attempt(Outcome.UNKNOWN, error=f"No answer from the text message service ({type(exc).__name__}): "
                                                  "check with the provider whether it was sent.")
        confirmed = getattr(self._gateway, "confirms_delivery", False)
        return Attempt(Outcome.DELIVERED if confirmed else Outcome.SENT, provider_id=str(provider_id)[:200])

    def _email(self, message: OutboxMessage) -> Attempt:
        sender = settings.DEFAULT_FROM_EMAIL
        domain = sender.rpartition("@")[2] or "tandem.invalid"
        message_id = make_msgid(idstring=f"outbox.{message.pk}", domain=domain)
        email = EmailMultiAlternatives(
            subject=message.subject, body=as_sent(message.body), from_email=formataddr((message.practice.name, sender)),
            to=[message.recipient], headers={"Message-ID": message_id, HEADER: str(message.pk)},
        )
        if message.letter_html:
            # The template's email.html.jinja: the same message laid out as HTML, beside the plain text.
            email.attach_alternative(as_sent(message.letter_html, html=True), "text/html")
        # Its files (a care plan's PDF), read now: the outbox's lists never load them.
        for name, content_type, data in (MessageAttachment.objects.filter(message_id=message.pk).order_by("pk")
                                         .values_list("name", "content_type", "data")):
            email.attach(name, bytes(data), content_type)
        try:
            self._mail.send_messages([email])
        except (OSError, smtplib.SMTPException) as exc:
            outcome = classify_smtp_error(exc)
            if outcome is Outcome.UNKNOWN:
                # The connection is in an unknown state; start a fresh one for the next email.
                self.__exit__(None, None, None)
                self._mail = None
                error = (f"The mail server's answer was lost ({type(exc).__name__}): check the mail server's log "
                         "for this message before sending it again.")
            elif outcome is Outcome.RETRY:
                error = f"The mail server asked us to try later ({getattr(exc, 'smtp_code', '')})."
            else:
                error = f"The mail server refused this email ({getattr(exc, 'smtp_code', type(exc).__name__)}): check the address."
            return Attempt(outcome, error=error)
        return Attempt(Outcome.SENT, provider_id=message_id)
