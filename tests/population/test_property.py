"""Property: on random synthetic practices every engine gives the same answer to every population rule, and the
registers and tiers are what the per-patient rules give for each person."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.population import engines
from tandem.population.schema import CARE_EVENTS

from .conftest import POSTGRESQL, SPARK, _postgresql_leg, _test_database_conninfo
from .spec import medicine, only, python_answers, run, tables

D = dt.date
CODES = [only(s) for s in ("hypertension", "diabetes_type2", "serious_mental_illness", "cancer", "dementia", "copd",
                           "coronary_heart_disease", "heart_failure", "stroke_tia", "asthma", "ckd_3_5",
                           "depression", "osteoporosis")]
CODES += [only("hypertension", "r"), only("copd", "r"), only("asthma", "r"), only("diabetes_type1", "m"),
          only("efi_falls", "f"), only("anxiety", "f"), only("efi_hearing_impairment", "f")]
MEDICINES = [medicine("cms_laxatives"), medicine("cms_antispasmodics"), "322237000"]
KINDS = ["review_due", "invited", "tests_attended", "pack_sent", "agenda_returned", "conversation_held",
         "plan_saved", "plan_agreed", "copy_given", "checkin_answered"]
CONCEPTS = ["hba1c", "systolic_bp", "diastolic_bp", "ldl", "bmi", "mrc_dyspnoea", "total_cholesterol"]

days = st.dates(D(1998, 1, 1), D(2027, 3, 1))
recent = st.dates(D(2022, 6, 1), D(2026, 12, 31))


@st.composite
def practice(draw, code: str) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    n = draw(st.integers(1, 10))
    for person in range(1, n + 1):
        key = {"practice": code, "person": person * 7919 % 10007}
        born = draw(st.dates(D(1925, 1, 1), D(2024, 12, 1))).replace(day=1)
        rows.setdefault("patient", []).append({**key, "birth_date": born, "registered": draw(st.booleans() | st.just(True)),
                                               "has_carer": draw(st.booleans()), "sex": draw(st.sampled_from(
                                                   ["female", "male", "other", "unknown"])),
                                               "imd_decile": draw(st.none() | st.integers(1, 10)),
                                               "ethnicity": draw(st.sampled_from(["", "A", "H", "N", "Z", "W"]))})
        for _ in range(draw(st.integers(0, 5))):
            onset = draw(days)
            resolved = draw(st.none() | st.dates(onset, D(2027, 6, 1)))
            rows.setdefault("condition", []).append({**key, "code": draw(st.sampled_from(CODES)), "onset_date": onset,
                                                     "resolved_date": resolved})
        for _ in range(draw(st.integers(0, 3))):
            start = draw(st.dates(D(2023, 1, 1), D(2026, 12, 1)))
            rows.setdefault("medication", []).append({
                **key, "dmd_code": draw(st.sampled_from(MEDICINES)), "active": draw(st.booleans()),
                "regular": draw(st.booleans()), "start_date": start,
                "end_date": draw(st.none() | st.dates(start, D(2027, 6, 1)))})
        for _ in range(draw(st.integers(0, 14))):
            rows.setdefault("appointment", []).append({**key, "on_date": draw(recent), "home_visit": draw(st.booleans())})
        for _ in range(draw(st.integers(0, 3))):
            rows.setdefault("hospital_event", []).append({**key, "kind": draw(st.sampled_from(["emergency", "ae",
                                                                                               "elective"])),
                                                          "start_date": draw(recent), "fall": draw(st.booleans())})
        for _ in range(draw(st.integers(0, 6))):
            rows.setdefault("observation", []).append({**key, "concept": draw(st.sampled_from(CONCEPTS)),
                                                       "on_date": draw(recent),
                                                       "value": draw(st.none() | st.sampled_from(
                                                           [1.0, 3.0, 17.5, 2.1, 48.0, 58.0, 59.5, 75.0, 139.0,
                                                            140.0, 151.0, 88.0, 91.0]))})
        for _ in range(draw(st.integers(0, 1))):
            agreed = draw(recent)
            rows.setdefault("personal_target", []).append({
                **key, "concept": draw(st.sampled_from(["hba1c", "systolic_bp", "ldl"])),
                "upper": draw(st.sampled_from([None, 64.0, 2.5, 150.0])), "lower": draw(st.none() | st.just(1.0)),
                "agreed_on": agreed, "ended_on": draw(st.none() | st.dates(agreed, D(2027, 1, 1)))})
        for _ in range(draw(st.integers(0, 6))):
            kind = draw(st.sampled_from(KINDS))
            dating = CARE_EVENTS[kind][0]
            rows.setdefault("care_event", []).append({
                **key, "kind": kind,
                "review_year": None if dating == "day" else draw(st.sampled_from([2024, 2025, 2026])),
                "on_date": draw(st.dates(D(2023, 1, 1), D(2026, 6, 1))) if dating != "year" else None})
    return rows


@st.composite
def population(draw, practices: int) -> dict:
    merged: dict[str, list[dict]] = {}
    for i in range(practices):
        for name, rows in draw(practice(f"P{i}")).items():
            merged.setdefault(name, []).extend(rows)
    return tables(merged)


def _check(engine_name: str, data, blocker=None) -> None:
    with engines.engine("sqlite") as reference:
        expected = run(reference, data)
    members, tiers = python_answers(data)
    assert expected["register_member"] == members
    assert expected["risk_tier"] == tiers
    if engine_name == "sqlite":
        return
    if engine_name == "postgresql":
        with blocker.unblock(), engines.engine("postgresql", url=_test_database_conninfo()) as engine:
            answers = run(engine, data)
    else:
        with engines.engine(engine_name) as engine:
            answers = run(engine, data)
    for name, rows in expected.items():
        assert answers[name] == rows, f"{engine_name} and SQLite disagree on {name}"


QUICK = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow,
                                                                         HealthCheck.data_too_large])


@pytest.mark.parametrize("engine_name", [pytest.param("duckdb", id="duckdb"),
                                         pytest.param("postgresql", id="postgresql", marks=POSTGRESQL)])
@QUICK
@given(data=population(3))
def test_engines_agree_on_random_practices(engine_name, data, request):
    if engine_name == "duckdb" and _postgresql_leg():
        pytest.skip("DuckDB runs in the SQLite leg only")
    if engine_name == "postgresql":
        if not _postgresql_leg():
            pytest.skip("PostgreSQL runs in the PostgreSQL leg only")
        request.getfixturevalue("django_db_setup")
        _check(engine_name, data, request.getfixturevalue("django_db_blocker"))
        return
    _check(engine_name, data)


@pytest.mark.parametrize("engine_name", [pytest.param("spark", id="spark", marks=SPARK)])
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))  # Spark's fixed cost per statement
@given(data=population(8))
def test_spark_agrees_on_random_practices(engine_name, data):
    if _postgresql_leg():
        pytest.skip("Spark runs in the SQLite leg only")
    _check(engine_name, data)
