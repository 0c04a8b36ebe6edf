"""Sending the written plan home: one action from the saved plan, through the outbox.

The person gets the latest version by email (the accessible plan as the email's HTML, the standard
print PDF attached), as a letter in their format (standard, large print, easy read), or by a text with
a link to read it online behind their date of birth (ReplyLink.Purpose.PLAN). A carer the person has
agreed may have a copy can be sent one too: by their own email, or a letter to the person's address
marked for them.

"Copies given" is recorded by the sending itself: one CopyGiven per message, with how, the day, who it
went to, the outbox message and who sent it. Each message has an idempotency key of the version, the
channel and the recipient, so a double click (or the same choice made twice) sends once and records
once; the second answer says it was already in the outbox.

`send_plan` makes the PDF an email carries first (kept per version, actions/written.py: on SQLite it
is laid out outside any transaction), then queues the messages, their files and reply link, and
records the copies in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.messaging import actions as messaging
from tandem.messaging import link_actions, links
from tandem.messaging import rules as messaging_rules
from tandem.messaging.models import OutboxMessage, ReplyLink
from tandem.patients.models import Patient, RelatedPerson

from ..models import CarePlan, CopyGiven, PlanVersion
from ..presenters import written as presenters
from . import written as written_pdfs

logger = logging.getLogger(__name__)

TEMPLATE = "care_plan"
WHAT = "careplans.plan.sent"
# A plan is read more than once (before appointments, when things get worse, by whoever helps), so its
# link works for 90 days, not the two weeks of a fresh link; a later version is sent with a link of its own.
LINK_DAYS = 90
EMAIL, LETTER, SMS = messaging_rules.EMAIL, messaging_rules.LETTER, messaging_rules.SMS
PERSON_CHANNELS = (EMAIL, LETTER, SMS)
CARER_CHANNELS = (EMAIL, LETTER)
CHANNEL_WORDS = {EMAIL: "an email", LETTER: "a letter", SMS: "a text message with a link to read it online"}
FORMAT_WORDS = {"standard": "standard print", "large_print": "large print", "easy_read": "easy read"}


class SendError(ValueError):
    """The plan cannot be sent as asked, with a reason a person can act on (no identifiers)."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Sent:
    """One message of a sending, and the copy recorded with it. `new`: queued now (else it was already
    in the outbox from an earlier, identical choice)."""

    copy: CopyGiven
    message: OutboxMessage
    new: bool

    def text(self) -> str:
        what = CHANNEL_WORDS[self.message.channel]
        if self.message.channel == LETTER:
            what += f" ({FORMAT_WORDS.get(self.message.variant, 'standard print')})"
        return f"{what} to {self.copy.to_name}"


def carers(patient: Patient) -> list[RelatedPerson]:
    """The people a copy may go to besides the person: their carers and those with proxy access."""
    return [p for p in patient.related_people.all() if p.is_carer or p.has_proxy_access]


def default_format(patient: Patient) -> str:
    """The letter format their reasonable adjustments ask for (the rule every message uses)."""
    return messaging_rules.variant_for({a.kind for a in patient.adjustments.all()})


def _email_ok(address: str) -> bool:
    try:
        validate_email(address or "")
    except ValidationError:
        return False
    return True


def person_problem(patient: Patient, channel: str) -> str:
    """Why the plan cannot go to the person this way ("" when it can)."""
    name = messaging.patient_values(patient)["name"]
    if channel == EMAIL and not _email_ok(patient.email):
        return f"{name} has no email address recorded, so the plan cannot be emailed. Send a letter or a text instead."
    if channel == SMS and not messaging_rules.normalise_mobile(patient.mobile):
        return (f"{name} has no UK mobile number recorded, so a text cannot be sent. "
                "Send an email or a letter instead.")
    if channel == LETTER and not messaging.postal_lines(patient):
        return f"{name} has no postal address (a first line and a postcode) recorded, so a letter cannot be sent."
    return ""


def carer_problem(patient: Patient, carer: RelatedPerson, channel: str) -> str:
    """Why a copy cannot go to this carer this way ("" when it can)."""
    if channel == EMAIL and not _email_ok(carer.email):
        return f"{carer.name} has no email address recorded. Send them a letter instead."
    if channel == LETTER and not messaging.postal_lines(patient):
        return "There is no postal address for the person, so a letter cannot be sent to it."
    return ""


@dataclass(frozen=True)
class _Planned:
    channel: str
    variant: str
    key: str
    to: messaging.Addressee | None
    carer: RelatedPerson | None


def send_plan(*, version: PlanVersion, patient: Patient, practice: Practice, by: User | None, channel: str,
              variant: str = "", carer: RelatedPerson | None = None, carer_channel: str = "",
              carer_agreed: bool = False) -> list[Sent]:
    """Send the latest version to the person by `channel` (and, if asked, a copy to `carer` by
    `carer_channel`, once the person has agreed). Refused with SendError, sending and recording
    nothing, when any part cannot go."""
    planned = _check(version=version, patient=patient, practice=practice, channel=channel, variant=variant,
                     carer=carer, carer_channel=carer_channel, carer_agreed=carer_agreed)
    pdf = None
    if any(p.channel == EMAIL for p in planned) and not _all_queued(practice, planned):
        pdf = written_pdfs.pdf_for(version=version, patient=patient, practice=practice, variant="standard", by=by)
    return _queue_and_record(version=version, patient=patient, practice=practice, by=by, planned=planned,
                             pdf=bytes(pdf.pdf) if pdf is not None else b"", carer_agreed=carer_agreed)


def _check(*, version: PlanVersion, patient: Patient, practice: Practice, channel: str, variant: str,
           carer: RelatedPerson | None, carer_channel: str, carer_agreed: bool) -> list[_Planned]:
    if version.practice_id != practice.pk or version.patient_id != patient.pk or patient.practice_id != practice.pk:
        raise PermissionError("That care plan version is not this person's at this practice.")
    latest = CarePlan.objects.filter(pk=version.plan_id).values_list("version", flat=True).first()  # as it is now
    if latest != version.version:
        raise SendError(f"Version {version.version} is an earlier version. Only the latest version of the plan "
                        "can be sent.")
    if channel not in PERSON_CHANNELS:
        raise SendError("Choose how to send the plan", field="channel")
    variant = variant or default_format(patient)
    if channel == LETTER and variant not in messaging_rules.VARIANTS:
        raise SendError("Choose the format of the letter", field="variant")
    problem = person_problem(patient, channel)
    if problem:
        raise SendError(problem, field="channel")
    base = f"careplan:{version.pk}"
    planned = [_Planned(channel=channel, variant=variant if channel == LETTER else "standard",
                        key=f"{base}:{channel}:person", to=None, carer=None)]
    if carer is not None:
        if carer.patient_id != patient.pk or not (carer.is_carer or carer.has_proxy_access):
            raise SendError("Choose one of the person's carers", field="carer")
        if carer_channel not in CARER_CHANNELS:
            raise SendError(f"Choose how to send {carer.name} a copy", field="carer_channel")
        if not carer_agreed:
            raise SendError(f"Tick to confirm that the person has agreed that {carer.name} may have a copy",
                            field="carer_agreed")
        problem = carer_problem(patient, carer, carer_channel)
        if problem:
            raise SendError(problem, field="carer_channel")
        planned.append(_Planned(channel=carer_channel, variant=variant if carer_channel == LETTER else "standard",
                                key=f"{base}:{carer_channel}:carer-{carer.pk}",
                                to=messaging.Addressee(name=" ".join(carer.name.split()), email=carer.email),
                                carer=carer))
    return planned


def _all_queued(practice: Practice, planned: list[_Planned]) -> bool:
    """Whether every email of this sending is in the outbox already (a double click needs no PDF)."""
    keys = {p.key for p in planned if p.channel == EMAIL}
    return CopyGiven.objects.filter(practice=practice, message__idempotency_key__in=keys).count() == len(keys)


def _how(channel: str, variant: str) -> str:
    if channel == EMAIL:
        return CopyGiven.How.EMAIL
    if channel == SMS:
        return CopyGiven.How.PORTAL
    return CopyGiven.How.LARGE_PRINT if variant == "large_print" else CopyGiven.How.POSTED


def _file_name(patient: Patient, version: PlanVersion) -> str:
    return f"care-plan-version-{version.version}.pdf"


@transaction.atomic
def _queue_and_record(*, version: PlanVersion, patient: Patient, practice: Practice, by: User | None,
                      planned: list[_Planned], pdf: bytes, carer_agreed: bool) -> list[Sent]:
    plan = presenters.written(version, patient, practice)
    now, today = clock.now(), clock.today()
    expires = links.fresh_expires_at(now, days=LINK_DAYS)
    person = messaging.patient_values(patient)["name"]
    done: list[Sent] = []
    for item in planned:
        secret = link_actions.Secret.new() if item.channel == SMS else None
        context = {"plan": plan, "for_carer": item.to.name if item.to is not None else "",
                   "version_number": version.version}
        if secret is not None:
            context.update(secret.context(), link_until=(expires - dt.timedelta(seconds=1)).date())
        attachments = ()
        if item.channel == EMAIL and pdf:
            attachments = (messaging.Attachment(name=_file_name(patient, version), content_type="application/pdf",
                                                data=pdf),)
        try:
            message = messaging.queue_message(
                practice=practice, patient=patient, channel=item.channel, template=TEMPLATE, variant=item.variant,
                context=context, idempotency_key=item.key, by=by, to=item.to, attachments=attachments)
        except messaging.MessagingError as exc:
            raise SendError(str(exc)) from None
        if secret is not None and link_actions.carries(message, secret):
            link_actions.issue_links(practice=practice, by=by, requests=[link_actions.LinkRequest(
                patient=patient, purpose=ReplyLink.Purpose.PLAN, object_id=version.pk, expires_at=expires,
                secret=secret)])
        done.append(_record(version=version, message=message, item=item, by=by, now=now, today=today,
                            to_name=item.to.name if item.to is not None else person, carer_agreed=carer_agreed))
    for sent in done:
        if sent.new:
            audit.record(by=by, practice=practice, action=AuditEvent.Action.EXPORT, what=WHAT, patient_id=patient.pk,
                         object_id=version.pk, detail={"version": version.version, "channel": sent.message.channel,
                                                       "format": sent.message.variant, "message": sent.message.pk,
                                                       "to": "carer" if sent.copy.carer_id else "person"})
    logger.info("careplans: plan version %s sent (%s new messages)", version.pk, sum(s.new for s in done))
    return done


def _record(*, version: PlanVersion, message: OutboxMessage, item: _Planned, by: User | None, now, today,
            to_name: str, carer_agreed: bool) -> Sent:
    """The copy given, recorded once per message: a second sending of the same returns the first."""
    kept = CopyGiven.objects.filter(message=message).select_related("recorded_by").first()
    if kept is not None:
        return Sent(copy=kept, message=message, new=False)
    try:
        with transaction.atomic():
            copy = CopyGiven.objects.create(
                practice=version.practice, version=version, how=_how(item.channel, item.variant), on=today,
                recorded_at=now, recorded_by=by, message=message, to_name=to_name[:200], carer=item.carer,
                carer_agreed=item.carer is not None and carer_agreed)
    except IntegrityError:  # recorded meanwhile by a second click that got there first
        return Sent(copy=CopyGiven.objects.get(message=message), message=message, new=False)
    return Sent(copy=copy, message=message, new=True)
