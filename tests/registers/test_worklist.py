"""The register data-quality worklist: who is listed, who is not, and the reason in plain words."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core import actions as core_actions
from tandem.registers import actions, worklist

from .builders import add_patient

TODAY = dt.date(2026, 6, 15)
T2DM = ("diagnosis", "44054006", "2015-01-01")
HF = ("diagnosis", "84114007", "2020-01-01")
COPD = ("diagnosis", "13645005", "2018-01-01")
CKD = ("diagnosis", "433144002", "2021-01-01")
HT = ("diagnosis", "38341003", "2010-01-01")
ASTHMA = ("diagnosis", "195967001", "2005-04-01")
DEPRESSION = ("diagnosis", "35489007", "2012-01-12")
METFORMIN = "Metformin 500mg tablets"
GLICLAZIDE = "Gliclazide 80mg tablets"
DAPAGLIFLOZIN = "Dapagliflozin 10mg tablets"
LAMA_LABA = "Umeclidinium bromide 65micrograms/dose / Vilanterol 22micrograms/dose dry powder inhaler"
SALBUTAMOL = "Salbutamol 100micrograms/dose inhaler CFC free"
SERTRALINE = "Sertraline 50mg tablets"


def obs(concept, day, value):
    return ("observation", concept, day, value)


@pytest.fixture
def practice(db):
    return core_actions.create_practice(ods_code="W00001", name="Worklist Surgery", by=None)


def listed(practice, check: str) -> dict[int, str]:
    actions.refresh_practice(practice=practice, by=None)
    return {item.patient_id: item.reason for item in worklist.items(practice, TODAY, check)[check]}


def test_two_high_hba1c_results_without_diabetes(practice):
    p = add_patient(practice, "1960-01-01", [obs("hba1c", "2025-03-03", 52), obs("hba1c", "2025-09-09", 50)])
    add_patient(practice, "1960-01-01", [T2DM, obs("hba1c", "2025-03-03", 52), obs("hba1c", "2025-09-09", 50)])
    add_patient(practice, "1960-01-01", [obs("hba1c", "2025-03-03", 52), obs("hba1c", "2025-09-09", 45)])
    add_patient(practice, "1960-01-01", [obs("hba1c", "2025-03-03", 52), obs("hba1c", "2025-03-03", 53)])  # one day
    add_patient(practice, "1960-01-01", [obs("hba1c", "2020-03-03", 52), obs("hba1c", "2020-09-09", 50)])  # old
    assert listed(practice, "hba1c_no_diabetes") == {
        p.pk: "Two HbA1c results of 48 or more: 52 on 3 Mar 2025 and 50 on 9 Sep 2025; no diabetes diagnosis recorded"}


def test_diabetes_medicine_without_diabetes_and_the_metformin_caveat(practice):
    metformin = add_patient(practice, "1990-01-01", [("medicine", METFORMIN, "2024-01-01")])
    gliclazide = add_patient(practice, "1950-01-01", [("medicine", GLICLAZIDE, "2024-01-01"),
                                                      ("medicine", METFORMIN, "2024-01-01")])
    add_patient(practice, "1950-01-01", [HF, ("medicine", DAPAGLIFLOZIN, "2024-01-01")])  # for heart failure
    add_patient(practice, "1950-01-01", [T2DM, ("medicine", METFORMIN, "2024-01-01")])
    add_patient(practice, "1950-01-01", [("stopped", METFORMIN, "2019-01-01", "2020-01-01")])
    found = listed(practice, "diabetes_medicine_no_diabetes")
    assert set(found) == {metformin.pk, gliclazide.pk}
    assert found[metformin.pk].startswith("Takes Metformin 500mg tablets, a medicine for diabetes; no diabetes "
                                          "diagnosis recorded. Metformin alone is also used for polycystic ovary")
    assert found[gliclazide.pk] == ("Takes Gliclazide 80mg tablets and Metformin 500mg tablets, a medicine for "
                                    "diabetes; no diabetes diagnosis recorded")


def test_copd_inhaler_without_copd(practice):
    p = add_patient(practice, "1950-01-01", [("medicine", LAMA_LABA, "2024-01-01")])
    q = add_patient(practice, "1950-01-01", [("medicine", LAMA_LABA, "2024-01-01"), obs("fev1", "2024-02-01", 1.9)])
    add_patient(practice, "1950-01-01", [COPD, ("medicine", LAMA_LABA, "2024-01-01")])
    add_patient(practice, "1950-01-01", [("medicine", SALBUTAMOL, "2024-01-01")])
    found = listed(practice, "copd_inhaler_no_copd")
    assert found == {
        p.pk: f"Takes {LAMA_LABA}, an inhaler used for COPD; no COPD diagnosis recorded; no spirometry (FEV1) recorded",
        q.pk: f"Takes {LAMA_LABA}, an inhaler used for COPD; no COPD diagnosis recorded; latest FEV1 1.90 L on 1 Feb 2024",
    }


def test_low_egfr_for_three_months_without_ckd(practice):
    p = add_patient(practice, "1945-01-01", [obs("egfr", "2025-10-01", 52), obs("egfr", "2026-02-01", 49)])
    add_patient(practice, "1945-01-01", [obs("egfr", "2026-01-01", 52), obs("egfr", "2026-02-01", 49)])  # 31 days
    add_patient(practice, "1945-01-01", [obs("egfr", "2025-10-01", 52), obs("egfr", "2026-02-01", 49),
                                         obs("egfr", "2026-04-01", 65)])  # recovered
    add_patient(practice, "1945-01-01", [CKD, obs("egfr", "2025-10-01", 52), obs("egfr", "2026-02-01", 49)])
    assert listed(practice, "egfr_no_ckd") == {
        p.pk: "eGFR under 60: 52 on 1 Oct 2025 and 49 on 1 Feb 2026, 123 days apart; no chronic kidney disease "
              "diagnosis recorded"}


def test_three_raised_blood_pressures_without_hypertension(practice):
    readings = [obs("systolic_bp", "2025-07-01", 152), obs("diastolic_bp", "2025-07-01", 88),
                obs("systolic_bp", "2025-12-01", 138), obs("diastolic_bp", "2025-12-01", 94),
                obs("systolic_bp", "2026-03-01", 146), obs("diastolic_bp", "2026-03-01", 91)]
    p = add_patient(practice, "1960-01-01", readings)
    add_patient(practice, "1960-01-01", [HT, *readings])
    add_patient(practice, "1960-01-01", readings[:4])
    assert listed(practice, "bp_no_hypertension") == {
        p.pk: "3 blood pressure readings of 140/90 or more in 2 years: 152/88 on 1 Jul 2025, 138/94 on 1 Dec 2025 "
              "and 146/91 on 1 Mar 2026; no hypertension diagnosis recorded"}


def test_copd_without_spirometry(practice):
    p = add_patient(practice, "1950-01-01", [COPD])
    add_patient(practice, "1950-01-01", [COPD, obs("fev1", "2018-02-01", 1.5)])
    assert listed(practice, "copd_no_spirometry") == {
        p.pk: "On the COPD register since 1 Jan 2018; no spirometry (FEV1) result recorded"}


def test_asthma_untreated_for_three_years(practice):
    p = add_patient(practice, "1980-01-01", [ASTHMA, ("stopped", SALBUTAMOL, "2010-01-01", "2019-03-01")])
    q = add_patient(practice, "1980-01-01", [ASTHMA])
    add_patient(practice, "1980-01-01", [ASTHMA, ("stopped", SALBUTAMOL, "2010-01-01", "2024-03-01")])
    add_patient(practice, "1980-01-01", [ASTHMA, ("medicine", SALBUTAMOL, "2010-01-01")])
    add_patient(practice, "1980-01-01", [("diagnosis", "195967001", "2025-01-01")])  # diagnosed last year
    assert listed(practice, "asthma_no_treatment") == {
        p.pk: "On the asthma register since 1 Apr 2005; last asthma medicine stopped 1 Mar 2019, none in the last "
              "3 years",
        q.pk: "On the asthma register since 1 Apr 2005; no asthma medicine recorded, none in the last 3 years",
    }


def test_depression_coded_long_ago_with_nothing_since(practice):
    p = add_patient(practice, "1970-01-01", [DEPRESSION, ("diagnosis", "35489007", "2014-03-03")])
    add_patient(practice, "1970-01-01", [DEPRESSION, ("medicine", SERTRALINE, "2013-01-01")])
    add_patient(practice, "1970-01-01", [DEPRESSION, obs("phq9", "2025-06-01", 11)])
    add_patient(practice, "1970-01-01", [("diagnosis", "35489007", "2023-01-01")])
    assert listed(practice, "depression_inactive") == {
        p.pk: "Depression first coded 12 Jan 2012, last coded 3 Mar 2014; no antidepressant or PHQ-9 score in the "
              "last 2 years. It may have resolved"}


def test_people_who_have_left_are_not_listed(practice):
    add_patient(practice, "1960-01-01", [obs("hba1c", "2025-03-03", 52), obs("hba1c", "2025-09-09", 50)],
                status="left")
    assert listed(practice, "hba1c_no_diabetes") == {}


def test_the_worklist_of_one_practice_never_shows_another(practice):
    other = core_actions.create_practice(ods_code="W00002", name="Other", by=None)
    add_patient(other, "1950-01-01", [COPD])
    actions.refresh_practice(practice=other, by=None)
    assert all(not found for found in worklist.items(practice, TODAY).values())


# --- Medicine names: matched once, by equality, exactly as a case-insensitive word search would ---

VARIED_NAMES = [
    METFORMIN, "METFORMIN 500MG MODIFIED-RELEASE TABLETS", "metformin", "Humulin I (human insulin) KwikPen",
    "Insulin glargine 100units/ml", GLICLAZIDE, DAPAGLIFLOZIN, LAMA_LABA, "Spiriva Respimat (tiotropium)",
    SALBUTAMOL, "Clenil Modulite (BECLOMETASONE) inhaler", "Montelukast 10mg tablets", SERTRALINE,
    "Escitalopram 10mg tablets", "Paracetamol 500mg tablets", "Met-formin spelt wrongly", "Metformin_50%",
    "100% salbutamol_nebules", "Amlodipine 5mg tablets", "Cafe\u0301 insulin", "",
]


def test_medicine_names_match_as_a_word_search_on_every_name(practice):
    from functools import reduce
    from operator import or_

    from django.db.models import Q

    from tandem.patients.models import Medication
    from tandem.registers.rules import worklist as rules

    other = core_actions.create_practice(ods_code="W00002", name="Elsewhere", by=None)
    for index, name in enumerate(VARIED_NAMES):
        add_patient(practice if index % 3 else other, "1960-01-01", [("medicine", name or "x", "2024-01-01")])
        add_patient(practice, "1960-01-01", [("stopped", name or "y", "2019-01-01", "2020-01-01")])
    medicines = worklist.MedicineNames(practice)
    for words in (rules.GLUCOSE_LOWERING, rules.LAMA, rules.ASTHMA_TREATMENT, rules.ANTIDEPRESSANTS):
        by_word_search = Medication.objects.filter(practice=practice).filter(
            reduce(or_, (Q(name__icontains=word) for word in words)))
        by_name = Medication.objects.filter(practice=practice).filter(medicines.matching(words))
        assert sorted(by_name.values_list("pk", flat=True)) == sorted(by_word_search.values_list("pk", flat=True))
        assert by_word_search.exists()


def test_each_medicine_check_lists_the_same_people_alone_as_in_the_whole_worklist(practice):
    for name in VARIED_NAMES[:15]:
        add_patient(practice, "1960-01-01", [("medicine", name, "2024-01-01")])
        add_patient(practice, "1980-01-01", [ASTHMA, DEPRESSION, ("stopped", name, "2010-01-01", "2019-03-01")])
        add_patient(practice, "1980-01-01", [ASTHMA, DEPRESSION, ("medicine", name, "2010-01-01")])
    actions.refresh_practice(practice=practice, by=None)
    whole = worklist.items(practice, TODAY)
    for check in worklist.BY_MEDICINE:
        assert worklist.CHECK_QUERIES[check](practice, TODAY) == whole[check]
    assert {len(whole[check]) > 0 for check in worklist.BY_MEDICINE} == {True}
