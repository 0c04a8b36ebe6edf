"""Who does each step of the cycle: the defaults, saving, validation, conflicts, and `who_does`."""

from __future__ import annotations

from django.urls import reverse

from tandem.core.models import AuditEvent
from tandem.core.rules import Role
from tandem.team import queries
from tandem.team.models import StepRolesSettings

DEFAULT_FORM = {"tests": ["hca", "nurse"], "conversation": ["nurse", "gp", "pharmacist"],
                "invitations": ["admin", "manager"], "packs": ["admin", "manager"]}


def test_a_practice_starts_with_the_defaults(manager_client, universe):
    steps = queries.who_does(universe.practice)
    assert steps.tests == {Role.HCA, Role.NURSE} and steps.invitations == {Role.ADMIN, Role.MANAGER}
    html = manager_client.get(reverse("team:steps")).content.decode()
    assert html.count("checked") == 9
    assert 'value="admin"' in html  # packs may be sent by an administrator
    assert 'name="tests" type="checkbox" value="admin"' not in html  # the tests appointment is clinical


def test_the_manager_saves_who_does_each_step(manager_client, universe, manager):
    form = {**DEFAULT_FORM, "tests": ["hca", "gp"], "packs": ["admin"], "version": "0"}
    response = manager_client.post(reverse("team:steps"), form, follow=True)
    assert "Saved who does each step" in response.content.decode()
    steps = queries.who_does(universe.practice)
    assert steps.tests == {Role.HCA, Role.GP} and steps.packs == {Role.ADMIN}
    assert queries.who_does(universe.other_practice).packs == {Role.ADMIN, Role.MANAGER}  # per practice
    event = AuditEvent.objects.get(what="team.step_roles")
    assert event.user == manager and event.detail["tests"] == ["gp", "hca"]


def _stored():
    return list(StepRolesSettings.objects.values_list("practice_id", "roles", "version"))


def test_a_stale_version_is_a_conflict_and_changes_nothing(manager_client, universe):
    manager_client.post(reverse("team:steps"), {**DEFAULT_FORM, "packs": ["admin"], "version": "0"})
    before = _stored()
    response = manager_client.post(reverse("team:steps"), {**DEFAULT_FORM, "version": "0"})
    assert response.status_code == 409 and "Someone else changed who does each step" in response.content.decode()
    assert _stored() == before


def test_bad_choices_are_refused_and_change_nothing(manager_client, universe):
    for form, says in [
        ({**DEFAULT_FORM, "tests": []}, "Choose at least one role for tests appointments"),
        ({**DEFAULT_FORM, "conversation": ["nurse", "admin"]}, "Care planning conversations are clinical"),
        ({**DEFAULT_FORM, "packs": ["root"]}, "from the list"),
        ({**DEFAULT_FORM, "version": "x"}, "Someone else changed"),
    ]:
        response = manager_client.post(reverse("team:steps"), {"version": "0", **form})
        html = response.content.decode()
        assert response.status_code in (400, 409) and says in html, says
        assert "<title>Error: Who does each step" in html
        assert _stored() == []
