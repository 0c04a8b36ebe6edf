"""Last year's plan offered to this year's conversation, and medicine agreements that cannot both
stand: pure rules, table-driven."""

import datetime as dt

import pytest

from tandem.careplans.rules import carry
from tandem.careplans.rules.document import (
    AboutMe,
    Decision,
    Goal,
    Information,
    MedicationAgreement,
    Plan,
    Signpost,
    WarningSign,
    about_all_medicines,
    medicine_conflicts,
)


@pytest.mark.parametrize(("declared", "conditions", "fits"), [
    ((), set(), True),  # declared for no condition: for anyone
    (("copd", "asthma"), {"hypertension"}, False),  # a spacer leaflet, no lung condition
    (("copd", "asthma"), {"asthma", "hypertension"}, True),
    (("diabetes_type2",), {"diabetes_type2"}, True),
])
def test_an_item_fits_a_person_with_one_of_the_conditions_it_is_declared_for(declared, conditions, fits):
    assert carry.fits(declared, conditions) is fits


@pytest.mark.parametrize(("medicine", "all_of_them"), [
    ("All current medicines", True), ("all my tablets", True), ("Every medicine", True),
    ("All other medicines", False), ("All medicines except doxazosin", False), ("Allopurinol 100mg", False),
])
def test_an_agreement_about_all_medicines_is_recognised(medicine, all_of_them):
    assert about_all_medicines(medicine) is all_of_them


def _med(kind, medicine, i="m"):
    return MedicationAgreement(id=i, kind=kind, medicine=medicine, reason="because")


@pytest.mark.parametrize(("agreements", "problems"), [
    ((_med("continue", "All current medicines"), _med("stop", "Doxazosin 4mg")), 1),
    ((_med("continue", "All current medicines"), _med("deprescribe", "Gliclazide")), 1),
    ((_med("continue", "All other medicines"), _med("stop", "Doxazosin 4mg")), 0),
    ((_med("continue", "All current medicines"), _med("start", "Atorvastatin 20mg")), 0),
    ((_med("continue", "Doxazosin 4mg tablets"), _med("stop", "doxazosin")), 1),
    ((_med("continue", "Metformin 500mg"), _med("stop", "Doxazosin 4mg")), 0),
])
def test_agreements_that_cannot_both_stand_are_refused(agreements, problems):
    assert len(medicine_conflicts(agreements)) == problems


LAST_YEAR = Plan(
    about=AboutMe(what_matters="My allotment", people="June"),
    goals=(Goal(id="g1", words="Walk to the allotment"),),
    medicines=(_med("continue", "All current medicines", "m1"), _med("continue", "Doxazosin 4mg", "m2")),
    information_items=(Information(id="i1", text="Inhaler spacer", conditions=("copd", "asthma")),),
    information="Feet leaflet",
    services=(Signpost(id="s1", service_id=7, name="Pulmonary rehabilitation"),
              Signpost(id="s2", service_id=8, name="Walks")),
    warning_signs=(WarningSign(id="w1", level="red", signs="Chest pain"),),
    agreed_with_person=True, areas=("medication_review",), review_date="2026-06-10", follow_ups="Phone in 4 weeks",
)


def _offer(**more):
    values = {"conditions": {"hypertension"}, "medicines": ["Metformin 500mg tablets"],
              "service_conditions": {7: ("copd",)}, "held_on": dt.date(2026, 6, 23)} | more
    return carry.offer(LAST_YEAR, **values)


def test_the_offer_starts_from_this_years_agenda_and_leaves_out_what_no_longer_fits():
    offer = _offer(agenda_what_matters="Sleeping through the night")
    plan = offer.plan
    assert plan.about.what_matters == "Sleeping through the night" and offer.last_what_matters == "My allotment"
    assert [s.name for s in plan.services] == ["Walks"]
    assert [i.text for i in plan.information_items] == ["Feet leaflet"]  # free text of an older plan, offered
    assert {left.what for left in offer.left_out} == {"Pulmonary rehabilitation", "Inhaler spacer"}
    assert (plan.agreed_with_person, plan.areas, plan.follow_ups) == (False, (), "")
    assert (plan.held_on, plan.agreed_on, plan.review_date) == ("2026-06-23", "2026-06-23", "2027-06-23")


def test_the_offer_flags_medicine_agreements_to_check_against_the_medication_list():
    flags = _offer().flags
    assert "all their medicines" in flags["m1"]
    assert "no longer take" in flags["m2"]


def test_an_undecided_item_from_last_year_is_refused_and_a_closed_one_left_out():
    offered = _offer().plan
    settled, problems = carry.settle(offered, LAST_YEAR)
    assert {p.field for p in problems} == {"goals.0.decision", "medicines.0.decision", "medicines.1.decision",
                                           "services.0.decision", "information_items.0.decision",
                                           "warning_signs.0.decision"}
    ids = ["g1", "m1", "m2", "s2", offered.information_items[0].id, "w1"]
    decided = Plan(**{**offered.__dict__, "decisions": tuple(Decision(i, "close" if i == "m1" else "keep")
                                                               for i in ids)})
    settled, problems = carry.settle(decided, LAST_YEAR)
    assert problems == []
    assert [m.id for m in settled.medicines] == ["m2"]


def test_only_what_this_conversation_recorded_counts_for_the_checklist():
    offered = _offer().plan
    mine = carry.this_conversation(offered, LAST_YEAR)
    assert (mine.goals, mine.medicines, mine.services, mine.information_items, mine.warning_signs) == ((),) * 5
    assert mine.about.people == ""  # unchanged from last year
    kept = carry.this_conversation(Plan(**{**offered.__dict__, "decisions": (Decision("g1", "keep"),)}), LAST_YEAR)
    assert [g.id for g in kept.goals] == ["g1"]


def test_information_given_or_closed_shows_in_what_changed():
    from tandem.careplans.rules import changes

    before = Plan(information_items=(Information(id="i1", text="Inhaler spacer"),))
    after = Plan(information_items=(Information(id="i2", text="Looking after your feet"),))
    assert changes.between(before, after) == ["New information given: 'Looking after your feet'",
                                              "Information no longer in the plan: 'Inhaler spacer'"]
