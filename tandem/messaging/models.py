"""The outbox: every letter, text message and email to a patient, and what happened to it.

Also the two demo stand-ins used instead of real providers: the text messages the demo SMS gateway
"delivered" (DemoSms) and the emails the local SMTP sink received (SinkEmail).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tandem.core.models import Practice
from tandem.patients.models import Patient


class Channel(models.TextChoices):
    LETTER = "letter", "Letter"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class Variant(models.TextChoices):
    STANDARD = "standard", "Standard"
    LARGE_PRINT = "large_print", "Large print"
    EASY_READ = "easy_read", "Easy read"


class OutboxMessage(models.Model):
    """One message to one patient. Its content and address are rendered when it is queued and never
    change afterwards: what the outbox shows is what was sent.

    States: queued -> sending (claimed by one dispatcher, before any provider is contacted) -> sent
    (letter PDF made / SMTP server or SMS gateway accepted it) -> delivered (the gateway confirmed).
    A message whose provider's answer was lost stays `sending` for a person to check: it is never sent
    again automatically. `failed` means it was not sent and will not be retried.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Not sent"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=6, choices=Channel.choices)
    template = models.CharField(max_length=60, help_text="Name of a message template, e.g. recall_invitation")
    variant = models.CharField(max_length=12, choices=Variant.choices, default=Variant.STANDARD)
    subject = models.CharField(max_length=200, blank=True, help_text="Email subject or letter heading")
    body = models.TextField(help_text="The text as sent (SMS, email), or the letter's text")
    letter_html = models.TextField(blank=True, help_text="The letter as HTML (made into the PDF when sent), or an email's HTML part")
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient = models.TextField(help_text="Email address, mobile number (E.164) or postal address lines")
    idempotency_key = models.CharField(max_length=200)
    state = models.CharField(max_length=9, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, help_text="No identifiers")
    provider_id = models.CharField(max_length=200, blank=True, help_text="The gateway's or mail server's id")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "idempotency_key"], name="outbox_key_unique_in_practice"),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="outbox_queue"),
            models.Index(fields=["practice", "state", "channel"], name="outbox_practice_state"),
            models.Index(fields=["provider_id"], name="outbox_provider_id"),
        ]

    def __str__(self) -> str:
        return f"OutboxMessage {self.pk} ({self.channel}, {self.state})"


class LetterPdf(models.Model):
    """The PDF of a letter, kept in the database beside its message (see messaging/README.md)."""

    message = models.OneToOneField(OutboxMessage, on_delete=models.CASCADE, primary_key=True, related_name="pdf")
    pdf = models.BinaryField()
    pages = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()


class MessageAttachment(models.Model):
    """A file sent with an email (a care plan's PDF), written in the same transaction as its message
    and never changed. A table of its own, like LetterPdf, so listing the outbox never loads the bytes."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=120, help_text="the file name the person sees")
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "name"], name="attachment_name_unique_in_message")]

    def __str__(self) -> str:
        return f"MessageAttachment {self.pk}"


class DemoSms(models.Model):
    """A text message the demo SMS gateway accepted. Nothing leaves the machine."""

    to = models.CharField(max_length=20)
    text = models.TextField()
    provider_id = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-pk"]


class SinkEmail(models.Model):
    """An email the demo SMTP sink (`tandem mailsink`) received. Never used in production."""

    received_at = models.DateTimeField()
    mail_from = models.CharField(max_length=300)
    recipients = models.TextField()
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    outbox_id = models.BigIntegerField(null=True, blank=True, db_index=True,
                                       help_text="From the X-Tandem-Message header, when Tandem sent it")
    raw = models.BinaryField()

    class Meta:
        ordering = ["-received_at", "-pk"]


class WordingVersion(models.Model):
    """One saved version of one of a practice's wording blocks (a pack's or an invitation's). The
    latest version is used; a practice with none uses Tandem's standard wording
    (tandem/messaging/wording/*.toml). Written only through tandem.messaging.wording_actions."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    block = models.CharField(max_length=40)
    variant = models.CharField(max_length=12, help_text="standard or easy_read")
    version = models.PositiveIntegerField()
    text = models.TextField()
    reading_age = models.FloatField()
    note = models.CharField(max_length=200, blank=True, help_text="what changed, in a few words")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "block", "variant", "version"],
                                    name="messaging_wording_version_unique"),
        ]

    def __str__(self) -> str:
        return f"Wording {self.block} v{self.version}"


class ReplyLink(models.Model):
    """A person's own reply link: the long address in an email or text, and the short code on paper
    (typed at /r/ or read from the QR code). Only digests are kept, never the token or the code.
    The link shows nothing until the person's date of birth is given; five wrong dates lock it; it
    expires; staff can send a fresh one, which revokes it at once. One mechanism for every reply:
    a pack's (`object_id` is the conversation's id), an invitation's (the review's id), a written
    plan's (the plan version's id, to read it online) and a check-in's (the check-in's id).
    Written only through tandem.messaging.link_actions."""

    class Purpose(models.TextChoices):
        PACK = "pack", "Results-and-prompts pack"
        INVITATION = "invitation", "Invitation"
        PLAN = "plan", "Written care plan"
        CHECKIN = "checkin", "Check-in"
        SURVEY = "survey", "Survey after care planning"

    class Answer(models.TextChoices):
        WILL_BOOK = "will_book", "Will book an appointment"
        CALL_BACK = "call_back", "Asked us to call them back"
        NOT_THIS_YEAR = "not_this_year", "Does not want a review this year"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    object_id = models.PositiveBigIntegerField(help_text="the conversation's id (pack), the review's id (invitation), "
                                               "the plan version's id (plan), the check-in's id (checkin) or the "
                                               "survey's id (survey)")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the long link's token")
    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True,
                                 help_text="keyed SHA-256 of the short code (none on links made before codes)")
    expires_at = models.DateTimeField()
    failures = models.PositiveSmallIntegerField(default=0, help_text="wrong dates of birth in a row")
    locked_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="a fresh link was sent instead")
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    answer = models.CharField(max_length=14, choices=Answer.choices, blank=True,
                              help_text="an invitation's reply, for staff to act on")
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        indexes = [models.Index(fields=["practice", "purpose", "object_id"], name="reply_link_of")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["pack", "invitation", "plan", "checkin", "survey"]),
                name="reply_link_purpose_known"),
        ]

    def __str__(self) -> str:
        return f"Reply link {self.pk} ({self.purpose})"
