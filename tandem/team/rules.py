"""The practice's team: who does each step of the cycle, what may be typed about a member of staff, and
the rule that a practice always keeps a practice manager. Pure: no Django."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from tandem.core.rules import ROLE_LABELS, Role


class Step(StrEnum):
    TESTS = "tests"
    CONVERSATION = "conversation"
    INVITATIONS = "invitations"
    PACKS = "packs"


STEP_LABELS: dict[Step, str] = {
    Step.TESTS: "Tests appointments",
    Step.CONVERSATION: "Care planning conversations",
    Step.INVITATIONS: "Sending invitations",
    Step.PACKS: "Sending results-and-prompts packs",
}

_ORDER = tuple(Role)  # GP, nurse, HCA, pharmacist, manager, administrator: the order roles are shown in

#: Which roles may hold each step at all. The tests appointment and the conversation are clinical.
ALLOWED: dict[Step, frozenset[Role]] = {
    Step.TESTS: frozenset({Role.HCA, Role.NURSE, Role.GP, Role.PHARMACIST}),
    Step.CONVERSATION: frozenset({Role.NURSE, Role.GP, Role.PHARMACIST}),
    Step.INVITATIONS: frozenset(Role),
    Step.PACKS: frozenset(Role),
}

DEFAULTS: dict[Step, frozenset[Role]] = {
    Step.TESTS: frozenset({Role.HCA, Role.NURSE}),
    Step.CONVERSATION: frozenset({Role.NURSE, Role.GP, Role.PHARMACIST}),
    Step.INVITATIONS: frozenset({Role.ADMIN, Role.MANAGER}),
    Step.PACKS: frozenset({Role.ADMIN, Role.MANAGER}),
}


@dataclass(frozen=True)
class StepRoles:
    """Which roles hold each step of the cycle at one practice."""

    tests: frozenset[Role]
    conversation: frozenset[Role]
    invitations: frozenset[Role]
    packs: frozenset[Role]

    def roles_for(self, step: Step | str) -> frozenset[Role]:
        return getattr(self, Step(step).value)

    def holds(self, step: Step | str, roles: Iterable[Role | str]) -> bool:
        """Whether someone with any of `roles` does this step."""
        wanted = self.roles_for(step)
        return any(Role(r) in wanted for r in roles)

    def as_stored(self) -> dict[str, list[str]]:
        return {step.value: ordered(self.roles_for(step)) for step in Step}


def ordered(roles: Iterable[Role | str]) -> list[str]:
    chosen = {Role(r) for r in roles}
    return [r.value for r in _ORDER if r in chosen]


def defaults() -> StepRoles:
    return StepRoles(**{step.value: DEFAULTS[step] for step in Step})


def from_stored(stored: Mapping | None) -> StepRoles:
    """What was saved, read leniently: a step missing or left with no valid role takes its default."""
    stored = stored if isinstance(stored, Mapping) else {}
    values = {}
    for step in Step:
        raw = stored.get(step.value)
        roles = frozenset(Role(r) for r in raw if r in _ROLE_VALUES) & ALLOWED[step] if isinstance(raw, list) else frozenset()
        values[step.value] = roles or DEFAULTS[step]
    return StepRoles(**values)


_ROLE_VALUES = frozenset(r.value for r in Role)


def check_steps(chosen: Mapping[str, Iterable[str]]) -> tuple[StepRoles | None, dict[str, str]]:
    """Roles typed for each step -> (StepRoles, {}) or (None, {step: what is wrong})."""
    errors: dict[str, str] = {}
    values = {}
    for step in Step:
        raw = list(chosen.get(step.value, ()))
        label = STEP_LABELS[step].lower()
        if any(r not in _ROLE_VALUES for r in raw):
            errors[step.value] = f"Choose roles for {label} from the list"
            continue
        roles = frozenset(Role(r) for r in raw)
        if not roles:
            errors[step.value] = f"Choose at least one role for {label}"
        elif not roles <= ALLOWED[step]:
            names = ", ".join(ROLE_LABELS[r].lower() for r in _ORDER if r in roles - ALLOWED[step])
            errors[step.value] = f"{STEP_LABELS[step]} are clinical: a {names} cannot hold them"
        else:
            values[step.value] = roles
    return (None, errors) if errors else (StepRoles(**values), {})


def role_in_sentence(role: Role | str) -> str:
    """'practice nurse', 'GP': a role's name as it reads inside a sentence."""
    label = ROLE_LABELS[Role(role)]
    return label if label.isupper() else label.lower()


# --- The practice keeps a practice manager ---------------------------------------------------------

def leaves_no_manager(active_roles: Mapping[int, str], *, member_id: int, new_role: str | None) -> bool:
    """Whether changing member `member_id` to `new_role` (None: leaving) would leave the practice with no
    practice manager. `active_roles`: membership id -> role, for the memberships in force."""
    after = dict(active_roles)
    if new_role is None:
        after.pop(member_id, None)
    else:
        after[member_id] = new_role
    had = any(r == Role.MANAGER.value for r in active_roles.values())
    return had and not any(r == Role.MANAGER.value for r in after.values())


# --- What may be typed about a member of staff -----------------------------------------------------

MAX_NAME = 150  # as the user table holds
MAX_USERNAME = 150
MAX_EMAIL = 254
_USERNAME = re.compile(r"[A-Za-z0-9._@+-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def clean_name(text: object, *, label: str) -> tuple[str, str]:
    """(name, error): trimmed, inner spaces kept single; any script, no control or formatting characters."""
    value = " ".join(str(text or "").split())
    if not value:
        return "", f"Enter their {label}"
    if len(value) > MAX_NAME:
        return "", f"{label[0].upper()}{label[1:]} must be {MAX_NAME} characters or fewer"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in value):
        return "", f"{label[0].upper()}{label[1:]} must only include letters, spaces, hyphens and apostrophes"
    return value, ""


def clean_username(text: object) -> tuple[str, str]:
    value = str(text or "").strip()
    if not value:
        return "", "Enter a username"
    if len(value) > MAX_USERNAME:
        return "", f"Username must be {MAX_USERNAME} characters or fewer"
    if not _USERNAME.fullmatch(value):
        return "", "Username must only include letters a to z, numbers, and the characters . _ - @ +"
    return value, ""


def clean_email(text: object) -> tuple[str, str]:
    value = str(text or "").strip()
    if not value:
        return "", "Enter their email address: it is where they are sent the link to set their password"
    if len(value) > MAX_EMAIL:
        return "", f"Email address must be {MAX_EMAIL} characters or fewer"
    if not value.isascii() or not _EMAIL.fullmatch(value):
        return "", "Enter an email address in the correct format, like name@example.com"
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}", ""


def clean_role(text: object) -> tuple[Role | None, str]:
    value = str(text or "")
    if value not in _ROLE_VALUES:
        return None, "Select their role"
    return Role(value), ""


def holders_text(steps: StepRoles, step: Step | str) -> str:
    """Who holds `step`, in words for a page: "Administrator or Practice manager"."""
    names = [ROLE_LABELS[Role(r)] for r in ordered(steps.roles_for(step))]
    return " or ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " or " + names[-1]
