"""Sending packs: compose, queue through the outbox, keep what was sent; and asking for it as a job.

Safe to run again: a conversation gets one pack (Pack is one-to-one with it, and its outbox
message has the idempotency key `pack:{conversation id}`), so re-running sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.template.loader import render_to_string

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.jobs import actions as job_actions
from tandem.jobs.models import Job
from tandem.messaging import actions as messaging_actions
from tandem.messaging import link_actions, links
from tandem.messaging.actions import MessageRequest, MessagingError
from tandem.messaging.models import ReplyLink
from tandem.messaging.wording import readability
from tandem.recall.rules.dates import first_of_month

from ..models import Conversation, Pack, PackPreference
from ..queries import packs as queries
from ..rules import pack as pack_rules
from ..rules.timing import When

logger = logging.getLogger(__name__)

SEND_JOB = queries.SEND_JOB
TEMPLATE = "results_pack"
CHUNK = 50


@dataclass
class SendSummary:
    considered: int = 0
    queued: int = 0
    already: int = 0
    waiting_for_results: int = 0
    not_due_yet: int = 0
    too_late: int = 0
    no_address: int = 0
    not_queued: int = 0
    problems: list[str] = field(default_factory=list)

    def text(self) -> str:
        parts = [f"{self.queued:,} packs queued"]
        for count, label in ((self.already, "already sent"), (self.waiting_for_results, "waiting for results"),
                             (self.not_due_yet, "not due yet"), (self.too_late, "too late to send"),
                             (self.no_address, "with no address to send to"),
                             (self.not_queued, "could not be queued")):
            if count:
                parts.append(f"{count:,} {label}")
        return "; ".join(parts)


def public_link(token: str) -> str:
    return link_actions.long_url(token)


def paper_link(code: str) -> str:
    """How a letter words the reply link: the short address to type and the person's code."""
    return f"{link_actions.short_address()} with the code {links.spaced(code)}"


def pack_html(pack) -> str:
    """The pack as the person reads it online (and staff see it): the same partial the email uses."""
    return render_to_string("prepare/pack/body.html.jinja", {"pack": pack})


def send_packs(*, practice: Practice, by: User | None, day: dt.date | None = None, month: dt.date | None = None,
               progress: Callable[..., None] | None = None, chunk_size: int = CHUNK) -> SendSummary:
    """Queue the packs that are due for the conversations on a clinic day (or in a month): each
    through the person's channel and format, when its results are in (or the person chose no results
    in advance) and its window has opened. Returns what happened to each."""
    today = clock.today()
    ids = list(queries.in_scope(practice, day=day, month=month).order_by("starts_at", "pk")
               .values_list("pk", flat=True))
    summary = SendSummary()
    if progress:
        progress(0, len(ids), message=f"{len(ids):,} conversations to look at")
    for start in range(0, len(ids), chunk_size):
        _send_chunk(practice=practice, ids=ids[start:start + chunk_size], by=by, today=today, summary=summary)
        summary.considered = min(start + chunk_size, len(ids))
        if progress:
            progress(summary.considered, len(ids), message=summary.text())
    logger.info("prepare: practice %s queued %s packs (%s waiting for results)", practice.pk, summary.queued,
                summary.waiting_for_results)
    return summary


@transaction.atomic
def _send_chunk(*, practice: Practice, ids: list[int], by: User | None, today: dt.date,
                summary: SendSummary) -> None:
    conversations = list(Conversation.objects.select_for_update(of=("self",))
                         .filter(pk__in=ids, practice=practice, state=Conversation.State.BOOKED)
                         .select_related("patient", "review", "clinician", "practice").order_by("starts_at", "pk"))
    # conversation -> (its link's token and code, the link as the pack words it)
    secrets: dict[int, tuple[link_actions.Secret, str]] = {}

    def link_for(conversation: Conversation, channel: str | None) -> str:
        secret = link_actions.Secret.new()
        # marks where the code or token goes: the working one is put in only when the pack is sent
        worded = paper_link(secret.code_mark) if channel == "letter" else public_link(secret.token_mark)
        secrets[conversation.pk] = (secret, worded)
        return worded

    planned = []
    for prepared in queries.prepare_many(practice, conversations, link_for=link_for, today=today):
        when = prepared.window.when(today)
        if prepared.sent is not None:
            summary.already += 1
        elif when is When.TOO_EARLY:
            summary.not_due_yet += 1
        elif when is When.PAST:
            summary.too_late += 1
        elif not prepared.pack.ready:
            summary.waiting_for_results += 1
        elif prepared.channel is None:
            summary.no_address += 1
        else:
            conversation = prepared.conversation
            planned.append((prepared, MessageRequest(
                patient=conversation.patient, channel=prepared.channel, template=TEMPLATE, variant=prepared.variant,
                idempotency_key=f"pack:{conversation.pk}",
                context={"pack": prepared.pack, "link": secrets[conversation.pk][1],
                         **_paper(secrets[conversation.pk][0])})))
    if not planned:
        return
    messages = _queue(practice=practice, by=by, requests=[r for _, r in planned], summary=summary)
    now = clock.now()
    link_actions.issue_links(practice=practice, by=by, requests=[
        link_actions.LinkRequest(patient=prepared.conversation.patient, purpose=ReplyLink.Purpose.PACK,
                                 object_id=prepared.conversation.pk,
                                 expires_at=links.expires_at(prepared.conversation.starts_at),
                                 secret=secrets[prepared.conversation.pk][0])
        for (prepared, _request), message in zip(planned, messages, strict=True) if message is not None])
    rows = []
    for (prepared, _request), message in zip(planned, messages, strict=True):
        if message is None:
            continue
        conversation = prepared.conversation
        score = readability.score(prepared.pack.text())
        kept = _without_link(prepared.pack, secrets[conversation.pk][1])
        rows.append(Pack(
            practice=practice, patient_id=conversation.patient_id, conversation=conversation,
            with_results=prepared.with_results, content=kept.as_dict(), html=pack_html(kept),
            reading_age=score.reading_age, reading_ease=score.reading_ease, channel=prepared.channel,
            variant=prepared.variant, message=message, sent_on=today, created_at=now, created_by=by))
    Pack.objects.bulk_create(rows)
    summary.queued += len(rows)
    audit.record_many(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="prepare.pack",
                      patient_ids=[r.patient_id for r in rows])


STORED_LINK = "the link in your pack"


def _paper(secret: link_actions.Secret) -> dict:
    """The QR code and short code a paper pack carries (the QR code holds the short address)."""
    context = secret.context()
    del context["reply_link"]  # the pack words its link itself (`link`)
    return context


def _without_link(pack: pack_rules.Pack, link: str) -> pack_rules.Pack:
    """The pack as kept: the reply link's token is a password, so only its hash is stored; the
    copy shown online and to staff names the link instead of repeating it."""
    data = json.loads(json.dumps(pack.as_dict()).replace(json.dumps(link)[1:-1], STORED_LINK))
    return pack_rules.Pack.from_dict(data)


def _queue(*, practice: Practice, by: User | None, requests: list[MessageRequest], summary: SendSummary) -> list:
    try:
        return messaging_actions.queue_messages(practice=practice, by=by, requests=requests)
    except MessagingError:
        pass
    out = []
    for request in requests:  # find the one(s) that cannot go; queue the rest
        try:
            with transaction.atomic():
                out.append(messaging_actions.queue_messages(practice=practice, by=by, requests=[request])[0])
        except MessagingError as exc:
            out.append(None)
            summary.not_queued += 1
            if str(exc) not in summary.problems:
                summary.problems.append(str(exc))
    return out


def request_sending(*, practice: Practice, by: User | None, day: dt.date | None = None,
                    month: dt.date | None = None) -> Job:
    """Ask for a clinic day's (or a month's, or the coming four weeks') packs to be sent in the background. Pressing again the
    same day returns the same job; a later day's run sends only what has become due since."""
    today = clock.today()
    if day is not None:
        params, scope = {"day": day.isoformat()}, f"day:{day.isoformat()}"
    elif month is not None:
        month = first_of_month(month)
        params, scope = {"month": month.isoformat()}, f"month:{month:%Y-%m}"
    else:
        params, scope = {}, "upcoming"
    return job_actions.enqueue(kind=SEND_JOB, practice=practice, by=by, params=params,
                               idempotency_key=f"prepare:send:{scope}:{today.isoformat()}")


NOTE_LIMIT = PackPreference._meta.get_field("note").max_length  # how they told us, kept whole or refused


@transaction.atomic
def set_results_in_advance(*, practice: Practice, patient, by: User | None, wanted: bool, note: str = "") -> PackPreference:
    """Record whether the person wants their results before the conversation; respected every year
    until they change it."""
    if patient.practice_id != practice.pk:
        raise PermissionError("This person is not registered at this practice.")
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise ValueError(f"The note about their choice is {len(note):,} characters: it can be up to {NOTE_LIMIT}.")
    preference, _ = PackPreference.objects.update_or_create(
        patient=patient, defaults={"practice": practice, "results_in_advance": wanted, "note": note,
                                   "recorded_at": clock.now(), "recorded_by": by})
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="prepare.results_in_advance",
                 patient_id=patient.pk, object_id=preference.pk, detail={"wanted": wanted})
    return preference
