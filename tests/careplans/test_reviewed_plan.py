"""This year's plan after a review: last year's goals reviewed (reached ones acknowledged, kept ones
with this year's stage), the review named as a person reads it, the usual targets of the day of the
conversation, and the day the plan was agreed in its FHIR document."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tandem.careplans import actions
from tandem.careplans.fhir.importer import plan_from_bundle
from tandem.careplans.rules import carry, wording
from tandem.careplans.rules.document import Action, Decision, Goal, Plan
from tandem.careplans.views.written import document_html
from tandem.core import clock
from tandem.core.models import Practice
from tandem.patients.models import Patient
from tests.recall.conftest import person

from .test_fhir import _source

LAST_YEAR = Plan(goals=(
    Goal(id="g1", words="Walk to the shops and back without stopping", importance=8, stage="partly",
         outcome="Some weeks yes, some no", actions=(Action(id="a1", what="Walk after lunch", status="in_progress"),)),
    Goal(id="g2", words="Lose a stone before my daughter's wedding", importance=7, stage="achieved",
         outcome="Managed it by the summer", actions=(Action(id="a2", what="Join the Healthy Weight Programme",
                                                             status="in_progress"),)),
    Goal(id="g3", words="Stop smoking", stage="dropped", outcome="Not now"),
    Goal(id="g4", words="Sleep through the night", importance=6, stage="working_on",
         actions=(Action(id="a4", what="No tea after 4pm", status="in_progress"),)),
))


def _offered() -> carry.Offer:
    return carry.offer(LAST_YEAR, conditions={"hypertension"}, medicines=[], service_conditions={},
                       held_on=dt.date(2026, 12, 14))


# --- Last year's goals -------------------------------------------------------------------------------

def test_a_goal_reached_or_let_go_last_year_is_not_offered_again_as_current_work():
    offered = _offered()
    assert [g.id for g in offered.plan.goals] == ["g1", "g4"]
    assert {(left.what, left.why) for left in offered.left_out} >= {
        ("Lose a stone before my daughter's wedding", "reached, and acknowledged in the last plan"),
        ("Stop smoking", "no longer wanted")}


def test_a_goal_carried_forward_starts_as_this_years_work_with_last_years_stage_shown_beside_it():
    offered = _offered()
    walk = offered.plan.goal("g1")
    assert (walk.stage, walk.outcome) == ("working_on", "")  # last year's outcome is not this year's
    assert offered.flags["g1"] == ("In the last plan: partly achieved (Some weeks yes, some no). "
                                   "Record where it has got to now.")


def test_a_goal_recorded_as_achieved_at_the_review_is_acknowledged_and_its_actions_end():
    offered = _offered().plan
    walk, sleep = offered.goals
    reviewed = Plan(**{**offered.__dict__,
                       "goals": (Goal(**{**walk.__dict__, "stage": "achieved", "outcome": "I walk there most days"}),
                                 sleep),
                       "decisions": (Decision("g1", "close"), Decision("g4", "keep"), Decision("a4", "keep"))})
    settled, problems = carry.settle(reviewed, LAST_YEAR)
    assert problems == []
    reached = settled.goal("g1")
    assert (reached.stage, reached.outcome, reached.actions) == ("achieved", "I walk there most days", ())
    written = wording.build(settled, name="Megan Cooper", made_on=dt.date(2026, 12, 14))
    assert [g.words for g in written.reached] == ["Walk to the shops and back without stopping"]
    assert written.reached[0].outcome == ("I walk there most days",)
    assert [(g.number, g.words) for g in written.goals] == [(1, "Sleep through the night")]


def test_a_goal_closed_without_being_reached_is_left_out():
    offered = _offered().plan
    reviewed = Plan(**{**offered.__dict__, "decisions": (Decision("g1", "close"), Decision("g4", "close"))})
    settled, problems = carry.settle(reviewed, LAST_YEAR)
    assert problems == [] and settled.goals == ()


def test_the_written_plan_never_shows_an_achieved_goal_as_current_work():
    written = wording.build(LAST_YEAR, name="Megan Cooper", made_on=dt.date(2025, 12, 14))
    current = [g.words for g in written.goals]
    assert "Lose a stone before my daughter's wedding" not in current
    assert [(g.words, g.outcome) for g in written.reached] == [
        ("Lose a stone before my daughter's wedding", ("Managed it by the summer",))]
    html = document_html(written, practice=Practice(name="Riverside Surgery", phone="0113 496 0000"),
                         patient=Patient(given_name="Megan", family_name="Cooper", nhs_number="9990000018"),
                         variant="standard", today=dt.date(2025, 12, 14))
    reached = html[html.index("Goals I reached since my last plan"):html.index("My goals and what I will do")]
    assert "Lose a stone before my daughter" in reached and "Managed it by the summer" in reached
    assert "Join the Healthy Weight Programme" not in html  # its action is not shown as under way


# --- The review, as it reads -------------------------------------------------------------------------

@pytest.mark.parametrize(("review_by", "reads"), [
    ("Practice nurse", "a practice nurse"),
    ("the practice nurse", "a practice nurse"),
    ("GP", "a GP"),
    ("clinical pharmacist", "a clinical pharmacist"),
    ("Nia Evans, practice nurse", "Nia Evans, practice nurse"),
    ("Dr Rees", "Dr Rees"),
    ("", ""),
])
def test_the_review_is_with_a_role_in_lower_case_or_the_named_clinician(review_by, reads):
    assert wording.review_with(review_by) == reads


def test_the_written_plan_says_the_review_is_with_a_practice_nurse():
    written = wording.build(Plan(review_date="2027-12-14", review_by="Practice nurse"), name="Megan Cooper",
                            made_on=dt.date(2026, 12, 14))
    html = document_html(written, practice=Practice(name="Riverside Surgery", phone="0113 496 0000"),
                         patient=Patient(given_name="Megan", family_name="Cooper", nhs_number="9990000018"),
                         variant="standard", today=dt.date(2026, 12, 14))
    text = " ".join(html.split())
    assert "planned for <strong>14 December 2027</strong>, with a practice nurse." in text


# --- The usual targets are those of the day of the conversation ---------------------------------------

def test_the_plan_shows_the_blood_pressure_target_for_the_persons_age_on_the_day_of_the_conversation(
        client, booked):
    # Gwen is 79 at her review on 23 June 2026 and 80 a week later: her plan keeps the under-80 target.
    gwen = person(booked.practice, nhs_number="9990000107", given="Gwen", family="Hughes",
                  born=dt.date(1946, 7, 1), conditions=["hypertension"])
    with clock.frozen(dt.date(2026, 6, 23)):
        actions.save_plan(patient=gwen, by=booked.nurse, base_version=0, plan=Plan(
            agreed_with_person=True, held_on="2026-06-23", agreed_on="2026-06-23", review_date="2027-06-23"))
    client.force_login(booked.nurse)
    with clock.frozen(dt.date(2026, 12, 1)):
        page = " ".join(client.get(reverse("careplans:plan", args=[gwen.pk])).content.decode().split())
    assert "140/90 mmHg or lower" in page
    assert "150/90" not in page


# --- The day the plan was agreed travels in its FHIR document -----------------------------------------

def test_the_fhir_document_is_attested_on_the_day_the_plan_was_agreed_and_reads_back():
    plan = Plan(agreed_with_person=True, held_on="2026-06-12", agreed_on="2026-06-14")
    composition = document_of(plan)["entry"][0]["resource"]
    assert {(a["mode"], a["time"]) for a in composition["attester"]} == {("personal", "2026-06-14"),
                                                                          ("professional", "2026-06-14")}
    again, _nhs, problems = plan_from_bundle(document_of(plan))
    assert problems == [] and again.agreed_on == "2026-06-14"


def test_a_plan_without_a_day_agreed_is_attested_when_it_was_saved():
    composition = document_of(Plan(agreed_with_person=True))["entry"][0]["resource"]
    assert {a["time"] for a in composition["attester"]} == {"2026-06-15T10:30:00+00:00"}
    again, _nhs, _problems = plan_from_bundle(document_of(Plan(agreed_with_person=True)))
    assert again.agreed_on == ""


def document_of(plan: Plan) -> dict:
    from tandem.careplans.fhir.bundle import document

    return document(_source(plan))


def test_the_workspace_offers_last_years_goals_with_where_they_got_to_shown_as_last_years(client, booked):
    with clock.frozen(dt.date(2025, 6, 10)):
        actions.save_plan(patient=booked.arthur, by=booked.nurse, base_version=0, plan=LAST_YEAR)
    client.force_login(booked.nurse)
    page = " ".join(client.get(reverse("careplans:workspace", args=[booked.arthur.pk])).content.decode().split())
    assert "In the last plan: partly achieved (Some weeks yes, some no). Record where it has got to now." in page
    assert "Lose a stone before my daughter&#39;s wedding: reached, and acknowledged in the last plan" in page
    assert 'name="goals.0.outcome"' in page and "Some weeks yes, some no</textarea>" not in page
