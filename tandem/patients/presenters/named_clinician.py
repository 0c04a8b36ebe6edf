"""Choosing a person's named clinician: who may be chosen, and the page's values.

The named clinician leads the person's care between visits and holds their care planning conversation,
so the choice is among the clinical staff who may hold that conversation at this practice
(tandem.team.rules.ALLOWED: GPs, practice nurses, clinical pharmacists), working here now. No queries:
the view passes in the practice's memberships with their users.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tandem.team.rules import ALLOWED, Step

from ..models import Patient
from .base import Banner, role_label

#: the roles a named clinician may have: those who hold the care planning conversation
NAMED_CLINICIAN_ROLES = frozenset(r.value for r in ALLOWED[Step.CONVERSATION])
NOBODY = "none"  # the radio (and the hidden "seen" value) for no named clinician


@dataclass(frozen=True)
class Choice:
    value: str  # a user id, or NOBODY
    text: str  # "Nia Evans"
    hint: str  # "Practice nurse"


def clinician_choices(memberships: Iterable) -> tuple[Choice, ...]:
    """The practice's clinical staff working here now, by name: the people who may be chosen."""
    found = [m for m in memberships if m.left_on is None and m.role in NAMED_CLINICIAN_ROLES]
    found.sort(key=lambda m: (m.user.last_name.lower(), m.user.first_name.lower(), m.user.username, m.user_id))
    return tuple(Choice(value=str(m.user_id), text=m.user.display_name, hint=role_label(m.role)) for m in found)


def seen_value(patient: Patient) -> str:
    """What the page was based on, carried in a hidden field: the named clinician's id, or NOBODY."""
    return str(patient.named_clinician_id) if patient.named_clinician_id else NOBODY


@dataclass(frozen=True)
class NamedClinicianPage:
    banner: Banner
    current: str  # "Nia Evans, Practice nurse", or "" for nobody
    current_listed: bool  # whether the current named clinician is one of the choices
    seen: str
    choices: tuple[Choice, ...]
    chosen: str  # the radio to show checked
    error: str


def page(patient: Patient, *, banner: Banner, memberships: Iterable, chosen: str | None = None,
         error: str = "") -> NamedClinicianPage:
    memberships = list(memberships)
    choices = clinician_choices(memberships)
    seen = seen_value(patient)
    current = ""
    if patient.named_clinician_id:
        role = next((m.role for m in memberships if m.user_id == patient.named_clinician_id and m.left_on is None), "")
        name = patient.named_clinician.display_name
        current = f"{name}, {role_label(role)}" if role else f"{name} (no longer works here)"
    listed = seen == NOBODY or any(c.value == seen for c in choices)
    return NamedClinicianPage(banner=banner, current=current, current_listed=listed, seen=seen, choices=choices,
                              chosen=seen if chosen is None else chosen, error=error)
