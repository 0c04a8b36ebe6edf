"""Reads for the conversation workspace: which conversation it is for, the pack that was sent for
it, and who at the practice a referral can go to. Always scoped to a practice. The person's record
itself is read (and the read audited) through tandem.patients.queries.patient_summary."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tandem.core.compiled import CompiledRead
from tandem.core.models import Membership, Practice, Provider, User
from tandem.core.parsing import read_id
from tandem.core.rules import ROLE_LABELS, Role
from tandem.patients.models import Patient
from tandem.patients.queries import patients_of
from tandem.prepare.models import Conversation, Pack


def _fields(model, *, leave_out: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname not in leave_out)


_CONVERSATION_FIELDS = _fields(Conversation)
_USER_FIELDS = _fields(User)
_PACK_FIELDS = _fields(Pack, leave_out=("html",))  # the pack as read online: not shown
# The person's conversations that were not cancelled, with who holds each and the pack sent for it.
# Its SQL is built once per process (tandem.core.compiled); the rows are made into the same
# instances select_related() would give.
_CONVERSATIONS = CompiledRead(lambda practice, patient: Conversation.objects
                              .filter(practice_id=practice, patient_id=patient)
                              .exclude(state=Conversation.State.CANCELLED).order_by()
                              .values_list(*_CONVERSATION_FIELDS, *(f"clinician__{n}" for n in _USER_FIELDS),
                                           *(f"pack__{n}" for n in _PACK_FIELDS)), "practice", "patient")
_PACK_CACHE = Conversation._meta.get_field("pack").cache_name


def _conversations(practice: Practice, patient: Patient) -> list[Conversation]:
    first, second = len(_CONVERSATION_FIELDS), len(_CONVERSATION_FIELDS) + len(_USER_FIELDS)
    found = []
    for row in _CONVERSATIONS.run(practice=practice.pk, patient=patient.pk):
        conversation = Conversation.from_db("default", _CONVERSATION_FIELDS, row[:first])
        conversation.clinician = (User.from_db("default", _USER_FIELDS, row[first:second])
                                  if row[first] is not None else None)
        pack = Pack.from_db("default", _PACK_FIELDS, row[second:]) if row[second] is not None else None
        if pack is not None:
            pack.conversation = conversation
        conversation._state.fields_cache[_PACK_CACHE] = pack  # None: no pack (DoesNotExist when asked)
        found.append(conversation)
    return found


def conversation_for(practice: Practice, patient: Patient, *, now: dt.datetime) -> Conversation | None:
    """The conversation the plan is being made in: the person's next booked one (today's counts,
    even once it has started), or else their latest one that was not cancelled. One query for all
    of their conversations (about one a year), with who holds each and the pack sent for it
    (`sent_pack`), is cheaper than asking the database to choose."""
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    mine = _conversations(practice, patient)
    upcoming = [c for c in mine if c.state == Conversation.State.BOOKED and c.starts_at >= start_of_today]
    if upcoming:
        return min(upcoming, key=lambda c: (c.starts_at, c.pk))
    return max(mine, key=lambda c: (c.starts_at, c.pk), default=None)



def conversation_of(practice: Practice, patient: Patient, pk) -> Conversation | None:
    """One of this person's conversations by id (from a form), or None."""
    pk = read_id(str(pk))
    if pk is None:
        return None
    return Conversation.objects.filter(practice=practice, patient=patient, pk=pk).first()


def sent_pack(conversation: Conversation | None) -> Pack | None:
    """The pack sent for a conversation that `conversation_for` read (it comes with it)."""
    if conversation is None:
        return None
    try:
        pack = conversation.pack
    except Pack.DoesNotExist:
        return None
    return pack if pack.practice_id == conversation.practice_id else None


_MEMBERSHIP_FIELDS = tuple(f.attname for f in Membership._meta.concrete_fields)
_STAFF = CompiledRead(lambda practice: Membership.objects.filter(practice_id=practice, user__is_active=True)
                      .order_by("user__last_name", "user__first_name", "user_id")
                      .values_list(*_MEMBERSHIP_FIELDS, *(f"user__{name}" for name in _USER_FIELDS)), "practice")


def practice_staff(practice: Practice) -> list[Membership]:
    """The memberships of the practice's active staff (with their user), by name: one read that gives
    both who tasks can go to (referral_staff_of) and who can hold the conversation
    (careplans.actions.clinical_staff_of). Read on every view of the workspace: its SQL is built once
    per process (tandem.core.compiled)."""
    split = len(_MEMBERSHIP_FIELDS)
    members = []
    for row in _STAFF.run(practice=practice.pk):
        member = Membership.from_db("default", _MEMBERSHIP_FIELDS, row[:split])
        member.user = User.from_db("default", _USER_FIELDS, row[split:])
        members.append(member)
    return members


def referral_staff_of(memberships: list[Membership]) -> list[tuple[int, str, str]]:
    """(user id, name, role label) of each membership, in the order given."""
    return [(m.user_id, m.user.display_name, ROLE_LABELS[Role(m.role)]) for m in memberships]


def referral_staff(practice: Practice) -> list[tuple[int, str, str]]:
    """(user id, name, role label) of the practice's staff, by name."""
    return referral_staff_of(practice_staff(practice))


def referral_providers(practice: Practice) -> list[tuple[int, str, str]]:
    """(id, name, kind) of the organisations outside the practice it refers to: its active providers, by name."""
    kinds = dict(Provider.Kind.choices)
    return [(pk, name, str(kinds.get(kind, kind))) for pk, name, kind in
            Provider.objects.filter(practice=practice, active=True).order_by("name", "pk")
            .values_list("pk", "name", "kind")]


def patient_unaudited(practice: Practice, patient_id: int) -> Patient | None:
    """This practice's person, for writing their clinician's draft or answering a fragment that
    shows nothing of their record (so not audited as a view); None for anyone else."""
    return patients_of(practice).filter(pk=patient_id).first()
