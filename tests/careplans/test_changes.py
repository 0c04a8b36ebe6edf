"""What changed between two versions of a plan, in plain English (rules/changes.py). Pure: no database.

Each case is a small table: the plan before, the plan after, and the lines a clinician reads."""

from __future__ import annotations

import pytest

from tandem.careplans.rules import changes, wording
from tandem.careplans.rules.document import (
    AboutMe,
    Action,
    Goal,
    MedicationAgreement,
    Need,
    Participant,
    Plan,
    Referral,
    Signpost,
    TargetAgreement,
    WarningSign,
)

WALK = "Walk to my daughter's house without stopping"


def goal(**more) -> Goal:
    values = {"id": "g1", "words": WALK, "importance": 8,
              "actions": (Action(id="a1", what="Walk 10 minutes after lunch", when="every day", confidence=6),)}
    return Goal(**{**values, **more})


def action(**more) -> Action:
    values = {"id": "a1", "what": "Walk 10 minutes after lunch", "when": "every day", "confidence": 6}
    return Action(**{**values, **more})


CASES = [
    # (name, before, after, expected lines)
    ("nothing changed", Plan(goals=(goal(),)), Plan(goals=(goal(),)), []),
    ("a first goal", Plan(), Plan(goals=(goal(actions=()),)),
     [f"New goal: '{WALK}' (importance 8 out of 10)"]),
    ("a new goal comes with its actions", Plan(), Plan(goals=(goal(importance=None),)),
     [f"New goal: '{WALK}'", f"New action for goal '{WALK}': 'Walk 10 minutes after lunch'"]),
    ("a goal removed", Plan(goals=(goal(),)), Plan(), [f"Goal removed: '{WALK}'"]),
    ("a goal achieved", Plan(goals=(goal(),)), Plan(goals=(goal(stage="achieved"),)),
     [f"Goal '{WALK}' is now Achieved"]),
    ("a goal reworded keeps its id, so it is the same goal",
     Plan(goals=(goal(),)), Plan(goals=(goal(words="Walk to the shops"),)),
     [f"Goal '{WALK}' now reads 'Walk to the shops'"]),
    ("importance", Plan(goals=(goal(),)), Plan(goals=(goal(importance=10),)),
     [f"Goal '{WALK}': importance changed from 8 to 10 out of 10"]),
    ("an outcome at review", Plan(goals=(goal(),)), Plan(goals=(goal(outcome="Managed it twice a week"),)),
     [f"Goal '{WALK}': outcome added: 'Managed it twice a week'"]),
    ("an action's status and confidence", Plan(goals=(goal(),)),
     Plan(goals=(goal(actions=(action(status="done", confidence=9),)),)),
     ["Action 'Walk 10 minutes after lunch' is now Done",
      "Action 'Walk 10 minutes after lunch': confidence changed from 6 to 9 out of 10"]),
    ("an action added and one removed", Plan(goals=(goal(),)),
     Plan(goals=(goal(actions=(Action(id="a2", what="Swim on Fridays"),)),)),
     [f"New action for goal '{WALK}': 'Swim on Fridays'",
      f"Action removed from goal '{WALK}': 'Walk 10 minutes after lunch'"]),
    ("who does an action, and when", Plan(goals=(goal(),)),
     Plan(goals=(goal(actions=(action(who="carer", who_name="Sarah", when="Saturdays"),)),)),
     ["Action 'Walk 10 minutes after lunch': now done by Sarah",
      "Action 'Walk 10 minutes after lunch': when changed to 'Saturdays'"]),
    ("a target tightened", Plan(targets=(TargetAgreement("hba1c", upper=58),)),
     Plan(targets=(TargetAgreement("hba1c", upper=53),)),
     ["HbA1c target changed from 58 to 53 mmol/mol or lower"]),
    ("a target changes shape", Plan(targets=(TargetAgreement("hba1c", upper=58),)),
     Plan(targets=(TargetAgreement("hba1c", upper=58, lower=48),)),
     ["HbA1c target changed from 58 mmol/mol or lower to between 48 and 58 mmol/mol"]),
    ("a target added and one dropped", Plan(targets=(TargetAgreement("ldl", upper=2.0),)),
     Plan(targets=(TargetAgreement("systolic_bp", upper=140),)),
     ["New target: Systolic blood pressure 140 mmHg or lower",
      "LDL cholesterol target removed (was 2 mmol/L or lower): the usual target applies again"]),
    ("only the reason for a target changed", Plan(targets=(TargetAgreement("hba1c", upper=58),)),
     Plan(targets=(TargetAgreement("hba1c", upper=58, reason="avoid hypos"),)), []),
    ("medicines", Plan(medicines=(MedicationAgreement(id="m1", kind="start", medicine="Atorvastatin 20mg",
                                                      reason="heart"),)),
     Plan(medicines=(MedicationAgreement(id="m1", kind="stop", medicine="Atorvastatin 20mg", reason="aches"),
                     MedicationAgreement(id="m2", kind="deprescribe", medicine="Gliclazide", reason="hypos"))),
     ["Medicine agreement: Reduce or stop (deprescribe) 'Gliclazide'",
      "Medicine agreement for 'Atorvastatin 20mg' is now: Stop",
      "Medicine agreement for 'Atorvastatin 20mg': reason changed to 'aches'"]),
    ("services", Plan(services=(Signpost(id="s1", service_id=1, name="Walking group"),)),
     Plan(services=(Signpost(id="s2", service_id=2, name="Talking therapies", why="low mood"),)),
     ["New service: Talking therapies (low mood)", "Service no longer in the plan: Walking group"]),
    ("warning signs", Plan(warning_signs=(WarningSign(id="w1", level="amber", signs="More breathless"),)),
     Plan(warning_signs=(WarningSign(id="w1", level="red", signs="More breathless", contact="999"),
                         WarningSign(id="w2", level="green", signs="Breathing as usual"))),
     ["New green warning sign: 'Breathing as usual'",
      "Warning sign 'More breathless' moved from amber to red",
      "Warning sign 'More breathless': who to contact added: '999'"]),
    ("about me", Plan(about=AboutMe(what_matters="My garden")),
     Plan(about=AboutMe(what_matters="My garden and my grandson", please_dont="Rush me")),
     ["What matters most changed to 'My garden and my grandson'", "Please don't added: 'Rush me'"]),
    ("needs", Plan(needs=(Need(id="n1", text="Lonely"),)), Plan(needs=(Need(id="n2", text="Money worries"),)),
     ["New need or concern: 'Money worries'", "Need or concern removed: 'Lonely'"]),
    ("review date", Plan(review_date="2027-06-01"), Plan(review_date="2027-03-01", review_by="Nurse Evans"),
     ["Review date changed from 1 June 2027 to 1 March 2027",
      "Who is responsible for the review added: 'Nurse Evans'"]),
    ("review date first set", Plan(), Plan(review_date="2027-06-01"), ["Review date set: 1 June 2027"]),
    ("agreed, and who took part", Plan(), Plan(agreed_with_person=True,
                                              participants=(Participant("Sarah Bennett", "daughter"),)),
     ["Who took part: Sarah Bennett (daughter)", "The plan was agreed with the person"]),
    ("rescue pack", Plan(), Plan(rescue="Prednisolone 30mg for 5 days"),
     ["Rescue medicines or anticipatory medicines added: 'Prednisolone 30mg for 5 days'"]),
    ("a referral", Plan(), Plan(referrals=(Referral(id="r1", what="Check inhaler technique", to_role="pharmacist"),)),
     ["New task for the clinical pharmacist: 'Check inhaler technique'"]),
    ("areas ticked", Plan(areas=("prevention",)), Plan(areas=("medication_review",)),
     ["Now marked as covered: Medication review", "No longer marked as covered: Prevention"]),
]


@pytest.mark.parametrize(("before", "after", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_changes_between_two_versions(before, after, expected):
    assert changes.between(before, after) == expected


def test_long_typed_text_is_cut_at_a_word_in_a_change_line():
    long = "I want to be able to walk all the way to the allotment and back again without stopping"
    line = changes.between(Plan(), Plan(goals=(Goal(id="g", words=long),)))[0]
    assert line == "New goal: 'I want to be able to walk all the way to the allotment...'"


def test_a_plan_compared_with_itself_after_a_json_round_trip_has_no_changes():
    plan = Plan(goals=(goal(),), targets=(TargetAgreement("hba1c", upper=53),), review_date="2027-06-01")
    assert changes.between(plan, Plan.from_dict(plan.as_dict())) == []


@pytest.mark.parametrize(("target", "words"), [
    (TargetAgreement("hba1c", upper=53), "53 mmol/mol or lower"),
    (TargetAgreement("egfr", lower=60), "60 mL/min/1.73m2 or higher"),
    (TargetAgreement("ldl", upper=1.8), "1.8 mmol/L or lower"),
    (TargetAgreement("weight", upper=80.0, lower=70.5), "between 70.5 and 80 kg"),
    (TargetAgreement("cat_score", upper=10), "10 or lower"),
])
def test_targets_in_plain_words_with_units(target, words):
    assert wording.target_value(target) == words


def test_blood_pressure_agreed_as_two_numbers_reads_as_one():
    plan = Plan(targets=(TargetAgreement("systolic_bp", upper=140), TargetAgreement("diastolic_bp", upper=90),
                         TargetAgreement("hba1c", upper=53)))
    assert [(t.name, t.value) for t in wording.targets(plan)] == [
        ("Blood pressure", "140/90 mmHg or lower"), ("Average blood sugar (HbA1c)", "53 mmol/mol or lower")]


@pytest.mark.parametrize(("typed", "shown"), [
    ("Call the practice: 0113 496 0000.", "Call the practice: 0113\u00a0496\u00a00000."),
    ("Ruth, 07700 900123", "Ruth, 07700\u00a0900123"),
    ("Call 999", "Call 999"),
    ("Take 2 puffs  every 4 hours", "Take 2 puffs every 4 hours"),
])
def test_a_phone_number_in_typed_text_is_never_split_across_lines(typed, shown):
    assert wording.one_line(typed) == shown
