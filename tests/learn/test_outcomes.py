"""Outcomes for people who have had care planning: the change from the year before their first care
planning conversation to the year after, against people on the same registers not yet care planned.

Riverside, 12 people with type 2 diabetes, built through the actions:
    6 care planned on 1 June 2025 (5 women, 1 man): HbA1c 70 on 10 January 2025, 55 on 10 January 2026
      (58 is the target: out of target before, in after); one attended appointment before, two after;
      one of them went to A&E in the year before.
    6 not yet care planned: HbA1c 66 then 64; no appointments. Their years are set by the care planned
      group's median first conversation, 1 June 2025.
    1 care planned on 1 March 2026: too recent, not counted.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tandem.core import clock
from tests.recall.conftest import code_for

D = dt.date
FIRST = D(2025, 6, 1)


def _nhs_number(n: int) -> str:
    from tandem.patients.rules import nhs_check_digit

    while True:
        first = f"{999_100_000 + n * 10:09d}"
        digit = nhs_check_digit(first)
        if digit is not None:
            return first + str(digit)
        n += 1000


def _person(u, n, *, sex="female"):
    from tandem.patients import actions

    p = actions.register_patient(practice=u.practice, by=None, nhs_number=_nhs_number(n), given_name=f"P{n}",
                                 family_name=f"Person{n:03d}", date_of_birth=D(1960, 1, 1) + dt.timedelta(days=n),
                                 sex=sex)
    actions.record_condition(patient=p, by=None, code=code_for("diabetes_type2"), onset_date=D(2015, 1, 1))
    return p


def _plan(u, patient, day):
    from tandem.careplans import actions
    from tandem.careplans.rules.document import Plan

    with clock.frozen(day):
        actions.save_plan(patient=patient, by=u.nurse, base_version=0, plan=Plan(
            information="Walking", held_by_id=u.nurse.pk, held_by="Nia Evans", held_on=day.isoformat(),
            agreed_with_person=True, agreed_on=day.isoformat()))


@pytest.fixture
def world(universe):
    from tandem.patients import actions
    from tandem.registers import actions as register_actions

    u = universe
    u.planned, u.comparison = [], []
    for n in range(6):
        p = _person(u, n + 100, sex="male" if n == 5 else "female")
        actions.record_observation(patient=p, by=None, concept="hba1c", effective_date=D(2025, 1, 10), value=70)
        actions.record_observation(patient=p, by=None, concept="hba1c", effective_date=D(2026, 1, 10), value=55)
        actions.record_encounter(patient=p, by=None, date=D(2025, 2, 1))
        actions.record_encounter(patient=p, by=None, date=D(2025, 9, 1))
        actions.record_encounter(patient=p, by=None, date=D(2026, 2, 1))
        if n == 0:
            actions.record_hospital_event(patient=p, by=None, kind="ae", start_date=D(2025, 3, 1))
        _plan(u, p, FIRST)
        u.planned.append(p)
    for n in range(6):
        p = _person(u, n + 200)
        actions.record_observation(patient=p, by=None, concept="hba1c", effective_date=D(2025, 1, 10), value=66)
        actions.record_observation(patient=p, by=None, concept="hba1c", effective_date=D(2026, 1, 10), value=64)
        u.comparison.append(p)
    u.recent = _person(u, 300)
    _plan(u, u.recent, D(2026, 3, 1))
    register_actions.refresh_practice(practice=u.practice, by=None)
    return u


def _result(u):
    from tandem.learn import outcomes
    from tandem.registers.rules.registers import display_names

    return outcomes.outcomes(u.practice, today=clock.today(), register_names=display_names())


def test_the_groups_and_their_years(world):
    from tandem.learn import outcomes

    c = outcomes.cohorts(world.practice, today=clock.today())
    assert set(c.planned) == {p.pk for p in world.planned}
    assert set(c.comparison) == {p.pk for p in world.comparison}  # not the recent one, nor Margaret (no register)
    assert c.median == FIRST and c.too_recent == 1
    assert {p.start for p in c.comparison.values()} == {FIRST}


def test_the_change_before_and_after_against_the_comparison(world):
    from tandem.learn import outcomes

    table = {s["key"]: s for s in outcomes.shown_table(_result(world))}
    everyone = table["everyone"]["rows"][0]
    planned, other = everyone["groups"]["planned"], everyone["groups"]["comparison"]
    assert (planned["people"], other["people"]) == ("6", "6")
    hba1c = planned["measures"]["hba1c"]
    assert (hba1c.before, hba1c.after, hba1c.change, hba1c.n) == ("70.0", "55.0", "-15.0", "6")
    assert other["measures"]["hba1c"].change == "-2.0"
    assert everyone["difference"]["measures:hba1c"] == "-13.0"
    in_target = planned["targets"]["hba1c"]
    assert (in_target.before, in_target.after, in_target.change) == ("0%", "100%", "+100 points")
    visits = planned["rates"]["appointments"]
    assert (visits.before, visits.after, visits.change) == ("1.00", "2.00", "+1.00")
    assert other["rates"]["appointments"].change == "0.00"
    assert planned["rates"]["ae"].change == ""  # one attendance: hidden
    assert planned["measures"]["bmi"].change == "" and planned["measures"]["bmi"].n == "0"


def test_a_small_group_is_hidden_and_so_is_the_one_that_would_reveal_it(world):
    from tandem.learn import outcomes

    table = {s["key"]: s for s in outcomes.shown_table(_result(world))}
    by_sex = {r["key"]: r["groups"]["planned"] for r in table["sex"]["rows"]}
    assert by_sex["male"]["people"] == "fewer than 5"
    assert by_sex["female"]["people"] == "hidden"  # 6 - 5 would give the men's count
    assert by_sex["male"]["measures"]["hba1c"].change == "" and by_sex["female"]["measures"]["hba1c"].change == ""
    assert {r["key"]: r["groups"]["comparison"]["people"] for r in table["sex"]["rows"]}["female"] == "6"


def test_the_page_states_the_rules_and_offers_the_csv(client, world):
    client.force_login(world.nurse)
    page = client.get(reverse("learn:outcomes")).content.decode()
    assert "1 June 2025" in page  # the comparison's median date, said on the page
    assert "fewer than 5" in page and "-13.0" in page
    text = client.get(reverse("learn:outcomes"), {"format": "csv"}).content.decode("utf-8-sig")
    assert "Sex,Male,Care planned,fewer than 5" in text
    assert "Everyone,Everyone,Care planned,6,6,70.0,55.0,-15.0,-13.0" in text


def test_the_page_makes_a_fixed_number_of_queries_however_many_people(client, world):
    from tests.query_counts import queries_per_page

    client.force_login(world.nurse)
    before = queries_per_page(client, {"outcomes": reverse("learn:outcomes")})
    for n in range(5):
        _person(world, 400 + n)
    from tandem.registers import actions as register_actions

    register_actions.refresh_practice(practice=world.practice, by=None)
    assert queries_per_page(client, {"outcomes": reverse("learn:outcomes")}) == before == {"outcomes": 11}


def _cell(people, *, ae_after=0, hba1c=None, in_target=None):
    from tandem.learn import outcomes

    cell = outcomes.Cell()
    cell.people = people
    cell.events[("ae", 1)] = ae_after
    if hba1c:
        cell.measure["hba1c"] = list(hba1c)
    if in_target:
        cell.target["hba1c"] = list(in_target)
    return cell


def _shown(cells):
    from tandem.learn import outcomes

    result = outcomes.Outcomes(
        today=D(2026, 6, 15), median=FIRST, too_recent=0,
        cells={(split, key, "planned"): cell for (split, key), cell in cells.items()},
        rows={split: [(k, k) for s, k in cells if s == split] for split, _ in outcomes.SPLITS})
    return {s["key"]: {r["key"]: r["groups"]["planned"] for r in s["rows"]} for s in outcomes.shown_table(result)}


def test_a_rate_from_a_small_number_of_events_is_hidden_and_so_is_the_one_that_would_reveal_it():
    """16 people: 10 women with 8 A&E attendances, 6 men with 2. Everyone's 10 is shown; the men's 2 would be
    everyone's less the women's, so the women's rate is hidden too."""
    table = _shown({("everyone", "everyone"): _cell(16, ae_after=10), ("sex", "female"): _cell(10, ae_after=8),
                    ("sex", "male"): _cell(6, ae_after=2)})
    assert table["everyone"]["everyone"]["rates"]["ae"].after == "0.62"
    assert table["sex"]["male"]["rates"]["ae"].after == ""
    assert table["sex"]["female"]["rates"]["ae"].after == ""
    assert (table["sex"]["female"]["people"], table["sex"]["male"]["people"]) == ("10", "6")


def test_a_share_in_target_that_would_reveal_a_small_count_is_hidden():
    """10 people with an HbA1c in both years: 7 in target before (3 not: hidden), 10 after."""
    table = _shown({("everyone", "everyone"): _cell(10, hba1c=(10, 700.0, 600.0), in_target=(10, 7, 10))})
    everyone = table["everyone"]["everyone"]
    assert everyone["targets"]["hba1c"].change == ""
    assert everyone["measures"]["hba1c"].change == "-10.0"  # a mean over 10 people is shown
