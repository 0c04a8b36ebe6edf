"""The combined review: the tests appointment (each test once) and the planning conversation."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.recall.rules import protocols, review
from tandem.recall.rules.review import (
    GP_OR_SPECIALIST_NURSE,
    PRACTICE_NURSE,
    conversation,
    review_plan,
)
from tandem.terminology import codelists

P = protocols.load()
appointment = review.tests_appointment
TODAY = dt.date(2026, 6, 15)


def keys(appointment):
    return [s.item.key for s in appointment.steps]


def test_blood_pressure_is_measured_once_for_three_conditions():
    appt = appointment(["hypertension", "diabetes_type2", "ckd_3_5"], protocols=P)
    assert keys(appt).count("blood_pressure") == 1
    bp = next(s for s in appt.steps if s.item.key == "blood_pressure")
    assert set(bp.for_conditions) == {"hypertension", "diabetes_type2", "ckd_3_5"}


def test_one_blood_sample_serves_every_blood_test():
    appt = appointment(["diabetes_type2", "hypothyroidism", "atrial_fibrillation"], protocols=P)
    assert keys(appt).count("blood_sample") == 1
    assert {"hba1c", "tsh", "fbc", "liver_function", "renal_function"} <= set(keys(appt))


def test_no_blood_sample_when_no_blood_test_is_needed():
    appt = appointment(["asthma"], protocols=P)
    assert "blood_sample" not in keys(appt)
    assert keys(appt) == ["smoking", "asthma_control", "inhaler_technique"]


# Spec table: conditions -> (tests appointment minutes, HCA minutes, clinician minutes)
TESTS_TABLE = [
    # hypertension: blood sample 10, renal 1, BP 5, pulse 1, weight 3, smoking 2, alcohol 3
    (("hypertension",), 25, 25, 0),
    # diabetes: sample 10 + urine 2 + 4 blood/urine tests + BP 5 + weight 3 + smoking 2 + foot 10
    (("diabetes_type2",), 36, 36, 0),
    # diabetes + hypertension: adds pulse 1 and alcohol 3 only
    (("diabetes_type2", "hypertension"), 40, 40, 0),
    # asthma: smoking 2, ACT 3 by an HCA; inhaler technique 5 by a nurse
    (("asthma",), 10, 5, 5),
    # COPD: spirometry 30 and inhaler technique 5 need a nurse
    (("copd",), 44, 9, 35),
    # depression: PHQ-9 only
    (("depression",), 5, 5, 0),
    # dementia: BP and weight; the rest is conversation
    (("dementia",), 8, 8, 0),
    # cancer: all conversation
    (("cancer",), 0, 0, 0),
]


@pytest.mark.parametrize(("conditions", "minutes", "hca", "clinician"), TESTS_TABLE)
def test_tests_appointment_minutes(conditions, minutes, hca, clinician):
    appt = appointment(conditions, protocols=P)
    assert (appt.minutes, appt.hca_minutes, appt.clinician_minutes) == (minutes, hca, clinician)


def test_without_an_hca_the_nurse_does_the_tests():
    appt = appointment(["hypertension"], protocols=P, role_order=("nurse", "pharmacist", "gp"))
    assert {s.role for s in appt.steps} == {"nurse"}
    assert appt.hca_minutes == 0 and appt.clinician_minutes == 25


def test_spirometry_is_left_out_when_done_in_the_last_year():
    recent = appointment(["copd"], protocols=P, today=TODAY, last_done={"fev1": dt.date(2025, 11, 2)})
    assert "spirometry" not in keys(recent)
    assert [(n.item.key, n.last_done) for n in recent.not_due] == [("spirometry", dt.date(2025, 11, 2))]
    old = appointment(["copd"], protocols=P, today=TODAY, last_done={"fev1": dt.date(2025, 6, 15)})
    assert "spirometry" in keys(old)
    never = appointment(["copd"], protocols=P, today=TODAY)
    assert "spirometry" in keys(never)


def test_preparation_is_listed_once():
    appt = appointment(["diabetes_type2", "ckd_3_5", "copd"], protocols=P)
    assert len(appt.prepare) == len(set(appt.prepare))
    assert any("urine" in p for p in appt.prepare)
    assert any("breathing test" in p for p in appt.prepare)


def test_summary_names_roles_and_minutes():
    assert appointment(["copd"], protocols=P).summary() == "44 min: HCA 9, nurse 35"
    assert appointment(["cancer"], protocols=P).summary() == "No tests needed"


# Spec table for the conversation: conditions, tier, frailty, longer -> (minutes, lead, reasons)
CONVERSATION_TABLE = [
    (("hypertension",), "", "", False, 20, PRACTICE_NURSE, ()),
    (("hypertension", "diabetes_type2"), "", "", False, 25, PRACTICE_NURSE, ()),
    (("hypertension", "diabetes_type2", "asthma"), "", "", False, 30, PRACTICE_NURSE, ()),
    # hypothyroidism weighs 0.5: 20 + 5 x 0.5 = 22.5, rounded up to 25
    (("hypertension", "hypothyroidism"), "", "", False, 25, PRACTICE_NURSE, ()),
    # two light conditions weigh as one ordinary one
    (("hypothyroidism", "osteoarthritis"), "", "", False, 20, PRACTICE_NURSE, ()),
    # a single light condition is never shorter than the base
    (("non_diabetic_hyperglycaemia",), "", "", False, 20, PRACTICE_NURSE, ()),
    # heart failure weighs 2 and asks for a GP or specialist nurse
    (("heart_failure",), "", "", False, 25, GP_OR_SPECIALIST_NURSE, ("Heart failure",)),
    (("hypertension",), "case_management", "", False, 20, GP_OR_SPECIALIST_NURSE, ("case management tier",)),
    (("hypertension",), "", "severe", False, 20, GP_OR_SPECIALIST_NURSE, ("severe frailty",)),
    (("hypertension",), "", "moderate", False, 20, PRACTICE_NURSE, ()),
    (("hypertension", "diabetes_type2", "asthma", "depression"), "", "", False, 35, GP_OR_SPECIALIST_NURSE,
     ("4 long-term conditions",)),
    # capped at 40
    (("heart_failure", "dementia", "serious_mental_illness", "copd"), "", "", False, 40, GP_OR_SPECIALIST_NURSE,
     ("Heart failure", "4 long-term conditions")),
    # a longer appointment adds 10 minutes, after the cap
    (("hypertension",), "", "", True, 30, PRACTICE_NURSE, ()),
    (("heart_failure", "dementia", "serious_mental_illness", "copd"), "", "", True, 50, GP_OR_SPECIALIST_NURSE,
     ("Heart failure", "4 long-term conditions")),
]


@pytest.mark.parametrize(("conditions", "tier", "frailty", "longer", "minutes", "lead", "reasons"),
                         CONVERSATION_TABLE)
def test_conversation_length_and_who_holds_it(conditions, tier, frailty, longer, minutes, lead, reasons):
    talk = conversation(conditions, protocols=P, tier=tier, frailty=frailty, longer_appointment=longer,
                        condition_names={"heart_failure": "Heart failure"})
    assert (talk.minutes, talk.lead, talk.lead_reasons) == (minutes, lead, reasons)


def test_conversation_topics_come_from_every_condition_once():
    talk = conversation(["asthma", "copd", "dementia"], protocols=P)
    topics = [t.item.key for t in talk.topics]
    assert topics == ["asthma_action_plan", "copd_self_management", "dementia_care_plan", "carer_support"]


def test_review_plan_adds_tests_clinician_minutes_to_the_conversation():
    plan = review_plan(["copd"], protocols=P)
    assert plan.hca_minutes == 9
    assert plan.clinician_minutes == 35 + 20


condition_sets = st.lists(st.sampled_from(codelists.LTC_SLUGS), min_size=1, max_size=8, unique=True)


@given(condition_sets)
def test_each_step_appears_once_and_covers_every_condition_that_asked(conditions):
    appt = appointment(conditions, protocols=P)
    assert len(keys(appt)) == len(set(keys(appt)))
    for condition in conditions:
        for key in P.conditions[condition].items:
            if P.item(key).part == "tests":
                step = next(s for s in appt.steps if s.item.key == key)
                assert condition in step.for_conditions


@given(condition_sets, condition_sets)
def test_more_conditions_never_mean_a_shorter_review(first, extra):
    both = list(dict.fromkeys(first + extra))
    small, large = review_plan(first, protocols=P), review_plan(both, protocols=P)
    assert large.tests.minutes >= small.tests.minutes
    assert large.conversation.minutes >= small.conversation.minutes
    assert set(keys(large.tests)) >= set(keys(small.tests))


@given(condition_sets)
def test_union_is_no_longer_than_separate_appointments(conditions):
    together = appointment(conditions, protocols=P).minutes
    apart = sum(appointment([c], protocols=P).minutes for c in conditions)
    assert together <= apart


@given(condition_sets)
def test_order_of_conditions_does_not_matter(conditions):
    a = review_plan(conditions, protocols=P)
    b = review_plan(list(reversed(conditions)), protocols=P)
    assert keys(a.tests) == keys(b.tests)
    assert a.conversation.minutes == b.conversation.minutes and a.conversation.lead == b.conversation.lead
