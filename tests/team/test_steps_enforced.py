"""Who does each step is kept: only the roles the practice chose send invitations and packs."""

from __future__ import annotations

from django.urls import reverse

from tandem.team import actions as team_actions
from tandem.team import rules as team_rules


def choose(practice, manager, *, invitations, packs):
    steps = team_rules.from_stored({"tests": ["hca", "nurse"], "conversation": ["nurse", "gp", "pharmacist"],
                                    "invitations": invitations, "packs": packs})
    team_actions.save_step_roles(practice=practice, steps=steps, expected_version=0, by=manager)


def test_invitations_and_packs_are_sent_only_by_the_roles_chosen(client, universe):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.jobs.models import Job

    manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None)
    client.force_login(universe.nurse)
    # by default administrators and the practice manager send: the nurse sees who, and no button
    page = client.get(reverse("recall:send")).content.decode()
    assert "invitations are sent by: Practice manager or Administrator" in page and "the reminders due" not in page
    assert client.post(reverse("recall:send")).status_code == 403
    packs = client.get(reverse("prepare:packs")).content.decode()
    assert "packs are sent by: Practice manager or Administrator" in packs
    assert client.post(reverse("prepare:send")).status_code == 403
    assert not Job.objects.exists()
    # the practice lets nurses send both
    choose(universe.practice, manager, invitations=["nurse", "admin", "manager"], packs=["nurse", "admin"])
    assert "the reminders due" in client.get(reverse("recall:send")).content.decode()
    assert client.post(reverse("recall:send")).status_code == 302
    assert client.post(reverse("prepare:send")).status_code == 302
    # and the manager, no longer chosen for packs, may not send them
    client.force_login(manager)
    assert client.post(reverse("prepare:send")).status_code == 403
