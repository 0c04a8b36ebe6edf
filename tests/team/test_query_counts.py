"""The team page reads what it shows in a fixed number of queries, however large the team: pinned here.
If a change adds a query on purpose, update PINNED; if the count grows with the team, fix the page."""

from __future__ import annotations

from django.urls import reverse

from tandem.core import actions as core_actions
from tandem.core.models import Membership
from tandem.core.rules import Role
from tandem.team import actions
from tests.query_counts import queries_per_page

#: page -> queries for one request by the manager, session and practice checks included
PINNED = {"team": 3, "member": 3, "steps": 4}


def _pages(member_id: int) -> dict[str, str]:
    return {"team": reverse("team:index"), "member": f"{reverse('team:member')}?id={member_id}",
            "steps": reverse("team:steps")}


def _grow(universe, manager, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        user = core_actions.add_staff(practice=universe.practice, username=f"staff{i}", role=Role.HCA, by=None)
        if i % 3 == 0:
            m = Membership.objects.get(user=user)
            actions.record_leaving(practice=universe.practice, member_id=m.pk, expected_version=m.version, by=manager)


def test_the_team_page_reads_a_fixed_number_of_queries(manager_client, universe, manager):
    member = Membership.objects.get(user=universe.nurse).pk
    _grow(universe, manager, 4)
    small = queries_per_page(manager_client, _pages(member))
    assert small == PINNED, "queries per page changed: see this module's docstring"
    _grow(universe, manager, 30, start=4)
    assert queries_per_page(manager_client, _pages(member)) == small
