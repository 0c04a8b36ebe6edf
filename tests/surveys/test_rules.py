"""Scoring as published, as spec tables: NoMAD construct means (not relevant left out, item 10 reversed),
PACIC subscales and total (mean of completed items), GP Patient Survey shares; and nothing shown for
fewer than 5 people, nor any figure that reveals a number under 5."""

from __future__ import annotations

import pytest

from tandem.surveys import instruments, rules

NOMAD, PACIC, GPPS = instruments.nomad(), instruments.pacic(), instruments.gpps()


@pytest.mark.parametrize(("answers", "expected"), [
    # All "strongly agree" (5), but item 10 ("disrupts working relationships") strongly agreed scores 1.
    ({f"b{n}": "5" for n in range(1, 21)},
     {"coherence": 5.0, "cognitive_participation": 5.0, "collective_action": (5 * 6 + 1) / 7,
      "reflexive_monitoring": 5.0}),
    # Item 10 strongly disagreed scores 5; "not relevant" answers are left out of the mean.
    ({"b1": "4", "b2": "role", "b3": "2", "b4": "stage", "b10": "1", "b9": "3"},
     {"coherence": 3.0, "cognitive_participation": None, "collective_action": 4.0, "reflexive_monitoring": None}),
    # Only "not relevant": no score.
    ({"b16": "intervention"}, {"coherence": None, "cognitive_participation": None, "collective_action": None,
                               "reflexive_monitoring": None}),
])
def test_nomad_construct_scores_of_one_person(answers, expected):
    got = rules.scale_scores(NOMAD, answers)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == (pytest.approx(value) if value is not None else None), key


@pytest.mark.parametrize(("answers", "subscales", "total"), [
    ({f"p{n}": "3" for n in range(1, 21)},
     {"activation": 3.0, "delivery": 3.0, "goals": 3.0, "problem_solving": 3.0, "follow_up": 3.0}, 3.0),
    # Subscales average the items completed within them; the total averages every completed item.
    ({"p1": "5", "p2": "4", "p7": "1", "p16": "2", "p17": "4"},
     {"activation": 4.5, "delivery": None, "goals": 1.0, "problem_solving": None, "follow_up": 3.0}, 16 / 5),
    ({}, {"activation": None, "delivery": None, "goals": None, "problem_solving": None, "follow_up": None}, None),
])
def test_pacic_subscales_and_total(answers, subscales, total):
    assert rules.scale_scores(PACIC, answers) == subscales
    assert rules.total_score(PACIC, answers) == (pytest.approx(total) if total is not None else None)


def test_nothing_is_shown_for_fewer_than_five_respondents():
    four = [{f"b{n}": "4" for n in range(1, 21)} | {"a1": "7"}] * 4
    few = rules.report(NOMAD, four)
    assert not few.shown and few.respondents_words == "fewer than 5"
    assert all(m.value is None for m in few.scales.values()) and few.general["a1"].value is None
    assert few.scales["coherence"].words == "Not shown: fewer than 5 answered"
    five = rules.report(NOMAD, [*four, {f"b{n}": "2" for n in range(1, 21)} | {"a1": "2"}])
    assert five.shown and five.respondents_words == "5"
    assert five.scales["coherence"].value == pytest.approx((4 * 4 + 2) / 5)
    assert five.scales["coherence"].words == "3.6"
    assert five.general["a1"].value == pytest.approx((7 * 4 + 2) / 5)


def test_a_construct_fewer_than_five_scored_is_not_shown_even_when_five_answered():
    answers = [{"b1": "4"}] * 3 + [{"b16": "role", "b1": "role"}] * 2
    report = rules.report(NOMAD, answers)
    assert report.shown and report.scales["coherence"].value is None and report.scales["coherence"].n == 3


@pytest.mark.parametrize(("plans", "expected"), [
    # (answers to "plan", share shown)
    (["yes"] * 6 + ["no"] * 5, "55%"),
    (["yes"] * 10, "100%"),  # nobody said no: nought reveals no one
    (["yes"] * 9 + ["no"], "Not shown: it would reveal a small number"),  # 1 said no
    (["yes"] * 4 + ["no"] * 2 + ["dont_know"] * 9, "Not shown: it would reveal a small number"),
    (["yes"] * 3 + ["dont_know"] * 9, "Not shown: fewer than 5 answered"),  # "Don't know" is not in the base
    ([], "No answers"),
])
def test_gpps_shares_leave_out_dont_know_and_never_reveal_a_small_number(plans, expected):
    shares = rules.shares(GPPS, [{"plan": p} for p in plans])
    assert shares["plan"].words == expected


def test_gpps_helpful_counts_very_and_fairly_helpful():
    answers = [{"helpful": h} for h in ["very"] * 3 + ["fairly"] * 3 + ["not_very"] * 5 + ["not_at_all"]]
    share = rules.shares(GPPS, answers)["helpful"]
    assert (share.counted, share.base, share.words) == (6, 12, "50%")


def test_reading_answers_refuses_what_is_not_an_answer_and_drops_unasked_follow_ons():
    read = rules.read(GPPS.items, {"gpps-plan": "no", "gpps-copy": "yes", "gpps-conversation": "maybe"},
                      field_prefix="gpps-")
    assert read.answers == {"plan": "no"}  # "copy" is asked only after a yes
    assert read.errors == {"gpps-conversation": "Choose one of the answers given, or leave this question out"}
    nomad = rules.read(NOMAD.items, {"a1": "11", "a2": "10", "b10": "role", "b3": ["5"]})
    assert nomad.answers == {"a2": "10", "b10": "role"} and list(nomad.errors) == ["a1"]


def test_count_words():
    assert [rules.count_words(n) for n in (0, 1, 4, 5, 1234)] == ["0", "fewer than 5", "fewer than 5", "5", "1,234"]
