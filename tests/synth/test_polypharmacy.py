"""How many regular medicines people in a synthetic practice take: near the published shares of
polypharmacy, rising with age and with each long-term condition, and with the medicines that go
together prescribed together. Counts are of current regular (repeat) medicines of registered
patients, as the patient summary counts them."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest

from tandem.synth import epidemiology as epi
from tandem.synth.generate import generate
from tandem.terminology import codelists

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(scope="module")
def practice():
    """(age, sex, imd decile, LTC slugs, current regular medicine names) for each registered patient."""
    people = []
    for chunk in generate(patients=20_000, seed=2025, today=TODAY):
        slugs = defaultdict(set)
        for row in chunk.conditions:
            if row[4] is None:
                slugs[row[0]].update(codelists.conditions_for_code(row[1]))
        regular = defaultdict(list)
        for row in chunk.medications:
            if row[4] == "active" and row[5]:
                regular[row[0]].append(row[2])
        for i, p in enumerate(chunk.patients):
            if p[16] == "registered":
                age = (TODAY - p[3]).days // 365.25
                people.append((age, p[4], p[9], frozenset(slugs[i]), tuple(regular[i])))
    return people


def share(group, at_least: int) -> float:
    group = list(group)
    return sum(1 for person in group if len(person[4]) >= at_least) / len(group)


GROUPS = {
    "everyone": lambda age: True,
    "adults": lambda age: age >= 18,
    "aged 65+": lambda age: age >= 65,
    "aged 80+": lambda age: age >= 80,
}
TOLERANCE = {"adults": 0.015, "aged 65+": 0.04, "aged 80+": 0.06, "everyone": 0.035}


@pytest.mark.parametrize(("group", "at_least"), list(epi.POLYPHARMACY_TARGETS), ids=lambda v: str(v))
def test_polypharmacy_is_near_the_published_share(practice, group, at_least):
    target = epi.POLYPHARMACY_TARGETS[(group, at_least)]
    drawn = share((p for p in practice if GROUPS[group](p[0])), at_least)
    assert drawn == pytest.approx(target, abs=TOLERANCE[group])


def test_ten_or_more_is_rare_in_young_adults_and_common_in_the_oldest(practice):
    young = share((p for p in practice if 18 <= p[0] < 40), 10)
    old = share((p for p in practice if p[0] >= 80), 10)
    assert young < 0.01 < 0.15 < old  # Guthrie 2015: 0.3% at 20-29, 24% at 80+


def test_medicines_rise_with_each_long_term_condition(practice):
    adults = [p for p in practice if p[0] >= 18]
    by_count = defaultdict(list)
    for person in adults:
        by_count[min(len(person[3]), 5)].append(person)
    means = [sum(len(p[4]) for p in by_count[n]) / len(by_count[n]) for n in range(6)]
    ten_plus = [share(by_count[n], 10) for n in range(6)]
    assert means == sorted(means) and len(set(means)) == 6
    assert ten_plus == sorted(ten_plus)
    assert ten_plus[0] < 0.01 and ten_plus[5] > 0.3  # Payne 2014: 41.7% with six or more conditions


def test_polypharmacy_is_commoner_in_deprived_areas(practice):
    older = [p for p in practice if p[0] >= 50]
    deprived = share((p for p in older if p[2] is not None and p[2] <= 2), 10)
    affluent = share((p for p in older if p[2] is not None and p[2] >= 9), 10)
    assert deprived > affluent  # Guthrie 2015: OR 2.36, most vs least deprived quintile


def test_medicines_that_go_together_are_prescribed_together(practice):
    def has(person, *starts):
        return any(name.startswith(starts) for name in person[4])

    ppi = ("Omeprazole", "Lansoprazole")
    older = [p for p in practice if p[0] >= 65]
    on_antiplatelet = [p for p in older if has(p, "Aspirin", "Clopidogrel", "Ticagrelor")]
    others = [p for p in older if not has(p, "Aspirin", "Clopidogrel", "Ticagrelor")]
    assert Counter(has(p, *ppi) for p in on_antiplatelet)[True] / len(on_antiplatelet) > (
        Counter(has(p, *ppi) for p in others)[True] / len(others) + 0.1)
    on_codeine = [p for p in practice if has(p, "Codeine")]
    with_laxative = [p for p in on_codeine if has(p, "Senna", "Macrogol", "Lactulose")]
    assert len(with_laxative) > 0.5 * len(on_codeine)
    on_methotrexate = [p for p in practice if has(p, "Methotrexate")]
    assert all(has(p, "Folic acid") for p in on_methotrexate)


def test_older_people_without_heart_disease_take_statins_for_prevention(practice):
    cardiovascular = {"coronary_heart_disease", "stroke_tia", "diabetes_type1", "diabetes_type2", "ckd_3_5"}
    primary = [p for p in practice if 70 <= p[0] <= 84 and not p[3] & cardiovascular]
    on_statin = sum(1 for p in primary if any(n.startswith("Atorvastatin 20mg") for n in p[4])) / len(primary)
    assert 0.2 < on_statin < 0.6  # NICE NG238: offered at QRISK3 10% or more
    young = [p for p in practice if 18 <= p[0] < 40 and not p[3] & cardiovascular]
    assert not any(n.startswith("Atorvastatin") for p in young for n in p[4])
