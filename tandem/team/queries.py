"""Reads for the team pages, always from the practice (ADR 4).

    team_of(practice)              -> list[Membership]: everyone who works or worked here, current staff first
    member_of(practice, pk)        -> Membership | None: one of them, with their user
    who_does(practice)             -> rules.StepRoles: which roles hold each step of the cycle
    step_settings_version(practice) -> int: the version the steps form is based on (0: never saved)
"""

from __future__ import annotations

from django.db.models import F

from tandem.core.models import Membership, Practice

from . import rules
from .models import StepRolesSettings


def team_of(practice: Practice) -> list[Membership]:
    """Every membership of the practice, ended ones too, with the user (and who recorded a leaving): one query."""
    return list(Membership.with_left.filter(practice=practice).select_related("user", "left_by")
                .order_by(F("left_on").desc(nulls_first=True), "user__last_name", "user__first_name",
                          "user__username", "pk"))


def member_of(practice: Practice, pk: int | None) -> Membership | None:
    if pk is None:
        return None
    return Membership.with_left.filter(practice=practice, pk=pk).select_related("user", "left_by").first()


def who_does(practice: Practice) -> rules.StepRoles:
    """Which roles hold the tests appointment, the conversation, and send invitations and packs here."""
    row = StepRolesSettings.objects.filter(practice=practice).values_list("roles", flat=True).first()
    return rules.from_stored(row) if row is not None else rules.defaults()


def step_settings_version(practice: Practice) -> int:
    return StepRolesSettings.objects.filter(practice=practice).values_list("version", flat=True).first() or 0
