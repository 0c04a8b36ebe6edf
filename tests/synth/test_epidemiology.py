"""A synthetic practice looks like England: ages, ethnicity, deprivation, how common each condition
is at each age, and how conditions cluster in the same people. Checked on large samples drawn
without a database (the same draws `generate` makes)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from tandem.synth import epidemiology as epi
from tandem.synth.generate import generate, sample_people

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(scope="module")
def people():
    return list(sample_people(patients=30_000, seed=2024, today=TODAY))


def share(group, predicate) -> float:
    group = list(group)
    return sum(1 for p in group if predicate(p)) / len(group)


def prevalence(people, slug, low=0, high=200) -> float:
    return share((p for p in people if low <= p.age <= high), lambda p: slug in p.conditions)


def test_age_and_sex_follow_the_registered_population(people):
    reference = epi.age_band_shares()
    drawn = Counter((min(95, p.age // 5 * 5), p.sex) for p in people)
    for (band, sex), expected in reference.items():
        assert drawn[(band, sex)] / len(people) == pytest.approx(expected, abs=0.005), (band, sex)
    assert share(people, lambda p: p.sex == "female") == pytest.approx(0.505, abs=0.01)
    assert share(people, lambda p: p.age >= 85) == pytest.approx(0.024, abs=0.004)


def test_ethnicity_and_deprivation_mix(people):
    assert share(people, lambda p: p.ethnicity == "A") == pytest.approx(0.735, abs=0.02)
    assert share(people, lambda p: p.ethnicity in epi.SOUTH_ASIAN) == pytest.approx(0.089, abs=0.015)
    assert share(people, lambda p: p.ethnicity in epi.BLACK) == pytest.approx(0.042, abs=0.01)
    # Minority ethnic groups are younger.
    assert share((p for p in people if p.age >= 65), lambda p: p.ethnicity == "A") > 0.85
    deciles = Counter(p.imd for p in people)
    assert all(0.08 < deciles[d] / len(people) < 0.12 for d in range(1, 11))


@pytest.mark.parametrize("spec", [s for s in epi.CONDITIONS if s.target], ids=lambda s: s.slug)
def test_recorded_prevalence_matches_qof(people, spec):
    drawn = prevalence(people, spec.slug, low=spec.denominator_min_age)
    assert drawn == pytest.approx(spec.target / 100, rel=0.2)


@pytest.mark.parametrize("slug", ["hypertension", "diabetes_type2", "coronary_heart_disease", "atrial_fibrillation",
                                  "heart_failure", "ckd_3_5", "copd", "dementia", "osteoarthritis", "cancer"])
def test_conditions_of_later_life_rise_steeply_with_age(people, slug):
    young, middle, old = (prevalence(people, slug, lo, hi) for lo, hi in ((18, 44), (45, 64), (75, 200)))
    assert middle > 2 * young
    assert old > 1.5 * middle


def test_multimorbidity_rises_with_age(people):
    bands = ((0, 17), (18, 34), (35, 54), (55, 74), (75, 200))
    multimorbid = [share((p for p in people if lo <= p.age <= hi), lambda p: len(p.conditions) >= 2)
                   for lo, hi in bands]
    assert multimorbid == sorted(multimorbid)
    assert multimorbid[1] < 0.10 and multimorbid[4] > 0.5  # McLean 2014: 8% at 25-34, 76% at 75+
    adults = [p for p in people if p.age >= 18]
    assert share(adults, lambda p: len(p.conditions) >= 2) == pytest.approx(0.25, abs=0.06)  # Cassell: 27%


def conditional(people, slug, given, low, high) -> tuple[float, float]:
    group = [p for p in people if low <= p.age <= high]
    with_it = [p for p in group if given(p)]
    without = [p for p in group if not given(p)]
    return share(with_it, lambda p: slug in p.conditions), share(without, lambda p: slug in p.conditions)


@pytest.mark.parametrize(("slug", "given"), [
    ("hypertension", "diabetes_type2"),
    ("ckd_3_5", "diabetes_type2"),
    ("heart_failure", "atrial_fibrillation"),
    ("heart_failure", "coronary_heart_disease"),
    ("stroke_tia", "atrial_fibrillation"),
    ("depression", "chronic_pain"),
])
def test_conditions_cluster_beyond_what_age_explains(people, slug, given):
    with_it, without = conditional(people, slug, lambda p: given in p.conditions, 55, 84)
    assert with_it > 1.5 * without
    everyone = prevalence(people, slug)
    assert with_it > everyone


def test_copd_follows_smoking(people):
    current, never = (share((p for p in people if p.age >= 50 and p.smoking == s), lambda p: "copd" in p.conditions)
                      for s in ("current", "never"))
    assert current > 4 * never


def test_depression_is_commoner_with_deprivation_and_other_conditions(people):
    adults = [p for p in people if 18 <= p.age <= 64]
    deprived = share((p for p in adults if p.imd <= 2), lambda p: "depression" in p.conditions)
    affluent = share((p for p in adults if p.imd >= 9), lambda p: "depression" in p.conditions)
    assert deprived > 1.3 * affluent
    many = share((p for p in adults if len(set(p.conditions) - {"depression"}) >= 2),
                 lambda p: "depression" in p.conditions)
    none = share((p for p in adults if not set(p.conditions) - {"depression"}), lambda p: "depression" in p.conditions)
    assert many > 1.5 * none


def test_type_2_diabetes_follows_bmi_deprivation_and_south_asian_family_origin(people):
    middle = [p for p in people if 40 <= p.age <= 74]
    t2 = lambda p: "diabetes_type2" in p.conditions  # noqa: E731
    assert share((p for p in middle if p.ethnicity in epi.SOUTH_ASIAN), t2) > 1.8 * share(
        (p for p in middle if p.ethnicity == "A"), t2)
    assert share((p for p in middle if p.bmi >= 32), t2) > 2 * share((p for p in middle if p.bmi < 25), t2)
    assert share((p for p in middle if p.imd <= 3), t2) > share((p for p in middle if p.imd >= 8), t2)


def test_contacts_and_medicines_are_heavier_for_the_multimorbid():
    by_count = {0: [], 1: [], 3: []}
    regular_counts = []
    for chunk in generate(patients=4000, seed=8, today=TODAY):
        conditions = Counter(row[0] for row in chunk.conditions if row[4] is None)
        encounters = Counter(row[0] for row in chunk.encounters)
        admissions = Counter(row[0] for row in chunk.hospital_events if row[1] == "emergency")
        regular = Counter(row[0] for row in chunk.medications if row[4] == "active" and row[5])
        for i, row in enumerate(chunk.patients):
            if row[3] > TODAY - dt.timedelta(days=365 * 18):
                continue  # adults only
            n = conditions[i]
            key = 0 if n == 0 else 1 if n == 1 else 3 if n >= 3 else None
            if key is not None:
                by_count[key].append((encounters[i], admissions[i], regular[i]))
            regular_counts.append(regular[i])
    means = {k: [sum(v[j] for v in rows) / len(rows) for j in range(3)] for k, rows in by_count.items()}
    assert means[0][0] < means[1][0] < means[3][0]  # appointments
    assert means[0][1] < means[3][1]  # emergency admissions
    assert means[0][2] < means[1][2] < means[3][2]  # regular medicines
    assert max(regular_counts) >= 8


def test_results_show_people_in_and_out_of_target():
    hba1c, systolic = [], []
    for chunk in generate(patients=4000, seed=9, today=TODAY):
        diabetic = {row[0] for row in chunk.conditions if "type 2" in row[2].lower() or "type II" in row[2]}
        hypertensive = {row[0] for row in chunk.conditions if "hypertens" in row[2].lower()}
        latest = {}
        for row in sorted(chunk.observations, key=lambda r: r[7]):
            latest[(row[0], row[1])] = row[4]
        hba1c += [v for (i, c), v in latest.items() if c == "hba1c" and i in diabetic]
        systolic += [v for (i, c), v in latest.items() if c == "systolic_bp" and i in hypertensive]
    assert 0.45 < share(hba1c, lambda v: v <= 58) < 0.8  # NDA: about 60% of type 2 at or under 58
    assert 0.55 < share(systolic, lambda v: v <= 140) < 0.9  # QOF HYP008: about 70%
