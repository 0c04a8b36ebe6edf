"""Shapes outbox rows and messages for the pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email import message_from_bytes, policy

from django.utils import timezone

from tandem.core.rules import Capability, can

from . import catalogue, link_actions, rules
from .models import Channel, OutboxMessage, SinkEmail, Variant

STUCK_AFTER = dt.timedelta(minutes=10)

# What every role that runs recall may read of a message: the recall invitation, its reminder and the
# invitation after a missed appointment say the person's name, which long-term conditions the yearly
# review covers (as the registers name them), the month it is due, the tests to book and how to reply;
# a fresh reply link says only that. Nothing else (no result, medicine or diagnosis detail) goes in
# these. Every other template, such as the results-and-prompts pack, carries results: its words, and
# its letter, are shown only to roles that may see clinical detail. A new template counts as clinical
# until it is listed here.
ADMINISTRATIVE_TEMPLATES = frozenset({"recall_invitation", "recall_reminder", "recall_reinvitation", "reply_link"})
WORDS_HIDDEN = ("This message carries clinical detail (results), so only clinicians and the practice manager "
                "can read it. You can still see who it is for, how it goes and whether it was sent.")


def words_shown(template: str, roles) -> bool:
    """Whether someone with these roles may read a message's words and letter."""
    return template in ADMINISTRATIVE_TEMPLATES or can(roles, Capability.VIEW_CLINICAL)

# NHS.UK tag colours for each state.
_TAGS = {
    "queued": "nhsuk-tag--grey",
    "sending": "nhsuk-tag--blue",
    "check": "nhsuk-tag--orange",
    "sent": "nhsuk-tag--green",
    "delivered": "nhsuk-tag--green",
    "failed": "nhsuk-tag--red",
}


def when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}, {local:%H:%M}"


def needs_checking(message: OutboxMessage, *, now: dt.datetime) -> bool:
    """Held in `sending`: its provider's answer was lost, or its dispatcher stopped mid-send."""
    if message.state != OutboxMessage.State.SENDING:
        return False
    return bool(message.last_error) or (message.claimed_at is not None and now - message.claimed_at > STUCK_AFTER)


def state_label(message: OutboxMessage, *, now: dt.datetime) -> tuple[str, str]:
    """(label, tag class). A made letter is 'ready to post'; a held message 'needs checking'."""
    if needs_checking(message, now=now):
        return "Needs checking", _TAGS["check"]
    if message.state == OutboxMessage.State.SENT and message.channel == Channel.LETTER:
        return "Ready to post", _TAGS["sent"]
    return OutboxMessage.State(message.state).label, _TAGS[message.state]


@dataclass(frozen=True)
class Row:
    id: int
    patient_name: str
    channel: str
    template: str
    variant: str
    recipient: str
    state: str
    state_label: str
    tag: str
    created: str
    sent: str
    has_letter: bool
    error: str
    words_hidden: bool = False


def recipient_short(message: OutboxMessage) -> str:
    if message.channel == Channel.LETTER:
        lines = message.recipient.splitlines()
        return ", ".join(line for line in (lines[0] if lines else "", lines[-1] if len(lines) > 1 else "") if line)
    return message.recipient


def rows(messages, *, letters: set[int], now: dt.datetime, roles) -> list[Row]:
    out = []
    for m in messages:
        label, tag = state_label(m, now=now)
        hidden = not words_shown(m.template, roles)
        out.append(Row(
            id=m.pk, patient_name=m.recipient_name or m.patient.full_name, channel=Channel(m.channel).label,
            template=catalogue.title_of(m.template),
            variant="" if m.variant == Variant.STANDARD else Variant(m.variant).label,
            recipient=recipient_short(m), state=m.state, state_label=label, tag=tag, created=when(m.created_at),
            sent=when(m.sent_at), has_letter=m.pk in letters and not hidden, error=m.last_error, words_hidden=hidden,
        ))
    return out


STATE_FILTERS = [("", "All states")] + [(s.value, s.label) for s in OutboxMessage.State]
CHANNEL_FILTERS = [("", "All channels")] + [(c.value, c.label) for c in Channel]


def filter_items(choices, selected: str, counts: dict[str, int] | None = None) -> list[dict]:
    items = []
    for value, label in choices:
        text = label
        if counts is not None and value:
            text = f"{label} ({counts.get(value, 0):,})"
        items.append({"value": value, "text": text, "selected": value == selected})
    return items


def message_detail(message: OutboxMessage, *, has_letter: bool, now: dt.datetime, roles) -> dict:
    """The message's page. Without the right to read its words (see words_shown), the subject, the
    words and the letter are left out: only who it is for, how it goes and what happened to it."""
    label, tag = state_label(message, now=now)
    shown = words_shown(message.template, roles)
    return {
        "words_hidden": not shown, "words_hidden_reason": "" if shown else WORDS_HIDDEN,
        "id": message.pk, "patient_name": message.recipient_name, "channel": message.channel,
        "channel_label": Channel(message.channel).label, "template": catalogue.title_of(message.template),
        "variant": Variant(message.variant).label, "subject": message.subject if shown else "",
        "body": link_actions.for_staff(message.body, practice_id=message.practice_id) if shown else "",
        "recipient_lines": message.recipient.splitlines(), "state": message.state, "state_label": label,
        "tag": tag, "attempts": message.attempts, "last_error": message.last_error,
        "created": when(message.created_at), "sent": when(message.sent_at), "delivered": when(message.delivered_at),
        "created_by": message.created_by.display_name if message.created_by else "Tandem",
        "has_letter": has_letter and shown, "needs_checking": needs_checking(message, now=now),
        "sms_parts": rules.sms_parts(message.body) if message.channel == Channel.SMS and shown else None,
    }


def sink_email(email: SinkEmail, *, shown: bool) -> dict:
    """An email the demo mail sink received. Not `shown`: its subject, words and headers are left out."""
    parsed = message_from_bytes(bytes(email.raw), policy=policy.default)
    body = parsed.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None and shown else ""
    return {
        "id": email.pk, "subject": (email.subject or "(no subject)") if shown else "An email with clinical detail",
        "from": str(parsed.get("From", email.mail_from)), "to": email.recipients, "received": when(email.received_at),
        "text": text, "words_hidden_reason": "" if shown else WORDS_HIDDEN,
        "headers": [(k, str(v)) for k, v in parsed.items()] if shown else [],
    }
