"""The conversation records what happened: saving is explicit, the plan names who held the
conversation and when, last year's plan is offered item by item (never copied silently), what
matters starts from this year's agenda, and the checklist reflects this conversation only."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tandem.careplans import actions
from tandem.careplans.models import Draft, PlanVersion
from tandem.careplans.rules.document import (
    AboutMe,
    Action,
    Goal,
    Information,
    MedicationAgreement,
    Plan,
    Signpost,
)
from tandem.core import actions as core_actions
from tandem.core import clock
from tandem.core.rules import Role
from tandem.patients import actions as patient_actions
from tandem.prepare.actions import agenda as agenda_actions

from .test_workspace import the_form, url


def flat(response) -> str:
    """The page's HTML with its white space collapsed (and none before the end of a tag)."""
    return re.sub(r" >", ">", " ".join(response.content.decode().split()))


def value_of(text: str, name: str) -> str:
    """The value of the input called `name` on a page (flattened)."""
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', text)
    assert tag is not None, name
    found = re.search(r'value="([^"]*)"', tag.group(0))
    return found.group(1) if found else ""


def options_of(html: str, name: str) -> list[tuple[str, str, bool]]:
    """The options of the select called `name`: (value, label, selected), however the page spaces its HTML."""

    class Options(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.found = False, []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "select":
                self.inside = attrs.get("name") == name
            elif tag == "option" and self.inside:
                self.found.append([attrs.get("value", ""), "", "selected" in attrs])

        def handle_endtag(self, tag):
            if tag == "select":
                self.inside = False

        def handle_data(self, data):
            if self.inside and self.found:
                self.found[-1][1] += data

    parser = Options()
    parser.feed(html)
    return [(value, " ".join(label.split()), selected) for value, label, selected in parser.found]


def areas_met(text: str) -> list[str]:
    return re.findall(r'id="areas-(\w+)-status"[^>]*> ?<strong class="careplans-met">', text)


@pytest.fixture
def nurse(client, booked):
    client.force_login(booked.nurse)
    return client


@pytest.fixture
def gp(booked):
    booked.gp = core_actions.add_staff(practice=booked.practice, username="gp", role=Role.GP, by=None,
                                       password="correct-horse-battery", first_name="Tom", last_name="Barker")
    return booked.gp


@pytest.fixture
def last_year(booked):
    """Arthur's plan from his review a year ago (type 2 diabetes and high blood pressure, no lung
    condition): a goal, "carry on with all current medicines", a spacer leaflet and a feet leaflet,
    pulmonary rehabilitation, and the five areas ticked then."""
    rehab = actions.save_service(practice=booked.practice, by=None, name="Pulmonary Rehabilitation",
                                 kind="pulmonary_rehab", conditions=("copd",))
    walks = actions.save_service(practice=booked.practice, by=None, name="Walking for Health", kind="exercise")
    plan = Plan(
        about=AboutMe(what_matters="Keeping my allotment going", people="My wife June"),
        goals=(Goal(id="g1", words="Walk to the allotment", importance=8, stage="working_on",
                    actions=(Action(id="a1", what="Walk after lunch", confidence=7),)),),
        medicines=(MedicationAgreement(id="m1", kind="continue", medicine="All current medicines"),
                   MedicationAgreement(id="m2", kind="continue", medicine="Doxazosin 4mg tablets")),
        information_items=(Information(id="i1", text="How to use the inhaler spacer", conditions=("asthma", "copd")),
                           Information(id="i2", text="Looking after your feet", conditions=("diabetes_type2",))),
        services=(Signpost(id="s1", service_id=rehab.pk, name=rehab.name),
                  Signpost(id="s2", service_id=walks.pk, name=walks.name)),
        self_management="Blood pressure readings at home", agreed_with_person=True,
        areas=("medication_review", "education_self_management", "psychological_social", "social_support",
               "prevention"),
        review_date="2026-06-10",
    )
    with clock.frozen(dt.date(2025, 6, 10)):
        actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=plan, base_version=0)
    booked.rehab, booked.walks = rehab, walks
    return booked


def _decided(u, choice="keep", **more) -> dict:
    """The form for Arthur's conversation with last year's items, each decided."""
    return the_form(u, **{
        "base_version": "1", "goals.0.id": "g1", "goals.0.decision": choice, "goals.0.actions.0.id": "a1",
        "goals.0.actions.0.decision": choice, "medicines.1.id": "m2", "medicines.1.decision": "close",
        "information_items.0.id": "i2", "information_items.0.text": "Looking after your feet",
        "information_items.0.decision": choice, **more})


# --- Saving is an explicit action ------------------------------------------------------------------


def test_a_post_without_the_save_button_keeps_the_draft_and_saves_no_version(nurse, booked):
    form = the_form(booked)
    del form["save"]  # what Enter in a field would send, if a browser sent anything
    response = nurse.post(url("workspace", booked.arthur), form)
    assert response.status_code == 200
    assert not PlanVersion.objects.exists()
    assert Draft.objects.get(patient=booked.arthur).content["goals"][0]["words"] == "Walk to the allotment without stopping"
    text = response.content.decode()
    assert "Nothing has been saved as a version yet" in text and 'id="plan-form"' in text


def test_the_forms_default_button_is_disabled_so_enter_submits_nothing(nurse, booked):
    text = nurse.get(url("workspace", booked.arthur)).content.decode()
    form = text[text.index('id="plan-form"'):]
    first_button = form[form.index("<button"):form.index(">", form.index("<button"))]
    assert "disabled" in first_button and 'value="plan"' not in first_button


# --- Who held the conversation, and when -----------------------------------------------------------


def test_the_written_plan_names_who_really_held_the_conversation_and_its_day(nurse, booked, gp):
    # Booked with the nurse; the GP held it on the day, and recorded it two days later.
    with clock.frozen(dt.date(2026, 6, 25)):
        response = nurse.post(url("workspace", booked.arthur), the_form(booked, **{
            "held_by_id": str(gp.pk), "held_on.day": "23", "agreed_on.day": "23"}))
        assert response.status_code == 302
        plan = nurse.get(reverse("careplans:plan", args=[booked.arthur.pk])).content.decode()
    assert "23 June 2026, with Tom Barker, GP" in plan
    assert "I agreed this plan on 23 June 2026" in plan
    who_was_there = plan[plan.index("Who was there"):plan.index("My next review", plan.index("Who was there"))]
    assert "Tom Barker, GP" in who_was_there and "Nia Evans" not in who_was_there


def test_by_default_the_clinician_saving_held_it_on_the_conversations_day(nurse, booked, gp):
    with clock.frozen(dt.date(2026, 6, 23)):
        text = flat(nurse.get(url("workspace", booked.arthur)))
    held_by = options_of(text, "held_by_id")
    assert (str(booked.nurse.pk), "Nia Evans, practice nurse", True) in held_by
    assert (str(gp.pk), "Tom Barker, GP", False) in held_by
    assert [label for _, label, selected in held_by if selected] == ["Nia Evans, practice nurse"]
    assert [value_of(text, f"held_on.{p}") for p in ("day", "month", "year")] == ["23", "6", "2026"]
    assert [value_of(text, f"agreed_on.{p}") for p in ("day", "month", "year")] == ["23", "6", "2026"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"held_on.day": "16"}, "The date the conversation was held cannot be in the future."),
    ({"agreed_on.day": "14"}, "The plan cannot be agreed before the conversation was held."),
    ({"held_on.day": "31", "held_on.month": "2"}, "Enter the date the conversation was held as a real date"),
])
def test_impossible_conversation_dates_are_refused_and_nothing_is_saved(nurse, booked, fields, message):
    response = nurse.post(url("workspace", booked.arthur), the_form(booked, **fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PlanVersion.objects.exists()


def test_only_the_practices_clinical_staff_can_be_named_as_holding_it(nurse, booked):
    response = nurse.post(url("workspace", booked.arthur), the_form(booked, held_by_id=str(booked.admin.pk)))
    assert response.status_code == 400
    assert "Choose who held the conversation, from the practice&#39;s clinical staff." in response.content.decode()
    response = nurse.post(url("workspace", booked.arthur), the_form(booked, held_by_id=str(booked.other_nurse.pk)))
    assert response.status_code == 400 and not PlanVersion.objects.exists()


def test_the_review_date_defaults_to_a_year_after_the_conversation_and_cannot_be_before_it(nurse, booked):
    with clock.frozen(dt.date(2026, 6, 30)):  # recorded a week after the conversation on 23 June
        text = flat(nurse.get(url("workspace", booked.arthur)))
        assert [value_of(text, f"review_date.{p}") for p in ("day", "month", "year")] == ["23", "6", "2027"]
        response = nurse.post(url("workspace", booked.arthur), the_form(booked, **{
            "held_on.day": "23", "agreed_on.day": "23", "review_date.day": "23", "review_date.month": "6",
            "review_date.year": "2026"}))
    assert response.status_code == 400  # the day of the conversation itself
    assert "The review date must be after" in response.content.decode()
    assert not PlanVersion.objects.exists()


def test_the_offered_review_date_is_a_year_after_the_conversation(nurse, last_year):
    with clock.frozen(dt.date(2026, 6, 23)):
        text = flat(nurse.get(url("workspace", last_year.arthur)))
    # Last year's review date (10 June 2026) has passed: the new one is a year after this conversation.
    assert [value_of(text, f"review_date.{p}") for p in ("day", "month", "year")] == ["23", "6", "2027"]


# --- Last year's plan is offered, not copied ---------------------------------------------------------


def test_last_years_items_are_offered_undecided_and_not_saved_until_decided(nurse, last_year):
    text = nurse.get(url("workspace", last_year.arthur)).content.decode()
    assert "This goal is from the last plan: keep, change or close it?" in text
    assert 'name="goals.0.decision" type="radio" value="keep" checked' not in text
    form = the_form(last_year, **{"base_version": "1", "goals.0.id": "g1", "goals.0.actions.0.id": "a1"})
    response = nurse.post(url("workspace", last_year.arthur), form)
    assert response.status_code == 400
    assert "Choose whether to keep, change or close last year&#39;s goal." in response.content.decode()
    assert PlanVersion.objects.count() == 1


def test_where_last_years_goal_had_got_to_is_still_shown_after_a_refused_save_and_in_a_draft(nurse, last_year):
    note = "In the last plan: working on it. Record where it has got to now."
    assert note in flat(nurse.get(url("workspace", last_year.arthur)))
    form = the_form(last_year, **{"base_version": "1", "goals.0.id": "g1", "goals.0.actions.0.id": "a1"})
    refused = nurse.post(url("workspace", last_year.arthur), form)
    assert refused.status_code == 400 and note in flat(refused)
    assert note in flat(nurse.get(url("workspace", last_year.arthur)))  # the draft kept from the refused save


def test_a_closed_item_is_left_out_and_a_kept_one_carried(nurse, last_year):
    response = nurse.post(url("workspace", last_year.arthur), _decided(last_year, "close", **{
        "goals.1.id": "", "goals.1.words": "Sleep through the night", "goals.1.stage": "new"}))
    assert response.status_code == 302
    plan = PlanVersion.objects.get(version=2).content
    assert [g["words"] for g in plan["goals"]] == ["Sleep through the night"]
    assert [i["text"] for i in plan["information_items"]] == []
    response = nurse.post(url("workspace", last_year.arthur), _decided(last_year, "keep", base_version="2"))
    assert response.status_code == 302
    assert PlanVersion.objects.get(version=3).content["goals"][0]["id"] == "g1"


def test_information_and_services_for_a_condition_they_do_not_have_are_not_offered(nurse, last_year):
    text = flat(nurse.get(url("workspace", last_year.arthur)))
    assert value_of(text, "information_items.0.text") == "Looking after your feet"
    assert 'name="information_items.1.text"' not in text
    assert re.search(rf'name="services" type="checkbox" value="{last_year.walks.pk}"[^>]*checked', text)
    assert not re.search(rf'name="services" type="checkbox" value="{last_year.rehab.pk}"[^>]*checked', text)
    assert "How to use the inhaler spacer: for a condition they do not have now" in text
    assert "Pulmonary Rehabilitation: for a condition they do not have now" in text


def test_carrying_on_all_medicines_cannot_stand_beside_stopping_one(nurse, booked):
    response = nurse.post(url("workspace", booked.arthur), the_form(booked, **{
        "medicines.0.kind": "stop", "medicines.0.medicine": "Doxazosin 4mg tablets",
        "medicines.0.reason": "Dizzy when standing", "medicines.1.id": "", "medicines.1.kind": "continue",
        "medicines.1.medicine": "All current medicines"}))
    assert response.status_code == 400
    assert "with all medicines cannot stand beside stopping Doxazosin 4mg tablets" in response.content.decode()
    assert not PlanVersion.objects.exists()


def test_an_agreement_about_a_medicine_they_no_longer_take_is_flagged(nurse, last_year):
    patient_actions.record_medication(patient=last_year.arthur, by=None, name="Metformin 500mg tablets",
                                      start_date=dt.date(2024, 1, 5))
    text = nurse.get(url("workspace", last_year.arthur)).content.decode()
    assert "They no longer take this medicine: it is not on their medication list now." in text
    assert "This covers all their medicines as they were then." in text


# --- What matters, and the checklist ---------------------------------------------------------------


def test_what_matters_starts_from_this_years_agenda_with_last_years_beside_it(nurse, last_year):
    agenda_actions.record_agenda(conversation=last_year.arthur_talk, via="online", by=None, reply=agenda_actions.Reply(
        what_matters="Sleeping through the night", topics=("Sleep",)))
    text = flat(nurse.get(url("workspace", last_year.arthur)))
    box = re.search(r'<textarea[^>]*name="about.what_matters"[^>]*>([^<]*)</textarea>', text)
    assert box.group(1).strip() == "Sleeping through the night"
    assert "At the last plan, what mattered most:" in text and "Keeping my allotment going" in text


def test_nothing_is_ticked_before_the_conversation(nurse, last_year):
    text = flat(nurse.get(url("workspace", last_year.arthur)))
    assert 'id="areas-medication_review-status"' in text
    assert areas_met(text) == []
    assert not re.search(r'name="areas" type="checkbox" value="\w+"[^>]*checked', text)


def test_a_kept_item_counts_for_the_checklist(nurse, last_year):
    form = _decided(last_year, "keep")
    form["areas"] = []
    met = areas_met(flat(nurse.post(reverse("careplans:workspace_autosave", args=[last_year.arthur.pk]), form)))
    assert "education_self_management" in met  # the feet leaflet, kept in this conversation
    assert "medication_review" in met  # the Gliclazide agreement made today


# --- The conversation page after the plan is saved -------------------------------------------------


def test_the_conversation_shows_plan_agreed_and_the_copy_and_no_longer_offers_to_start(nurse, booked):
    page = nurse.get(reverse("prepare:conversation", args=[booked.arthur_talk.pk])).content.decode()
    assert "Start the care planning conversation" in page and "Plan agreed" not in page
    nurse.post(url("workspace", booked.arthur), the_form(booked))
    page = nurse.get(reverse("prepare:conversation", args=[booked.arthur_talk.pk])).content.decode()
    assert "Plan agreed" in page and "15 June 2026, with Nia Evans, practice nurse" in page
    assert "No copy recorded yet" in page
    assert "Start the care planning conversation" not in page and "Open the care plan" in page
    actions.record_copy_given(version=PlanVersion.objects.get(), by=booked.nurse, how="printed")
    page = nurse.get(reverse("prepare:conversation", args=[booked.arthur_talk.pk])).content.decode()
    assert "Printed and handed over on 15 June 2026" in page


def test_the_packs_list_shows_who_replied_and_how(nurse, booked):
    agenda_actions.record_agenda(conversation=booked.arthur_talk, via="online", by=None, reply=agenda_actions.Reply(
        what_matters="Sleeping through the night"))
    page = nurse.get(reverse("prepare:packs")).content.decode()
    assert "Replied online, 15 June" in page
    assert page.count("No reply yet") == 2  # Beatrice and Fatima


def test_the_manager_says_which_conditions_a_service_is_for(client, booked):
    from tandem.careplans.models import LocalService

    manager = core_actions.add_staff(practice=booked.practice, username="pm", role=Role.MANAGER, by=None,
                                     password="correct-horse-battery")
    client.force_login(manager)
    response = client.post(reverse("careplans:service_new"), {
        "name": "Pulmonary Rehabilitation", "kind": "pulmonary_rehab", "conditions": ["copd", "not-a-register"],
        "active": "yes"})
    assert response.status_code == 302
    assert LocalService.objects.get(name="Pulmonary Rehabilitation").conditions == ["copd"]
