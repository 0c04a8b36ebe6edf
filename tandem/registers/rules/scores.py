"""Multimorbidity and frailty scores from a person's registers and record. Pure: no Django.

* Cambridge Multimorbidity Score (CMS), general-outcome weights: Payne RA, Mendonca SC,
  Elliott MN, et al. Development and validation of the Cambridge Multimorbidity Score.
  CMAJ 2020;192(5):E107-14. doi:10.1503/cmaj.190757. The paper gives weights for 37 conditions
  and a simplified 20-condition score that predicts consultations, unplanned admissions and
  death about as well (C-index 0.727/0.738/0.910 against 0.732/0.742/0.912). The 37-condition
  general-outcome weights are in the paper's appendix, which we could not check, so the
  20-condition general-outcome weights are used (`CMS_WEIGHTS`, as published in the paper's
  table of the simplified score and as used by public implementations of it).
* Electronic Frailty Index style deficits: Clegg A, Bates C, Young J, et al. Development and
  validation of an electronic frailty index using routine primary care electronic health record
  data. Age Ageing 2016;45(3):353-60. doi:10.1093/ageing/afw039. Score = deficits present / 36;
  fit <= 0.12, mild > 0.12 to 0.24, moderate > 0.24 to 0.36, severe > 0.36. Only the deficits
  Tandem's record can show are counted (`DEFICITS`; the rest are listed in `NOT_OBSERVED`), so
  the score can only under-estimate frailty. The eFI was developed and validated in people aged
  65 and over, so a frailty category is given from 65 only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from .registers import years_before

# --- Cambridge Multimorbidity Score --------------------------------------------------------

#: CMS condition -> general-outcome weight (Payne 2020, simplified 20-condition score).
CMS_WEIGHTS: dict[str, float] = {
    "Alcohol problems": 0.65,
    "Anxiety or depression": 0.50,
    "Asthma (currently treated)": 0.19,
    "Atrial fibrillation": 1.34,
    "Cancer (diagnosed in the last 5 years)": 1.53,
    "Chronic kidney disease": 0.53,
    "Connective tissue disorder (including rheumatoid arthritis)": 0.43,
    "Chronic obstructive pulmonary disease": 1.46,
    "Coronary heart disease": 0.49,
    "Constipation (treated)": 1.12,
    "Dementia": 2.50,
    "Diabetes": 0.75,
    "Epilepsy (currently treated)": 0.92,
    "Hearing loss": 0.09,
    "Heart failure": 1.18,
    "Hypertension": 0.08,
    "Irritable bowel syndrome": 0.21,
    "Painful condition": 0.92,
    "Schizophrenia or bipolar disorder": 0.64,
    "Stroke or transient ischaemic attack": 0.80,
}

#: Tandem register -> CMS condition. Registers not listed have no CMS counterpart.
CMS_CONDITION_FOR_REGISTER: dict[str, str] = {
    "hypertension": "Hypertension",
    "diabetes_type1": "Diabetes",
    "diabetes_type2": "Diabetes",
    "asthma": "Asthma (currently treated)",
    "copd": "Chronic obstructive pulmonary disease",
    "coronary_heart_disease": "Coronary heart disease",
    "heart_failure": "Heart failure",
    "atrial_fibrillation": "Atrial fibrillation",
    "stroke_tia": "Stroke or transient ischaemic attack",
    "ckd_3_5": "Chronic kidney disease",
    "depression": "Anxiety or depression",
    "dementia": "Dementia",
    "serious_mental_illness": "Schizophrenia or bipolar disorder",
    "rheumatoid_arthritis": "Connective tissue disorder (including rheumatoid arthritis)",
    "cancer": "Cancer (diagnosed in the last 5 years)",
    "epilepsy": "Epilepsy (currently treated)",
    # CMS "painful condition" is defined by repeated analgesic or anticonvulsant prescribing;
    # a coded chronic pain diagnosis is the closest register.
    "chronic_pain": "Painful condition",
}
#: Registers with no CMS condition in the 20-condition score: non-diabetic hyperglycaemia (not
#: a CMS condition), osteoporosis, hypothyroidism (thyroid disorders) and osteoarthritis are in
#: the 37-condition list only or not at all. CMS conditions no register maps to: alcohol
#: problems, constipation, hearing loss and irritable bowel syndrome (they count 0 here).
CMS_UNMAPPED_REGISTERS = ("non_diabetic_hyperglycaemia", "osteoporosis", "hypothyroidism", "osteoarthritis")
CANCER_RECENT_YEARS = 5  # CMS counts cancer diagnosed in the last 5 years


def cms_conditions(registers: Mapping[str, dt.date], today: dt.date) -> list[str]:
    """The CMS conditions a person has, from their registers {slug: since}, each once."""
    found: list[str] = []
    for slug, since in registers.items():
        condition = CMS_CONDITION_FOR_REGISTER.get(slug)
        if condition is None or condition in found:
            continue
        if slug == "cancer" and since < years_before(today, CANCER_RECENT_YEARS):
            continue
        found.append(condition)
    return found


def cms_score(registers: Mapping[str, dt.date], today: dt.date) -> float:
    return round(sum(CMS_WEIGHTS[c] for c in cms_conditions(registers, today)), 2)


# --- Electronic Frailty Index style deficits -------------------------------------------------

EFI_DEFICITS_TOTAL = 36
FIT, MILD, MODERATE, SEVERE = "fit", "mild", "moderate", "severe"
FRAILTY_ORDER: dict[str, int] = {FIT: 0, MILD: 1, MODERATE: 2, SEVERE: 3}
FRAILTY_MIN_AGE = 65
POLYPHARMACY_DEFICIT_MEDICINES = 5  # eFI polypharmacy deficit: five or more medicines
HOUSEBOUND_HOME_VISITS = 2  # approximation: two or more home visits in 12 months
RECENT_YEARS = 3  # breathlessness and low BMI readings count when recorded in the last 3 years
BREATHLESS_MRC_GRADE = 3  # MRC grade 3 or more: stops for breath walking on the level
UNDERWEIGHT_BMI = 18.5

#: Deficit key -> (eFI deficit, how Tandem sees it). Register-based deficits use the register.
DEFICITS: dict[str, tuple[str, str]] = {
    "arthritis": ("Arthritis", "on the osteoarthritis or rheumatoid arthritis register"),
    "atrial_fibrillation": ("Atrial fibrillation", "on the atrial fibrillation register"),
    "cerebrovascular": ("Cerebrovascular disease", "on the stroke and TIA register"),
    "ckd": ("Chronic kidney disease", "on the CKD stage 3 to 5 register"),
    "diabetes": ("Diabetes", "on a diabetes register"),
    "dyspnoea": ("Dyspnoea", f"approximated: MRC dyspnoea grade {BREATHLESS_MRC_GRADE} or more in the last {RECENT_YEARS} years"),
    "falls": ("Falls", "approximated: a hospital attendance or admission for a fall"),
    "heart_failure": ("Heart failure", "on the heart failure register"),
    "hypertension": ("Hypertension", "on the hypertension register"),
    "ischaemic_heart_disease": ("Ischaemic heart disease", "on the coronary heart disease register"),
    "memory": ("Memory and cognitive problems", "approximated: on the dementia register"),
    "osteoporosis": ("Osteoporosis", "on the osteoporosis register"),
    "polypharmacy": ("Polypharmacy", f"{POLYPHARMACY_DEFICIT_MEDICINES} or more regular medicines"),
    "respiratory": ("Respiratory disease", "on the asthma or COPD register"),
    "thyroid": ("Thyroid disease", "approximated: on the hypothyroidism register"),
    "housebound": ("Housebound", f"approximated: {HOUSEBOUND_HOME_VISITS} or more home visits in 12 months"),
    "requires_care": ("Requirement for care", "approximated: a carer is recorded"),
    "weight_loss": ("Weight loss and anorexia", f"approximated: BMI under {UNDERWEIGHT_BMI} in the last {RECENT_YEARS} years"),
}
#: eFI deficits Tandem's record cannot show (yet): they never count.
NOT_OBSERVED: tuple[str, ...] = (
    "Activity limitation", "Anaemia and haematinic deficiency", "Dizziness", "Foot problems",
    "Fragility fracture", "Hearing impairment", "Heart valve disease", "Hypotension or syncope",
    "Mobility and transfer problems", "Parkinsonism and tremor", "Peptic ulcer", "Peripheral vascular disease",
    "Skin ulcer", "Sleep disturbance", "Social vulnerability", "Urinary incontinence", "Urinary system disease",
    "Visual impairment",
)
assert len(DEFICITS) + len(NOT_OBSERVED) == EFI_DEFICITS_TOTAL

REGISTER_DEFICITS: dict[str, tuple[str, ...]] = {
    "arthritis": ("osteoarthritis", "rheumatoid_arthritis"),
    "atrial_fibrillation": ("atrial_fibrillation",),
    "cerebrovascular": ("stroke_tia",),
    "ckd": ("ckd_3_5",),
    "diabetes": ("diabetes_type1", "diabetes_type2"),
    "heart_failure": ("heart_failure",),
    "hypertension": ("hypertension",),
    "ischaemic_heart_disease": ("coronary_heart_disease",),
    "memory": ("dementia",),
    "osteoporosis": ("osteoporosis",),
    "respiratory": ("asthma", "copd"),
    "thyroid": ("hypothyroidism",),
}


def frailty_category(deficits: int) -> str:
    """Clegg 2016 categories on deficits/36, worked in whole deficits to avoid rounding:
    fit 0-4 (<= 0.12), mild 5-8 (<= 0.24), moderate 9-12 (<= 0.36), severe 13 or more."""
    score = deficits / EFI_DEFICITS_TOTAL
    if score <= 0.12:
        return FIT
    if score <= 0.24:
        return MILD
    if score <= 0.36:
        return MODERATE
    return SEVERE
