"""Learn's pure rules as spec tables: the small-number rule, age bands, IMD quintiles and ethnic groups."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.learn import rules

D = dt.date


@pytest.mark.parametrize(("count", "text", "value"), [
    (0, "0", 0), (1, "fewer than 5", None), (4, "fewer than 5", None), (5, "5", 5), (1234, "1,234", 1234),
])
def test_a_count_of_1_to_4_is_shown_as_fewer_than_5(count, text, value):
    assert (rules.shown(count).text, rules.shown(count).value) == (text, value)


def test_a_count_hidden_by_secondary_suppression_says_hidden():
    assert rules.shown(12, hidden=True).text == "hidden"
    assert rules.shown(3, hidden=True).text == "fewer than 5"


# (counts, groups as (total, parts), the keys hidden)
SUPPRESSION = [
    # nothing small: nothing hidden
    ({"t": 20, "a": 10, "b": 10}, [("t", ("a", "b"))], set()),
    # one small part: the smallest other part goes too, or a - b would give it
    ({"t": 20, "a": 3, "b": 7, "c": 10}, [("t", ("a", "b", "c"))], {"a", "b"}),
    # two small parts: already safe, nothing more
    ({"t": 20, "a": 3, "b": 2, "c": 15}, [("t", ("a", "b", "c"))], {"a", "b"}),
    # a zero part is shown and never chosen: the next smallest non-zero is
    ({"t": 13, "a": 3, "b": 0, "c": 10}, [("t", ("a", "b", "c"))], {"a", "c"}),
    # only zeros left beside the small one: the total goes
    ({"t": 3, "a": 3, "b": 0}, [("t", ("a", "b"))], {"t", "a"}),
    # a small total hides its parts' secret already; parts under 5 are hidden themselves
    ({"t": 4, "a": 2, "b": 2}, [("t", ("a", "b"))], {"t", "a", "b"}),
    # rows and columns: a secondary hide in a row can call for one in a column, until stable
    ({"r1": 10, "r2": 20, "c1": 12, "c2": 18, "all": 30, "r1c1": 2, "r1c2": 8, "r2c1": 10, "r2c2": 10},
     [("r1", ("r1c1", "r1c2")), ("r2", ("r2c1", "r2c2")), ("c1", ("r1c1", "r2c1")), ("c2", ("r1c2", "r2c2")),
      ("all", ("r1", "r2")), ("all", ("c1", "c2"))],
     {"r1c1", "r1c2", "r2c1", "r2c2"}),
    # no groups: only the small counts themselves
    ({"a": 1, "b": 5}, [], {"a"}),
]


@pytest.mark.parametrize(("counts", "groups", "hidden"), SUPPRESSION)
def test_secondary_suppression(counts, groups, hidden):
    got = rules.suppress(counts, groups)
    assert got == hidden
    for total, parts in groups:  # the rule itself: no group is left with exactly one hidden cell
        assert sum(c in got for c in (total, *parts)) != 1


@pytest.mark.parametrize(("part", "whole", "hidden"), [
    (0, 10, False), (10, 10, False), (6, 12, False), (3, 12, True), (9, 12, True), (2, 3, True), (0, 0, True),
])
def test_a_share_that_would_reveal_a_small_count_is_hidden(part, whole, hidden):
    assert rules.share_hidden(part, whole) is hidden


@pytest.mark.parametrize(("age", "band"), [
    (0, "under_18"), (17, "under_18"), (18, "18_39"), (39, "18_39"), (40, "40_49"), (49, "40_49"),
    (50, "50_59"), (60, "60_69"), (69, "60_69"), (70, "70_79"), (79, "70_79"), (80, "80_plus"), (104, "80_plus"),
])
def test_age_bands(age, band):
    assert rules.age_band(age) == band


@pytest.mark.parametrize("on", [D(2026, 4, 1), D(2028, 2, 29), D(2026, 12, 31)])
def test_the_birth_date_range_of_a_band_agrees_with_the_band(on):
    """What the database filter selects is exactly who age_band puts in the band, at every birthday edge."""
    ranges = {key: rules.birth_dates_for_band(key, on) for key, _low, _high in rules.AGE_BANDS}
    born = on - dt.timedelta(days=365 * 95)
    while born <= on:  # every day of birth over 95 years
        band = rules.age_band(rules.age_on(born, on))
        for key, (earliest, latest) in ranges.items():
            inside = (earliest is None or born >= earliest) and (latest is None or born <= latest)
            assert inside == (key == band), (born, key)
        born += dt.timedelta(days=1)


@pytest.mark.parametrize(("decile", "quintile"), [
    (1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (8, 4), (9, 5), (10, 5), (None, None), (0, None), (11, None),
])
def test_imd_quintile_from_decile(decile, quintile):
    assert rules.imd_quintile(decile) == quintile


def test_every_census_code_has_its_high_level_group():
    from tandem.patients.models import Ethnicity

    expected = {
        "A": "white", "B": "white", "T": "white", "R": "white", "C": "white",
        "D": "mixed", "E": "mixed", "F": "mixed", "G": "mixed",
        "H": "asian", "J": "asian", "K": "asian", "L": "asian", "M": "asian",
        "N": "black", "P": "black", "S": "black",
        "W": "other", "Y": "other",
        "Z": "not_recorded",
    }
    assert {c.value: rules.ethnic_group(c.value) for c in Ethnicity} == expected
    assert rules.ethnic_group("") == rules.ethnic_group(None) == "not_recorded"
    for code, label in Ethnicity.choices:  # the group's words agree with the code's own
        group = expected[code]
        if group != "not_recorded":
            assert label.split(":")[0].split(" or ")[0] in rules.ETHNIC_LABELS[group] or group == "other", label


@pytest.mark.parametrize(("n", "band"), [(0, "1"), (1, "1"), (2, "2"), (3, "3"), (4, "4"), (9, "4")])
def test_number_of_conditions(n, band):
    assert rules.condition_count_band(n) == band
