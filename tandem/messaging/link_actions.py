"""Writes of reply links (tandem.messaging.models.ReplyLink): issuing them with what is sent, the
date-of-birth check and its lockout, an invitation's answer, and sending a fresh link.

One mechanism for every reply: a pack's and an invitation's. Only digests are stored; the token and
the code exist only in what is sent (see links.py): a queued message holds marks where they go
(`Secret.context`), `as_sent` puts the working link in the copy that leaves, and `for_staff` words
the stored copy for staff ("their reply link (sent; works until ...)"). Every change is audited,
never with the date typed or the code.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.patients.models import Patient

from . import links, qr, queries
from .actions import MessagingError, queue_message, reachable_channels
from .models import OutboxMessage, ReplyLink

logger = logging.getLogger(__name__)

FRESH_LINK_TEMPLATE = "reply_link"
FRESH_LINK_DAYS = 14  # a fresh link for an expired one works for two weeks from the day it is sent


def code_key() -> str:
    return settings.SECRET_KEY


def public_base() -> str:
    return settings.TANDEM_PUBLIC_URL.rstrip("/")


def long_url(token: str) -> str:
    return public_base() + reverse("reply:start", args=[token])


def short_url(code: str) -> str:
    return public_base() + reverse("reply:start", args=[code])


def short_address() -> str:
    """The short address printed for typing, without the scheme: '127.0.0.1:8000/r'."""
    return (public_base() + reverse("reply:code")).split("://", 1)[-1].rstrip("/")


@dataclass(frozen=True)
class Secret:
    """A link's nonce, from which its working token and code are made (they go in what is sent, and
    nowhere else: the link keeps digests, a stored message keeps marks)."""

    nonce: str

    @classmethod
    def new(cls) -> Secret:
        return cls(nonce=links.new_nonce())

    @cached_property
    def token(self) -> str:
        """The working token (for the copy that is sent, and tests)."""
        return links.working_token(self.nonce, key=code_key())

    @cached_property
    def code(self) -> str:
        return links.working_code(self.nonce, key=code_key())

    @property
    def url(self) -> str:
        return long_url(self.token)

    @property
    def short_url(self) -> str:
        return short_url(self.code)

    @property
    def token_mark(self) -> str:
        """What a stored message holds where the token goes (in place of `token`)."""
        return links.mark("token", self.nonce)

    @property
    def code_mark(self) -> str:
        return links.mark("code", self.nonce)

    def context(self) -> dict:
        """What message templates are given to show the link, as marks that `as_sent` fills in: the
        long address (emails, texts), and for paper the short address, the code and its QR code."""
        return {"reply_link": long_url(self.token_mark), "reply_address": short_address(),
                "reply_code": self.code_mark, "reply_qr": links.mark("qr", self.nonce)}


@dataclass(frozen=True)
class Issued(Secret):
    """A link just made, with its secrets."""

    link: ReplyLink | None = None


def carries(message: OutboxMessage, secret: Secret) -> bool:
    """Whether a queued message shows this secret (a message queued earlier under the same key shows
    another one, and a template may not show a link at all): only then is a link kept for it."""
    return secret.nonce in message.body or secret.nonce in message.letter_html


def as_sent(text: str, *, html: bool = False) -> str:
    """A stored message's text (or HTML) as it is sent: each mark replaced by the working token, the
    code (spaced for reading) or, in HTML, the QR code of the short address with that code."""
    if "reply-" not in text:
        return text

    def working(match) -> str:
        kind, secret = match[1], Secret(nonce=match[2])
        if kind == "token":
            return secret.token
        if kind == "code":
            return links.spaced(secret.code)
        return qr.svg(secret.short_url) if html else secret.short_url
    return links.MARK.sub(working, text)


def _sent_link(match, found: dict[str, ReplyLink]) -> str:
    link = found.get(match)
    if link is None:
        return "(their reply link)"
    until = (link.expires_at - dt.timedelta(seconds=1)).astimezone(links.LOCAL).date()
    return f"(their reply link: sent, works until {until.day} {until:%B %Y})"


_SENT_ADDRESS = re.compile(r"\S*reply-token-([0-9a-f]{32})/?")


def for_staff(text: str, *, practice_id: int) -> str:
    """A stored message's text as staff read it: no link, code or QR code, but that one was sent and
    until when it works (links of this practice only)."""
    nonces = set(links.MARK.findall(text))
    if not nonces:
        return text
    key = code_key()
    by_hash = {links.digest(links.working_token(n, key=key)): n for _kind, n in nonces}
    found = {by_hash[link.token_hash]: link for link in
             ReplyLink.objects.filter(practice_id=practice_id, token_hash__in=list(by_hash))}
    text = _SENT_ADDRESS.sub(lambda m: _sent_link(m[1], found), text)
    return links.MARK.sub(lambda m: "(their code)" if m[1] == "code" else "(QR code)", text)


@dataclass(frozen=True)
class LinkRequest:
    patient: Patient
    purpose: str
    object_id: int
    expires_at: dt.datetime
    secret: Secret | None = None  # made here when None; given when the caller needed it before the link is kept


def issue_links(*, practice: Practice, requests: list[LinkRequest], by: User | None) -> list[Issued]:
    """Make one link per request (in bulk): a new token and code each. Call inside the transaction
    that queues what carries them; audited by the caller's action with what it sends."""
    now = clock.now()
    made: list[Issued] = []
    key = code_key()
    for request in requests:
        if request.patient.practice_id != practice.pk:
            raise MessagingError("A reply link can only be made for a patient of the practice sending it.")
        secret = request.secret or Secret.new()
        token_hash = links.digest(secret.token)
        made.append(Issued(link=ReplyLink(
            practice=practice, patient=request.patient, purpose=request.purpose, object_id=request.object_id,
            token_hash=token_hash, code_hash=links.code_digest(secret.code, key=key), expires_at=request.expires_at,
            created_at=now, created_by=by), nonce=secret.nonce))
    ReplyLink.objects.bulk_create([m.link for m in made])
    if any(m.link.pk is None for m in made):  # a database that does not return ids from a bulk insert
        found = dict(ReplyLink.objects.filter(token_hash__in=[m.link.token_hash for m in made])
                     .values_list("token_hash", "pk"))
        for m in made:
            m.link.pk = found[m.link.token_hash]
    return made


@dataclass(frozen=True)
class DateCheck:
    right: bool
    locked: bool
    tries_left: int


@transaction.atomic
def check_date_of_birth(*, link: ReplyLink, date_of_birth: dt.date) -> DateCheck:
    """Compare a date of birth typed on a reply link with the person's. A right date clears the
    count of wrong ones; the MAX_FAILURES-th wrong date in a row locks the link (staff can send a
    fresh one). Audited either way, without the date typed."""
    row = ReplyLink.objects.select_for_update().select_related("patient", "practice").get(pk=link.pk)
    if row.locked_at is not None:
        return DateCheck(right=False, locked=True, tries_left=0)
    right = row.patient.date_of_birth == date_of_birth
    if right:
        if row.failures:
            row.failures = 0
            row.save(update_fields=["failures"])
        audit.record(by=None, practice=row.practice, action=AuditEvent.Action.VIEW, what="messaging.link.opened",
                     patient_id=row.patient_id, object_id=row.pk, detail={"purpose": row.purpose})
        link.failures = 0
        return DateCheck(right=True, locked=False, tries_left=links.MAX_FAILURES)
    row.failures += 1
    locked = links.is_locked_after(row.failures)
    if locked:
        row.locked_at = clock.now()
    row.save(update_fields=["failures", "locked_at"])
    audit.record(by=None, practice=row.practice, action=AuditEvent.Action.UPDATE, what="messaging.link.wrong_date",
                 patient_id=row.patient_id, object_id=row.pk,
                 detail={"failures": row.failures, "locked": locked, "purpose": row.purpose})
    if locked:
        logger.warning("messaging: reply link %s locked after %s wrong dates of birth", row.pk, row.failures)
    link.failures, link.locked_at = row.failures, row.locked_at
    return DateCheck(right=False, locked=locked, tries_left=links.tries_left(row.failures))


class LinkError(ValueError):
    """A change to a reply link that cannot be made, with the reason (no identifiers)."""


@transaction.atomic
def record_answer(*, link: ReplyLink, answer: str) -> ReplyLink:
    """The person's answer to an invitation, given on their link (for staff to act on: it changes
    nothing in recall by itself). A later answer replaces an earlier one; each is audited."""
    if answer not in ReplyLink.Answer.values:
        raise LinkError("Choose one of the answers.")
    row = ReplyLink.objects.select_for_update().select_related("practice").get(pk=link.pk)
    if row.purpose != ReplyLink.Purpose.INVITATION:
        raise LinkError("Only an invitation's link takes this answer.")
    if queries.link_state(row, now=clock.now()) is not links.LinkState.OPEN:
        raise LinkError("This link no longer works.")
    row.answer, row.answered_at = answer, clock.now()
    row.save(update_fields=["answer", "answered_at"])
    audit.record(by=None, practice=row.practice, action=AuditEvent.Action.UPDATE, what="messaging.link.answer",
                 patient_id=row.patient_id, object_id=row.pk, detail={"answer": answer})
    logger.info("messaging: reply link %s answered (%s)", row.pk, answer)
    return row


@dataclass(frozen=True)
class Fresh:
    link: ReplyLink
    message: OutboxMessage


@transaction.atomic
def send_fresh_link(*, practice: Practice, link: ReplyLink, by: User | None, channel: str, variant: str,
                    about: dict) -> Fresh:
    """Replace a link (locked, expired, or lost) with a new one and queue it to the person through
    `channel` (the outbox). The old link stops working at once. `about` tells the message what the
    link is for ({"what": "pack" | "invitation", "when": ...}). Audited."""
    row = ReplyLink.objects.select_for_update().select_related("patient").get(pk=link.pk)
    if row.practice_id != practice.pk:
        raise LinkError("This link is not one of this practice's.")
    if row.revoked_at is not None:
        raise LinkError("A fresh link has already been sent instead of this one.")
    if channel not in reachable_channels(row.patient):
        raise LinkError("We hold no address for that way of contacting this person.")
    now = clock.now()
    row.revoked_at, row.revoked_by = now, by
    row.save(update_fields=["revoked_at", "revoked_by"])
    expires = max(row.expires_at, links.fresh_expires_at(now, days=FRESH_LINK_DAYS))
    issued = issue_links(practice=practice, by=by, requests=[LinkRequest(
        patient=row.patient, purpose=row.purpose, object_id=row.object_id, expires_at=expires)])[0]
    try:
        message = queue_message(
            practice=practice, patient=row.patient, channel=channel, variant=variant, template=FRESH_LINK_TEMPLATE,
            context={**about, **issued.context(), "expires_on": (expires - dt.timedelta(seconds=1)).date()},
            idempotency_key=f"link:{issued.link.pk}", by=by)
    except MessagingError as exc:
        raise LinkError(str(exc)) from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="messaging.link.fresh",
                 patient_id=row.patient_id, object_id=issued.link.pk,
                 detail={"replaces": row.pk, "purpose": row.purpose, "channel": channel})
    logger.info("messaging: reply link %s replaced by %s (%s)", row.pk, issued.link.pk, channel)
    return Fresh(link=issued.link, message=message)


