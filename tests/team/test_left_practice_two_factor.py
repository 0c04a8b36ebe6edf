"""A practice someone has left no longer decides how they sign in."""

from __future__ import annotations

from tandem.core import actions as core_actions
from tandem.core.models import Membership
from tandem.core.rules import Role
from tandem.core.two_factor import requiring_practices
from tandem.team import actions as team_actions


def test_a_practice_left_no_longer_requires_two_factor_of_them(universe):
    manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None)
    locum = core_actions.add_staff(practice=universe.practice, username="locum", role=Role.GP, by=None)
    core_actions.add_staff(practice=universe.other_practice, username="locum", role=Role.GP, by=None)
    universe.practice.require_two_factor = True
    universe.practice.save()
    assert requiring_practices(locum) == ["Riverside Surgery"]
    membership = Membership.objects.get(user=locum, practice=universe.practice)
    team_actions.record_leaving(practice=universe.practice, member_id=membership.pk,
                                expected_version=membership.version, by=manager)
    assert requiring_practices(locum) == []


def test_documents_name_someone_who_has_left_with_the_role_they_had(universe):
    from tandem.careplans.presenters.written import staff_name

    manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None)
    membership = Membership.objects.get(user=universe.nurse, practice=universe.practice)
    team_actions.record_leaving(practice=universe.practice, member_id=membership.pk,
                                expected_version=membership.version, by=manager)
    assert staff_name(universe.nurse, universe.practice).endswith("practice nurse")
