"""The synthetic population for the population engines: the extract's layout and schema, codes the rules
read, England-shaped prevalence, and the same files for the same arguments."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from tandem.patients.rules import age_on
from tandem.population.arrow import arrow_schema
from tandem.population.schema import CARE_EVENTS, OBSERVATION_CONCEPTS, TABLE_NAMES
from tandem.population.synth import generate, main, practices
from tandem.registers.rules import ConditionRecord, PatientFacts, evaluate, register_rules, risk
from tandem.synth import epidemiology as epi
from tandem.terminology import codelists

TODAY = dt.date(2026, 12, 6)
DATE_COLUMNS = {"condition": ("onset_date", "resolved_date"), "medication": ("start_date", "end_date"),
                "appointment": ("on_date",), "hospital_event": ("start_date",), "observation": ("on_date",),
                "personal_target": ("agreed_on", "ended_on"), "care_event": ("on_date",)}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    done = []
    counts = generate(out, patients=3_000, practice_size=1_000, seed=5, today=TODAY, progress=done.append)
    return out, counts, done


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    out = tmp_path_factory.mktemp("large")
    generate(out, patients=30_000, practice_size=10_000, seed=11, today=TODAY)
    return out


def read(out, name):
    return ds.dataset(out / name, partitioning="hive").to_table()


def test_practices_vary_in_size_have_ods_like_codes_and_add_up():
    layout = practices(patients=95_000, practice_size=10_000, seed=3)
    codes, sizes = zip(*layout, strict=True)
    assert sum(sizes) == 95_000
    assert all(7_000 <= s <= 13_000 for s in sizes[:-1])
    assert len(set(sizes)) > 1
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-Z]\d{5}", c) for c in codes)
    assert layout == practices(patients=95_000, practice_size=10_000, seed=3)
    assert layout != practices(patients=95_000, practice_size=10_000, seed=4)


def test_every_practice_has_every_table_with_the_extract_schema(small):
    out, counts, _ = small
    codes = [code for code, _ in practices(patients=3_000, practice_size=1_000, seed=5)]
    assert len(codes) >= 3
    for name in TABLE_NAMES:
        for code in codes:
            schema = pq.read_schema(out / name / f"practice={code}" / "part-0.parquet").remove_metadata()
            assert schema.equals(arrow_schema(name, with_practice=False)), (name, code)
        assert read(out, name).num_rows == counts[name]
    assert counts["patient"] == 3_000
    assert all(counts[name] > 0 for name in TABLE_NAMES)


def test_read_back_as_a_hive_dataset_the_practice_is_text(small):
    out, _, _ = small
    table = read(out, "patient")
    assert str(table.schema.field("practice").type) == "string"
    assert set(table.column("practice").to_pylist()) == {c for c, _ in practices(patients=3_000, practice_size=1_000,
                                                                                    seed=5)}


def test_progress_reports_patients_written_so_far(small):
    _, _, done = small
    assert done == sorted(done) and done[-1] == 3_000 and len(done) >= 3


def test_person_keys_are_unique_in_each_practice_not_sequential_and_join(small):
    out, _, _ = small
    patients = read(out, "patient")
    keys = defaultdict(list)
    for practice, person in zip(patients["practice"].to_pylist(), patients["person"].to_pylist(), strict=True):
        keys[practice].append(person)
    for people in keys.values():
        assert len(set(people)) == len(people)
        assert sorted(people) != people
        assert max(people) - min(people) > 2**40  # spread over the 64-bit range, not 1..n
    known = set(zip(patients["practice"].to_pylist(), patients["person"].to_pylist(), strict=True))
    for name in TABLE_NAMES[1:]:
        table = read(out, name)
        assert set(zip(table["practice"].to_pylist(), table["person"].to_pylist(), strict=True)) <= known, name


def test_dates_are_sane(small):
    out, _, _ = small
    patients = read(out, "patient")
    births = patients["birth_date"].to_pylist()
    assert all(b.day == 1 and b <= TODAY for b in births)
    assert age_on(min(births), TODAY) >= 95
    born = dict(zip(zip(patients["practice"].to_pylist(), patients["person"].to_pylist(), strict=True), births,
                    strict=True))
    for name, columns in DATE_COLUMNS.items():
        table = read(out, name)
        people = list(zip(table["practice"].to_pylist(), table["person"].to_pylist(), strict=True))
        for column in columns:
            for who, day in zip(people, table[column].to_pylist(), strict=True):
                assert day is None or born[who] <= day <= TODAY, (name, column, day)


def test_conditions_use_only_codes_the_rules_read(small):
    out, _, _ = small
    known = set()
    for rule in register_rules():
        known |= rule.diagnosis_codes | rule.resolution_codes
    for slug in risk.feature_slugs():
        known |= codelists.get(slug).codes
    codes = read(out, "condition")["code"].to_pylist()
    assert set(codes) <= known
    features = set().union(*(codelists.get(s).codes for s in risk.feature_slugs()))
    assert any(c in features for c in codes)


def test_resolved_episodes_and_rediagnoses_are_recorded(small):
    out, _, _ = small
    conditions = read(out, "condition")
    resolution = set().union(*(rule.resolution_codes for rule in register_rules()))
    assert conditions.filter(pc.is_valid(conditions["resolved_date"])).num_rows > 0
    assert any(c in resolution for c in conditions["code"].to_pylist())


def test_medicines_include_repeat_laxatives_and_antispasmodics(small):
    out, _, _ = small
    medication = read(out, "medication")
    regular = medication.filter(pc.and_(medication["regular"], medication["active"]))["dmd_code"].to_pylist()
    for group in risk.medicine_group_slugs():
        assert any(code in codelists.get(group).codes for code in regular), group


def test_observations_are_the_extract_concepts(small):
    out, _, _ = small
    concepts = set(read(out, "observation")["concept"].to_pylist())
    assert concepts == set(OBSERVATION_CONCEPTS)


def test_care_events_fall_through_the_funnel_in_the_two_review_years(small):
    out, _, _ = small
    events = read(out, "care_event")
    kinds = events["kind"].to_pylist()
    years = events["review_year"].to_pylist()
    days = events["on_date"].to_pylist()
    assert set(kinds) == set(CARE_EVENTS)
    for kind, year, day in zip(kinds, years, days, strict=True):
        if CARE_EVENTS[kind][0] == "year":
            assert year in (2025, 2026) and day is None
        elif CARE_EVENTS[kind][0] == "both":
            assert year in (2025, 2026) and dt.date(year, 4, 1) <= day <= min(TODAY, dt.date(year + 1, 3, 31))
        else:
            assert year is None and dt.date(2025, 4, 1) <= day <= TODAY
    for year in (2025, 2026):
        counts = Counter(k for k, y in zip(kinds, years, strict=True) if y == year)
        funnel = [counts[k] for k, (dating, _) in CARE_EVENTS.items() if dating == "year"]
        assert funnel == sorted(funnel, reverse=True) and funnel[-1] > 0
    held = Counter(k for k, y in zip(kinds, years, strict=True) if y is None)
    day_kinds = [held[k] for k, (dating, _) in CARE_EVENTS.items() if dating == "day"]
    assert day_kinds == sorted(day_kinds, reverse=True) and day_kinds[-1] > 0


def test_the_same_arguments_give_the_same_rows(tmp_path):
    generate(tmp_path / "a", patients=1_500, practice_size=600, seed=9, today=TODAY)
    generate(tmp_path / "b", patients=1_500, practice_size=600, seed=9, today=TODAY)
    generate(tmp_path / "c", patients=1_500, practice_size=600, seed=10, today=TODAY)
    for name in TABLE_NAMES:
        assert read(tmp_path / "a", name).equals(read(tmp_path / "b", name)), name
    assert not read(tmp_path / "a", "condition").equals(read(tmp_path / "c", "condition"))


def registers_of(out):
    patients = read(out, "patient").to_pylist()
    rows = defaultdict(list)
    for row in read(out, "condition").to_pylist():
        rows[(row["practice"], row["person"])].append(
            ConditionRecord(row["code"], row["onset_date"], row["resolved_date"]))
    for p in patients:
        facts = PatientFacts(p["birth_date"], p["registered"], tuple(rows[(p["practice"], p["person"])]))
        yield p, evaluate(facts, TODAY)


def test_register_prevalence_is_near_england_and_multimorbidity_rises_with_age(large):
    on = Counter()
    denominators = Counter()
    by_age = defaultdict(Counter)
    for patient, registers in registers_of(large):
        if not patient["registered"]:
            continue
        age = age_on(patient["birth_date"], TODAY)
        for slug in ("hypertension", "diabetes_type2"):
            if age >= epi.BY_SLUG[slug].denominator_min_age:
                denominators[slug] += 1
                on[slug] += slug in registers
        band = "18-44" if 18 <= age < 45 else "45-64" if 45 <= age < 65 else "65+" if age >= 65 else "child"
        by_age[band]["people"] += 1
        by_age[band]["two or more"] += len(registers) >= 2
    for slug in ("hypertension", "diabetes_type2"):
        expected = epi.expected_prevalence(slug, min_age=epi.BY_SLUG[slug].denominator_min_age)
        assert on[slug] / denominators[slug] == pytest.approx(expected, rel=0.1), slug
    share = {band: c["two or more"] / c["people"] for band, c in by_age.items()}
    assert share["18-44"] < share["45-64"] < share["65+"]
    assert share["65+"] > 0.4


def test_the_command_prints_counts_time_and_peak_memory(tmp_path, capsys):
    assert main([str(tmp_path), "--patients", "300", "--practice-size", "200", "--today", "2026-12-06"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"patient\s+300 rows", printed)
    assert "peak RSS" in printed and "a second" in printed
    assert len(list((tmp_path / "patient").iterdir())) == 2
