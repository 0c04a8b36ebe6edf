"""Reading the workspace form into a plan: nested rows, blank rows left out, numbers and dates read
(or reported against the field, kept as typed), and problems pointed at the row the clinician typed
in even when blank rows before it were left out."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from tandem.careplans import forms
from tandem.careplans.rules import document
from tandem.careplans.rules.document import (
    Action,
    Goal,
    MedicationAgreement,
    Need,
    Participant,
    Plan,
    Problem,
    Referral,
    Signpost,
    TargetAgreement,
    WarningSign,
)


def posted(**fields) -> QueryDict:
    """A QueryDict as the browser posts it; a list value is a checkbox group."""
    pairs = []
    for key, value in fields.items():
        name = key.replace("__", ".")
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, one))
    return QueryDict(urlencode(pairs))


def test_goals_with_their_actions_are_read_as_nested_rows_and_keep_their_ids():
    data = posted(**{
        "goals.0.id": "abc123", "goals.0.words": "Walk to the allotment", "goals.0.importance": "8",
        "goals.0.stage": "working_on", "goals.0.outcome": "Halfway",
        "goals.0.actions.0.id": "", "goals.0.actions.0.what": "Walk 10 minutes", "goals.0.actions.0.who": "person",
        "goals.0.actions.0.confidence": "7", "goals.0.actions.0.status": "in_progress",
        "goals.0.actions.1.id": "", "goals.0.actions.1.what": "Walk with Jo", "goals.0.actions.1.who": "carer",
        "goals.0.actions.1.who_name": "Jo", "goals.0.actions.1.when": "Sundays",
        "goals.1.id": "", "goals.1.words": "Sleep better", "goals.1.actions.0.id": "",
    })
    parsed = forms.parse(data)
    assert not parsed.problems
    first, second = parsed.plan.goals
    assert first == Goal(id="abc123", words="Walk to the allotment", importance=8, stage="working_on", outcome="Halfway",
                         actions=(Action(id="", what="Walk 10 minutes", confidence=7, status="in_progress"),
                                  Action(id="", what="Walk with Jo", who="carer", who_name="Jo", when="Sundays")))
    assert second == Goal(id="", words="Sleep better")


def test_blank_rows_are_left_out():
    data = posted(**{
        "needs.0.id": "", "needs.0.text": "  ",
        "needs.1.id": "", "needs.1.text": "Worried about falls", "needs.1.conditions": ["diabetes_type2", "hypertension"],
        "goals.0.id": "", "goals.0.words": "", "goals.0.stage": "new", "goals.0.actions.0.id": "",
        "goals.0.actions.0.who": "person", "goals.0.actions.0.status": "not_started",
        "warning_signs.0.id": "", "warning_signs.0.level": "green",
        "warning_signs.1.id": "", "warning_signs.1.level": "red", "warning_signs.1.signs": "Very drowsy",
        "participants.0.id": "", "participants.0.name": "", "referrals.0.id": "", "referrals.0.to": "",
        "medicines.0.id": "", "medicines.0.kind": "", "targets.0.id": "", "targets.0.concept": "",
    })
    parsed = forms.parse(data)
    plan = parsed.plan
    assert plan.needs == (Need(id="", text="Worried about falls", conditions=("diabetes_type2", "hypertension")),)
    assert plan.goals == ()
    assert plan.warning_signs == (WarningSign(id="", level="red", signs="Very drowsy"),)
    assert (plan.participants, plan.referrals, plan.medicines, plan.targets) == ((), (), (), ())
    assert not parsed.problems


@pytest.mark.parametrize(("typed", "expected"), [("8", 8), (" 10 ", 10), ("", None), ("11", 11), ("0", 0)])
def test_importance_is_read_as_a_whole_number(typed, expected):
    parsed = forms.parse(posted(**{"goals.0.id": "", "goals.0.words": "Walk", "goals.0.importance": typed}))
    assert parsed.plan.goals[0].importance == expected
    assert not parsed.problems  # out of range is for validate() to say


@pytest.mark.parametrize(("typed", "expected"), [("7.5", 7.5), ("58", 58.0), (" 140 ", 140.0), ("", None)])
def test_target_values_are_read_as_numbers(typed, expected):
    parsed = forms.parse(posted(**{"targets.0.id": "", "targets.0.concept": "hba1c", "targets.0.upper": typed}))
    assert parsed.plan.targets == (TargetAgreement(concept="hba1c", upper=expected),)


@pytest.mark.parametrize("typed", ["1e9", "1_000", "inf", "5\u00b2", "58 mmol/mol", "9" * 500])
def test_a_target_written_as_no_clinician_would_is_refused_not_read_as_a_number(typed):
    parsed = forms.parse(posted(**{"targets.0.id": "", "targets.0.concept": "hba1c", "targets.0.upper": typed}))
    problems = {p.field: p.message for p in parsed.problems}
    assert problems["targets.0.upper"] == "Enter the highest value as a number, for example 58 or 7.5."
    assert parsed.plan.targets[0].upper is None


def test_numbers_that_cannot_be_read_are_reported_against_their_field_and_kept_as_typed():
    parsed = forms.parse(posted(**{
        "goals.0.id": "", "goals.0.words": "Walk", "goals.0.importance": "very",
        "goals.0.actions.0.id": "", "goals.0.actions.0.what": "Walk daily", "goals.0.actions.0.confidence": "7.5",
        "targets.0.id": "", "targets.0.concept": "hba1c", "targets.0.upper": "fifty", "targets.0.lower": "nan",
    }))
    problems = {p.field: p.message for p in parsed.problems}
    assert problems == {
        "goals.0.importance": "How important it is must be a whole number from 1 to 10.",
        "goals.0.actions.0.confidence": "Confidence must be a whole number from 0 to 10.",
        "targets.0.upper": "Enter the highest value as a number, for example 58 or 7.5.",
        "targets.0.lower": "Enter the lowest value as a number, for example 58 or 7.5.",
    }
    assert parsed.values["goals.0.importance"] == "very"
    assert parsed.values["targets.0.upper"] == "fifty"
    assert parsed.plan.goals[0].importance is None and parsed.plan.targets[0].upper is None


def test_a_typed_number_alone_keeps_its_row_so_the_problem_has_somewhere_to_show():
    parsed = forms.parse(posted(**{"goals.0.id": "", "goals.0.words": "", "goals.0.importance": "x"}))
    assert len(parsed.plan.goals) == 1
    assert [p.field for p in parsed.problems] == ["goals.0.importance"]


def test_problems_from_validation_point_at_the_row_as_typed_when_blank_rows_came_before():
    parsed = forms.parse(posted(**{
        "goals.0.id": "", "goals.0.words": "", "goals.0.actions.0.id": "",
        "goals.1.id": "", "goals.1.words": "", "goals.1.actions.0.id": "",
        "goals.1.actions.1.id": "", "goals.1.actions.1.what": "Walk", "goals.1.actions.1.who": "carer",
        "referrals.0.id": "", "referrals.1.id": "", "referrals.1.what": "Check inhaler technique",
    }))
    assert len(parsed.plan.goals) == 1 and len(parsed.plan.goals[0].actions) == 1
    found = parsed.with_problems(document.validate(parsed.plan, known_concepts={}, today=dt.date(2026, 6, 15)))
    assert [p.field for p in found] == ["goals.1.words", "goals.1.actions.1.who_name", "referrals.1.to"]
    assert forms.field_id(found[1].field) == "goals-1-actions-1-who_name"


def test_the_review_date_is_read_from_its_three_fields():
    assert forms.parse(posted(**{"review_date.day": "15", "review_date.month": "6",
                                 "review_date.year": "2027"})).plan.review_date == "2027-06-15"
    assert forms.parse(posted(**{"review_date.day": "", "review_date.month": "",
                                 "review_date.year": ""})).plan.review_date == ""
    bad = forms.parse(posted(**{"review_date.day": "31", "review_date.month": "2", "review_date.year": "2027"}))
    assert bad.plan.review_date == ""
    assert bad.problems == [Problem("review_date", "Enter the review date as a real date, for example 15 6 2027.")]
    assert bad.values["review_date.day"] == "31"
    assert forms.field_id("review_date") == "review_date-day"


@pytest.mark.parametrize(("typed", "iso"), [
    ("14/7/2026", "2026-07-14"), ("14-07-26", "2026-07-14"), ("2026-07-14", "2026-07-14"),
    ("14 July 2026", "2026-07-14"), ("14 Jul 2026", "2026-07-14"), ("1 Sept 2026", "2026-09-01"),
])
def test_referral_dates_are_read_as_clinicians_type_them(typed, iso):
    parsed = forms.parse(posted(**{"referrals.0.id": "", "referrals.0.what": "Review feet",
                                   "referrals.0.to": "role:nurse", "referrals.0.by_when": typed}))
    assert parsed.plan.referrals == (Referral(id="", what="Review feet", to_role="nurse", by_when=iso),)


def test_a_referral_date_that_is_not_a_date_is_reported():
    parsed = forms.parse(posted(**{"referrals.0.id": "", "referrals.0.what": "Review feet",
                                   "referrals.0.to": "user:7", "referrals.0.by_when": "next week"}))
    assert parsed.plan.referrals[0].to_user_id == 7
    assert [p.field for p in parsed.problems] == ["referrals.0.by_when"]


def test_services_chosen_take_their_names_from_the_directory():
    parsed = forms.parse(posted(**{
        "services": ["4", "n1", "9"], "service.4.why": "Company on walks", "service.4.name": "Typed over",
        "service.n1.name": "Old befriending scheme", "service.9.why": "",
        "service.5.why": "Typed, then unticked",
    }), services={4: "Walking for Health"})
    assert parsed.plan.services == (Signpost(id="", service_id=4, name="Walking for Health", why="Company on walks"),
                                    Signpost(id="", service_id=None, name="Old befriending scheme"))
    assert parsed.values["service.5.why"] == "Typed, then unticked"


def test_only_the_five_areas_can_be_ticked_and_unknown_fields_are_ignored():
    parsed = forms.parse(posted(areas=["prevention", "world_peace"], agreed_with_person="yes", junk="x"))
    assert parsed.plan.areas == ("prevention",)
    assert parsed.plan.agreed_with_person is True


def test_ids_and_where_to_add_a_row_are_only_taken_in_their_expected_shape():
    parsed = forms.parse(posted(**{"needs.0.id": "<script>", "needs.0.text": "Falls", "add": "goals.3.actions"}))
    assert parsed.plan.needs[0].id == ""
    assert parsed.add == "goals.3.actions"
    assert forms.parse(posted(add="__class__")).add == ""


def test_control_characters_are_removed_and_line_breaks_kept():
    parsed = forms.parse(posted(**{"about.what_matters": "Allotment\r\nSleep\x00\x1b"}))
    assert parsed.plan.about.what_matters == "Allotment\nSleep"


def test_the_version_and_conversation_come_through():
    parsed = forms.parse(posted(base_version="3", conversation="12", note="Annual review"))
    assert (parsed.base_version, parsed.conversation, parsed.note) == (3, "12", "Annual review")
    assert forms.parse(posted(base_version="x")).base_version == 0


def test_a_plan_shown_in_the_form_reads_back_as_the_same_plan():
    plan = Plan(
        needs=(Need(id="n1", text="Falls", conditions=("hypertension",)),),
        goals=(Goal(id="g1", words="Walk", importance=8, stage="partly", outcome="Halfway",
                    actions=(Action(id="a1", what="Walk 10 minutes", who="carer", who_name="Jo", when="daily",
                                    strategies="Take the dog", status="in_progress", confidence=6),)),),
        targets=(TargetAgreement(concept="hba1c", upper=53, lower=None, reason="tighter"),),
        medicines=(MedicationAgreement(id="m1", kind="stop", medicine="Gliclazide", reason="lows", agreed_by="Arthur"),),
        information="Leaflet", self_management="DESMOND", rescue="Glucose tablets",
        services=(Signpost(id="s1", service_id=4, name="Walking for Health", why="company"),),
        warning_signs=(WarningSign(id="w1", level="amber", signs="Sugars over 15", what_to_do="Ring", contact="Practice"),),
        participants=(Participant(name="Jo Bennett", relationship="daughter"),), agreed_with_person=True,
        review_date="2027-06-15", review_by="Nurse", follow_ups="Phone in 4 weeks",
        referrals=(Referral(id="r1", what="Feet", to_role="", to_user_id=5, by_when="2026-07-14"),),
        areas=("prevention",),
    )
    values = forms.values_of(plan)
    assert values["referrals.0.by_when"] == "14/7/2026"
    parsed = forms.parse(values, services={4: "Walking for Health"})
    assert not parsed.problems
    assert parsed.plan == plan
    assert forms.row_count(values, "goals") == 1 and forms.row_count(values, "goals.0.actions") == 1


def test_a_note_over_its_limit_is_refused_with_the_limit_named_and_kept_as_typed():
    long_note = "Talked about walking and the new inhaler. " * 10
    parsed = forms.parse(posted(base_version="3", note=long_note))
    assert parsed.note == long_note.strip()  # nothing typed is lost
    assert [p.field for p in parsed.problems] == ["note"]
    assert f"{len(long_note.strip()):,} characters long. The limit is {forms.MAX_NOTE:,}" in parsed.problems[0].message


def test_the_rows_the_form_shows_are_counted_from_what_was_posted_whatever_its_keys():
    """How many rows each list is shown with, worked out in one pass over what was posted: the same as
    counting each list on its own, with odd, hostile and out-of-range row numbers."""
    posted_keys = ["goals.0.words", "goals.2.actions.4.what", "goals.2.actions.x.what", "goals.1.actions.07.when",
                   "needs.3.text", "needs.12", "needs..text", "needs.1234.text", "needs.²3.text", "needs.３.text",
                   "warning_signs.0.level", "referrals.999.what", "targets.5", "targets.5.concept.x",
                   "goals.0.actions.2", "goals.0.actions.3.what.more", "medicines", "participants.0.name",
                   "information_items.-1.text", "goals.01.actions.1.what"]
    values = {key: "x" for key in posted_keys}
    counts = forms.row_counts(values)
    for prefix in ("needs", "goals", "targets", "medicines", "warning_signs", "participants", "referrals",
                   "information_items", "goals.0.actions", "goals.1.actions", "goals.2.actions", "goals.01.actions"):
        assert counts.get(prefix, 0) == forms.row_count(values, prefix), prefix
    assert counts["needs"] == 4 and counts["goals.2.actions"] == 5 and counts["referrals"] == forms.MAX_ROWS
