"""The instrument files hold what was published: item counts, scales, reversed items, answers, sources,
and say which wording could not be verified (pinned here so a change is seen)."""

from __future__ import annotations

from tandem.surveys import fhir, instruments


def test_nomad_has_3_general_items_and_20_construct_items_in_4_constructs():
    nomad = instruments.nomad()
    general = [i for i in nomad.items if i.part == "general"]
    construct = [i for i in nomad.items if i.scale]
    assert (len(general), len(construct), len(nomad.items)) == (3, 20, 23)
    assert {s.key: len(nomad.in_scale(s.key)) for s in nomad.scales} == {
        "coherence": 4, "cognitive_participation": 4, "collective_action": 7, "reflexive_monitoring": 5}
    assert [i.id for i in nomad.items if i.reverse] == ["b10"]
    assert nomad.item("b10").text == "The [intervention] disrupts working relationships"
    assert [o.text for o in nomad.item("b1").answers.options] == [
        "Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree",
        "Not relevant to my role", "Not relevant at this stage", "Not relevant to the [intervention]"]
    assert "10.1186/s12874-018-0591-x" in nomad.citation


def test_pacic_has_20_items_in_its_5_published_subscales():
    pacic = instruments.pacic()
    assert len(pacic.items) == 20
    assert [(s.key, [i.id for i in pacic.in_scale(s.key)]) for s in pacic.scales] == [
        ("activation", ["p1", "p2", "p3"]), ("delivery", ["p4", "p5", "p6"]),
        ("goals", ["p7", "p8", "p9", "p10", "p11"]), ("problem_solving", ["p12", "p13", "p14", "p15"]),
        ("follow_up", ["p16", "p17", "p18", "p19", "p20"])]
    assert [(o.code, o.text, o.score) for o in pacic.item("p1").answers.options] == [
        ("1", "Almost never", 1), ("2", "Generally not", 2), ("3", "Sometimes", 3), ("4", "Most of the time", 4),
        ("5", "Almost always", 5)]
    assert pacic.item("p5").text == "Satisfied that my care was well organised."  # UK wording
    assert not any(i.reverse for i in pacic.items)


def test_gpps_care_planning_questions_and_their_routing():
    gpps = instruments.gpps()
    assert [i.id for i in gpps.items] == ["conversation", "plan", "copy", "helpful"]
    assert gpps.item("plan").text == ("Have you agreed a plan with a healthcare professional from your GP practice "
                                      "to manage your condition (or conditions)?")
    assert [i.asked_if for i in gpps.items] == ["", "", "plan=yes", "plan=yes"]


def test_wording_that_could_not_be_verified_is_marked_so():
    """Said in each file and in the report to the lead: replace with the published wording when checked."""
    assert instruments.nomad().unverified == ("a1", "a2", "a3")
    assert instruments.pacic().unverified == ("p6",)
    assert instruments.gpps().unverified == ("conversation", "plan", "copy", "helpful")  # their answers


def test_each_instrument_is_a_fhir_questionnaire_with_its_source():
    nomad = fhir.questionnaire(instruments.nomad())
    assert nomad["resourceType"] == "Questionnaire" and len(nomad["item"]) == 23
    assert nomad["item"][3]["text"] == "I can see how the care and support planning approach differs from usual ways of working"
    assert len(nomad["item"][3]["answerOption"]) == 8
    assert "Finch" in nomad["copyright"]
    people = fhir.people_questionnaire((instruments.pacic(), instruments.gpps()))
    assert [g["linkId"] for g in people["item"]] == ["pacic", "gpps"]
    assert people["item"][0]["item"][0]["linkId"] == "pacic-p1"
    copy = people["item"][1]["item"][2]
    assert copy["enableWhen"][0]["question"] == "gpps-plan" and copy["enableWhen"][0]["answerCoding"]["code"] == "yes"
