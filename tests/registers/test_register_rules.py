"""Register membership spec: tables of patient events and who is on which register, since when.

Every case runs through both paths built from the same rule objects: the per-patient Python
path (`rules.evaluate`, used at the point of care) and the bulk SQL path (`refresh_practice`,
one statement for the whole practice). Both must give the expected answer, on SQLite and on
PostgreSQL. A property-based test then throws random histories at both and checks they agree.
The clock is pinned at 15 June 2026.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core import actions as core_actions
from tandem.registers import actions, queries, rules
from tandem.registers import sql as register_sql
from tandem.terminology import codelists

from .builders import add_patient, day, facts

TODAY = dt.date(2026, 6, 15)

T2DM = "44054006"  # Diabetes mellitus type 2
T2DM_OTHER = "313436004"  # Type II diabetes mellitus without complication
T1DM = "46635009"  # Diabetes mellitus type 1
DM_RESOLVED = "315051004"  # Diabetes resolved (resolves type 1 and type 2)
HYPERTENSION = "38341003"
HT_RESOLVED = "162659009"
ASTHMA = "195967001"
ASTHMA_RESOLVED = "162660004"
ASTHMA_COPD_OVERLAP = "10692761000119107"  # in both the asthma and the COPD codelists
COPD = "13645005"
DEPRESSION = "35489007"
DEPRESSION_RESOLVED = "196381000000100"
OSTEOPOROSIS = "64859006"
CHD = "53741008"
GOUT = "90560007"  # in no codelist
DM_UNSPECIFIED = "73211009"  # Diabetes mellitus (QOF DM_COD; no type)
STROKE = "230690007"  # Cerebrovascular accident
AF = "49436004"
AF_RESOLVED = "196371000000102"
SCHIZOPHRENIA = "58214004"
CANCER = "363346000"  # Malignant neoplastic disease
LEARNING_DISABILITY = "110359009"  # Intellectual disability
CKD3 = "433144002"  # Chronic kidney disease stage 3 (CKD_COD)
CKD3_ANAEMIA = "691421000119108"  # Anemia co-occurrent and due to chronic kidney disease stage 3 (CKD_COD)
CKD2 = "431856006"  # Chronic kidney disease stage 2 (CKD1AND2_COD)
CKD_RESOLVED = "939211000000104"
CLL = "92814006"  # Chronic lymphoid leukemia, disease (haematological cancer)
RA_RIGHT_KNEE = "1073811000119102"  # Rheumatoid arthritis of right knee (RARTH_COD; side-specific)
MANIA_PSYCHOTIC = "1089681000000108"  # Mania with psychotic features (MH_COD)

CASES = [
    # (id, date of birth, events, registration, expected {register: since})
    ("diagnosed adult is on the register from the diagnosis",
     "1960-01-01", [("diagnosis", T2DM, "2020-01-01")], "registered", {"diabetes_type2": "2020-01-01"}),
    ("no codes, no registers", "1960-01-01", [], "registered", {}),
    ("a code in no register's list is ignored", "1960-01-01", [("diagnosis", GOUT, "2020-01-01")], "registered", {}),
    ("a later resolved code takes them off",
     "1960-01-01", [("diagnosis", T2DM, "2020-01-01"), ("resolved", DM_RESOLVED, "2022-01-01")], "registered", {}),
    ("resolved on the same day as the latest diagnosis: off (QOF selects diagnosis after resolved)",
     "1960-01-01", [("diagnosis", T2DM, "2020-01-01"), ("resolved", DM_RESOLVED, "2020-01-01")], "registered", {}),
    ("a resolved code before the latest diagnosis does not count",
     "1960-01-01", [("resolved", DM_RESOLVED, "2015-01-01"), ("diagnosis", T2DM, "2020-01-01")], "registered",
     {"diabetes_type2": "2020-01-01"}),
    ("re-diagnosed after resolution: since the new episode",
     "1960-01-01", [("diagnosis", T2DM, "2010-03-01"), ("resolved", DM_RESOLVED, "2015-01-01"),
                    ("diagnosis", T2DM_OTHER, "2020-01-01"), ("diagnosis", T2DM, "2021-05-05")], "registered",
     {"diabetes_type2": "2020-01-01"}),
    ("several diagnosis codes: since the earliest",
     "1960-01-01", [("diagnosis", T2DM_OTHER, "2018-06-01"), ("diagnosis", T2DM, "2012-02-02")], "registered",
     {"diabetes_type2": "2012-02-02"}),
    ("the diabetes resolved code resolves type 1 too",
     "1980-01-01", [("diagnosis", T1DM, "1995-01-01"), ("resolved", DM_RESOLVED, "2000-01-01")], "registered", {}),
    ("a resolved date on the diagnosis row counts as resolution",
     "1950-01-01", [("diagnosis", HYPERTENSION, "2010-05-01", "2019-01-01")], "registered", {}),
    ("a resolved date on an old row does not resolve a later diagnosis",
     "1950-01-01", [("diagnosis", HYPERTENSION, "2010-05-01", "2012-01-01"), ("diagnosis", HYPERTENSION, "2015-01-01")],
     "registered", {"hypertension": "2015-01-01"}),
    ("a resolved date in the future does not count yet",
     "1950-01-01", [("diagnosis", HYPERTENSION, "2010-05-01", "2027-01-01")], "registered",
     {"hypertension": "2010-05-01"}),
    ("a diagnosis dated after today does not count",
     "1950-01-01", [("diagnosis", HYPERTENSION, "2026-07-01")], "registered", {}),
    ("a resolved code dated after today does not count",
     "1950-01-01", [("diagnosis", HYPERTENSION, "2010-01-01"), ("resolved", HT_RESOLVED, "2026-12-01")], "registered",
     {"hypertension": "2010-01-01"}),
    ("diabetes register starts at 17: 16-year-old is not on it",
     "2009-06-16", [("diagnosis", T1DM, "2015-01-01")], "registered", {}),
    ("diabetes register starts at 17: on it on the 17th birthday",
     "2009-06-15", [("diagnosis", T1DM, "2015-01-01")], "registered", {"diabetes_type1": "2015-01-01"}),
    ("asthma register starts at 6",
     "2021-01-01", [("diagnosis", ASTHMA, "2024-01-01")], "registered", {}),
    ("depression register starts at 18",
     "2009-01-01", [("diagnosis", DEPRESSION, "2025-01-01")], "registered", {}),
    ("osteoporosis register starts at 50",
     "1977-01-01", [("diagnosis", OSTEOPOROSIS, "2024-01-01")], "registered", {}),
    ("no age limit on coronary heart disease",
     "2020-01-01", [("diagnosis", CHD, "2021-01-01")], "registered", {"coronary_heart_disease": "2021-01-01"}),
    ("one code can put someone on two registers",
     "1960-01-01", [("diagnosis", ASTHMA_COPD_OVERLAP, "2019-01-01")], "registered",
     {"asthma": "2019-01-01", "copd": "2019-01-01"}),
    ("asthma resolved leaves COPD from the same overlap code",
     "1960-01-01", [("diagnosis", ASTHMA_COPD_OVERLAP, "2019-01-01"), ("resolved", ASTHMA_RESOLVED, "2020-01-01")],
     "registered", {"copd": "2019-01-01"}),
    ("a resolved code with no diagnosis does nothing",
     "1960-01-01", [("resolved", HT_RESOLVED, "2020-01-01")], "registered", {}),
    ("several registers at once, each with its own episode",
     "1940-01-01", [("diagnosis", HYPERTENSION, "2001-01-01"), ("diagnosis", COPD, "2011-01-01"),
                    ("diagnosis", DEPRESSION, "2012-01-01"), ("resolved", DEPRESSION_RESOLVED, "2013-01-01"),
                    ("diagnosis", DEPRESSION, "2024-02-02")], "registered",
     {"hypertension": "2001-01-01", "copd": "2011-01-01", "depression": "2024-02-02"}),
    # Resolution follows each register's QOF rule (rules.registers.RESOLUTION).
    ("a resolved heart attack stays on the CHD register: CHD never resolves",
     "1950-01-01", [("diagnosis", CHD, "2015-01-01", "2016-01-01")], "registered",
     {"coronary_heart_disease": "2015-01-01"}),
    ("a resolved stroke stays on the stroke register: stroke and TIA never resolve",
     "1950-01-01", [("diagnosis", STROKE, "2018-03-03", "2018-04-01")], "registered", {"stroke_tia": "2018-03-03"}),
    ("a cancer marked resolved stays on the cancer register",
     "1950-01-01", [("diagnosis", CANCER, "2022-01-01", "2023-01-01")], "registered", {"cancer": "2022-01-01"}),
    ("diabetes in remission stays on the diabetes register: only a diabetes resolved code ends it",
     "1960-01-01", [("diagnosis", T2DM, "2015-01-01", "2020-01-01")], "registered", {"diabetes_type2": "2015-01-01"}),
    ("schizophrenia in remission stays on the mental health register",
     "1970-01-01", [("diagnosis", SCHIZOPHRENIA, "2000-01-01", "2010-01-01")], "registered",
     {"serious_mental_illness": "2000-01-01"}),
    ("an AF resolved code takes them off the AF register",
     "1950-01-01", [("diagnosis", AF, "2015-01-01"), ("resolved", AF_RESOLVED, "2020-01-01")], "registered", {}),
    ("AF recurring after an AF resolved code: on again from the recurrence",
     "1950-01-01", [("diagnosis", AF, "2015-01-01"), ("resolved", AF_RESOLVED, "2020-01-01"),
                    ("diagnosis", AF, "2024-01-01")], "registered", {"atrial_fibrillation": "2024-01-01"}),
    # The diabetes register is the whole of QOF DM_COD, split by type.
    ("'Diabetes mellitus' with no type puts someone on the diabetes (type 2 and other) register",
     "1960-01-01", [("diagnosis", DM_UNSPECIFIED, "2019-01-01")], "registered", {"diabetes_type2": "2019-01-01"}),
    ("a type 1 code after 'Diabetes mellitus': type 1 only, since the first diabetes code",
     "1990-01-01", [("diagnosis", DM_UNSPECIFIED, "2010-01-01"), ("diagnosis", T1DM, "2012-01-01")], "registered",
     {"diabetes_type1": "2010-01-01"}),
    ("a type 1 code resolved before the current episode does not make it type 1",
     "1960-01-01", [("diagnosis", T1DM, "2000-01-01"), ("resolved", DM_RESOLVED, "2005-01-01"),
                    ("diagnosis", T2DM, "2020-01-01")], "registered", {"diabetes_type2": "2020-01-01"}),
    # Cancer counts from 1 April 2003 (QOF CAN001).
    ("cancer diagnosed before 1 April 2003 is not on the register",
     "1950-01-01", [("diagnosis", CANCER, "2003-03-31")], "registered", {}),
    ("cancer diagnosed on 1 April 2003 is on the register",
     "1950-01-01", [("diagnosis", CANCER, "2003-04-01")], "registered", {"cancer": "2003-04-01"}),
    ("cancer coded before and after April 2003: since the first code from then",
     "1950-01-01", [("diagnosis", CANCER, "1999-05-05"), ("diagnosis", CANCER, "2010-02-02")], "registered",
     {"cancer": "2010-02-02"}),
    ("learning disability register has no minimum age",
     "2022-01-01", [("diagnosis", LEARNING_DISABILITY, "2024-01-01")], "registered",
     {"learning_disability": "2024-01-01"}),
    # CKD (QOF CKD register): stage 3 to 5 codes, ended by a later resolved or stage 1-2 code.
    ("anaemia due to CKD stage 3 puts an adult on the CKD register",
     "1950-01-01", [("diagnosis", CKD3_ANAEMIA, "2021-01-01")], "registered", {"ckd_3_5": "2021-01-01"}),
    ("a later CKD stage 2 code takes them off the CKD register",
     "1950-01-01", [("diagnosis", CKD3, "2018-01-01"), ("resolved", CKD2, "2022-01-01")], "registered", {}),
    ("CKD stage 2 recorded before stage 3 does not keep them off",
     "1950-01-01", [("resolved", CKD2, "2015-01-01"), ("diagnosis", CKD3, "2018-01-01")], "registered",
     {"ckd_3_5": "2018-01-01"}),
    ("CKD stage 3 again after a stage 2 code: on again from then",
     "1950-01-01", [("diagnosis", CKD3, "2016-01-01"), ("resolved", CKD2, "2018-01-01"), ("diagnosis", CKD3, "2023-01-01")],
     "registered", {"ckd_3_5": "2023-01-01"}),
    ("a CKD resolved code takes them off the CKD register",
     "1950-01-01", [("diagnosis", CKD3, "2016-01-01"), ("resolved", CKD_RESOLVED, "2020-01-01")], "registered", {}),
    ("a haematological cancer is on the cancer register",
     "1950-01-01", [("diagnosis", CLL, "2019-01-01")], "registered", {"cancer": "2019-01-01"}),
    ("rheumatoid arthritis of one knee is on the RA register from 16",
     "1980-01-01", [("diagnosis", RA_RIGHT_KNEE, "2020-01-01")], "registered", {"rheumatoid_arthritis": "2020-01-01"}),
    ("mania with psychotic features is on the mental health register",
     "1980-01-01", [("diagnosis", MANIA_PSYCHOTIC, "2020-01-01")], "registered", {"serious_mental_illness": "2020-01-01"}),
    ("left the practice: on no register", "1960-01-01", [("diagnosis", T2DM, "2020-01-01")], "left", {}),
    ("died: on no register", "1960-01-01", [("diagnosis", T2DM, "2020-01-01")], "deceased", {}),
]


def _expected(expected: dict) -> dict:
    return {slug: day(since) for slug, since in expected.items()}


@pytest.mark.parametrize(("dob", "events", "status", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_per_patient_path(dob, events, status, expected):
    assert rules.evaluate(facts(dob, events, status), TODAY) == _expected(expected)


@pytest.fixture
def practice(db):
    return core_actions.create_practice(ods_code="R00001", name="Rules Surgery", by=None)


def bulk_registers(practice) -> dict[int, dict[str, dt.date]]:
    actions.refresh_practice(practice=practice, by=None)
    found: dict[int, dict[str, dt.date]] = {}
    for patient_id, register, since in queries.members(practice).values_list("patient_id", "register", "since"):
        found.setdefault(patient_id, {})[register] = since
    return found


@pytest.mark.parametrize(("dob", "events", "status", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bulk_sql_path(practice, dob, events, status, expected):
    patient = add_patient(practice, dob, events, status=status)
    assert bulk_registers(practice).get(patient.pk, {}) == _expected(expected)


def test_all_cases_at_once_in_one_practice(practice):
    """The bulk path sees everyone in one statement: cases must not leak into each other."""
    patients = {c[0]: add_patient(practice, c[1], c[2], status=c[3]) for c in CASES}
    found = bulk_registers(practice)
    for case_id, *_, expected in CASES:
        assert found.get(patients[case_id].pk, {}) == _expected(expected), case_id


def test_other_practices_are_untouched(practice):
    other = core_actions.create_practice(ods_code="R00002", name="Other Surgery", by=None)
    mine = add_patient(practice, "1960-01-01", [("diagnosis", T2DM, "2020-01-01")])
    theirs = add_patient(other, "1960-01-01", [("diagnosis", COPD, "2020-01-01")])
    actions.refresh_practice(practice=other, by=None)
    found = bulk_registers(practice)
    assert set(found) == {mine.pk}
    assert list(queries.members(other).values_list("patient_id", "register")) == [(theirs.pk, "copd")]


def test_every_register_has_a_rule_from_its_codelist():
    slugs = [rule.slug for rule in rules.register_rules()]
    assert slugs == list(codelists.LTC_SLUGS)
    diabetes = rules.rule_for("diabetes_type2")
    assert diabetes.age_min == 17 and DM_RESOLVED in diabetes.resolution_codes
    assert rules.rule_for("coronary_heart_disease").resolution_codes == frozenset()


def test_every_register_has_its_qof_resolution_rule():
    never = {"coronary_heart_disease", "stroke_tia", "cancer", "dementia", "learning_disability",
             "osteoporosis", "rheumatoid_arthritis"}
    by_code = {"hypertension", "diabetes_type1", "diabetes_type2", "asthma", "copd", "heart_failure",
               "atrial_fibrillation", "ckd_3_5", "depression", "epilepsy"}
    for slug in never:
        rule = rules.rule_for(slug)
        assert not rule.resolution_codes and not rule.status_resolves, slug
    for slug in by_code:
        assert rules.rule_for(slug).resolution_codes, slug
    assert not rules.rule_for("diabetes_type2").status_resolves  # remission stays on the register
    assert rules.rule_for("hypertension").status_resolves
    assert AF_RESOLVED in rules.rule_for("atrial_fibrillation").resolution_codes
    assert rules.rule_for("cancer").diagnosed_from == dt.date(2003, 4, 1)


def test_the_diabetes_registers_together_are_the_whole_qof_cluster():
    type1, type2 = rules.rule_for("diabetes_type1"), rules.rule_for("diabetes_type2")
    assert type1.diagnosis_codes == type2.diagnosis_codes
    assert len(type1.diagnosis_codes) == 86 and DM_UNSPECIFIED in type1.diagnosis_codes
    assert (type1.with_marker, type2.with_marker) == (True, False)


def test_the_generated_sql_names_every_code_once_per_register():
    statement, _ = register_sql.memberships_select(today=TODAY)
    for rule in rules.register_rules():
        for code in rule.diagnosis_codes:
            assert statement.count(f"('{code}', '{rule.slug}', 'd', ") == 1


# --- Property: the two paths agree on random histories ---------------------------------------

CODES = [T2DM, T2DM_OTHER, T1DM, DM_RESOLVED, HYPERTENSION, HT_RESOLVED, ASTHMA, ASTHMA_RESOLVED,
         ASTHMA_COPD_OVERLAP, COPD, DEPRESSION, DEPRESSION_RESOLVED, OSTEOPOROSIS, GOUT, DM_UNSPECIFIED, CHD,
         AF, AF_RESOLVED, CANCER]
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2027, 12, 31))


@st.composite
def histories(draw):
    dob = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2024, 12, 31)))
    status = draw(st.sampled_from(["registered", "registered", "registered", "left"]))
    events = []
    for _ in range(draw(st.integers(0, 6))):
        code = draw(st.sampled_from(CODES))
        onset = draw(dates)
        if code in (DM_RESOLVED, HT_RESOLVED, ASTHMA_RESOLVED, DEPRESSION_RESOLVED, AF_RESOLVED):
            events.append(("resolved", code, onset))
        elif draw(st.booleans()):
            events.append(("diagnosis", code, onset, onset + dt.timedelta(days=draw(st.integers(0, 4000)))))
        else:
            events.append(("diagnosis", code, onset))
    return dob, events, status


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(histories(), min_size=1, max_size=6))
def test_both_paths_agree_on_random_histories(practice, people):
    from django.db import transaction

    with transaction.atomic():
        made = [(add_patient(practice, dob, events, status=status), dob, events, status)
                for dob, events, status in people]
        found = bulk_registers(practice)
        for patient, dob, events, status in made:
            assert found.get(patient.pk, {}) == rules.evaluate(facts(dob, events, status), TODAY)
        transaction.set_rollback(True)
