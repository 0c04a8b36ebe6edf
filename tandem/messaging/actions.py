"""Writes to the outbox: queueing messages, sending them, and recording what became of them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.core.parsing import read_id
from tandem.jobs import actions as job_actions
from tandem.jobs.models import Job
from tandem.patients.models import Patient

from . import catalogue, letters, queries, rules, wording
from .delivery import HEADER, Attempt, Senders, as_sent
from .models import LetterPdf, MessageAttachment, OutboxMessage, SinkEmail
from .rules import Outcome

logger = logging.getLogger(__name__)

DISPATCH_JOB = "messaging.dispatch"


class MessagingError(ValueError):
    """A message that cannot be queued, with a reason a person can act on (no identifiers)."""


class NoAddress(MessagingError):
    """We hold no usable address for this channel: choose another (see rules.channel_for)."""


@dataclass(frozen=True)
class Addressee:
    """Someone a message about a patient goes to instead of them (a carer the person has agreed may
    have a copy of their plan): an email to their own address, or a letter to the patient's address
    marked for them. Never a text message."""

    name: str
    email: str = ""
    # A letter to this address instead (an organisation a practice refers the person to), not the patient's.
    address: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email (written with the message, in the same transaction)."""

    name: str
    content_type: str
    data: bytes


MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # all of one email's files together


@dataclass(frozen=True)
class MessageRequest:
    patient: Patient
    channel: str
    template: str
    idempotency_key: str
    context: dict = field(default_factory=dict)
    variant: str = rules.STANDARD
    to: Addressee | None = None  # None: the patient
    attachments: tuple[Attachment, ...] = ()  # emails only


def queue_message(*, practice: Practice, patient: Patient, channel: str, template: str, context: dict,
                  idempotency_key: str, by: User | None, variant: str = rules.STANDARD,
                  to: Addressee | None = None, attachments: tuple[Attachment, ...] = ()) -> OutboxMessage:
    """Render a message for one patient and put it in the outbox. The same key (per practice) returns
    the message already queued and creates nothing, however many times it is asked."""
    request = MessageRequest(patient=patient, channel=channel, template=template, context=context,
                             idempotency_key=idempotency_key, variant=variant, to=to, attachments=attachments)
    return queue_messages(practice=practice, by=by, requests=[request])[0]


@transaction.atomic
def queue_messages(*, practice: Practice, by: User | None, requests: Iterable[MessageRequest]) -> list[OutboxMessage]:
    """Queue many messages at once (rendered one by one, written in bulk). Returns one message per
    request, in order: the new one, or the one already queued under that key. If any request cannot
    be rendered or addressed, nothing is queued and MessagingError says which kind of problem."""
    requests = list(requests)
    keys = [_key(r.idempotency_key) for r in requests]
    existing = _by_key(practice, set(keys))
    today, now = clock.today(), clock.now()
    practice_values = _practice_values(practice)
    words = _PracticeWords(practice)
    new: dict[str, OutboxMessage] = {}
    for request, key in zip(requests, keys, strict=True):
        if key in existing or key in new:
            continue
        new[key] = _build(request, key=key, practice=practice, practice_values=practice_values, today=today,
                          now=now, by=by, words=words.of(request.variant))
    if new:
        OutboxMessage.objects.bulk_create(new.values(), batch_size=500, ignore_conflicts=True)
        created = _by_key(practice, set(new))
        audit.record_many(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="message.queued",
                          patient_ids=[m.patient_id for m in created.values()])
        _attach(requests, keys, new=new, created=created, now=now)
        existing.update(created)
    return [existing[key] for key in keys]


def _attach(requests: list[MessageRequest], keys: list[str], *, new: dict, created: dict, now) -> None:
    """The files of the emails just queued, in the same transaction as their messages."""
    rows = [MessageAttachment(message=created[key], name=a.name, content_type=a.content_type, data=a.data,
                              size=len(a.data), created_at=now)
            for request, key in zip(requests, keys, strict=True) if key in new and key in created
            for a in request.attachments]
    if rows:
        MessageAttachment.objects.bulk_create(rows, ignore_conflicts=True)


class _PracticeWords:
    """The practice's wording for each variant, read once per batch and only when a template asks."""

    def __init__(self, practice: Practice):
        self.practice, self._words = practice, {}

    def of(self, variant: str) -> Callable[..., list[str]]:
        wanted = wording.EASY_READ if variant == wording.EASY_READ else wording.STANDARD

        def words(key: str, **values) -> list[str]:
            if wanted not in self._words:
                self._words[wanted] = wording.Words(queries.current_texts(self.practice, wanted), wanted)
            return self._words[wanted](key, **values)
        return words


def _key(value: str) -> str:
    key = (value or "").strip()
    if not key or len(key) > 200:
        raise MessagingError("Each message needs an idempotency key of 1 to 200 characters.")
    return key


def _by_key(practice: Practice, keys: set[str]) -> dict[str, OutboxMessage]:
    found: dict[str, OutboxMessage] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        found.update((m.idempotency_key, m) for m in
                     OutboxMessage.objects.filter(practice=practice, idempotency_key__in=chunk))
    return found


def _practice_values(practice: Practice) -> dict:
    return {
        "name": practice.name, "ods_code": practice.ods_code, "phone": practice.phone,
        "address_lines": [line for line in (practice.address_line1, practice.address_line2, practice.town,
                                             practice.postcode) if line],
    }


def patient_values(patient: Patient) -> dict:
    return {
        "given_name": patient.given_name, "family_name": patient.family_name,
        "name": f"{patient.given_name} {patient.family_name}".strip(), "nhs_number": patient.nhs_number_display,
    }


def postal_lines(patient: Patient) -> list[str]:
    return rules.postal_lines(name=patient_values(patient)["name"], address_line1=patient.address_line1,
                              address_line2=patient.address_line2, town=patient.town, postcode=patient.postcode)


def reachable_channels(patient: Patient) -> set[str]:
    """The channels we hold a usable address for (use with rules.channel_for)."""
    return rules.reachable(email=patient.email, mobile=patient.mobile, postal_lines=postal_lines(patient))


def _recipient(patient: Patient, channel: str, to: Addressee | None = None) -> tuple[str, list[str]]:
    """(recipient as stored, lines for the letter's address window)."""
    if channel == rules.LETTER and to is not None and to.address:
        return "\n".join(to.address), [to.name, *to.address]
    if channel == rules.LETTER:
        lines = postal_lines(patient)
        if not lines:
            raise NoAddress("There is no postal address (a first line and a postcode) to send a letter to.")
        if to is not None:  # to the patient's address, marked for the one it is for
            return "\n".join(lines[1:]), [to.name, f"c/o {lines[0]}", *lines[1:]]
        return "\n".join(lines[1:]), lines
    if to is not None:
        if channel == rules.SMS:
            raise MessagingError("A text message goes only to the person themselves.")
        try:
            validate_email(to.email)
        except ValidationError:
            raise NoAddress(f"There is no valid email address for {to.name}.") from None
        return to.email, []
    if channel == rules.SMS:
        number = rules.normalise_mobile(patient.mobile)
        if not number:
            raise NoAddress("There is no UK mobile number to send a text message to.")
        return number, []
    try:
        validate_email(patient.email)
    except ValidationError:
        raise NoAddress("There is no valid email address to send an email to.") from None
    return patient.email, []


def _build(request: MessageRequest, *, key: str, practice: Practice, practice_values: dict, today, now,
           by: User | None, words: Callable[..., list[str]]) -> OutboxMessage:
    patient = request.patient
    if patient.practice_id != practice.pk:
        raise MessagingError("A message can only be queued for a patient of the practice sending it.")
    if request.channel not in rules.CHANNELS:
        raise MessagingError(f"Messages go by letter, sms or email, not {request.channel!r}.")
    if request.variant not in rules.VARIANTS:
        raise MessagingError(f"The format must be standard, large_print or easy_read, not {request.variant!r}.")
    clash = catalogue.RESERVED & set(request.context)
    if clash:
        raise MessagingError(f"The context may not set {', '.join(sorted(clash))}: Tandem fills these in.")
    if request.attachments and request.channel != rules.EMAIL:
        raise MessagingError("Only an email can carry files.")
    if sum(len(a.data) for a in request.attachments) > MAX_ATTACHMENT_BYTES:
        raise MessagingError("The files are too large to send by email.")
    if request.to is not None and not " ".join(request.to.name.split()):
        raise MessagingError("Name the person the message is for.")
    recipient, lines = _recipient(patient, request.channel, request.to)
    person = patient_values(patient)
    values = {**request.context, "patient": person, "practice": practice_values, "today": today,
              "recipient_lines": lines, "words": words}
    try:
        rendered = catalogue.render(name=request.template, channel=request.channel, variant=request.variant,
                                    values=values)
    except catalogue.TemplateProblem as exc:
        raise MessagingError(str(exc)) from None
    return OutboxMessage(
        practice=practice, patient=patient, channel=request.channel, template=request.template,
        variant=request.variant, subject=rendered.subject, body=rendered.body, letter_html=rendered.letter_html,
        recipient_name=(request.to.name if request.to is not None else person["name"])[:200], recipient=recipient,
        idempotency_key=key, created_by=by, created_at=now,
    )


# --- Sending -------------------------------------------------------------------------------

@dataclass
class DispatchSummary:
    sent: int = 0
    delivered: int = 0
    retry: int = 0
    failed: int = 0
    held: int = 0  # answer lost: left in "sending" for a person to check
    waiting: int = 0  # not tried this time (taken by another dispatcher, or its channel is down)
    problems: list[str] = field(default_factory=list)

    @property
    def tried(self) -> int:
        return self.sent + self.delivered + self.retry + self.failed + self.held

    def text(self) -> str:
        parts = [f"{self.sent + self.delivered:,} sent"]
        for count, label in ((self.retry, "to try again"), (self.failed, "not sent"), (self.held, "to check"),
                             (self.waiting, "still waiting")):
            if count:
                parts.append(f"{count:,} {label}")
        return ", ".join(parts)


def dispatch_pending(*, practice: Practice | None = None, limit: int | None = None,
                     progress: Callable[..., None] | None = None) -> DispatchSummary:
    """Send queued messages (oldest first): letters become stored PDFs, texts go to the SMS gateway,
    emails to the mail server over SMTP.

    Never sends anything twice. Each message is claimed (queued -> sending) and that claim committed
    before its provider is contacted, so a second dispatcher, or a retry, cannot take it again; the
    outcome is committed straight after. If the outcome is lost (the process dies, or the connection
    breaks after the provider may have accepted it), the message stays in `sending` and is shown as
    needing a check (resolve_sending), rather than being sent again.

    Letters' PDFs are made ahead, in batches of up to letters.BATCH_SIZE (in a pool of processes for
    a long run), just before those letters are claimed; making a PDF contacts no one, so it changes
    nothing above. A letter whose batch could not be made is made on its own when it is sent.

    Must not run inside a transaction (it commits as it goes): call it from a job with atomic=False,
    a command, or a request without ATOMIC_REQUESTS.
    """
    queued = OutboxMessage.objects.filter(state=OutboxMessage.State.QUEUED)
    if practice is not None:
        queued = queued.filter(practice=practice)
    work = list(queued.order_by("created_at", "pk").values_list("pk", "channel")[:limit])
    summary = DispatchSummary()
    workers = letters.workers_for(sum(1 for _, channel in work if channel == rules.LETTER))
    step = letters.BATCH_SIZE * workers
    with Senders() as senders, letters.prepared(workers=workers) as ready:
        for start in range(0, len(work), step):
            chunk = work[start:start + step]
            _prepare_letters(ready, [pk for pk, channel in chunk if channel == rules.LETTER])
            for done, (pk, channel) in enumerate(chunk, start=start + 1):
                if channel in senders.down or (channel == rules.EMAIL and not senders.mail_ready()):
                    summary.waiting += 1
                else:
                    message = _claim(pk)
                    if message is None:
                        summary.waiting += 1
                    else:
                        attempt = senders.deliver(message)
                        state = _record(message, attempt)
                        _count(summary, state, attempt)
                if progress is not None:
                    progress(done, len(work), message=summary.text())
            ready.clear()
    summary.problems = sorted(set(senders.down.values()))
    logger.info("messaging: dispatch %s", summary.text())
    return summary


def _prepare_letters(ready: letters.Prepared, pks: list[int]) -> None:
    """Make the PDFs of these queued letters now, in batches, before any of them is claimed; sending
    each one then takes its PDF (letters.to_pdf). Any letter not made here (its batch could not be
    made, or it changed) is made on its own when it is sent, as before."""
    if not pks:
        return
    htmls = [as_sent(html, html=True) for html in OutboxMessage.objects.filter(
        pk__in=pks, state=OutboxMessage.State.QUEUED).values_list("letter_html", flat=True)]
    try:
        made = ready.add(htmls)
    except Exception as exc:  # noqa: BLE001 - only a speed-up: each letter is made when it is sent
        logger.warning("messaging: letters could not be made ahead (%s)", type(exc).__name__)
        return
    logger.info("messaging: %s of %s letters made ahead", made, len(htmls))


def _count(summary: DispatchSummary, state: str, attempt: Attempt) -> None:
    if state == "sent":
        summary.sent += 1
    elif state == "delivered":
        summary.delivered += 1
    elif state == "queued":
        summary.retry += 1
    elif state == "failed":
        summary.failed += 1
    else:
        summary.held += 1


def _claim(pk: int) -> OutboxMessage | None:
    with transaction.atomic(durable=True):
        won = OutboxMessage.objects.filter(pk=pk, state=OutboxMessage.State.QUEUED).update(
            state=OutboxMessage.State.SENDING, claimed_at=clock.now())
    if not won:
        return None
    return OutboxMessage.objects.select_related("practice", "created_by").get(pk=pk)


def _record(message: OutboxMessage, attempt: Attempt) -> str:
    attempts = message.attempts + 1
    state = rules.state_after(attempt.outcome, attempts=attempts)
    now = clock.now()
    changes: dict = {"state": state, "attempts": attempts, "last_error": attempt.error[:300]}
    if state in ("sent", "delivered"):
        changes.update(sent_at=now, provider_id=attempt.provider_id, last_error="")
    if state == "delivered":
        changes["delivered_at"] = now
    if state == "failed" and attempt.outcome is Outcome.RETRY:
        changes["last_error"] = (f"Not sent after {attempts} tries. Last problem: {attempt.error}")[:300]
    with transaction.atomic(durable=True):
        OutboxMessage.objects.filter(pk=message.pk, state=OutboxMessage.State.SENDING).update(**changes)
        if attempt.pdf is not None and state in ("sent", "delivered"):
            LetterPdf.objects.update_or_create(message_id=message.pk, defaults={
                "pdf": attempt.pdf, "pages": attempt.pages, "created_at": now})
        if state in ("sent", "delivered"):
            audit.record(by=message.created_by, practice=message.practice, action=AuditEvent.Action.EXPORT,
                         what="message.sent", patient_id=message.patient_id, object_id=message.pk,
                         detail={"channel": message.channel, "template": message.template,
                                 "variant": message.variant})
    for name, value in changes.items():
        setattr(message, name, value)
    logger.info("messaging: message %s %s (attempt %s)", message.pk, state, attempts)
    return state


@transaction.atomic
def resolve_sending(*, message: OutboxMessage, by: User, sent: bool) -> OutboxMessage:
    """A person has checked a message held in `sending`: it did arrive (sent=True), or it did not and
    may be sent again (sent=False, back to the queue)."""
    now = clock.now()
    if sent:
        changes = {"state": OutboxMessage.State.SENT, "sent_at": message.sent_at or now}
    else:
        changes = {"state": OutboxMessage.State.QUEUED}
    updated = OutboxMessage.objects.filter(pk=message.pk, state=OutboxMessage.State.SENDING).update(**changes)
    if not updated:
        raise MessagingError("This message is no longer waiting to be checked.")
    audit.record(by=by, practice=message.practice, action=AuditEvent.Action.UPDATE,
                 what="message.checked_sent" if sent else "message.send_again", patient_id=message.patient_id,
                 object_id=message.pk)
    message.refresh_from_db()
    return message


@transaction.atomic
def record_delivery_report(*, provider_id: str, delivered: bool, error: str = "") -> int:
    """A provider's delivery receipt: sent -> delivered, or sent -> failed (e.g. the phone is off for
    days). Returns how many messages it matched (0 for an unknown id)."""
    if not provider_id:
        return 0
    now = clock.now()
    matched = OutboxMessage.objects.filter(provider_id=provider_id, state=OutboxMessage.State.SENT)
    if delivered:
        return matched.update(state=OutboxMessage.State.DELIVERED, delivered_at=now)
    return matched.update(state=OutboxMessage.State.FAILED,
                          last_error=(error or "The provider could not deliver this message.")[:300])


def request_dispatch(*, practice: Practice, by: User | None, idempotency_key: str) -> Job:
    """Ask the worker to send this practice's queued messages (a job with a progress bar)."""
    return job_actions.enqueue(kind=DISPATCH_JOB, practice=practice, by=by, params={},
                               idempotency_key=idempotency_key)


# --- The demo mail sink ------------------------------------------------------------------------

def store_sink_email(envelope) -> SinkEmail:
    """Keep an email the demo SMTP sink received (tandem mailsink). Not audited: nothing here is a
    patient's record, and the sink never runs in production."""
    from email import message_from_bytes, policy

    parsed = message_from_bytes(envelope.data, policy=policy.default)
    outbox_id = str(parsed.get(HEADER, "")).strip()
    return SinkEmail.objects.create(
        received_at=clock.now(), mail_from=envelope.mail_from[:300], recipients=", ".join(envelope.recipients),
        subject=str(parsed.get("Subject", "")).strip()[:300],
        message_id=str(parsed.get("Message-ID", "")).strip()[:300],
        outbox_id=read_id(outbox_id), raw=envelope.data,
    )
