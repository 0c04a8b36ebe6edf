"""Reads for the conversation workspace: which conversation it is for, the pack that was sent for
it, and who at the practice a referral can go to. Always scoped to a practice. The person's record
itself is read (and the read audited) through tandem.patients.queries.patient_summary."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tandem.core.models import Membership, Practice
from tandem.core.parsing import read_id
from tandem.core.rules import ROLE_LABELS, Role
from tandem.patients.models import Patient
from tandem.patients.queries import patients_of
from tandem.prepare.models import Conversation, Pack


def conversation_for(practice: Practice, patient: Patient, *, now: dt.datetime) -> Conversation | None:
    """The conversation the plan is being made in: the person's next booked one (today's counts,
    even once it has started), or else their latest one that was not cancelled."""
    mine = (Conversation.objects.filter(practice=practice, patient=patient)
            .select_related("clinician").exclude(state=Conversation.State.CANCELLED))
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    upcoming = (mine.filter(state=Conversation.State.BOOKED, starts_at__gte=start_of_today)
                .order_by("starts_at", "pk").first())
    return upcoming or mine.order_by("-starts_at", "-pk").first()


def conversation_of(practice: Practice, patient: Patient, pk) -> Conversation | None:
    """One of this person's conversations by id (from a form), or None."""
    pk = read_id(str(pk))
    if pk is None:
        return None
    return Conversation.objects.filter(practice=practice, patient=patient, pk=pk).first()


def sent_pack(practice: Practice, conversation: Conversation | None) -> Pack | None:
    if conversation is None:
        return None
    return Pack.objects.filter(practice=practice, conversation=conversation).first()


def practice_staff(practice: Practice) -> list[Membership]:
    """The memberships of the practice's active staff (with their user), by name: one read that gives
    both who tasks can go to (referral_staff_of) and who can hold the conversation
    (careplans.actions.clinical_staff_of)."""
    return list(Membership.objects.filter(practice=practice, user__is_active=True)
                .select_related("user").order_by("user__last_name", "user__first_name", "user_id"))


def referral_staff_of(memberships: list[Membership]) -> list[tuple[int, str, str]]:
    """(user id, name, role label) of each membership, in the order given."""
    return [(m.user_id, m.user.display_name, ROLE_LABELS[Role(m.role)]) for m in memberships]


def referral_staff(practice: Practice) -> list[tuple[int, str, str]]:
    """(user id, name, role label) of the practice's staff, by name."""
    return referral_staff_of(practice_staff(practice))


def patient_unaudited(practice: Practice, patient_id: int) -> Patient | None:
    """This practice's person, for writing their clinician's draft or answering a fragment that
    shows nothing of their record (so not audited as a view); None for anyone else."""
    return patients_of(practice).filter(pk=patient_id).first()
