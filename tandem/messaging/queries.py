"""Reads of the outbox, always within one practice. Opening one message or letter is audited."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from tandem.core import audit
from tandem.core.models import AuditEvent, Practice, User

from .models import DemoSms, LetterPdf, OutboxMessage, SinkEmail


def outbox(practice: Practice, *, state: str = "", channel: str = "") -> QuerySet[OutboxMessage]:
    messages = (OutboxMessage.objects.filter(practice=practice).select_related("patient")
                .defer("letter_html", "body").order_by("-created_at", "-pk"))
    if state:
        messages = messages.filter(state=state)
    if channel:
        messages = messages.filter(channel=channel)
    return messages


def counts_by_state(practice: Practice) -> dict[str, int]:
    rows = OutboxMessage.objects.filter(practice=practice).values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def ids_with_letters(message_ids) -> set[int]:
    return set(LetterPdf.objects.filter(message_id__in=list(message_ids)).values_list("message_id", flat=True))


def get_message(*, practice: Practice, pk: int, by: User, what: str = "message") -> OutboxMessage:
    """One message of this practice, audited as viewed; 404 for anything else."""
    try:
        message = OutboxMessage.objects.select_related("patient", "created_by").get(practice=practice, pk=pk)
    except (OutboxMessage.DoesNotExist, ValueError, TypeError):
        raise Http404("No such message in this practice") from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.VIEW, what=what,
                 patient_id=message.patient_id, object_id=message.pk)
    return message


def letter_pdf(*, practice: Practice, pk: int, by: User) -> LetterPdf:
    """A letter's PDF, audited as viewed with the patient's id; 404 if not this practice's or not made yet."""
    try:
        letter = LetterPdf.objects.select_related("message").get(message__practice=practice, message_id=pk)
    except (LetterPdf.DoesNotExist, ValueError, TypeError):
        raise Http404("No such letter in this practice") from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.VIEW, what="message.letter",
                 patient_id=letter.message.patient_id, object_id=pk)
    return letter


def demo_texts(practice: Practice, *, limit: int = 200) -> list[tuple[DemoSms, OutboxMessage | None]]:
    """Text messages the demo gateway took from this practice, newest first, with their outbox message."""
    sent = OutboxMessage.objects.filter(practice=practice, channel="sms").exclude(provider_id="")
    texts = list(DemoSms.objects.filter(provider_id__in=sent.values("provider_id"))[:limit])
    by_provider = {m.provider_id: m for m in sent.filter(provider_id__in=[t.provider_id for t in texts])
                   .select_related("patient").defer("letter_html")}
    return [(text, by_provider.get(text.provider_id)) for text in texts]


def demo_mailbox(practice: Practice, *, limit: int = 200) -> QuerySet[SinkEmail]:
    """Emails the demo mail sink received from this practice's outbox, newest first."""
    ours = OutboxMessage.objects.filter(practice=practice, channel="email").values("pk")
    return SinkEmail.objects.filter(outbox_id__in=ours).defer("raw")[:limit]


def sink_email(*, practice: Practice, pk: int) -> SinkEmail:
    ours = OutboxMessage.objects.filter(practice=practice, channel="email").values("pk")
    try:
        return SinkEmail.objects.get(pk=pk, outbox_id__in=ours)
    except (SinkEmail.DoesNotExist, ValueError, TypeError):
        raise Http404("No such email") from None
