"""The population rules' spec: the same small tables of people and events, and the answers a clinician would
expect, on every engine (SQLite, PostgreSQL, DuckDB and Spark; see conftest for which leg runs which). Each case is a
practice of its own, so every engine loads the cases once and runs each statement once."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.population import engines

from .conftest import POSTGRESQL, SPARK, _postgresql_leg, _test_database_conninfo
from .spec import medicine, only, python_answers, run, tables

D = dt.date
HT, HT_RES = only("hypertension"), only("hypertension", "r")
DM, DM1 = only("diabetes_type2"), only("diabetes_type1", "m")
SMI = only("serious_mental_illness")
CANCER, DEMENTIA, COPD, CHD, STROKE, HF = (only(s) for s in ("cancer", "dementia", "copd", "coronary_heart_disease",
                                                               "stroke_tia", "heart_failure"))
LAXATIVE = medicine("cms_laxatives")


BORN = D(1950, 1, 1)


def person(practice, n, born=BORN, **extra):
    return {"practice": practice, "person": n, "birth_date": born, **extra}


def condition(practice, n, code, onset, resolved=None):
    return {"practice": practice, "person": n, "code": code, "onset_date": onset, "resolved_date": resolved}


def event(practice, n, kind, year=None, on=None):
    return {"practice": practice, "person": n, "kind": kind, "review_year": year, "on_date": on}


def obs(practice, n, concept, on, value):
    return {"practice": practice, "person": n, "concept": concept, "on_date": on, "value": value}


ROWS: dict[str, list[dict]] = {name: [] for name in ("patient", "condition", "medication", "appointment",
                                                      "hospital_event", "observation", "personal_target",
                                                      "care_event")}


def add(**tables_rows):
    for name, rows in tables_rows.items():
        ROWS[name].extend(rows)


# R1: registers end with a resolution and start again with a new diagnosis; a resolution on the diagnosis day wins.
add(patient=[person("R1", i) for i in range(1, 5)],
    condition=[condition("R1", 1, HT, D(2010, 1, 1)), condition("R1", 1, HT_RES, D(2015, 1, 1)),
               condition("R1", 2, HT, D(2010, 1, 1)), condition("R1", 2, HT_RES, D(2015, 1, 1)),
               condition("R1", 2, HT, D(2020, 5, 5)),
               condition("R1", 3, HT, D(2019, 1, 1)), condition("R1", 3, HT_RES, D(2019, 1, 1)),
               condition("R1", 4, HT, D(2027, 1, 1))])  # diagnosed after the day worked out: not yet
# R2: a resolved date ends hypertension (its rule counts it), not serious mental illness (remission stays on).
add(patient=[person("R2", 1)],
    condition=[condition("R2", 1, HT, D(2012, 1, 1), resolved=D(2016, 1, 1)),
               condition("R2", 1, SMI, D(2012, 1, 1), resolved=D(2016, 1, 1))])
# R3: diabetes from 17: 17 this month counts (born on the first of a month, as the extract keeps it), 16 does not;
# type 1 when a type 1 code is in the current episode; someone who has left the practice is on no register.
add(patient=[person("R3", 1, D(2009, 6, 1)), person("R3", 2, D(2009, 7, 1)), person("R3", 3),
             person("R3", 4, registered=False)],
    condition=[condition("R3", 1, DM, D(2024, 1, 1)), condition("R3", 2, DM, D(2024, 1, 1)),
               condition("R3", 3, DM1, D(2000, 1, 1)), condition("R3", 3, DM, D(2001, 1, 1)),
               condition("R3", 4, HT, D(2001, 1, 1))])
# R4: cancer counts from 1 April 2003 (QOF CAN001).
add(patient=[person("R4", 1), person("R4", 2)],
    condition=[condition("R4", 1, CANCER, D(2003, 3, 31)), condition("R4", 2, CANCER, D(2003, 4, 1))])
# T1: tiers. 1: dementia, cancer in the last 5 years and COPD score 5.49 on the Cambridge Multimorbidity Score:
# case management. 2: two emergency admissions in 12 months: case management (a third, 13 months ago, is not
# counted). 3: 12 appointments in 12 months: disease management (frequent attender). 4: a laxative repeat for a
# year makes treated constipation (4 or more prescriptions): CMS 1.12 + hypertension 0.08.
add(patient=[person("T1", i) for i in range(1, 5)],
    condition=[condition("T1", 1, DEMENTIA, D(2023, 1, 1)), condition("T1", 1, CANCER, D(2022, 1, 1)),
               condition("T1", 1, COPD, D(2015, 1, 1))]
    + [condition("T1", i, HT, D(2010, 1, 1)) for i in (2, 3, 4)],
    hospital_event=[{"practice": "T1", "person": 2, "kind": "emergency", "start_date": day}
                    for day in (D(2025, 7, 1), D(2026, 2, 1), D(2025, 5, 1))],
    appointment=[{"practice": "T1", "person": 3, "on_date": D(2025, 7, 1) + dt.timedelta(days=28 * i)}
                 for i in range(12)],
    medication=[{"practice": "T1", "person": 4, "dmd_code": LAXATIVE, "start_date": D(2025, 1, 1)}])
# F1: the funnel for review year 2025 (1 April 2025 to 31 March 2026).
add(patient=[person("F1", i) for i in range(1, 4)],
    condition=[condition("F1", i, HT, D(2010, 1, 1)) for i in (1, 2)],
    care_event=[event("F1", 1, "review_due", 2025), event("F1", 1, "review_due", 2024),
                event("F1", 1, "invited", 2025), event("F1", 1, "invited", 2025),
                event("F1", 1, "plan_saved", on=D(2026, 3, 31)), event("F1", 1, "plan_agreed", on=D(2026, 3, 31)),
                event("F1", 2, "plan_saved", on=D(2026, 4, 1)), event("F1", 2, "conversation_held", 2025, D(2025, 4, 1)),
                event("F1", 3, "conversation_held", 2024, D(2025, 4, 2)),  # last year's review: not this year's
                event("F1", 3, "checkin_answered", on=D(2025, 6, 1))])
# O1: outcomes. Care planned: first conversations 10 Jan 2024, 1 Mar 2024 and 1 Jan 2025 (a year or more before
# 15 June 2026); their median (the lower middle one) is 1 Mar 2024. Person 4 has had none: compared from
# 1 Mar 2024. Person 5 was first care planned on 1 Sep 2025: too recent to be care planned, and more than a year
# after the median, so in the comparison group.
add(patient=[person("O1", i, D(1944, 6, 1) if i == 2 else D(1960, 1, 1)) for i in range(1, 6)],
    condition=[condition("O1", i, DM, D(2010, 1, 1)) for i in range(1, 6)],
    care_event=[event("O1", 1, "plan_saved", on=D(2024, 1, 10)), event("O1", 1, "plan_saved", on=D(2025, 2, 1)),
                event("O1", 2, "plan_saved", on=D(2024, 3, 1)), event("O1", 3, "plan_saved", on=D(2025, 1, 1)),
                event("O1", 5, "plan_saved", on=D(2025, 9, 1))],
    observation=[obs("O1", 1, "hba1c", D(2023, 6, 1), 70.0), obs("O1", 1, "hba1c", D(2023, 12, 1), 62.0),
                 obs("O1", 1, "hba1c", D(2024, 6, 1), 57.0), obs("O1", 1, "hba1c", D(2024, 6, 1), 55.0),
                 obs("O1", 1, "hba1c", D(2022, 1, 1), 90.0),  # outside both years
                 obs("O1", 2, "systolic_bp", D(2023, 5, 1), 148.0), obs("O1", 2, "diastolic_bp", D(2023, 5, 1), 88.0),
                 obs("O1", 2, "systolic_bp", D(2024, 5, 1), 148.0), obs("O1", 2, "diastolic_bp", D(2024, 5, 1), 80.0),
                 obs("O1", 3, "hba1c", D(2024, 3, 1), 62.0), obs("O1", 3, "hba1c", D(2025, 3, 1), 62.0)],
    personal_target=[{"practice": "O1", "person": 3, "concept": "hba1c", "upper": 64.0, "agreed_on": D(2025, 1, 1)}],
    appointment=[{"practice": "O1", "person": 4, "on_date": D(2024, 2, 1)},
                 {"practice": "O1", "person": 4, "on_date": D(2024, 3, 1)}])

DATA = tables(ROWS)


@pytest.fixture(scope="module", params=[pytest.param("sqlite", id="sqlite"), pytest.param("duckdb", id="duckdb"),
                                        pytest.param("spark", id="spark", marks=SPARK),
                                        pytest.param("postgresql", id="postgresql", marks=POSTGRESQL)])
def answers(request, django_db_blocker):
    """Every statement's rows on one engine (the cases loaded once)."""
    name = request.param
    if name in ("duckdb", "spark") and _postgresql_leg():
        pytest.skip(f"{name} runs in the SQLite leg only")
    if name == "postgresql":
        if not _postgresql_leg():
            pytest.skip("PostgreSQL runs in the PostgreSQL leg only")
        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock(), engines.engine("postgresql", url=_test_database_conninfo()) as engine:
            yield run(engine, DATA)
        return
    with engines.engine(name) as engine:
        yield run(engine, DATA)


def members(answers, practice):
    return {(r["person"], r["register"]): r["since"] for r in answers["register_member"] if r["practice"] == practice}


def test_a_resolution_ends_a_register_and_a_new_diagnosis_starts_it_again(answers):
    assert members(answers, "R1") == {(2, "hypertension"): "2020-05-05"}


def test_a_resolved_date_ends_only_the_registers_whose_rule_counts_it(answers):
    assert members(answers, "R2") == {(1, "serious_mental_illness"): "2012-01-01"}


def test_age_limits_the_diabetes_split_and_who_is_registered(answers):
    assert members(answers, "R3") == {(1, "diabetes_type2"): "2024-01-01", (3, "diabetes_type1"): "2000-01-01"}


def test_cancer_counts_from_april_2003(answers):
    assert members(answers, "R4") == {(2, "cancer"): "2003-04-01"}


def test_tiers_as_the_practice_would_place_them(answers):
    tiers = {r["person"]: r for r in answers["risk_tier"] if r["practice"] == "T1"}
    assert {p: r["tier"] for p, r in tiers.items()} == {1: "case_management", 2: "case_management",
                                                          3: "disease_management", 4: "self_care"}
    assert tiers[1]["cms_hundredths"] == 250 + 153 + 146
    assert tiers[2]["emergency_admissions"] == 2
    assert tiers[3]["appointments"] == 12
    assert tiers[4]["cms_hundredths"] == 112 + 8


def test_every_register_and_tier_is_what_the_per_patient_rules_give(answers):
    expected_members, expected_tiers = python_answers(DATA)
    assert answers["register_member"] == expected_members
    assert answers["risk_tier"] == expected_tiers


def test_the_funnel_counts_people_once_at_each_step_of_the_review_year(answers):
    steps = {r["step"]: r["people"] for r in answers["funnel"] if r["practice"] == "F1"}
    # 1: due and invited in 2025 (twice, counted once), a plan on the year's last day, agreed. 2: a conversation on
    # the year's first day (its plan on 1 April 2026 is next year's). 3: a check-in in the year.
    assert steps == {"on_register": 2, "due": 1, "invited": 1, "held": 2, "agreed": 1, "checkin": 1}


def test_outcome_groups_and_their_years(answers):
    cohort = {r["person"]: (r["cohort"], r["start_on"]) for r in answers["outcome_cohort"] if r["practice"] == "O1"}
    assert cohort == {1: ("planned", "2024-01-10"), 2: ("planned", "2024-03-01"), 3: ("planned", "2025-01-01"),
                      4: ("comparison", "2024-03-01"), 5: ("comparison", "2024-03-01")}


def test_outcomes_take_the_last_result_and_the_target_that_applied(answers):
    people = {r["person"]: r for r in answers["outcome_person"] if r["practice"] == "O1"}
    one, two, three, four = people[1], people[2], people[3], people[4]
    # the last result of each year; on a day with two, the lower
    assert (one["hba1c_0"], one["hba1c_1"]) == (62.0, 55.0)
    assert (one["in_hba1c_0"], one["in_hba1c_1"]) == (0, 1)  # 58 mmol/mol (QOF DM020)
    # 148/88 then 148/80: over 140/90 at 79, within 150/90 once 80 (by the end of the year after; QOF HYP008/9)
    assert (two["in_blood_pressure_0"], two["in_blood_pressure_1"]) == (0, 1)
    assert two["age_band"] == "70_79"  # their age when the years meet
    # their own agreed target (64) replaces the default from the day it was agreed
    assert (three["in_hba1c_0"], three["in_hba1c_1"]) == (0, 1)
    assert (four["appointments_0"], four["appointments_1"]) == (1, 1)


def test_outcome_summary_adds_up_the_people(answers):
    rows = {(r["split"], r["group_key"], r["cohort"]): r for r in answers["outcome_summary"]}
    planned = rows[("everyone", "everyone", "planned")]
    everyone = [r for r in answers["outcome_person"] if r["cohort"] == "planned"]
    assert planned["people"] == len(everyone)
    assert sum(r["people"] for (s, _k, c), r in rows.items() if s == "sex" and c == "planned") == len(everyone)
    hba1c = [r for r in everyone if r["hba1c_0"] is not None and r["hba1c_1"] is not None]
    assert planned["m_hba1c_n"] == len(hba1c)
    assert planned["m_hba1c_before"] == sum(round(r["hba1c_0"] * 1000) for r in hba1c)
