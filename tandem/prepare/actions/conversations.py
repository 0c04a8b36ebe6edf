"""Booking the care planning conversation for a review."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Membership, User
from tandem.recall.models import Review

from ..models import Conversation


class ConversationError(ValueError):
    """A booking that cannot be made, with a reason staff can act on."""


@transaction.atomic
def book_conversation(*, review: Review, by: User | None, starts_at: dt.datetime, minutes: int,
                      clinician: User | None, how: str = Conversation.How.IN_PERSON, place: str = "",
                      expected_version: int | None = None) -> Conversation:
    """Book (or move) the conversation for a review. Moving an existing booking needs the version
    the person saw (`expected_version`), so two people rebooking at once never silently overwrite
    each other."""
    if how not in Conversation.How.values:
        raise ConversationError("Choose how the conversation will happen.")
    if not 5 <= minutes <= 120:
        raise ConversationError("A conversation lasts between 5 and 120 minutes.")
    if starts_at.date() < clock.today():
        raise ConversationError("The conversation cannot be booked in the past.")
    role = ""
    if clinician is not None:
        role = (Membership.objects.filter(user=clinician, practice_id=review.practice_id)
                .values_list("role", flat=True).first())
        if role is None:
            raise ConversationError("The clinician must work at this practice.")
    now = clock.now()
    current = (Conversation.objects.select_for_update()
               .filter(review=review, state=Conversation.State.BOOKED).first())
    if current is not None:
        if expected_version is not None and expected_version != current.version:
            raise ConversationError("Someone else changed this booking while you were editing it. "
                                    "Check the booking below and make your change again.")
        current.starts_at, current.minutes, current.clinician, current.clinician_role = (
            starts_at, minutes, clinician, role)
        current.how, current.place, current.updated_at = how, place.strip()[:120], now
        current.version += 1
        current.save()
        conversation, action = current, AuditEvent.Action.UPDATE
    else:
        conversation = Conversation.objects.create(
            practice_id=review.practice_id, patient_id=review.patient_id, review=review, starts_at=starts_at,
            minutes=minutes, how=how, place=place.strip()[:120], clinician=clinician, clinician_role=role,
            created_at=now, created_by=by, updated_at=now)
        action = AuditEvent.Action.CREATE
    audit.record(by=by, practice=review.practice, action=action, what="prepare.conversation",
                 patient_id=review.patient_id, object_id=conversation.pk)
    return conversation


@transaction.atomic
def cancel_conversation(*, conversation: Conversation, by: User | None) -> Conversation:
    Conversation.objects.filter(pk=conversation.pk).update(state=Conversation.State.CANCELLED,
                                                           version=conversation.version + 1, updated_at=clock.now())
    audit.record(by=by, practice=conversation.practice, action=AuditEvent.Action.UPDATE,
                 what="prepare.conversation", patient_id=conversation.patient_id, object_id=conversation.pk,
                 detail={"cancelled": True})
    conversation.refresh_from_db()
    return conversation
