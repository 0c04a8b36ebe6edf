"""Booking: the only write path (ADR 2). Atomic, `by=`, audited.

Booking takes the appointment's slots by inserting one row per slot (unique per session and start):
when two people book the last slot at once, one insert wins and the other's whole booking is rolled
back and refused with the next free places. A tests appointment records the review as booked (recall);
a conversation books the care planning conversation its pack is prepared for (prepare).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.clinics.models import ClinicSession
from tandem.clinics.rules.sessions import Cancelled, slot_starts
from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.core.on_behalf import OnBehalf
from tandem.prepare import actions as prepare_actions
from tandem.prepare.models import Conversation
from tandem.recall import actions as recall_actions
from tandem.recall.models import Review
from tandem.recall.rules.status import Response, ResponseNotAllowed

from . import message_actions, queries, rules
from .models import Appointment, BookingSettings, TakenSlot
from .rules import Kind

logger = logging.getLogger(__name__)


class BookingError(ValueError):
    """Why it cannot be booked, in words for the person booking."""


class SlotGone(BookingError):
    """Someone else took the slot first; `next_free` lists the places still free (session, start)."""

    def __init__(self, message: str, next_free: list[tuple[ClinicSession, dt.time]]):
        super().__init__(message)
        self.next_free = next_free


class BookingConflict(Exception):
    """The appointment changed since the page was opened: nothing was saved."""


def _aware(day: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at))


def _checked_session(practice: Practice, session_id: int, kind: Kind, start: dt.time, minutes: int,
                     now: dt.datetime) -> tuple[ClinicSession, list[dt.time]]:
    session = ClinicSession.objects.filter(practice=practice, pk=session_id).select_related("staff").first()
    if session is None:
        raise BookingError("That session does not exist in this practice.")
    if session.cancelled != Cancelled.HELD:
        raise BookingError("That session is not being held: choose another.")
    if session.purpose not in rules.HELD_IN[kind]:
        raise BookingError(f"That session is not for {rules.KIND_LABELS[kind].lower()}s: choose another.")
    if not 5 <= minutes <= rules.MAX_MINUTES:
        raise BookingError(f"An appointment lasts from 5 to {rules.MAX_MINUTES} minutes.")
    local = timezone.localtime(now)
    if session.day < local.date() or (session.day == local.date() and start <= local.time()):
        raise BookingError("That time has passed: choose a later one.")
    run = rules.run_from(start, slot_starts(session.start_time, session.end_time, session.slot_minutes),
                         rules.slots_needed(minutes, session.slot_minutes))
    if run is None:
        raise BookingError("The appointment does not fit in the session from that time: choose another time.")
    return session, run


def book(*, practice: Practice, by: User | None, review: Review, kind: str, session_id: int, start: dt.time,
         minutes: int, now: dt.datetime | None = None, online: bool = False, confirm: bool = True,
         on_behalf: OnBehalf | None = None) -> Appointment:
    """Book `review`'s tests appointment or conversation into `session_id` from `start`, taking as many
    slots one after another as `minutes` needs. Raises SlotGone (with the next free places) when a slot
    is taken, BookingError when it cannot be booked there at all. `online`: the person booked it
    through their invitation's link (`by` is None). `confirm`: queue the person's confirmation.
    `on_behalf`: booked from the person's own pages (ADR 16), by them or a carer: in the audit row."""
    kind = Kind(kind)
    now = now or clock.now()
    if review.practice_id != practice.pk:
        raise BookingError("That review is not in this practice.")
    session, run = _checked_session(practice, session_id, kind, start, minutes, now)
    try:
        with transaction.atomic():
            appointment = _insert(practice=practice, by=by, review=review, kind=kind, session=session, run=run,
                                  minutes=minutes, now=now, online=online, on_behalf=on_behalf)
            if confirm:
                message_actions.confirm(practice=practice, by=by, review=review, event=message_actions.BOOKED,
                                        appointments=[appointment], now=now)
    except IntegrityError:
        if Appointment.objects.filter(review=review, kind=kind, state=Appointment.State.BOOKED).exists():
            raise BookingError(f"This person already has a {rules.KIND_LABELS[kind].lower()} booked: "
                               "move it instead.") from None
        free = queries.next_free(practice, kind=kind, minutes=minutes, from_day=session.day, now=now)
        raise SlotGone("That time has just been taken by someone else. Nothing was booked.", free) from None
    logger.info("booking: appointment %s booked in session %s", appointment.pk, session.pk)
    return appointment


def _insert(*, practice, by, review, kind, session, run, minutes, now, moved_from: Appointment | None = None,
            online: bool = False, on_behalf: OnBehalf | None = None):
    appointment = Appointment.objects.create(
        practice=practice, patient_id=review.patient_id, review=review, kind=kind, session=session, day=session.day,
        start_time=run[0], end_time=rules.minutes_after(run[0], minutes), minutes=minutes, staff=session.staff,
        created_at=now, created_by=by, booked_online=online)
    TakenSlot.objects.bulk_create([TakenSlot(session=session, start=s, appointment=appointment) for s in run])
    starts_at = _aware(session.day, run[0])
    if kind is Kind.CONVERSATION:
        try:
            conversation = prepare_actions.book_conversation(
                review=review, by=by, starts_at=starts_at, minutes=minutes, clinician=session.staff,
                place=session.place)
        except prepare_actions.ConversationError as exc:
            raise BookingError(str(exc)) from None
        appointment.conversation = conversation
        appointment.save(update_fields=["conversation"])
    else:
        try:
            recall_actions.record_response(review=review, response=Response.BOOKED, by=by,
                                           on=timezone.localtime(now).date(), appointment_on=session.day,
                                           appointment_time=run[0])
        except ResponseNotAllowed as exc:
            raise BookingError(str(exc)) from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what=f"booking.{kind.value}",
                 patient_id=review.patient_id, object_id=appointment.pk,
                 detail={"session": session.pk, "slots": len(run), **({"moved_from": moved_from.pk} if moved_from else {}),
                         **_by_person(online, on_behalf)})
    return appointment


def _by_person(online: bool, on_behalf: OnBehalf | None = None) -> dict:
    """What the audit says when the person did it themselves, on their invitation's link, or from their
    own pages (then with the account, and a carer's grant: `on_behalf`)."""
    if on_behalf is not None:
        return {"by": "someone helping them, online" if on_behalf.by_carer else "the person, online",
                **on_behalf.detail()}
    return {"by": "the person, online"} if online else {}


def _locked(practice: Practice, appointment_id: int, version: int | None) -> Appointment:
    appointment = (Appointment.objects.select_for_update(of=("self",)).filter(practice=practice, pk=appointment_id)
                   .select_related("review", "conversation").first())
    if appointment is None:
        raise BookingError("That appointment does not exist in this practice.")
    if version != appointment.version:
        raise BookingConflict()
    if appointment.state != Appointment.State.BOOKED:
        raise BookingError("That appointment is no longer booked.")
    return appointment


def _end(appointment: Appointment, *, state: str, by: User | None, reason: str, now: dt.datetime,
         online: bool = False) -> None:
    TakenSlot.objects.filter(appointment=appointment).delete()
    appointment.state, appointment.reason = state, reason.strip()[:200]
    appointment.ended_at, appointment.ended_by = now, by
    appointment.booked_online = appointment.booked_online or online
    appointment.version += 1
    appointment.save()


@transaction.atomic
def cancel(*, practice: Practice, by: User | None, appointment_id: int, version: int | None, reason: str = "",
           now: dt.datetime | None = None, online: bool = False, confirm: bool = True,
           on_behalf: OnBehalf | None = None) -> Appointment:
    """Cancel an appointment: its slots are free again; the row stays as history. `online`: the
    person cancelled it on their link. `confirm`: queue the person's confirmation of it."""
    now = now or clock.now()
    appointment = _locked(practice, appointment_id, version)
    _end(appointment, state=Appointment.State.CANCELLED, by=by, reason=reason, now=now, online=online)
    if appointment.conversation is not None and appointment.conversation.state == Conversation.State.BOOKED:
        prepare_actions.cancel_conversation(conversation=appointment.conversation, by=by)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what=f"booking.{appointment.kind}",
                 patient_id=appointment.patient_id, object_id=appointment.pk,
                 detail={"state": "cancelled", **_by_person(online, on_behalf)})
    if confirm:
        message_actions.confirm(practice=practice, by=by, review=appointment.review, event=message_actions.CANCELLED,
                                appointments=[appointment], now=now)
    return appointment


def move(*, practice: Practice, by: User | None, appointment_id: int, version: int | None, session_id: int,
         start: dt.time, minutes: int | None = None, now: dt.datetime | None = None, online: bool = False,
         confirm: bool = True, on_behalf: OnBehalf | None = None) -> Appointment:
    """Move an appointment to another place: the new one is booked and the old one ends as moved (and
    points to the new), in one transaction; if the new place has gone, nothing changes. `online` and
    `confirm` as for `book`."""
    now = now or clock.now()
    try:
        with transaction.atomic():
            old = _locked(practice, appointment_id, version)
            kind = Kind(old.kind)
            minutes = minutes or old.minutes
            session, run = _checked_session(practice, session_id, kind, start, minutes, now)
            _end(old, state=Appointment.State.MOVED, by=by, reason="", now=now, online=online)
            new = _insert(practice=practice, by=by, review=old.review, kind=kind, session=session, run=run,
                          minutes=minutes, now=now, moved_from=old, online=online, on_behalf=on_behalf)
            old.moved_to = new
            old.save(update_fields=["moved_to"])
            if confirm:
                message_actions.confirm(practice=practice, by=by, review=old.review, event=message_actions.CHANGED,
                                        appointments=[new], now=now)
    except IntegrityError:
        session = ClinicSession.objects.get(pk=session_id)
        free = queries.next_free(practice, kind=kind, minutes=minutes, from_day=session.day, now=now)
        raise SlotGone("That time has just been taken by someone else. The appointment was not moved.", free) from None
    return new


@transaction.atomic
def save_settings(*, practice: Practice, by: User | None, gap_days: int, version: int | None,
                  online_booking: bool | None = None, cutoff_hours: int | None = None) -> int:
    """The days between the tests appointment and the conversation, and (when given) whether people
    may book online and up to how many hours before an appointment they may change or cancel it
    themselves. `version`: what the form showed (0 for never saved); anything else raises
    BookingConflict and saves nothing."""
    if not rules.GAP_DAYS[0] <= gap_days <= rules.GAP_DAYS[1]:
        raise BookingError(f"The gap must be from {rules.GAP_DAYS[0]} to {rules.GAP_DAYS[1]} days.")
    if cutoff_hours is not None and not rules.CUTOFF_HOURS[0] <= cutoff_hours <= rules.CUTOFF_HOURS[1]:
        raise BookingError(f"The cut-off must be from {rules.CUTOFF_HOURS[0]} to {rules.CUTOFF_HOURS[1]} hours.")
    current = BookingSettings.objects.select_for_update().filter(practice=practice).first()
    if version != (current.version if current is not None else 0):
        raise BookingConflict()
    now = clock.now()
    if current is None:
        current = BookingSettings(practice=practice, version=0)
    current.gap_days, current.version, current.updated_at, current.updated_by = (
        gap_days, current.version + 1, now, by)
    if online_booking is not None:
        current.online_booking = online_booking
    if cutoff_hours is not None:
        current.online_cutoff_hours = cutoff_hours
    current.save()
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="booking.settings",
                 object_id=current.pk, detail={"gap_days": gap_days, "online_booking": current.online_booking,
                                               "online_cutoff_hours": current.online_cutoff_hours})
    return current.version


@dataclass(frozen=True)
class Choice:
    """One appointment a person chose on their link: what, where, from when, how long, and who may
    hold it (the session's role must be one of `roles`)."""

    kind: str
    session_id: int
    start: dt.time
    minutes: int
    roles: frozenset[str]


def book_online(*, practice: Practice, review: Review, choices: list[Choice],
                now: dt.datetime | None = None, on_behalf: OnBehalf | None = None) -> list[Appointment]:
    """The person's own booking on their invitation's link: their tests appointment and conversation
    (or the one still to book) in one transaction, so both are booked or neither: a slot taken
    meanwhile raises SlotGone and books nothing. The conversation must be at least the practice's gap
    after the tests. Booked as `online` (no user; the audit says the person did it), confirmed once."""
    now = now or clock.now()
    gap_days = queries.settings_for(practice)[0]
    tests = next((a for a in queries.booked(practice, review.pk) if a.kind == Kind.TESTS), None)
    with transaction.atomic():
        made = []
        for choice in choices:
            session = ClinicSession.objects.filter(practice=practice, pk=choice.session_id).first()
            if session is None or session.role not in choice.roles:
                raise BookingError("That time is not one you can book: choose another.")
            if choice.kind == Kind.CONVERSATION and tests is not None and \
                    session.day < tests.day + dt.timedelta(days=gap_days):
                raise BookingError(f"The conversation must be at least {gap_days} days after the tests.")
            booked = book(practice=practice, by=None, review=review, kind=choice.kind, session_id=session.pk,
                          start=choice.start, minutes=choice.minutes, now=now, online=True, confirm=False,
                          on_behalf=on_behalf)
            tests = booked if booked.kind == Kind.TESTS else tests
            made.append(booked)
        if made:
            message_actions.confirm(practice=practice, by=None, review=review, event=message_actions.BOOKED,
                                    appointments=made, now=now)
    return made


OUTCOMES = {"attended": Response.ATTENDED, "did_not_attend": Response.DID_NOT_ATTEND}


@transaction.atomic
def record_outcome(*, practice: Practice, by: User | None, appointment_id: int, version: int | None, outcome: str,
                   now: dt.datetime | None = None) -> Appointment:
    """Whether the person came, once the appointment's time has passed. A tests appointment records
    the same on the review (recall: a missed one starts the next round of invitations). Its slots stay
    taken: the time was used, or lost."""
    now = now or clock.now()
    if outcome not in OUTCOMES:
        raise BookingError("Choose whether they came.")
    appointment = _locked(practice, appointment_id, version)
    if _aware(appointment.day, appointment.start_time) > now:
        raise BookingError("Whether they came can be recorded once the appointment's time has passed.")
    if appointment.kind == Kind.TESTS:
        try:
            recall_actions.record_response(review=appointment.review, response=OUTCOMES[outcome], by=by,
                                           on=timezone.localtime(now).date())
        except ResponseNotAllowed as exc:
            raise BookingError(str(exc)) from None
    appointment.state, appointment.ended_at, appointment.ended_by = outcome, now, by
    appointment.version += 1
    appointment.save()
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what=f"booking.{appointment.kind}",
                 patient_id=appointment.patient_id, object_id=appointment.pk, detail={"state": outcome})
    return appointment


@transaction.atomic
def record_arrival(*, practice: Practice, by: User | None, appointment_id: int, version: int | None,
                   now: dt.datetime | None = None) -> Appointment:
    """The person has arrived for a booked appointment today (the day list's "Arrived"): when, and
    who saw them. Only on the appointment's own day, and only once."""
    now = now or clock.now()
    appointment = _locked(practice, appointment_id, version)
    if appointment.day != timezone.localtime(now).date():
        raise BookingError("An arrival can be recorded only on the day of the appointment.")
    if appointment.arrived_at is not None:
        raise BookingError("Their arrival is already recorded.")
    appointment.arrived_at, appointment.arrived_by = now, by
    appointment.version += 1
    appointment.save(update_fields=["arrived_at", "arrived_by", "version"])
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what=f"booking.{appointment.kind}",
                 patient_id=appointment.patient_id, object_id=appointment.pk, detail={"arrived": True})
    return appointment


@transaction.atomic
def undo_arrival(*, practice: Practice, by: User | None, appointment_id: int, version: int | None,
                 now: dt.datetime | None = None) -> Appointment:
    """Take back an arrival recorded by mistake (the wrong row, or the person left before being seen).
    The audit log keeps who recorded it and who took it back."""
    now = now or clock.now()
    appointment = _locked(practice, appointment_id, version)
    if appointment.day != timezone.localtime(now).date():
        raise BookingError("An arrival can be taken back only on the day of the appointment.")
    if appointment.arrived_at is None:
        raise BookingError("No arrival is recorded for this appointment.")
    appointment.arrived_at, appointment.arrived_by = None, None
    appointment.version += 1
    appointment.save(update_fields=["arrived_at", "arrived_by", "version"])
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what=f"booking.{appointment.kind}",
                 patient_id=appointment.patient_id, object_id=appointment.pk, detail={"arrived": False})
    return appointment
