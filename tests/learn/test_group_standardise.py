"""Indirect age-sex standardisation (tandem.learn.standardise) as spec tables worked by hand, and the age
band the database works out from a date of birth agreeing with tandem.learn.rules.age_band."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.learn import rules, standardise

YOUNG, OLD = ("18_39", "female"), ("70_79", "female")

# (name, people: practice -> stratum -> people, events: practice -> stratum -> events,
#  expected: practice -> (observed, expected, ratio))
SPEC = [
    (
        # Group rates: young 6 / 400 = 0.015, old 24 / 200 = 0.12.
        # A: 100 x 0.015 + 100 x 0.12 = 13.5 expected, 20 observed: 1.481. B: 300 x 0.015 + 100 x 0.12 = 16.5,
        # 10 observed: 0.606. Crude, A has 4 times B's rate (0.10 against 0.025); for age, about 2.4 times.
        "older practice with more admissions than its age explains",
        {"A": {YOUNG: 100, OLD: 100}, "B": {YOUNG: 300, OLD: 100}},
        {"A": {YOUNG: 2, OLD: 18}, "B": {YOUNG: 4, OLD: 6}},
        {"A": (20, 13.5, 20 / 13.5), "B": (10, 16.5, 10 / 16.5)},
    ),
    (
        # The same rate in each stratum everywhere (young 0.01, old 0.1): crude rates differ (A 11 / 200,
        # B 8 / 350) only because A's people are older, and both ratios are 1.
        "age mix alone makes no difference",
        {"A": {YOUNG: 100, OLD: 100}, "B": {YOUNG: 300, OLD: 50}},
        {"A": {YOUNG: 1, OLD: 10}, "B": {YOUNG: 3, OLD: 5}},
        {"A": (11, 11.0, 1.0), "B": (8, 8.0, 1.0)},
    ),
    (
        # C has no events at all: observed 0, expected from the group's rates (0.02 and 0.2), ratio 0.
        # The group's young rate is 4 / 200 and old 20 / 100.
        "a practice with none",
        {"A": {YOUNG: 100, OLD: 50}, "C": {YOUNG: 100, OLD: 50}},
        {"A": {YOUNG: 4, OLD: 20}},
        {"A": (24, 12.0, 2.0), "C": (0, 12.0, 0.0)},
    ),
    (
        # Nobody in the group had an event: nothing expected, no ratio.
        "no events anywhere",
        {"A": {YOUNG: 10}, "B": {OLD: 10}},
        {},
        {"A": (0, 0.0, None), "B": (0, 0.0, None)},
    ),
]


@pytest.mark.parametrize(("name", "people", "events", "expected"), SPEC, ids=[s[0] for s in SPEC])
def test_spec_table(name, people, events, expected):
    found = standardise.standardise(people, events)
    assert set(found) == set(expected)
    for unit, (observed, exp, ratio) in expected.items():
        got = found[unit]
        assert got.observed == observed
        assert got.expected == pytest.approx(exp)
        assert got.people == sum(people[unit].values())
        assert (got.ratio is None) if ratio is None else got.ratio == pytest.approx(ratio)


def test_observed_and_expected_add_up_to_the_same_across_the_group():
    _name, people, events, _expected = SPEC[0]
    found = standardise.standardise(people, events).values()
    assert sum(f.observed for f in found) == pytest.approx(sum(f.expected for f in found))


def test_events_in_a_stratum_with_nobody_are_refused():
    with pytest.raises(ValueError, match="no people"):
        standardise.standardise({"A": {YOUNG: 10}}, {"A": {OLD: 3}})


@pytest.mark.django_db
@pytest.mark.parametrize("born", [
    dt.date(2008, 5, 31), dt.date(2008, 6, 1), dt.date(1986, 5, 31), dt.date(1986, 6, 1), dt.date(1946, 5, 31),
    dt.date(1946, 6, 1), dt.date(1956, 2, 29), dt.date(1976, 2, 29), dt.date(2027, 1, 1), dt.date(1920, 1, 1),
])
def test_the_databases_age_band_is_the_rules_age_band(universe, born):
    """On 31 May 2026 (and on a 28 February for people born on 29 February)."""
    from tandem.learn.group_queries import age_band_case
    from tandem.patients.models import Patient

    for on in (dt.date(2026, 5, 31), dt.date(2026, 2, 28), dt.date(2024, 2, 29)):
        Patient.objects.filter(pk=universe.patient.pk).update(date_of_birth=born)
        band = (Patient.objects.filter(pk=universe.patient.pk).annotate(band=age_band_case("date_of_birth", on))
                .values_list("band", flat=True).get())
        assert band == rules.age_band(rules.age_on(born, on)), on
