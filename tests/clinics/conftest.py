from __future__ import annotations

import datetime as dt

import pytest

from tandem.clinics import actions
from tandem.clinics.actions import Repeat, SessionEntry

D, T = dt.date, dt.time
NINE, NOON, FIRST_MONDAY = T(9, 0), T(12, 0), D(2026, 6, 15)


@pytest.fixture
def team(universe):
    """Riverside with an HCA (Hannah) and a GP (Gareth) besides the nurse, and a manager."""
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    u = universe
    u.hca = core_actions.add_staff(practice=u.practice, username="hca", role=Role.HCA, by=None,
                                   first_name="Hannah", last_name="Cole")
    u.gp = core_actions.add_staff(practice=u.practice, username="gp", role=Role.GP, by=None,
                                  first_name="Gareth", last_name="Price")
    u.manager = core_actions.add_staff(practice=u.practice, username="manager", role=Role.MANAGER, by=None,
                                       password="correct-horse-battery", first_name="Priya", last_name="Shah")
    return u


def entry(user, role="hca", *, start=NINE, end=NOON, slot=15, purpose="tests", place="Room 2") -> SessionEntry:
    return SessionEntry(staff_id=user.pk, role=role, place=place, purpose=purpose, start_time=start, end_time=end,
                        slot_minutes=slot)


def mondays(first=FIRST_MONDAY, last=None, every=1) -> Repeat:
    return Repeat(weekday=0, every_weeks=every, first_day=first, last_day=last)


def weekly(team, user=None, **kw):
    return actions.add_pattern(practice=team.practice, by=team.manager, entry=entry(user or team.hca, **kw),
                               repeat=mondays())
