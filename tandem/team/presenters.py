"""Team rows shaped for the pages: names, role labels, and whether and when someone left."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tandem.core.models import Membership
from tandem.core.rules import ROLE_LABELS, Role

from . import rules


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    username: str
    role: str
    role_label: str
    email: str
    working: bool
    left_on: dt.date | None
    left_by: str
    last_signed_in: dt.date | None
    version: int
    has_password: bool


def member_row(m: Membership) -> MemberRow:
    user = m.user
    last = timezone.localtime(user.last_login).date() if user.last_login else None
    return MemberRow(
        id=m.pk, name=user.get_full_name() or user.username, username=user.username, role=m.role,
        role_label=ROLE_LABELS.get(Role(m.role), m.role) if m.role in _ROLES else m.role, email=user.email,
        working=m.left_on is None, left_on=m.left_on, left_by=m.left_by.display_name if m.left_by else "",
        last_signed_in=last, version=m.version, has_password=user.has_usable_password())


_ROLES = frozenset(r.value for r in Role)


def team_rows(memberships: list[Membership]) -> tuple[list[MemberRow], list[MemberRow]]:
    """(working here, left)."""
    rows = [member_row(m) for m in memberships]
    return [r for r in rows if r.working], [r for r in rows if not r.working]


ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in Role]


@dataclass(frozen=True)
class StepChoice:
    value: str
    label: str
    allowed: tuple[tuple[str, str], ...]  # (role, label) that may hold it
    checked: frozenset[str]
    hint: str


_HINTS = {
    rules.Step.TESTS: "The tests appointment: bloods, measurements and checks. Clinical roles only.",
    rules.Step.CONVERSATION: "The conversation with the person about their results and plan. "
                             "Nurses, GPs and pharmacists only.",
    rules.Step.INVITATIONS: "Who sends the yearly review invitations and reminders.",
    rules.Step.PACKS: "Who sends each person their results-and-prompts pack before the conversation.",
}


def step_choices(chosen: dict[str, list[str]] | rules.StepRoles) -> list[StepChoice]:
    if isinstance(chosen, rules.StepRoles):
        chosen = chosen.as_stored()
    return [StepChoice(value=step.value, label=rules.STEP_LABELS[step],
                       allowed=tuple((r.value, ROLE_LABELS[r]) for r in Role if r in rules.ALLOWED[step]),
                       checked=frozenset(chosen.get(step.value, ())), hint=_HINTS[step])
            for step in rules.Step]
