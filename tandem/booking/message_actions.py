"""Writes: telling a person about their appointments through the outbox (tandem.messaging), by their
preferred channel (a letter in their format when they need one): a confirmation when an appointment
is booked, changed or cancelled (online or by staff on the phone), and a reminder REMINDER_DAYS before
each appointment. Each message has an idempotency key, so asking twice queues it once. Logs carry ids
and counts only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from tandem.core import clock
from tandem.core.models import Practice, User
from tandem.messaging import actions as messaging_actions
from tandem.messaging import rules as messaging_rules
from tandem.recall import queries as recall_queries
from tandem.recall.models import Review

from . import presenters, queries, rules
from .models import Appointment
from .rules import Kind

logger = logging.getLogger(__name__)

CONFIRMATION_TEMPLATE = "booking_confirmation"
REMINDER_TEMPLATE = "booking_reminder"
REMINDER_JOB = "booking.reminders"
BOOKED, CHANGED, CANCELLED = "booked", "changed", "cancelled"


def _values(appointment: Appointment) -> dict:
    """One appointment as the message templates say it (no conditions: a text may be read by others)."""
    return {"kind": appointment.kind, "what": rules.KIND_LABELS[Kind(appointment.kind)],
            "when": presenters.when_text(appointment.day, appointment.start_time), "day": appointment.day,
            "minutes": appointment.minutes, "with": presenters.with_text(appointment),
            "place": appointment.session.place}


def _about(practice: Practice, patient_id: int, today: dt.date) -> tuple[frozenset[str], list[str]]:
    """The person's reasonable adjustments and what to bring or do before their tests."""
    facts = recall_queries.person_facts(practice, [patient_id]).get(patient_id) or recall_queries.PersonFacts()
    return facts.adjustments, list(recall_queries.plan_for(facts, today=today).tests.prepare)


def _queue(*, practice: Practice, by: User | None, patient, template: str, key: str, context: dict,
           adjustments) -> bool:
    channel, variant = messaging_rules.channel_and_variant(
        patient.preferred_channel, messaging_actions.reachable_channels(patient), adjustments)
    if channel is None:
        logger.info("booking: no address for %s to patient %s", template, patient.pk)
        return False
    try:
        messaging_actions.queue_message(practice=practice, patient=patient, channel=channel, variant=variant,
                                        template=template, context=context, idempotency_key=key, by=by)
    except messaging_actions.MessagingError:
        logger.warning("booking: %s to patient %s could not be queued", template, patient.pk)
        return False
    return True


@transaction.atomic
def confirm(*, practice: Practice, by: User | None, review: Review, event: str, appointments: list[Appointment],
            now: dt.datetime | None = None) -> bool:
    """Queue the confirmation of `event` (booked, changed or cancelled) for `appointments`, with what
    is booked for the review now. False when it could not be queued (no address): the booking stands
    and staff see it has no confirmation (confirmed_at is empty)."""
    now = now or clock.now()
    settings = queries.online_settings(practice)
    booked = queries.booked(practice, review.pk)
    adjustments, prepare = _about(practice, review.patient_id, timezone.localtime(now).date())
    tests_booked = any(a.kind == Kind.TESTS for a in booked)
    context = {"event": event, "changed": [_values(a) for a in appointments], "booked": [_values(a) for a in booked],
               "prepare": prepare if tests_booked else [], "online": settings.online_booking,
               "cutoff_hours": settings.cutoff_hours}
    key = f"booking:{appointments[0].pk}:{event}"
    done = _queue(practice=practice, by=by, patient=review.patient, template=CONFIRMATION_TEMPLATE, key=key,
                  context=context, adjustments=adjustments)
    if done and event != CANCELLED:
        Appointment.objects.filter(pk__in=[a.pk for a in appointments]).update(confirmed_at=now)
    return done


def send_reminders(*, practice: Practice, by: User | None, today: dt.date | None = None,
                   progress: Callable[..., None] | None = None) -> int:
    """Queue the reminder for each appointment due one (queries.to_remind): once each, marked by
    `reminded_at` in the same transaction, so running it again (or twice at once) queues nothing more.
    Cancelled, moved and past appointments are never reminded. Returns how many were queued."""
    today = today or clock.today()
    due = queries.to_remind(practice, today=today)
    settings = queries.online_settings(practice)
    sent = 0
    for i, appointment in enumerate(due, start=1):
        sent += _remind(practice=practice, by=by, appointment_id=appointment.pk, settings=settings, today=today)
        if progress:
            progress(i, len(due), message=f"{sent:,} reminders queued")
    logger.info("booking: practice %s queued %s appointment reminders", practice.pk, sent)
    return sent


@transaction.atomic
def _remind(*, practice: Practice, by: User | None, appointment_id: int, settings: queries.OnlineSettings,
            today: dt.date) -> int:
    now = clock.now()
    appointment = (Appointment.objects.select_for_update(of=("self",))
                   .filter(practice=practice, pk=appointment_id, state=Appointment.State.BOOKED,
                           reminded_at__isnull=True).select_related("patient", "session", "staff").first())
    if appointment is None:  # reminded, moved or cancelled meanwhile
        return 0
    adjustments, prepare = _about(practice, appointment.patient_id, today)
    context = {"appointment": _values(appointment),
               "prepare": prepare if appointment.kind == Kind.TESTS else [], "online": settings.online_booking,
               "cutoff_hours": settings.cutoff_hours}
    done = _queue(practice=practice, by=by, patient=appointment.patient, template=REMINDER_TEMPLATE,
                  key=f"booking:{appointment.pk}:reminder", context=context, adjustments=adjustments)
    appointment.reminded_at = now  # also when it could not go: it is not tried every day
    appointment.save(update_fields=["reminded_at"])
    return 1 if done else 0
