"""Risk tier spec: tables of records and the tier and reasons a nurse would see.

Each case runs through the per-patient path (`queries.assess_record` on the pure rules) and the
bulk path (`refresh_practice`: SQL aggregates per patient, one pass of the same rules, stored as
PatientRisk), on SQLite and PostgreSQL. A property-based test checks that the SQL aggregates
equal the per-patient ones on random records. The clock is pinned at 15 June 2026.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core import actions as core_actions
from tandem.registers import actions, queries, refresh
from tandem.registers.models import PatientRisk
from tandem.registers.rules import risk

from .builders import add_patient, record

TODAY = dt.date(2026, 6, 15)

HT = ("diagnosis", "38341003", "2005-01-01")
T2DM = ("diagnosis", "44054006", "2010-01-01")
ASTHMA = ("diagnosis", "195967001", "1990-01-01")
DEPRESSION = ("diagnosis", "35489007", "2015-01-01")
COPD = ("diagnosis", "13645005", "2016-01-01")
HF = ("diagnosis", "84114007", "2020-01-01")
DEMENTIA = ("diagnosis", "52448006", "2023-01-01")
AF = ("diagnosis", "49436004", "2018-01-01")
STROKE = ("diagnosis", "230690007", "2019-01-01")
CKD = ("diagnosis", "433144002", "2021-01-01")
OA = ("diagnosis", "396275006", "2012-01-01")
HYPOTHYROID = ("diagnosis", "40930008", "2011-01-01")
CANCER_RECENT = ("diagnosis", "363346000", "2023-01-01")
CANCER_OLD = ("diagnosis", "363346000", "2010-01-01")


def meds(n: int, kind: str = "medicine"):
    return [(kind, f"Medicine {i}", "2020-01-01") for i in range(n)]


def appointments(n: int, kind: str = "appointment", visit: str = "face_to_face"):
    return [(kind, TODAY - dt.timedelta(days=10 + 20 * i), visit) for i in range(n)]


FRAIL = [HT, OA, HYPOTHYROID, *meds(5), ("appointment", "2026-03-01", "home_visit"),
         ("appointment", "2026-04-01", "home_visit"), ("carer",), ("ae", "2026-01-05", "Fall"),
         ("observation", "mrc_dyspnoea", "2025-05-01", 4), ("observation", "bmi", "2025-09-01", 17.9)]
# Coded deficits from twelve eFI code lists that no register covers (Clegg 2016's Read lists in SNOMED CT).
CODED_DEFICITS = [("diagnosis", code, "2024-01-01") for code in (
    "267553005",  # anaemia
    "495601000000106",  # dizziness
    "201038005",  # foot problems (corn)
    "208566002",  # fragility fracture (hip)
    "411511000000107",  # hearing impairment (hearing aid)
    "60573004",  # heart valve disease (aortic stenosis)
    "495491000000101",  # hypotension or syncope (fainting)
    "416111000000107",  # mobility problems
    "412191000000104",  # peptic ulcer
    "201248003",  # skin ulcer (pressure sore)
    "502171000000108",  # sleep disturbance (insomnia)
    "498851000000102",  # urinary incontinence
)]
ANXIETY = ("diagnosis", "21897009", "2025-01-01")  # Generalized anxiety disorder
ALCOHOL = ("diagnosis", "161466001", "2001-01-01")  # H/O: alcoholism, long ago: the CMS counts it ever
NO_COUNT_RULES = {"cm_ltc_count": None, "dm_ltc_count": None, "cm_cms": None, "dm_cms": None}

CASES = [
    # (id, date of birth, events, threshold overrides, tier, reasons)
    ("one condition and nothing else: self-care", "1970-01-01", [HT], {}, "self_care",
     ["1 long-term condition", "no other factor at the practice's thresholds"]),
    ("four conditions: disease management", "1960-01-01", [HT, T2DM, ASTHMA, DEPRESSION], {}, "disease_management",
     ["4 long-term conditions"]),
    ("one emergency admission in 12 months: disease management", "1960-01-01", [HT, ("emergency", "2026-02-01")],
     {}, "disease_management", ["1 long-term condition", "1 emergency admission in 12 months"]),
    ("an admission exactly a year ago is outside the 12 months", "1960-01-01", [HT, ("emergency", "2025-06-15")],
     {}, "self_care", ["1 long-term condition", "no other factor at the practice's thresholds"]),
    ("two emergency admissions: case management", "1960-01-01",
     [HT, ("emergency", "2026-02-01"), ("emergency", "2025-08-01")], {}, "case_management",
     ["1 long-term condition", "2 emergency admissions in 12 months"]),
    ("COPD and heart failure weigh 2.64 on the CMS: disease management", "1950-01-01", [COPD, HF], {},
     "disease_management", ["2 long-term conditions", "Cambridge Multimorbidity Score 2.64"]),
    ("dementia, COPD and heart failure weigh 5.14: case management", "1940-01-01", [DEMENTIA, COPD, HF], {},
     "case_management", ["3 long-term conditions", "Cambridge Multimorbidity Score 5.14"]),
    ("cancer in the last 5 years counts on the CMS", "1950-01-01", [CANCER_RECENT, COPD, STROKE], {},
     "disease_management", ["3 long-term conditions", "Cambridge Multimorbidity Score 3.79"]),
    ("cancer diagnosed 16 years ago does not", "1950-01-01", [CANCER_OLD, COPD, STROKE], {}, "self_care",
     ["3 long-term conditions", "no other factor at the practice's thresholds"]),
    ("ten regular medicines: disease management", "1960-01-01", [HT, *meds(10)], {}, "disease_management",
     ["1 long-term condition", "10 regular medicines"]),
    ("stopped and when-needed medicines are not regular", "1960-01-01",
     [HT, *meds(8), *meds(3, "stopped"), *meds(3, "as_needed")], {}, "self_care",
     ["1 long-term condition", "no other factor at the practice's thresholds"]),
    ("12 appointments attended in 12 months: frequent attender", "1980-01-01", [ASTHMA, *appointments(12)], {},
     "disease_management", ["1 long-term condition", "12 appointments attended in 12 months (frequent attender)"]),
    ("missed appointments do not count", "1980-01-01", [ASTHMA, *appointments(11), *appointments(4, "dna")], {},
     "self_care", ["1 long-term condition", "no other factor at the practice's thresholds"]),
    ("three A&E attendances: disease management", "1990-01-01",
     [ASTHMA, ("ae", "2026-01-01"), ("ae", "2026-02-01"), ("ae", "2026-03-01")], {}, "disease_management",
     ["1 long-term condition", "3 A&E attendances in 12 months"]),
    ("moderate frailty at 80 (9 of 36 deficits): disease management", "1946-01-01", FRAIL, NO_COUNT_RULES,
     "disease_management", ["3 long-term conditions", "moderate frailty (eFI 0.25)"]),
    ("deficits coded from the eFI lists count: 13 of 36 is severe frailty at 80, case management", "1946-01-01",
     [HT, *CODED_DEFICITS], NO_COUNT_RULES, "case_management", ["1 long-term condition", "severe frailty (eFI 0.36)"]),
    ("anxiety counts as 'anxiety or depression' on the CMS", "1960-01-01", [HT, T2DM, AF, ANXIETY], {},
     "disease_management", ["3 long-term conditions", "Cambridge Multimorbidity Score 2.67"]),
    ("alcohol problems count on the CMS, however long ago", "1960-01-01", [HT, T2DM, AF, ALCOHOL], {},
     "disease_management", ["3 long-term conditions", "Cambridge Multimorbidity Score 2.82"]),
    ("without the anxiety code the same record scores 2.17", "1960-01-01", [HT, T2DM, AF], {},
     "self_care", ["3 long-term conditions", "no other factor at the practice's thresholds"]),
    ("the same record at 50 is not given a frailty category", "1976-01-01", FRAIL, NO_COUNT_RULES, "self_care",
     ["3 long-term conditions", "no other factor at the practice's thresholds"]),
    ("six conditions: case management, with every factor that is high", "1945-01-01",
     [HT, T2DM, COPD, AF, CKD, OA, ("emergency", "2026-05-01")], {}, "case_management",
     ["6 long-term conditions", "Cambridge Multimorbidity Score 4.16", "1 emergency admission in 12 months"]),
    ("the practice can switch a factor off", "1960-01-01", [HT, *meds(12)], {"dm_regular_medicines": None},
     "self_care", ["1 long-term condition", "no other factor at the practice's thresholds"]),
    ("the practice can lower a threshold", "1960-01-01", [HT, T2DM], {"dm_ltc_count": 2}, "disease_management",
     ["2 long-term conditions"]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("dob", "events", "overrides", "tier", "reasons"), [c[1:] for c in CASES], ids=IDS)
def test_per_patient_path(dob, events, overrides, tier, reasons):
    thresholds = risk.Thresholds().with_values(**overrides)
    assessed = queries.assess_record(record(dob, events), today=TODAY, thresholds=thresholds)
    assert assessed.placement.tier == tier
    assert list(assessed.placement.reasons) == reasons


@pytest.fixture
def practice(db):
    return core_actions.create_practice(ods_code="K00001", name="Tier Surgery", by=None)


@pytest.mark.parametrize(("dob", "events", "overrides", "tier", "reasons"), [c[1:] for c in CASES], ids=IDS)
def test_bulk_path(practice, dob, events, overrides, tier, reasons):
    if overrides:
        actions.save_tier_settings(practice=practice, by=None,
                                   thresholds=risk.Thresholds().with_values(**overrides))
    patient = add_patient(practice, dob, events)
    actions.refresh_practice(practice=practice, by=None)
    stored = PatientRisk.objects.get(patient=patient)
    assert stored.tier == tier
    assert stored.reasons == reasons


def test_every_one_of_the_36_deficits_can_be_counted():
    assert len(risk.DEFICITS) == 36 and risk.NOT_OBSERVED == ()
    assert set(risk.EFI_CODELISTS) == set(risk.DEFICITS) - {"polypharmacy"}


def test_cms_counts_anxiety_hearing_loss_and_alcohol():
    assert risk.cms_conditions({}, TODAY, {"anxiety", "efi_hearing_impairment", "alcohol_problems"}) == [
        "Alcohol problems", "Anxiety or depression", "Hearing loss"]


#: Payne et al. CMAJ 2020;192(5):E107-14, simplified 20-condition score, general-outcome weights.
PUBLISHED_CMS_WEIGHTS = {
    "Alcohol problems": 0.65, "Anxiety or depression": 0.50, "Asthma (currently treated)": 0.19,
    "Atrial fibrillation": 1.34, "Cancer (diagnosed in the last 5 years)": 1.53, "Chronic kidney disease": 0.53,
    "Connective tissue disorder (including rheumatoid arthritis)": 0.43,
    "Chronic obstructive pulmonary disease": 1.46, "Coronary heart disease": 0.49, "Constipation (treated)": 1.12,
    "Dementia": 2.50, "Diabetes": 0.75, "Epilepsy (currently treated)": 0.92, "Hearing loss": 0.09,
    "Heart failure": 1.18, "Hypertension": 0.08, "Irritable bowel syndrome": 0.21, "Painful condition": 0.92,
    "Schizophrenia or bipolar disorder": 0.64, "Stroke or transient ischaemic attack": 0.80,
}


def test_all_20_cms_conditions_count_with_their_published_weights():
    assert risk.CMS_WEIGHTS == PUBLISHED_CMS_WEIGHTS
    assert risk.CMS_NOT_COUNTED == ()
    counted = (set(risk.CMS_CONDITION_FOR_REGISTER.values()) | set(risk.CMS_CONDITION_FOR_FEATURE.values())
               | set(risk.CMS_CONDITION_FOR_MEDICINES.values()))
    assert counted == set(PUBLISHED_CMS_WEIGHTS) and len(counted) == 20
    registers = dict.fromkeys(risk.CMS_CONDITION_FOR_REGISTER, TODAY)
    everything = risk.cms_conditions(registers, TODAY, set(risk.CMS_CONDITION_FOR_FEATURE),
                                     dict.fromkeys(risk.CMS_CONDITION_FOR_MEDICINES, risk.CMS_PRESCRIPTIONS))
    assert everything == list(PUBLISHED_CMS_WEIGHTS)
    assert risk.cms_score(registers, TODAY, set(risk.CMS_CONDITION_FOR_FEATURE),
                          dict.fromkeys(risk.CMS_CONDITION_FOR_MEDICINES, 4)) == round(sum(PUBLISHED_CMS_WEIGHTS.values()), 2)


# --- Medicine-defined CMS conditions: prescriptions in the last 12 months, both paths -------------
# Treated constipation: 4+ laxative prescriptions in 12 months (CON150); irritable bowel syndrome: an
# IBS code ever (IBS161) or 4+ antispasmodic prescriptions in 12 months (IBS162). A repeat course is
# issued every 28 days while it runs; anything else once. Everyone here has hypertension (0.08).
SENNA, LACTULOSE, MEBEVERINE = "Senna 7.5mg tablets", "Lactulose 3.1-3.7g/5ml oral solution", "Mebeverine 135mg tablets"
CMS_MEDICINE_CASES = [
    ("repeat laxative all year", [("medicine", SENNA, "2024-01-01")], 1.20),
    ("repeat laxative for the last 3 months: 4 issues", [("medicine", SENNA, "2026-03-20")], 1.20),
    ("repeat laxative for the last 2 months: 3 issues", [("medicine", SENNA, "2026-04-20")], 0.08),
    ("repeat laxative starting after today", [("medicine", SENNA, "2026-07-01")], 0.08),
    ("repeat laxative stopped before the year", [("stopped", SENNA, "2024-01-01", "2025-05-01")], 0.08),
    ("repeat laxative stopped after 4 issues in the year", [("stopped", SENNA, "2024-01-01", "2025-09-30")], 1.20),
    ("repeat laxative stopped after 3 issues in the year", [("stopped", SENNA, "2024-01-01", "2025-09-01")], 0.08),
    ("four one-off laxative prescriptions in the year",
     [("as_needed", LACTULOSE, d) for d in ("2025-07-01", "2025-10-01", "2026-01-05", "2026-04-01")], 1.20),
    ("three one-off laxative prescriptions in the year",
     [("as_needed", LACTULOSE, d) for d in ("2025-06-15", "2025-10-01", "2026-01-05", "2026-04-01")], 0.08),
    ("two short laxative courses add up to 4 issues",
     [("stopped", SENNA, "2025-08-01", "2025-08-29"), ("stopped", LACTULOSE, "2026-02-01", "2026-03-01")], 1.20),
    ("a laxative recorded without a dm+d code is not matched", [("medicine", "Senna tablets", "2024-01-01")], 0.08),
    ("IBS code ever", [("diagnosis", "10743008", "2001-01-01")], 0.29),
    ("repeat antispasmodic", [("medicine", MEBEVERINE, "2025-01-01")], 0.29),
    ("IBS code and an antispasmodic count IBS once",
     [("diagnosis", "10743008", "2001-01-01"), ("medicine", MEBEVERINE, "2025-01-01")], 0.29),
    ("treated constipation and IBS", [("medicine", SENNA, "2024-01-01"), ("medicine", MEBEVERINE, "2025-01-01")], 1.41),
]


@pytest.mark.parametrize(("events", "cms"), [c[1:] for c in CMS_MEDICINE_CASES], ids=[c[0] for c in CMS_MEDICINE_CASES])
def test_medicine_defined_cms_conditions_per_patient(events, cms):
    assessed = queries.assess_record(record("1950-01-01", [HT, *events]), today=TODAY, thresholds=risk.Thresholds())
    assert assessed.factors.cms == cms


@pytest.mark.parametrize(("events", "cms"), [c[1:] for c in CMS_MEDICINE_CASES], ids=[c[0] for c in CMS_MEDICINE_CASES])
def test_medicine_defined_cms_conditions_bulk(practice, events, cms):
    patient = add_patient(practice, "1950-01-01", [HT, *events])
    actions.refresh_practice(practice=practice, by=None)
    assert PatientRisk.objects.get(patient=patient).cms == cms


def test_frail_record_shows_which_deficits_were_counted(practice):
    patient = add_patient(practice, "1946-01-01", FRAIL)
    actions.refresh_practice(practice=practice, by=None)
    stored = PatientRisk.objects.get(patient=patient)
    assert stored.efi_deficits == ["arthritis", "dyspnoea", "falls", "housebound", "hypertension", "polypharmacy",
                                   "requires_care", "thyroid", "weight_loss"]
    assert stored.frailty == "moderate" and stored.efi == 0.25


def test_only_people_on_a_register_are_placed(practice):
    add_patient(practice, "1960-01-01", [*meds(12), ("emergency", "2026-02-01")])
    actions.refresh_practice(practice=practice, by=None)
    assert PatientRisk.objects.count() == 0


def test_cms_maps_registers_to_its_conditions_and_says_which_do_not():
    assert set(risk.CMS_CONDITION_FOR_REGISTER.values()) <= set(risk.CMS_WEIGHTS)
    mapped = set(risk.CMS_CONDITION_FOR_REGISTER) | set(risk.CMS_UNMAPPED_REGISTERS)
    from tandem.terminology import codelists

    assert mapped == set(codelists.LTC_SLUGS)
    assert risk.cms_score({"diabetes_type1": TODAY, "diabetes_type2": TODAY}, TODAY) == 0.75  # diabetes once


@pytest.mark.parametrize(("deficits", "category"), [(0, "fit"), (4, "fit"), (5, "mild"), (8, "mild"),
                                                    (9, "moderate"), (12, "moderate"), (13, "severe")])
def test_frailty_categories_follow_clegg(deficits, category):
    assert risk.frailty_category(deficits) == category


# --- Property: SQL aggregates equal the per-patient ones ---------------------------------------

when = st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2026, 12, 31))
CONDITIONS = [HT, T2DM, ASTHMA, COPD, HF, DEMENTIA, CANCER_RECENT, CANCER_OLD, CKD, OA]


@st.composite
def records(draw):
    dob = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2005, 1, 1)))
    events = list(draw(st.lists(st.sampled_from(CONDITIONS), min_size=0, max_size=4, unique=True)))
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["medicine", "stopped", "as_needed", "appointment", "dna", "home", "emergency",
                                     "ae", "fall", "elective", "mrc", "bmi", "carer", "gut"]))
        day = draw(when)
        if kind == "gut":  # a laxative or antispasmodic course, perhaps with an end date
            course = draw(st.sampled_from(["medicine", "stopped", "as_needed"]))
            end = draw(st.none() | st.integers(0, 500).map(lambda n, start=day: start + dt.timedelta(days=n)))
            events.append((course, draw(st.sampled_from([SENNA, LACTULOSE, MEBEVERINE])), day, end))
        elif kind in ("medicine", "as_needed"):
            events.append((kind, "Some medicine", day))
        elif kind == "stopped":
            events.append((kind, "Some medicine", day, day))
        elif kind in ("appointment", "dna"):
            events.append((kind, day))
        elif kind == "home":
            events.append(("appointment", day, "home_visit"))
        elif kind in ("emergency", "ae", "elective"):
            events.append((kind, day))
        elif kind == "fall":
            events.append((draw(st.sampled_from(["emergency", "ae"])), day, draw(st.sampled_from(["Fall", "fall at home"]))))
        elif kind == "mrc":
            events.append(("observation", "mrc_dyspnoea", day, draw(st.integers(1, 5))))
        elif kind == "bmi":
            events.append(("observation", "bmi", day, draw(st.floats(14, 40).map(lambda v: round(v, 1)))))
        else:
            events.append(("carer",))
    return dob, events


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(records(), min_size=1, max_size=5))
def test_sql_aggregates_equal_per_patient_aggregates(practice, people):
    with transaction.atomic():
        made = [(add_patient(practice, dob, events), dob, events) for dob, events in people]
        actions.refresh_practice(practice=practice, by=None)
        with connection.cursor() as cursor:
            memberships = refresh.read_memberships(cursor, practice_id=practice.pk)
            bulk = dict(refresh.read_risk_inputs(cursor, practice_id=practice.pk, today=TODAY,
                                                 memberships=memberships))
        for patient, dob, events in made:
            from_table = record(dob, events)
            from_orm = queries.patient_record(patient)
            expected = queries.assess_record(from_table, today=TODAY, thresholds=risk.Thresholds())
            assert queries.assess_record(from_orm, today=TODAY, thresholds=risk.Thresholds()) == expected
            if not expected.registers:
                assert patient.pk not in bulk
                continue
            assert bulk[patient.pk] == risk.summarise(from_table, expected.registers, TODAY)
            stored = PatientRisk.objects.get(patient=patient)
            assert (stored.tier, stored.reasons) == (expected.placement.tier, list(expected.placement.reasons))
        transaction.set_rollback(True)
