"""Who does each step, the last practice manager, and what may be typed about a member of staff: pure."""

from __future__ import annotations

import pytest

from tandem.core.rules import Role
from tandem.team import rules
from tandem.team.rules import Step


def test_the_defaults():
    d = rules.defaults()
    assert d.tests == {Role.HCA, Role.NURSE}
    assert d.conversation == {Role.NURSE, Role.GP, Role.PHARMACIST}
    assert d.invitations == d.packs == {Role.ADMIN, Role.MANAGER}
    assert d.holds(Step.TESTS, ["hca"]) and not d.holds("tests", [Role.ADMIN])


@pytest.mark.parametrize(("chosen", "error_step", "says"), [
    ({"tests": []}, "tests", "Choose at least one role for tests appointments"),
    ({"tests": ["admin"]}, "tests", "Tests appointments are clinical: a administrator cannot hold them"),
    ({"conversation": ["hca"]}, "conversation", "health care assistant cannot hold them"),
    ({"conversation": ["manager"]}, "conversation", "practice manager cannot hold them"),
    ({"packs": ["nobody"]}, "packs", "Choose roles for sending results-and-prompts packs from the list"),
    ({"invitations": []}, "invitations", "at least one role"),
])
def test_each_step_needs_a_role_that_may_hold_it(chosen, error_step, says):
    typed = {**rules.defaults().as_stored(), **chosen}
    steps, errors = rules.check_steps(typed)
    assert steps is None and list(errors) == [error_step] and says in errors[error_step]


def test_valid_choices_are_read():
    steps, errors = rules.check_steps({"tests": ["gp"], "conversation": ["pharmacist"], "invitations": ["hca"],
                                       "packs": ["nurse", "admin"]})
    assert not errors
    assert steps.tests == {Role.GP} and steps.packs == {Role.NURSE, Role.ADMIN}
    assert steps.as_stored()["packs"] == ["nurse", "admin"]  # in the order roles are listed


def test_what_was_stored_is_read_leniently():
    assert rules.from_stored(None) == rules.defaults()
    assert rules.from_stored({"tests": ["gp", "ghost"], "conversation": ["admin"]}).tests == {Role.GP}
    assert rules.from_stored({"conversation": ["admin"]}).conversation == rules.DEFAULTS[Step.CONVERSATION]


def test_the_last_manager_is_kept():
    roles = {1: "manager", 2: "nurse"}
    assert rules.leaves_no_manager(roles, member_id=1, new_role="nurse")
    assert rules.leaves_no_manager(roles, member_id=1, new_role=None)
    assert not rules.leaves_no_manager(roles, member_id=2, new_role=None)
    assert not rules.leaves_no_manager({**roles, 3: "manager"}, member_id=1, new_role=None)
    assert not rules.leaves_no_manager({1: "nurse"}, member_id=1, new_role="gp")  # had none to lose


@pytest.mark.parametrize(("typed", "ok"), [
    ("Siân", True), ("Zoë O'Neill-Brown", True), ("李", True), ("  Nia   Evans ", True),
    ("", False), ("a" * 151, False), ("Nia\x00", False), ("\u202eevil", False),
])
def test_names(typed, ok):
    value, error = rules.clean_name(typed, label="first name")
    assert bool(value) is ok and bool(error) is not ok


@pytest.mark.parametrize(("typed", "ok"), [
    ("nia.evans", True), ("locum-1@pcn", True), ("", False), ("niá", False), ("a b", False), ("x" * 151, False),
])
def test_usernames(typed, ok):
    assert (rules.clean_username(typed)[1] == "") is ok


@pytest.mark.parametrize(("typed", "ok"), [
    ("nia@practice.example", True), ("Nia@Practice.Example", True), ("nia", False), ("nia@practice", False),
    ("nía@practice.example", False), ("a@b.c" + "c" * 260, False), ("", False), ("a@@b.com", False),
])
def test_emails(typed, ok):
    assert (rules.clean_email(typed)[1] == "") is ok


def test_an_email_domain_is_lowered():
    assert rules.clean_email("Nia@Practice.Example")[0] == "Nia@practice.example"


def test_roles():
    assert rules.clean_role("nurse") == (Role.NURSE, "")
    assert rules.clean_role("superuser")[0] is None and rules.clean_role(None)[1] == "Select their role"
