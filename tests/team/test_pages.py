"""The team pages: the manager adds, changes, and records leaving and returning; nobody else may."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core import actions as core_actions
from tandem.core.models import AuditEvent, Membership, User
from tandem.core.rules import Role
from tandem.team import actions

from .conftest import PASSWORD, set_password_link

NEW = {"first_name": "Sam", "last_name": "Okoro", "username": "sam.okoro", "email": "sam.okoro@practice.example",
       "role": "nurse"}


def _member(universe, user) -> Membership:
    return Membership.with_left.get(practice=universe.practice, user=user)


def _member_url(m: Membership) -> str:
    return f"{reverse('team:member')}?id={m.pk}"


def _snapshot():
    return (sorted(User.objects.values_list("pk", "username", "first_name", "last_name", "email", "password")),
            sorted(Membership.with_left.values_list("pk", "user_id", "practice_id", "role", "left_on", "version")))


# --- The team page ---------------------------------------------------------------------------------

def test_the_team_page_lists_this_practice_only_with_who_has_left_last(manager_client, universe, manager):
    actions.record_leaving(practice=universe.practice, member_id=_member(universe, universe.admin).pk,
                           expected_version=1, by=manager)
    html = manager_client.get(reverse("team:index")).content.decode()
    assert "Nia Evans" in html and "Priya Shah" in html and "nurse" in html
    assert "othernurse" not in html  # Hillview's nurse
    working, left = html.split("Left this practice")
    assert "admin" not in working.split("Working here")[1] and "admin" in left
    assert "15 June 2026" in left


def test_non_managers_are_refused_every_team_page(client, universe):
    for role in Role:
        if role is Role.MANAGER:
            continue
        user = core_actions.add_staff(practice=universe.practice, username=f"x-{role.value}", role=role, by=None)
        client.force_login(user)
        for name in ("team:index", "team:add", "team:member", "team:steps"):
            url = reverse(name) + ("?id=1" if name == "team:member" else "")
            assert client.get(url).status_code == 403, (role, name)
            assert client.post(url, {"id": "1", **NEW}).status_code == 403, (role, name)


def test_another_practices_member_is_not_found(manager_client, universe):
    other = Membership.objects.get(user=universe.other_nurse)
    assert manager_client.get(_member_url(other)).status_code == 404
    before = _snapshot()
    response = manager_client.post(reverse("team:member"), {"id": other.pk, "version": 1, "change": "leave"})
    assert response.status_code == 404 and _snapshot() == before


# --- Adding ----------------------------------------------------------------------------------------

def test_the_manager_adds_a_nurse_who_is_emailed_a_link_to_set_her_password(manager_client, universe, manager,
                                                                            mail_sink):
    response = manager_client.post(reverse("team:add"), NEW, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sam Okoro has been added as practice nurse" in html
    assert "An email has been sent to sam.okoro@practice.example" in html
    user = User.objects.get(username="sam.okoro")
    assert not user.has_usable_password()
    assert _member(universe, user).role == "nurse"
    [envelope] = mail_sink
    assert envelope.recipients == ["sam.okoro@practice.example"]
    link = set_password_link(envelope)
    assert AuditEvent.objects.filter(what="membership", action="create", object_id=str(user.pk), user=manager,
                                     detail__role="nurse").exists()
    assert AuditEvent.objects.filter(what="account.set_password_email", object_id=str(user.pk)).exists()
    # the link lets her choose a password, and then she signs in
    newcomer = Client()
    form = newcomer.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    new_password = "kettle-harbour-violet-42"
    done = newcomer.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert newcomer.post(reverse("core:login"), {"username": "sam.okoro", "password": new_password}).status_code == 302
    assert newcomer.get(reverse("patients:summary", kwargs={"pk": universe.patient.pk})).status_code == 200


def test_when_the_email_cannot_be_sent_the_page_says_so(manager_client, universe, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2}}}
    html = manager_client.post(reverse("team:add"), NEW, follow=True).content.decode()
    assert "could not be sent" in html and "Send the set-password email again" in html
    assert User.objects.filter(username="sam.okoro").exists()
    assert not AuditEvent.objects.filter(what="account.set_password_email").exists()


def test_an_existing_username_from_another_practice_is_added_here_keeping_their_account(manager_client, universe,
                                                                                       mail_sink):
    locum = universe.other_nurse
    User.objects.filter(pk=locum.pk).update(email="locum@pcn.example", first_name="Lee", last_name="Moss")
    hillview = Membership.objects.get(user=locum)
    response = manager_client.post(reverse("team:add"), {**NEW, "username": "othernurse", "first_name": "Other",
                                                         "email": "LOCUM@pcn.example", "role": "gp"}, follow=True)
    html = response.content.decode()
    assert "othernurse already had a Tandem account" in html and "added to this practice as GP" in html
    locum.refresh_from_db()
    assert (locum.first_name, locum.email) == ("Lee", "locum@pcn.example")  # untouched
    assert locum.check_password(PASSWORD)
    assert _member(universe, locum).role == "gp"
    assert Membership.objects.get(pk=hillview.pk).role == "nurse"  # their other practice untouched
    assert mail_sink == []
    assert AuditEvent.objects.filter(what="membership", object_id=str(locum.pk), detail__new_account=False).exists()


def test_an_existing_username_with_another_email_is_refused(manager_client, universe):
    User.objects.filter(pk=universe.other_nurse.pk).update(email="locum@pcn.example")
    before = _snapshot()
    response = manager_client.post(reverse("team:add"), {**NEW, "username": "othernurse"})
    assert response.status_code == 400 and "with a different email address" in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize(("field", "value", "says"), [
    ("first_name", "a" * 151, "First name must be 150 characters or fewer"),
    ("last_name", "", "Enter their last name"),
    ("last_name", "Okoro\u202e", "Last name must only include letters"),
    ("username", "Nurse", "differs only in capital letters. To add that person, type nurse"),
    ("username", "sam okoro", "Username must only include letters a to z"),
    ("username", "sämi", "Username must only include letters a to z"),
    ("username", "nurse", "Nia Evans already works at this practice, as practice nurse"),
    ("email", "sam.okoro", "Enter an email address in the correct format"),
    ("email", "sam@práctice.example", "Enter an email address in the correct format"),
    ("role", "superuser", "Select their role"),
    ("role", "", "Select their role"),
])
def test_bad_input_is_refused_with_a_clear_error_and_changes_nothing(manager_client, universe, field, value, says):
    before = _snapshot()
    response = manager_client.post(reverse("team:add"), {**NEW, field: value})
    html = response.content.decode()
    assert response.status_code == 400
    assert says in html.replace("&#39;", "'"), html
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert "<title>Error: Add a member of staff" in html
    assert _snapshot() == before


def test_unicode_names_are_kept_and_escaped(manager_client, universe, mail_sink):
    manager_client.post(reverse("team:add"), {**NEW, "first_name": "Siân", "last_name": "<b>Ó Dálaigh</b>"})
    user = User.objects.get(username="sam.okoro")
    assert (user.first_name, user.last_name) == ("Siân", "<b>Ó Dálaigh</b>")
    html = manager_client.get(reverse("team:index")).content.decode()
    assert "&lt;b&gt;Ó Dálaigh&lt;/b&gt;" in html and "<b>Ó" not in html


# --- Changing a role -------------------------------------------------------------------------------

def test_the_manager_changes_a_role(manager_client, universe, manager):
    m = _member(universe, universe.nurse)
    response = manager_client.post(reverse("team:member"), {"id": m.pk, "version": m.version, "change": "role",
                                                            "role": "gp"}, follow=True)
    assert "Nia Evans is now GP at this practice" in response.content.decode()
    m.refresh_from_db()
    assert (m.role, m.version) == ("gp", 2)
    assert AuditEvent.objects.filter(what="membership", action="update", object_id=str(universe.nurse.pk),
                                     detail={"role_from": "nurse", "role_to": "gp"}, user=manager).exists()


def test_a_stale_version_is_a_conflict_and_changes_nothing(manager_client, universe, manager):
    m = _member(universe, universe.nurse)
    actions.change_role(practice=universe.practice, member_id=m.pk, role=Role.HCA, expected_version=1, by=manager)
    before = _snapshot()
    response = manager_client.post(reverse("team:member"), {"id": m.pk, "version": 1, "change": "role", "role": "gp"})
    assert response.status_code == 409
    assert "Someone else changed Nia Evans" in response.content.decode().replace("&#39;", "'")
    assert _snapshot() == before and _member(universe, universe.nurse).role == "hca"
    for change in ("leave", "return"):
        assert manager_client.post(reverse("team:member"), {"id": m.pk, "version": 1, "change": change}).status_code == 409
    assert _snapshot() == before


@pytest.mark.parametrize("data", [{"version": "x"}, {"version": ""}, {"role": "boss"}, {"change": "delete"}])
def test_bad_member_changes_are_refused(manager_client, universe, data):
    m = _member(universe, universe.nurse)
    before = _snapshot()
    response = manager_client.post(reverse("team:member"), {"id": m.pk, "version": 1, "change": "role", "role": "gp",
                                                            **data})
    assert response.status_code in (400, 409) and _snapshot() == before


def test_the_last_manager_cannot_demote_themselves_or_leave(manager_client, universe, manager):
    m = _member(universe, manager)
    before = _snapshot()
    for data in ({"change": "role", "role": "nurse"}, {"change": "leave"}):
        response = manager_client.post(reverse("team:member"), {"id": m.pk, "version": m.version, **data})
        assert response.status_code == 400
        assert "Riverside Surgery must always have a practice manager" in response.content.decode()
    assert _snapshot() == before
    # with a second manager, it can be done
    second = core_actions.add_staff(practice=universe.practice, username="second", role=Role.MANAGER, by=None)
    response = manager_client.post(reverse("team:member"), {"id": m.pk, "version": m.version, "change": "role",
                                                            "role": "admin"})
    assert response.status_code == 302
    with pytest.raises(actions.TeamError, match="must always have a practice manager"):
        s = _member(universe, second)
        actions.record_leaving(practice=universe.practice, member_id=s.pk, expected_version=s.version, by=second)


# --- Leaving and returning -------------------------------------------------------------------------

def test_a_nurse_who_leaves_is_refused_at_once_here_but_works_in_her_other_practice(manager_client, universe,
                                                                                  manager):
    nurse = universe.nurse
    core_actions.add_staff(practice=universe.other_practice, username="nurse", role=Role.NURSE, by=None)
    summary = reverse("patients:summary", kwargs={"pk": universe.patient.pk})
    her = Client()
    assert her.post(reverse("core:login"), {"username": "nurse", "password": PASSWORD}).status_code == 302
    her.post(reverse("core:choose_practice"), {"practice": universe.practice.pk})
    audited = her.get(summary)
    assert audited.status_code == 200
    m = _member(universe, nurse)
    response = manager_client.post(reverse("team:member"), {"id": m.pk, "version": m.version, "change": "leave"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.left_on is not None and m.left_by == manager and m.role == "nurse"
    # refused here at once: her session now works in Hillview, where Margaret is not a patient
    assert her.get(summary).status_code == 404
    assert her.get(reverse("patients:summary", kwargs={"pk": universe.foreign_patient.pk})).status_code == 200
    # she cannot choose Riverside again, nor after signing in afresh
    assert her.post(reverse("core:choose_practice"), {"practice": universe.practice.pk}).status_code == 400
    page = her.get(reverse("core:choose_practice")).content.decode()
    assert "Hillview" in page and "Riverside" not in page
    assert nurse.roles_in(universe.practice) == frozenset()
    # what she did stays hers
    assert AuditEvent.objects.filter(user=nurse, what="patient.summary", patient_id=universe.patient.pk).exists()
    assert AuditEvent.objects.filter(what="membership.left", object_id=str(nurse.pk),
                                     detail={"role": "nurse", "sessions_ended": False}).exists()


def test_someone_who_works_nowhere_else_is_signed_out_everywhere(manager_client, universe):
    her = Client()
    her.post(reverse("core:login"), {"username": "nurse", "password": PASSWORD})
    summary = reverse("patients:summary", kwargs={"pk": universe.patient.pk})
    assert her.get(summary).status_code == 200
    m = _member(universe, universe.nurse)
    manager_client.post(reverse("team:member"), {"id": m.pk, "version": m.version, "change": "leave"})
    response = her.get(summary)
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))
    # signing in again gives her no practice: nothing clinical opens
    her.post(reverse("core:login"), {"username": "nurse", "password": PASSWORD})
    response = her.get(summary)
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:choose_practice"))
    assert "You are not a member of any practice" in her.get(reverse("core:choose_practice")).content.decode()


def test_a_nurse_who_left_has_no_role_anywhere_roles_are_read(universe, manager):
    from tandem.careplans.queries.workspace import practice_staff

    m = _member(universe, universe.nurse)
    actions.record_leaving(practice=universe.practice, member_id=m.pk, expected_version=1, by=manager)
    assert not Membership.objects.filter(user=universe.nurse).exists()
    assert not universe.nurse.memberships.exists()
    assert Membership.with_left.filter(user=universe.nurse).exists()
    assert universe.nurse.pk not in {s.user_id for s in practice_staff(universe.practice)}


def test_she_returns(manager_client, universe, manager):
    m = _member(universe, universe.nurse)
    actions.record_leaving(practice=universe.practice, member_id=m.pk, expected_version=1, by=manager)
    html = manager_client.get(_member_url(m)).content.decode()
    assert "Record that they have returned" in html and "Left on 15 June 2026, recorded by Priya Shah" in html
    response = manager_client.post(reverse("team:member"), {"id": m.pk, "version": 2, "change": "return"}, follow=True)
    assert "Nia Evans works at this practice again" in response.content.decode()
    m.refresh_from_db()
    assert m.left_on is None and m.left_by is None and m.version == 3 and m.role == "nurse"
    assert universe.nurse.roles_in(universe.practice) == {Role.NURSE}
    assert AuditEvent.objects.filter(what="membership.returned", object_id=str(universe.nurse.pk)).exists()
    her = Client()
    her.post(reverse("core:login"), {"username": "nurse", "password": PASSWORD})
    assert her.get(reverse("patients:summary", kwargs={"pk": universe.patient.pk})).status_code == 200


def test_adding_someone_who_left_points_to_their_return(manager_client, universe, manager):
    m = _member(universe, universe.nurse)
    actions.record_leaving(practice=universe.practice, member_id=m.pk, expected_version=1, by=manager)
    response = manager_client.post(reverse("team:add"), {**NEW, "username": "nurse", "email": ""})
    assert response.status_code == 400  # the email is needed
    response = manager_client.post(reverse("team:add"), {**NEW, "username": "nurse"})
    assert response.status_code == 400 and "has left this practice" in response.content.decode()


def test_the_set_password_email_can_be_sent_again(manager_client, universe, mail_sink):
    manager_client.post(reverse("team:add"), NEW)
    m = _member(universe, User.objects.get(username="sam.okoro"))
    response = manager_client.post(reverse("team:member"), {"id": m.pk, "change": "email"}, follow=True)
    assert "An email has been sent to sam.okoro@practice.example" in response.content.decode()
    assert len(mail_sink) == 2


def test_the_member_page_without_an_id_goes_back_to_the_team(manager_client):
    for url in (reverse("team:member"), reverse("team:member") + "?id=%EF%BC%91x", reverse("team:member") + "?id=-1"):
        response = manager_client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("team:index")
    assert manager_client.get(reverse("team:member") + "?id=999999").status_code == 404


def test_each_page_has_one_heading(manager_client, universe):
    m = _member(universe, universe.nurse)
    for url in (reverse("team:index"), reverse("team:add"), reverse("team:steps"), _member_url(m)):
        assert manager_client.get(url).content.decode().count("<h1") == 1, url
