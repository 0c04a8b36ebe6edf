"""The conversation workspace: what it shows first, saving a version, problems (400) and someone
else's save meanwhile (409) with nothing lost, autosave and getting the draft back, adding rows
without JavaScript and with htmx, escaping, roles and practice scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tandem.careplans import actions, queries
from tandem.careplans.models import Draft, PlanVersion, Task
from tandem.careplans.rules.document import Action, Goal, Plan
from tandem.core import actions as core_actions
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.core.rules import Role
from tandem.prepare.actions import agenda as agenda_actions

SCRIPT = "<script>alert(1)</script>"


def url(name: str, patient, query: str = "") -> str:
    return reverse(f"careplans:{name}", args=[patient.pk]) + query


def the_form(u, **more) -> dict:
    """What the browser posts for a small plan for Arthur, in this conversation, from "Save the plan"."""
    return {
        "save": "plan", "base_version": "0", "conversation": str(u.arthur_talk.pk),
        "held_by_id": str(u.nurse.pk), "held_on.day": "15", "held_on.month": "6", "held_on.year": "2026",
        "agreed_on.day": "15", "agreed_on.month": "6", "agreed_on.year": "2026",
        "about.what_matters": "Getting back to the allotment",
        "goals.0.id": "", "goals.0.words": "Walk to the allotment without stopping", "goals.0.importance": "8",
        "goals.0.stage": "new", "goals.0.actions.0.id": "", "goals.0.actions.0.what": "Walk 10 minutes after lunch",
        "goals.0.actions.0.who": "person", "goals.0.actions.0.when": "every day", "goals.0.actions.0.status": "not_started",
        "goals.0.actions.0.confidence": "8",
        "medicines.0.id": "", "medicines.0.kind": "deprescribe", "medicines.0.medicine": "Gliclazide 80mg tablets",
        "medicines.0.reason": "Low sugars at night", "medicines.0.agreed_by": "Arthur and the nurse",
        "warning_signs.0.id": "", "warning_signs.0.level": "red", "warning_signs.0.signs": "Sugars under 4",
        "agreed_with_person": "yes", "review_date.day": "15", "review_date.month": "6", "review_date.year": "2027",
        "review_by": "Practice nurse", "areas": ["medication_review"],
        **more,
    }


@pytest.fixture
def nurse(client, booked):
    client.force_login(booked.nurse)
    return client


@pytest.fixture
def with_agenda(booked):
    agenda_actions.record_agenda(conversation=booked.arthur_talk, via="online", by=None, reply=agenda_actions.Reply(
        what_matters="Sleeping through the night", topics=("Sleep",), questions="Can I stop a tablet?"))
    return booked


def _saved_plan(u, **more) -> Plan:
    plan = Plan(goals=(Goal(id="", words="Walk to the allotment", importance=8, stage="working_on",
                            actions=(Action(id="", what="Walk after lunch", confidence=7),)),), **more)
    return actions.save_plan(patient=u.arthur, by=u.nurse, plan=plan, base_version=0).version


# --- What it shows -------------------------------------------------------------------------------


def test_the_persons_agenda_comes_first_then_results_then_the_plan_so_far(nurse, with_agenda):
    response = nurse.get(url("workspace", with_agenda.arthur))
    assert response.status_code == 200
    text = response.content.decode()
    order = [text.index(s) for s in ("Their agenda: what they want to talk about", 'id="results-heading"',
                                     'id="previous-heading"', 'id="medicines-heading"', 'id="care-team-heading"',
                                     "Registers and risk tier", 'id="plan-form"')]
    assert order == sorted(order)
    assert "Sleeping through the night" in text
    assert "62 mmol/mol" in text  # his latest HbA1c
    assert "Tuesday 23 June 2026 at 10:30am with Nia Evans" in text


def test_opening_the_workspace_is_audited_as_reading_the_record(nurse, booked):
    nurse.get(url("workspace", booked.arthur))
    assert AuditEvent.objects.filter(user=booked.nurse, patient_id=booked.arthur.pk, action="view").exists()


def test_what_matters_starts_from_their_agenda_in_their_own_words(nurse, with_agenda):
    text = nurse.get(url("workspace", with_agenda.arthur)).content.decode()
    assert 'name="about.what_matters"' in text
    assert ">Sleeping through the night</textarea>" in text


def test_someone_with_no_conversation_booked_can_still_have_a_plan_made(nurse, booked):
    response = nurse.get(url("workspace", booked.patient))
    assert response.status_code == 200
    assert "No care planning conversation is booked" in response.content.decode()


def test_last_years_goals_are_shown_and_carried_into_the_form_to_record_how_they_went(nurse, booked):
    _saved_plan(booked, review_date="2027-01-01")
    text = nurse.get(url("workspace", booked.arthur)).content.decode()
    assert "Walk to the allotment" in text
    assert "(from the last plan)" in text
    assert 'name="goals.0.outcome"' in text
    assert 'name="base_version" value="1"' in text


def test_a_review_date_already_passed_is_not_carried_into_the_form(nurse, booked):
    with clock.frozen(dt.date(2025, 6, 1)):
        _saved_plan(booked, review_date="2026-06-01")
    text = nurse.get(url("workspace", booked.arthur)).content.decode()
    assert "The review was due by 1 June 2026" in text
    assert 'name="review_date.year" type="text" value="2026"' not in text


# --- Saving --------------------------------------------------------------------------------------


def test_saving_makes_a_version_and_opens_the_written_plan(nurse, booked):
    response = nurse.post(url("workspace", booked.arthur), the_form(booked, note="Annual review"))
    assert response.status_code == 302
    assert response["Location"] == f"/care-plans/{booked.arthur.pk}/plan/"
    version = PlanVersion.objects.get(patient=booked.arthur)
    plan = queries.plan_of(version)
    assert (version.version, version.conversation, version.note) == (1, booked.arthur_talk, "Annual review")
    assert plan.goals[0].actions[0].confidence == 8
    assert plan.medicines[0].kind == "deprescribe" and plan.agreed_with_person
    assert plan.review_date == "2027-06-15" and plan.areas == ("medication_review",)
    assert not Draft.objects.filter(patient=booked.arthur).exists()
    page = nurse.get(url("workspace", booked.arthur))
    assert "Care plan saved as version 1." in page.content.decode()


def test_a_referral_in_the_form_becomes_a_task(nurse, booked):
    nurse.post(url("workspace", booked.arthur), the_form(booked, **{
        "referrals.0.id": "", "referrals.0.what": "Check his inhaler technique", "referrals.0.to": "role:pharmacist",
        "referrals.0.by_when": "14/7/2026"}))
    task = Task.objects.get(patient=booked.arthur)
    assert (task.to_role, str(task.due_on)) == ("pharmacist", "2026-07-14")


def test_bad_input_is_a_400_with_every_problem_linked_to_its_field_and_nothing_saved(nurse, booked):
    response = nurse.post(url("workspace", booked.arthur), the_form(booked, **{
        "goals.0.importance": "very", "goals.0.actions.0.confidence": "12", "goals.0.actions.0.who": "carer",
        "review_date.day": "31", "review_date.month": "2"}))
    assert response.status_code == 400
    text = response.content.decode()
    assert "<title>Error: " in text
    for href, message in [
        ("#goals-0-importance", "How important it is must be a whole number from 1 to 10."),
        ("#goals-0-actions-0-who_name", "Name the carer or family member."),
        ("#goals-0-actions-0-confidence", "Confidence must be a whole number from 0 to 10."),
        ("#review_date-day", "Enter the review date as a real date"),
    ]:
        assert f'href="{href}"' in text and message in text
    assert 'id="goals-0-importance" name="goals.0.importance" type="text" value="very"' in text
    assert "Walk 10 minutes after lunch" in text
    assert not PlanVersion.objects.exists()
    # what was typed is kept as the clinician's draft
    assert queries.draft(booked.practice, booked.arthur, booked.nurse).content["goals"][0]["words"]


def test_someone_elses_save_meanwhile_is_a_409_showing_both_and_nothing_is_lost(nurse, booked):
    other = Plan(information="Leaflet on feet from the GP", goals=(Goal(id="", words="Lose a stone"),))
    actions.save_plan(patient=booked.arthur, by=booked.manager, plan=other, base_version=0)
    response = nurse.post(url("workspace", booked.arthur), the_form(booked))
    assert response.status_code == 409
    text = response.content.decode()
    assert "Priya Shah saved this plan while you were working on it" in text
    assert "Saved meanwhile: version 1" in text and "Lose a stone" in text  # theirs
    assert "Yours, not saved yet" in text and "Walk to the allotment without stopping" in text  # yours
    assert 'name="base_version" value="1"' in text  # saving again is deliberate, as the next version
    assert PlanVersion.objects.count() == 1
    draft = queries.draft(booked.practice, booked.arthur, booked.nurse)
    assert draft.content["goals"][0]["words"] == "Walk to the allotment without stopping"
    again = nurse.post(url("workspace", booked.arthur), the_form(booked, base_version="1"))
    assert again.status_code == 302
    assert [v.version for v in queries.history(booked.practice, booked.arthur)] == [2, 1]


# --- Drafts --------------------------------------------------------------------------------------


def test_autosave_keeps_a_draft_and_opening_again_brings_it_back(nurse, booked):
    response = nurse.post(url("workspace_autosave", booked.arthur), the_form(booked, **{"goals.0.importance": "6"}))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Draft saved at 12:00pm" in text
    assert 'id="criteria" hx-swap-oob="true"' in text  # the checklist as it now stands
    page = nurse.get(url("workspace", booked.arthur)).content.decode()
    assert "Your unsaved changes from 12:00pm on 15 June 2026 are back." in page
    assert "Save the plan to keep them, or discard them." in page
    assert 'name="goals.0.importance" type="text" value="6"' in page
    assert not PlanVersion.objects.exists()


def test_discarding_the_draft_shows_the_plan_as_saved(nurse, booked):
    _saved_plan(booked)
    nurse.post(url("workspace_autosave", booked.arthur), the_form(booked, base_version="1"))
    assert nurse.get(url("workspace_discard", booked.arthur)).status_code == 302  # a link alone discards nothing
    assert Draft.objects.exists()
    response = nurse.post(url("workspace_discard", booked.arthur))
    assert response.status_code == 302
    assert not Draft.objects.exists()
    page = nurse.get(url("workspace", booked.arthur)).content.decode()
    assert "Your unsaved changes were discarded." in page and 'id="draft-notice"' not in page
    assert "Walk to the allotment</textarea>" in page


def test_a_draft_started_before_someone_elses_save_says_so(nurse, booked):
    nurse.post(url("workspace_autosave", booked.arthur), the_form(booked))
    actions.save_plan(patient=booked.arthur, by=booked.manager, plan=Plan(information="x"), base_version=0)
    page = nurse.get(url("workspace", booked.arthur)).content.decode()
    assert "The plan has been saved as version 1 since you started these changes." in page
    assert 'name="base_version" value="0"' in page


def test_an_autosave_arriving_after_the_save_does_not_bring_back_a_stale_draft(nurse, booked):
    nurse.post(url("workspace", booked.arthur), the_form(booked))
    nurse.post(url("workspace_autosave", booked.arthur), the_form(booked))  # sent before the save, arrived after
    assert not Draft.objects.exists()


def test_keep_as_a_draft_without_javascript(nurse, booked):
    response = nurse.post(url("workspace", booked.arthur), the_form(booked, draft="keep"))
    assert response.status_code == 302
    assert Draft.objects.filter(patient=booked.arthur, user=booked.nurse).exists()
    assert not PlanVersion.objects.exists()


# --- Adding rows ---------------------------------------------------------------------------------


def test_add_another_without_javascript_comes_back_with_one_more_row_and_everything_typed(nurse, booked):
    response = nurse.post(url("workspace", booked.arthur), the_form(booked, add="goals"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Walk to the allotment without stopping</textarea>" in text
    assert 'id="goals-1-words"' in text and "autofocus" in text
    response = nurse.post(url("workspace", booked.arthur), the_form(booked, add="goals.0.actions"))
    assert 'id="goals-0-actions-1-what"' in response.content.decode()
    assert not PlanVersion.objects.exists()


def test_add_another_with_htmx_fetches_one_blank_row_and_the_next_button(nurse, booked):
    response = nurse.get(url("workspace_row", booked.arthur, "?add=goals&index=2"), HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="goals-2-words"' in text and 'id="goals-2-actions-0-what"' in text
    assert 'hx-swap-oob="true"' in text and "add=goals&amp;index=3" in text
    needs = nurse.get(url("workspace_row", booked.arthur, "?add=needs&index=1")).content.decode()
    assert "Type 2 diabetes mellitus" in needs  # the person's conditions, to link the need to
    action = nurse.get(url("workspace_row", booked.arthur, "?add=goals.1.actions&index=4")).content.decode()
    assert 'name="goals.1.actions.4.what"' in action
    assert nurse.get(url("workspace_row", booked.arthur, "?add=nonsense&index=1")).status_code == 302


@pytest.mark.parametrize(("typed", "prompted"), [("5", True), ("6", True), ("7", False), ("10", False), ("", False)])
def test_confidence_below_7_prompts_to_make_the_action_smaller_or_easier(nurse, booked, typed, prompted):
    response = nurse.get(url("workspace_confidence", booked.arthur, f"?goals.0.actions.0.confidence={typed}"))
    assert ("Confidence is below 7" in response.content.decode()) is prompted


def test_a_saved_action_with_low_confidence_shows_the_prompt_on_the_page(nurse, booked):
    actions.save_plan(patient=booked.arthur, by=booked.nurse, base_version=0, plan=Plan(goals=(
        Goal(id="", words="Walk", actions=(Action(id="", what="Walk an hour a day", confidence=4),)),)))
    text = nurse.get(url("workspace", booked.arthur)).content.decode()
    assert "can you make this action smaller or easier so they feel sure they can do it?" in text


# --- Escaping ------------------------------------------------------------------------------------


def test_everything_typed_is_escaped(nurse, booked):
    nurse.post(url("workspace", booked.arthur), the_form(booked, **{
        "goals.0.words": SCRIPT, "about.what_matters": SCRIPT, "goals.0.actions.0.what": SCRIPT}))
    text = nurse.get(url("workspace", booked.arthur)).content.decode()
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    conflict = nurse.post(url("workspace", booked.arthur), the_form(booked, **{"goals.0.words": SCRIPT}))
    assert conflict.status_code == 409 and SCRIPT not in conflict.content.decode()


# --- Who may do what -----------------------------------------------------------------------------


@pytest.fixture
def hca(client, booked):
    core_actions.add_staff(practice=booked.practice, username="hca", role=Role.HCA, by=None)
    client.force_login(booked.practice.memberships.get(user__username="hca").user)
    return client


def test_a_health_care_assistant_can_read_the_workspace_but_not_change_the_plan(hca, booked):
    _saved_plan(booked)
    page = hca.get(url("workspace", booked.arthur))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="plan-form"' not in text and "Walk to the allotment" in text
    assert hca.post(url("workspace", booked.arthur), the_form(booked, base_version="1")).status_code == 403
    assert hca.post(url("workspace_autosave", booked.arthur), the_form(booked)).status_code == 403
    assert hca.post(url("workspace_discard", booked.arthur)).status_code == 403
    assert PlanVersion.objects.count() == 1 and not Draft.objects.exists()


def test_administrators_cannot_open_the_workspace(client, booked):
    client.force_login(booked.admin)
    assert client.get(url("workspace", booked.arthur)).status_code == 403
    assert client.post(url("workspace", booked.arthur), the_form(booked)).status_code == 403
    assert not PlanVersion.objects.exists()


def test_another_practices_nurse_finds_nothing_and_writes_nothing(client, booked):
    client.force_login(booked.other_nurse)
    assert client.get(url("workspace", booked.arthur)).status_code == 404
    assert client.post(url("workspace", booked.arthur), the_form(booked)).status_code == 404
    assert client.post(url("workspace_autosave", booked.arthur), the_form(booked)).status_code == 404
    assert client.get(url("workspace_row", booked.arthur, "?add=needs&index=1")).status_code == 404
    assert client.get(url("workspace_confidence", booked.arthur)).status_code == 404
    assert not PlanVersion.objects.exists() and not Draft.objects.exists()


def test_the_workspace_shows_the_person_as_their_summary_does(booked):
    """The workspace's banner, conditions, results (with the targets that apply) and medicines are
    the summary page's own, worked out from the same read of the record, without the appointments
    and admissions it does not show."""
    from tandem.patients import facts as record_facts
    from tandem.patients import presenters as patient_presenters
    from tandem.patients.queries import patient_summary

    today = clock.today()
    for person in (booked.arthur, booked.beatrice):
        record = patient_summary(practice=booked.practice, pk=person.pk, by=booked.nurse,
                                 contacts_since=patient_presenters.contacts_since(today),
                                 observations_since=patient_presenters.observations_since(today))
        facts = record_facts.for_record(booked.practice, record.patient, record.conditions, today=today)
        summary = patient_presenters.summary(record, today=today, facts=facts)
        shown = patient_presenters.summary(record, today=today, facts=facts, with_contacts=False)
        assert shown.results and shown.conditions.current and shown.contacts is None
        assert (shown.banner, shown.about, shown.conditions, shown.results, shown.medicines) == (
            summary.banner, summary.about, summary.conditions, summary.results, summary.medicines)

