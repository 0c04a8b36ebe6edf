"""The wider care team: a practice nurse adds a community matron to Dorothy's care team with her agreement; the
matron sees Dorothy's plan (and nobody else), adds to it; the named clinician accepts her additions into the next
plan version, which shows who added each; Dorothy sees her in her care team. Every way in that should be shut
is shut, and bad input changes nothing."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.urls import reverse

from tandem.careplans import actions as plan_actions
from tandem.careplans import queries as plan_queries
from tandem.careplans.models import CarePlan, PlanVersion, Task
from tandem.careplans.rules.document import Action, Goal, Plan
from tandem.careteam import actions, rules
from tandem.careteam.models import Contribution, Member
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.patients.models import Patient, RegistrationStatus
from tests.careteam.referral_helpers import PASSWORD, professional, provider  # noqa: F401

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def a_plan(u) -> PlanVersion:
    """Dorothy's first plan, with one goal of her own, saved by her GP."""
    plan = Plan(goals=(Goal(id="g1", words="Walk to the shops again",
                            actions=(Action(id="a1", what="Walk ten minutes a day"),)),))
    return plan_actions.save_plan(patient=u.dorothy, by=u.gp, plan=plan, base_version=0).version


def join(u, *, who=None, scopes=(rules.CONTRIBUTE,), patient=None) -> Member:
    staff = (who or u.matron).provider_roles.get()
    return actions.add_member(patient=patient or u.dorothy, by=u.nurse, provider=staff.provider, professional=staff,
                              role="Weekly leg ulcer dressings at home", scopes=scopes, agreed_how="in_person",
                              agreed_on=clock.today())


def add_form(**changes) -> dict:
    data = {"provider": "", "professional": "", "role": "Weekly leg ulcer dressings at home",
            "scopes": ["contribute"], "agreed_how": "in_person", "agreed-day": "", "agreed-month": "",
            "agreed-year": "", "agreed_note": ""}
    return data | changes


# --- The nurse adds the matron ---------------------------------------------------------------------

def test_a_nurse_adds_the_matron_with_dorothys_agreement_in_two_steps(client, world):
    u = world
    client.force_login(u.nurse)
    first = client.get(reverse("careteam:add", args=[u.dorothy.pk]))
    assert "Riverside Community Nursing" in text(first) and "Hillview District Nurses" not in text(first)
    second = client.get(reverse("careteam:add", args=[u.dorothy.pk]) + f"?provider={u.nursing.pk}")
    assert "Jo Marsh, community matron" in text(second) and "The whole team" in text(second)
    staff = u.matron.provider_roles.get()
    response = client.post(reverse("careteam:add", args=[u.dorothy.pk]),
                           add_form(provider=str(u.nursing.pk), professional=str(staff.pk)))
    assert response.status_code == 302
    member = Member.objects.get()
    assert (member.patient, member.provider, member.professional, member.added_by) == (
        u.dorothy, u.nursing, staff, u.nurse)
    assert member.scopes == ["plan", "contribute"] and member.agreed_on == dt.date(2026, 6, 15)
    page = text(client.get(reverse("careteam:person", args=[u.dorothy.pk])))
    assert "Jo Marsh, community matron, Riverside Community Nursing" in page
    assert "They agreed in person, 15 June 2026" in page
    assert AuditEvent.objects.filter(what="careteam.member", patient_id=u.dorothy.pk, user=u.nurse).exists()


@pytest.mark.parametrize("changes, field, message", [
    ({"professional": ""}, "professional", "Choose who joins their care team"),
    ({"professional": "99999"}, "professional", "Choose who joins their care team"),
    ({"role": ""}, "role", "Enter their part in this person's care"),
    ({"role": "x" * 121}, "role", "120 characters or fewer"),
    ({"agreed_how": "telepathy"}, "agreed_how", "Say how the person agreed"),
    ({"agreed_how": "representative"}, "agreed_note", "Say who agreed for them"),
    ({"agreed-day": "٣١", "agreed-month": "2", "agreed-year": "2026"}, "agreed", "must be a real date"),
    ({"agreed-day": "1", "agreed-month": "1", "agreed-year": "2099"}, "agreed", "on or before 15 June 2026"),
    ({"agreed_note": "a\x07b"}, "agreed_note", "control characters"),
])
def test_bad_input_when_adding_changes_nothing(client, world, changes, field, message):
    u = world
    client.force_login(u.nurse)
    staff = u.matron.provider_roles.get()
    data = add_form(provider=str(u.nursing.pk), professional=str(staff.pk)) | changes
    response = client.post(reverse("careteam:add", args=[u.dorothy.pk]), data)
    assert response.status_code == 400
    assert message in text(response) and f'href="#{field}' in response.content.decode()
    assert not Member.objects.exists()


def test_another_practices_organisation_or_person_is_not_found(client, world):
    u = world
    client.force_login(u.nurse)
    assert client.get(reverse("careteam:add", args=[u.dorothy.pk]) +
                      f"?provider={u.hillview_nurses.pk}").status_code == 404
    assert client.get(reverse("careteam:person", args=[u.foreign_patient.pk])).status_code == 404
    with pytest.raises(actions.CareTeamError):
        actions.add_member(patient=u.dorothy, by=u.nurse, provider=u.hillview_nurses, professional=None, role="x",
                           scopes=(), agreed_how="in_person", agreed_on=clock.today())


def test_the_same_professional_cannot_be_added_twice(world):
    join(world)
    with pytest.raises(actions.CareTeamError, match="already in this person's care team"):
        join(world)


def test_an_administrator_cannot_see_or_change_a_care_team(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("careteam:person", args=[world.dorothy.pk])).status_code == 403
    assert client.post(reverse("careteam:add", args=[world.dorothy.pk]), add_form()).status_code == 403


# --- The matron sees only her people -------------------------------------------------------------------

def test_the_matron_signs_in_to_her_people_and_sees_dorothys_plan_and_nobody_elses(client, world):
    u = world
    a_plan(u)
    join(u)
    client.force_login(u.matron)
    home = client.get(reverse("home"), follow=True)
    assert home.redirect_chain[-1][0] == reverse("careteam:mine")
    assert "Dorothy Ashworth" in text(home) and "Margaret" not in text(home)
    page = client.get(reverse("careteam:plan", args=[u.dorothy.pk]))
    assert page.status_code == 200 and "Walk to the shops again" in text(page)
    assert AuditEvent.objects.filter(what="careteam.plan", patient_id=u.dorothy.pk, user=u.matron).count() == 1
    for other in (u.patient, u.foreign_patient):
        assert client.get(reverse("careteam:plan", args=[other.pk])).status_code == 404
        assert client.get(reverse("careteam:add_to_plan", args=[other.pk, "agreed"])).status_code == 404


def test_staff_pages_of_the_practice_are_shut_to_the_matron(client, world):
    join(world)
    client.force_login(world.matron)
    for name in ("careteam:person", "patients:summary", "careplans:plan"):
        assert client.get(reverse(name, args=[world.dorothy.pk])).status_code in (302, 403)


def test_a_professional_of_another_organisation_does_not_see_her(client, world):
    join(world)
    client.force_login(world.physio)
    assert client.get(reverse("careteam:plan", args=[world.dorothy.pk])).status_code == 404
    assert "Dorothy" not in text(client.get(reverse("careteam:mine")))


def test_the_whole_team_brings_in_each_of_its_professionals(client, world):
    u = world
    actions.add_member(patient=u.dorothy, by=u.nurse, provider=u.nursing, professional=None, role="District nursing",
                       scopes=(), agreed_how="phone", agreed_on=clock.today())
    colleague = professional(u.nursing, "tkaur", "Tara", "Kaur", "Staff nurse")
    client.force_login(colleague)
    assert client.get(reverse("careteam:plan", args=[u.dorothy.pk])).status_code == 200


@pytest.mark.parametrize("ending", ["member", "left", "organisation", "person"])
def test_access_ends_from_the_next_request(client, world, ending):
    u = world
    member = join(u)
    client.force_login(u.matron)
    assert client.get(reverse("careteam:plan", args=[u.dorothy.pk])).status_code == 200
    if ending == "member":
        actions.end_member(member=member, by=u.nurse, reason="Ulcer healed", expected_version=member.version)
    elif ending == "left":
        staff = u.matron.provider_roles.get()
        actions.professional_left(staff=staff, by=None, expected_version=staff.version)
    elif ending == "organisation":
        u.nursing.refresh_from_db()
        actions.set_provider_active(provider=u.nursing, by=None, active=False, expected_version=u.nursing.version)
    else:
        Patient.objects.filter(pk=u.dorothy.pk).update(registration_status=RegistrationStatus.LEFT)
    response = client.get(reverse("careteam:plan", args=[u.dorothy.pk]))
    assert response.status_code in (403, 404)


# --- Adding to the plan, and the named clinician's review ------------------------------------------------

CONTRIBUTIONS = {
    "agreed": {"text": "Weekly dressing of the left leg ulcer at home, on Tuesdays."},
    "goal": {"words": "Get my leg healed by the summer", "what": "Dress the ulcer and check healing",
             "when": "Every Tuesday"},
    "action": {"goal": "g1", "what": "Check her feet and legs before she walks", "when": "Each visit"},
    "contact": {"level": "amber", "signs": "The wound smells, leaks or hurts more", "what_to_do": "Keep it covered",
                "contact": "Community nursing team, 0113 496 0200, 8am to 8pm"},
}


def test_the_matron_adds_each_kind_and_the_gp_accepts_them_into_one_new_version(client, world):
    u = world
    a_plan(u)
    join(u)
    client.force_login(u.matron)
    for kind, data in CONTRIBUTIONS.items():
        response = client.post(reverse("careteam:add_to_plan", args=[u.dorothy.pk, kind]), data | {"based_on": "1"})
        assert response.status_code == 302, text(response)
    assert Contribution.objects.filter(status="waiting").count() == 4
    tasks = Task.objects.filter(patient=u.dorothy, referral_id__startswith="ct")
    assert tasks.count() == 4 and {t.to_user for t in tasks} == {u.gp}  # her named clinician reviews them
    assert CarePlan.objects.get(patient=u.dorothy).version == 1  # nothing is in the plan yet

    client.force_login(u.gp)
    page = text(client.get(reverse("careteam:person", args=[u.dorothy.pk])))
    assert "Additions waiting for review (4)" in page and "Jo Marsh, community matron, Riverside Community Nursing" in page
    ids = [str(c.pk) for c in Contribution.objects.all()]
    response = client.post(reverse("careteam:accept", args=[u.dorothy.pk]), {"chosen": ids, "plan_version": "1"})
    assert response.status_code == 302

    version = plan_queries.latest(u.practice, u.dorothy)
    assert version.version == 2 and version.created_by == u.gp
    plan = plan_queries.plan_of(version)
    author = "Jo Marsh, community matron, Riverside Community Nursing"
    assert [s.author for s in plan.services] == [author]
    assert plan.goals[0].words == "Walk to the shops again" and plan.goals[0].author == ""
    assert [a.author for a in plan.goals[0].actions] == ["", author]
    assert plan.goals[1].author == author and plan.goals[1].actions[0].who_name == (
        "Jo Marsh, community matron (Riverside Community Nursing)")
    assert plan.warning_signs[0].contact.startswith("Community nursing team") and plan.warning_signs[0].author == author
    assert set(Contribution.objects.values_list("status", flat=True)) == {"accepted"}
    assert all(t.status == "completed" for t in Task.objects.filter(referral_id__startswith="ct"))

    # the written plan shows who added each, to the person, to the practice and to the matron
    written = text(client.get(reverse("careplans:plan", args=[u.dorothy.pk])))
    assert f"Added by {author}" in written
    client.force_login(u.matron)
    mine = text(client.get(reverse("careteam:plan", args=[u.dorothy.pk])))
    assert "Added to the plan in version 2 of the plan" in mine and f"Added by {author}" in mine


def test_authorship_survives_the_clinician_saving_the_plan_from_the_workspace(world):
    u = world
    a_plan(u)
    member = join(u)
    c = actions.contribute(member=member, by=u.matron, kind="goal", content=CONTRIBUTIONS["goal"], based_on=1)
    actions.accept(patient=u.dorothy, by=u.gp, contribution_ids=[c.pk], plan_version=1)
    plan = plan_queries.plan_of(plan_queries.latest(u.practice, u.dorothy))
    # the workspace's form carries no authors: the plan as it posts it
    posted = Plan.from_dict({**plan.as_dict(), "goals": [{**g, "author": "", "actions": [
        {**a, "author": ""} for a in g["actions"]]} for g in plan.as_dict()["goals"]]})
    plan_actions.save_plan(patient=u.dorothy, by=u.gp, plan=posted, base_version=2)
    kept = plan_queries.plan_of(plan_queries.latest(u.practice, u.dorothy))
    assert kept.goals[1].author.startswith("Jo Marsh") and kept.goals[1].actions[0].author.startswith("Jo Marsh")


def test_accepting_on_a_page_older_than_the_plan_changes_nothing(client, world):
    u = world
    a_plan(u)
    member = join(u)
    c = actions.contribute(member=member, by=u.matron, kind="agreed", content=CONTRIBUTIONS["agreed"], based_on=1)
    plan_actions.save_plan(patient=u.dorothy, by=u.nurse, plan=plan_queries.plan_of(
        plan_queries.latest(u.practice, u.dorothy)), base_version=1, note="someone else saved")
    client.force_login(u.gp)
    response = client.post(reverse("careteam:accept", args=[u.dorothy.pk]), {"chosen": [str(c.pk)], "plan_version": "1"})
    assert response.status_code == 409 and "saved as version 2 since you opened this page" in text(response)
    assert CarePlan.objects.get(patient=u.dorothy).version == 2
    assert Contribution.objects.get().status == "waiting"


def test_an_action_towards_a_goal_closed_meanwhile_is_refused_and_nothing_changes(world):
    u = world
    a_plan(u)
    member = join(u)
    c = actions.contribute(member=member, by=u.matron, kind="action", content=CONTRIBUTIONS["action"], based_on=1)
    plan_actions.save_plan(patient=u.dorothy, by=u.gp, plan=Plan(), base_version=1)
    with pytest.raises(actions.CareTeamError, match="no longer in the plan"):
        actions.accept(patient=u.dorothy, by=u.gp, contribution_ids=[c.pk], plan_version=2)
    assert CarePlan.objects.get(patient=u.dorothy).version == 2 and Contribution.objects.get().status == "waiting"


def test_declining_needs_a_reason_which_the_matron_sees(client, world):
    u = world
    a_plan(u)
    member = join(u)
    c = actions.contribute(member=member, by=u.matron, kind="agreed", content=CONTRIBUTIONS["agreed"], based_on=1)
    client.force_login(u.gp)
    url = reverse("careteam:decline", args=[u.dorothy.pk, c.pk])
    assert client.post(url, {"reason": "", "version": "1"}).status_code == 400
    assert Contribution.objects.get().status == "waiting"
    assert client.post(url, {"reason": "Already in the plan as a service", "version": "1"}).status_code == 302
    c.refresh_from_db()
    assert (c.status, c.reason, c.decided_by) == ("declined", "Already in the plan as a service", u.gp)
    assert Task.objects.get(referral_id=f"ct{c.pk}").status == "declined"
    client.force_login(u.matron)
    assert "Why not: Already in the plan as a service" in text(client.get(reverse("careteam:plan", args=[u.dorothy.pk])))


def test_without_the_scope_to_add_the_matron_only_reads(client, world):
    u = world
    a_plan(u)
    member = join(u, scopes=())
    client.force_login(u.matron)
    assert "Add to the plan" not in text(client.get(reverse("careteam:plan", args=[u.dorothy.pk])))
    assert client.get(reverse("careteam:add_to_plan", args=[u.dorothy.pk, "agreed"])).status_code == 404
    with pytest.raises(actions.CareTeamError):
        actions.contribute(member=member, by=u.matron, kind="agreed", content=CONTRIBUTIONS["agreed"], based_on=1)


@pytest.mark.parametrize("kind, data, field", [
    ("agreed", {"text": ""}, "text"),
    ("agreed", {"text": "x" * 1001}, "text"),
    ("goal", {"words": "A goal", "what": ""}, "what"),
    ("action", {"goal": "not-a-goal", "what": "Something"}, "goal"),
    ("contact", {"level": "green", "signs": "x", "contact": "y"}, "level"),
    ("contact", {"level": "red", "signs": "x", "contact": "y" * 201}, "contact"),
])
def test_bad_additions_are_refused_with_a_clear_error_and_nothing_kept(client, world, kind, data, field):
    u = world
    a_plan(u)
    join(u)
    client.force_login(u.matron)
    response = client.post(reverse("careteam:add_to_plan", args=[u.dorothy.pk, kind]), data)
    assert response.status_code == 400 and f'href="#{field}"' in response.content.decode()
    assert not Contribution.objects.exists()


def test_ending_membership_withdraws_what_waits_and_closes_the_review(world):
    u = world
    a_plan(u)
    member = join(u)
    c = actions.contribute(member=member, by=u.matron, kind="agreed", content=CONTRIBUTIONS["agreed"], based_on=1)
    actions.end_member(member=member, by=u.nurse, reason="Discharged", expected_version=member.version)
    c.refresh_from_db()
    assert c.status == "withdrawn" and Task.objects.get(referral_id=f"ct{c.pk}").status == "cancelled"
    with pytest.raises(actions.CareTeamError, match="no longer in this person's care team"):
        actions.end_member(member=Member.objects.get(), by=u.nurse, reason="again", expected_version=member.version)


def test_the_matron_withdraws_her_own_addition_only(client, world):
    u = world
    a_plan(u)
    member = join(u)
    c = actions.contribute(member=member, by=u.matron, kind="agreed", content=CONTRIBUTIONS["agreed"], based_on=1)
    colleague = professional(u.nursing, "tkaur", "Tara", "Kaur", "Staff nurse")
    actions.add_member(patient=u.dorothy, by=u.nurse, provider=u.nursing, professional=None, role="Team",
                       scopes=(), agreed_how="phone", agreed_on=clock.today())
    client.force_login(colleague)
    assert client.post(reverse("careteam:withdraw", args=[u.dorothy.pk, c.pk]), {"version": "1"}).status_code == 404
    client.force_login(u.matron)
    assert client.post(reverse("careteam:withdraw", args=[u.dorothy.pk, c.pk]), {"version": "1"}).status_code == 302
    assert Contribution.objects.get().status == "withdrawn"


# --- The person sees who is in their care team -------------------------------------------------------------

def test_dorothy_sees_the_matron_in_her_care_team(world):
    from tandem.careteam import presenters, queries

    join(world)
    cards = [presenters.member_card(m) for m in queries.members_of(world.dorothy)]
    assert [(c.who, c.organisation, c.role) for c in cards] == [
        ("Jo Marsh, community matron", "Riverside Community Nursing", "Weekly leg ulcer dressings at home")]


# --- The practice's organisations --------------------------------------------------------------------

def test_the_manager_adds_an_organisation_and_gives_its_matron_an_account(client, world, mailoutbox):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    manager = core_actions.add_staff(practice=world.practice, username="pm", role=Role.MANAGER, by=None,
                                     password=PASSWORD)
    client.force_login(manager)
    response = client.post(reverse("careteam:organisation_new"), {
        "name": "Leeds Social Prescribing", "kind": "social_prescribing", "ods_code": "y0 1ab", "phone": "0113 496 0999"})
    assert response.status_code == 400 and "3 to 10 letters and numbers" in text(response)
    response = client.post(reverse("careteam:organisation_new"), {
        "name": "Leeds Social Prescribing", "kind": "social_prescribing", "ods_code": "y01ab", "phone": "0113 496 0999"})
    assert response.status_code == 302
    org = world.practice.providers.get(name="Leeds Social Prescribing")
    assert org.ods_code == "Y01AB"
    response = client.post(reverse("careteam:professional_new", args=[org.pk]), {
        "first_name": "Ade", "last_name": "Bello", "job": "Link worker", "username": "abello",
        "email": "abello@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "abello" in mailoutbox[0].body and mailoutbox[0].to == ["abello@example.org"]
    assert org.staff.get().user.has_usable_password() is False
    client.force_login(world.nurse)  # anyone at the practice reads the list; only the manager changes it
    assert client.get(reverse("careteam:organisations")).status_code == 200
    assert client.post(reverse("careteam:organisation_new"), {"name": "X", "kind": "voluntary"}).status_code == 403


def test_two_managers_changing_an_organisation_do_not_overwrite_each_other(world):
    org = world.nursing
    version = org.version
    actions.save_provider(practice=world.practice, by=None, values={
        "name": "Riverside Community Nursing Team", "kind": "community", "ods_code": "", "service": "", "email": "",
        "phone": "", "address": ""}, provider=org, expected_version=version)
    with pytest.raises(actions.Conflict):
        actions.save_provider(practice=world.practice, by=None, values={
            "name": "Riverside Nursing", "kind": "community", "ods_code": "", "service": "", "email": "",
            "phone": "", "address": ""}, provider=org, expected_version=version)
    org.refresh_from_db()
    assert org.name == "Riverside Community Nursing Team"


# --- What the pages cost ------------------------------------------------------------------------------

def test_query_counts_do_not_grow_with_the_care_team_or_the_additions(client, world):
    """The practice's care team page and the matron's pages read in a fixed number of queries, however many
    members and additions there are."""
    from tests.query_counts import queries_per_page

    u = world
    a_plan(u)
    member = join(u)
    actions.contribute(member=member, by=u.matron, kind="agreed", content=CONTRIBUTIONS["agreed"], based_on=1)
    urls = {"person": reverse("careteam:person", args=[u.dorothy.pk])}
    client.force_login(u.gp)
    before = queries_per_page(client, urls)
    client.force_login(u.matron)
    mine = {"people": reverse("careteam:mine"), "plan": reverse("careteam:plan", args=[u.dorothy.pk])}
    before |= queries_per_page(client, mine)

    for name, username in (("Tara", "tkaur"), ("Lee", "lchan"), ("Ola", "oade")):
        staff = professional(u.nursing, username, name, "Nurse", "Staff nurse").provider_roles.get()
        other = actions.add_member(patient=u.dorothy, by=u.nurse, provider=u.nursing, professional=staff,
                                   role="Dressings", scopes=(rules.CONTRIBUTE,), agreed_how="phone",
                                   agreed_on=clock.today())
        actions.contribute(member=other, by=staff.user, kind="goal", content=CONTRIBUTIONS["goal"], based_on=1)
    extra = provider(u.practice, "Another Team")
    for i in range(3):
        patient = patient_actions_register(u, i)
        actions.add_member(patient=patient, by=u.nurse, provider=u.nursing, professional=u.matron.provider_roles.get(),
                           role="Visits", scopes=(), agreed_how="phone", agreed_on=clock.today())
    assert extra.pk
    client.force_login(u.gp)
    after = queries_per_page(client, urls)
    client.force_login(u.matron)
    after |= queries_per_page(client, mine)
    assert after == before
    assert before == {"person": 8, "people": 7, "plan": 17}


def patient_actions_register(u, i):
    from tandem.patients import actions as patient_actions

    return patient_actions.register_patient(practice=u.practice, by=None, nhs_number=("9990000107", "9990000115", "9990000123")[i],
                                            given_name=f"Person{i}", family_name="Test",
                                            date_of_birth=dt.date(1950, 1, 1 + i), sex="female")


def test_the_named_clinicians_review_task_links_to_the_care_team_page(client, world):
    from tandem.careplans.models import Task

    u = world
    a_plan(u)
    c = actions.contribute(member=join(u), by=u.matron, kind="agreed", content=CONTRIBUTIONS["agreed"], based_on=1)
    task = Task.objects.get(referral_id=f"ct{c.pk}")
    client.force_login(u.gp)
    page = client.get(reverse("careplans:task", args=[task.pk])).content.decode()
    assert f'href="{reverse("careteam:person", args=[u.dorothy.pk])}#waiting"' in page
    assert "Review the addition on their care team page" in page


def test_who_added_each_item_goes_out_in_the_fhir_document_and_comes_back_in(world):
    """The plan's FHIR export carries who from the care team added each item (Tandem's care-team-added-by
    extension), and importing the document keeps it."""
    from tandem.careplans.fhir.bundle import document as fhir_document
    from tandem.careplans.fhir.importer import plan_from_bundle
    from tandem.careplans.queries.fhir import export_source

    u = world
    a_plan(u)
    member = join(u)
    ids = [actions.contribute(member=member, by=u.matron, kind=k, content=CONTRIBUTIONS[k], based_on=1).pk
           for k in CONTRIBUTIONS]
    actions.accept(patient=u.dorothy, by=u.gp, contribution_ids=ids, plan_version=1)
    document = fhir_document(export_source(practice=u.practice, patient_id=u.dorothy.pk, by=u.gp))
    author = "Jo Marsh, community matron, Riverside Community Nursing"
    added = [e["valueString"] for entry in document["entry"] for e in _extensions(entry["resource"])
             if e["url"].endswith("/care-team-added-by")]
    assert added.count(author) == 5  # the service, the new goal, its action, the action towards g1, the sign
    plan, _nhs, problems = plan_from_bundle(document)
    assert not problems
    assert plan.services[0].author == author and plan.goals[1].author == author
    assert plan.goals[0].actions[1].author == author and plan.warning_signs[0].author == author


def _extensions(resource):
    found = list(resource.get("extension", []))
    for activity in resource.get("activity", []):
        found += activity.get("detail", {}).get("extension", [])
    return found


def test_the_plans_fhir_document_names_the_care_team_outside_the_practice(world):
    """The care team in the plan's FHIR document has the matron, acting for her organisation, with her part in
    Dorothy's care, and the whole team of another organisation; someone taken out of the team is not there."""
    from fhir.resources.R4B.careteam import CareTeam

    from tandem.careplans.fhir.bundle import document as fhir_document
    from tandem.careplans.queries.fhir import export_source

    u = world
    a_plan(u)
    join(u)
    falls = actions.add_member(patient=u.dorothy, by=u.nurse, provider=u.falls, professional=None,
                               role="Strength and balance classes", scopes=(), agreed_how="phone",
                               agreed_on=clock.today())
    actions.end_member(member=falls, by=u.nurse, reason="Finished the course", expected_version=falls.version)
    actions.add_member(patient=u.dorothy, by=u.nurse, provider=u.agewell, professional=None, role="Befriending",
                       scopes=(), agreed_how="phone", agreed_on=clock.today())
    document = fhir_document(export_source(practice=u.practice, patient_id=u.dorothy.pk, by=u.gp))
    resources = {e["fullUrl"]: e["resource"] for e in document["entry"]}
    team = next(r for r in resources.values() if r["resourceType"] == "CareTeam")
    CareTeam.model_validate(team)
    outside = [p for p in team["participant"] if any(
        c.get("code") == "outside-the-practice" for role in p["role"] for c in role.get("coding", []))]
    shown = [(resources[p["member"]["reference"]].get("name"), p["role"][1]["text"],
              resources[p["onBehalfOf"]["reference"]]["name"] if "onBehalfOf" in p else None) for p in outside]
    assert shown == [([{"text": "Jo Marsh"}], "Weekly leg ulcer dressings at home", "Riverside Community Nursing"),
                     ("Age Well Leeds", "Befriending", None)]
