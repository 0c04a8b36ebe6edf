"""Review protocols: every register has one, each cites its source, and they say what guidelines say."""

from __future__ import annotations

import pytest

from tandem.recall.rules import protocols
from tandem.recall.rules.protocols import CONVERSATION, TESTS, ProtocolError, parse
from tandem.terminology import codelists
from tandem.terminology.observations import CONCEPTS

P = protocols.load()


def test_every_register_has_a_protocol_that_cites_a_source():
    assert set(P.conditions) == set(codelists.LTC_SLUGS)
    for protocol in P.conditions.values():
        assert "NICE" in protocol.source or "QOF" in protocol.source or "NOGG" in protocol.source


def test_concepts_named_by_items_exist_in_terminology():
    known = {c.key for c in CONCEPTS}
    for item in P.items.values():
        assert set(item.concepts) <= known, item.key


def test_every_item_is_used_by_some_condition():
    used = {key for p in P.conditions.values() for key in p.items}
    used |= {need for key in used for need in P.item(key).needs}
    assert used == set(P.items)


# What each guideline asks the tests appointment for (the condition's own items, by part).
GUIDELINE_TESTS = [
    # NICE NG28 / National Diabetes Audit: the care processes done at the practice
    ("diabetes_type2", {"hba1c", "blood_pressure", "lipids", "renal_function", "urine_acr", "foot_check",
                        "weight_bmi", "smoking"}),
    ("diabetes_type1", {"hba1c", "blood_pressure", "lipids", "renal_function", "urine_acr", "foot_check",
                        "weight_bmi", "smoking"}),
    # NICE NG115
    ("copd", {"cat_score", "mrc_dyspnoea", "spirometry", "inhaler_technique", "weight_bmi", "smoking"}),
    # NICE NG80 / NG245
    ("asthma", {"asthma_control", "inhaler_technique", "smoking"}),
    # NICE NG203
    ("ckd_3_5", {"renal_function", "urine_acr", "blood_pressure"}),
    # NICE NG222
    ("depression", {"phq9"}),
    # NHS England SMI physical health check
    ("serious_mental_illness", {"weight_bmi", "blood_pressure", "pulse", "lipids", "hba1c", "smoking", "alcohol"}),
    # NICE NG145
    ("hypothyroidism", {"tsh"}),
    # NICE NG196
    ("atrial_fibrillation", {"pulse", "blood_pressure", "renal_function", "liver_function", "fbc"}),
]


@pytest.mark.parametrize(("condition", "tests"), GUIDELINE_TESTS)
def test_tests_appointment_items_follow_the_guideline(condition, tests):
    own = {k for k in P.conditions[condition].items if P.item(k).part == TESTS}
    assert own == tests


GUIDELINE_TOPICS = [
    ("asthma", {"asthma_action_plan"}),
    ("atrial_fibrillation", {"anticoagulation_review"}),
    ("dementia", {"dementia_care_plan", "carer_support"}),
    ("diabetes_type2", {"eye_screening", "diabetes_education"}),
]


@pytest.mark.parametrize(("condition", "topics"), GUIDELINE_TOPICS)
def test_planning_topics_belong_to_the_conversation(condition, topics):
    own = {k for k in P.conditions[condition].items if P.item(k).part == CONVERSATION}
    assert topics <= own


def test_only_heart_failure_asks_for_a_gp_or_specialist_nurse_by_itself():
    assert {c for c, p in P.conditions.items() if p.lead} == {"heart_failure"}


def test_an_hca_may_do_the_routine_measurements_but_not_inhaler_technique_or_spirometry():
    for key in ("blood_pressure", "blood_sample", "weight_bmi", "foot_check", "urine_sample", "phq9"):
        assert "hca" in P.item(key).roles
    for key in ("inhaler_technique", "spirometry"):
        assert "hca" not in P.item(key).roles


BAD = [
    ('[items.a]\nname="A"\nplain="a"\npart="elsewhere"\nroles=["hca"]\n', "part must be"),
    ('[items.a]\nname="A"\nplain="a"\npart="tests"\nroles=["porter"]\n', "roles must be"),
    ('[items.a]\nname="A"\nplain="a"\npart="tests"\nroles=["hca"]\nneeds=["b"]\n', "needs unknown item"),
    ('[items.a]\nname="A"\nplain="a"\npart="conversation"\nminutes=5\nroles=["gp"]\n', "no minutes"),
    ('[conditions.x]\nsource="NICE"\nitems=["nope"]\n', "unknown item"),
    ('[conditions.x]\nitems=[]\n', "cite a source"),
    ('[conversation]\nbase=20\nlunch=60\n', "conversation"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_mistakes_in_the_protocols_file_are_reported(text, message):
    with pytest.raises(ProtocolError, match=message):
        parse(text)
