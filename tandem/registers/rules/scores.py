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
  fit <= 0.12, mild > 0.12 to 0.24, moderate > 0.24 to 0.36, severe > 0.36. All 36 deficits
  count (`DEFICITS`): 35 from a coded condition in the deficit's eFI code list (`efi_<key>`
  feature codelists, the eFI's Read code lists as mapped to SNOMED CT by the Greater Manchester
  Secure Data Environment), or from the register or record approximation given beside it;
  polypharmacy from the medication list. `NOT_OBSERVED` lists the deficits Tandem cannot see at
  all (none now). Deficits that GP systems record as observations or procedures rather than as
  problems (some activity limitation, social vulnerability or care codes) count only when the
  record carries them as a coded condition, so the score can still under-estimate frailty. The
  eFI was developed and validated in people aged 65 and over, so a frailty category is given from
  65 only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from functools import cache

from tandem.terminology import codelists

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
#: Feature codelist (a condition that is not a register) -> CMS condition. Anxiety joins
#: depression in "anxiety or depression"; hearing loss is read from the eFI hearing impairment list;
#: alcohol problems, like the score's own definition (CPRD@Cambridge list ALC138), is any code ever;
#: so is irritable bowel syndrome (IBS161), which also counts from antispasmodic prescribing (below).
CMS_CONDITION_FOR_FEATURE: dict[str, str] = {
    "alcohol_problems": "Alcohol problems",
    "anxiety": "Anxiety or depression",
    "efi_hearing_impairment": "Hearing loss",
    "irritable_bowel_syndrome": "Irritable bowel syndrome",
}
#: Registers with no CMS condition in the 20-condition score: non-diabetic hyperglycaemia (not
#: a CMS condition), learning disability, osteoporosis, hypothyroidism (thyroid disorders) and
#: osteoarthritis are in the 37-condition list only or not at all.
CMS_UNMAPPED_REGISTERS = ("non_diabetic_hyperglycaemia", "learning_disability", "osteoporosis", "hypothyroidism",
                          "osteoarthritis")
#: Medicine group (a `medicine` codelist of dm+d codes) -> CMS condition. In the score's definitions
#: (CPRD@Cambridge code lists CON150 and IBS162, as used by Payne 2020) treated constipation is four or
#: more laxative prescriptions (BNF 1.6) in the last 12 months, and irritable bowel syndrome is an IBS
#: code ever (IBS161, the feature codelist) or four or more antispasmodic prescriptions (BNF 1.2) in the
#: last 12 months.
CMS_CONDITION_FOR_MEDICINES: dict[str, str] = {
    "cms_laxatives": "Constipation (treated)",
    "cms_antispasmodics": "Irritable bowel syndrome",
}
CMS_PRESCRIPTIONS = 4  # prescriptions in the last 12 months that make a medicine-defined condition
#: CMS conditions Tandem cannot count: none now, all 20 count.
CMS_NOT_COUNTED: tuple[str, ...] = ()

#: How prescriptions are counted from Tandem's medication rows. A row is a course (start, end,
#: repeat or not), not a single issue, so issues are inferred: a repeat (regular) medicine is taken
#: to be issued on its start day and every 28 days after (the usual repeat interval in English general
#: practice) while the course runs: until its end date, or today while it is current (a stopped course
#: with no end date counts its first issue only); an as-needed or one-off course is one issue, on its
#: start day. Issues on days in the last 12 months (after `years_before(today, 1)`, up to today) are
#: counted. A repeat of 56-day issues is over-counted and a repeat never collected is counted; the
#: record cannot tell. The bulk SQL (`tandem.registers.sql.medicine_issues_select`) does the same sum.
ISSUE_INTERVAL_DAYS = 28


def course_issues(*, start: dt.date, end: dt.date | None, active: bool, regular: bool, today: dt.date) -> int:
    """Prescriptions issued in the last 12 months for one medication course (see above)."""
    if start > today:
        return 0
    if not regular:
        last = start
    elif end is not None:
        last = min(end, today)
    else:
        last = today if active else start
    window = years_before(today, 1)
    if last <= window or last < start:
        return 0
    latest = (last - start).days // ISSUE_INTERVAL_DAYS
    first = 0 if start > window else (window - start).days // ISSUE_INTERVAL_DAYS + 1
    return latest - first + 1


CANCER_RECENT_YEARS = 5  # CMS counts cancer diagnosed in the last 5 years


def medicine_group_slugs() -> tuple[str, ...]:
    """The medicine groups (dm+d codelists) the scores count prescriptions of."""
    return tuple(sorted(CMS_CONDITION_FOR_MEDICINES))


@cache
def code_index(slugs: tuple[str, ...]) -> Mapping[str, frozenset[str]]:
    """Code -> the codelists among `slugs` that hold it (feature lists, medicine groups)."""
    index: dict[str, set[str]] = {}
    for slug in slugs:
        for code in codelists.get(slug).codes:
            index.setdefault(code, set()).add(slug)
    return {code: frozenset(found) for code, found in index.items()}


def medicine_issues_of(medicines: Iterable, today: dt.date) -> dict[str, int]:
    """Prescriptions in the last 12 months per medicine group from medication courses (objects with
    start, end, active, regular and dmd_code, as `risk.MedicineRecord`), matched on the dm+d code;
    groups with none are left out, as the bulk SQL leaves them out."""
    index = code_index(medicine_group_slugs())
    issues: dict[str, int] = {}
    for m in medicines:
        groups = index.get(m.dmd_code.strip())
        if not groups:
            continue
        n = course_issues(start=m.start, end=m.end, active=m.active, regular=m.regular, today=today)
        for group in groups:
            issues[group] = issues.get(group, 0) + n
    return {group: n for group, n in issues.items() if n > 0}


def cms_conditions(registers: Mapping[str, dt.date], today: dt.date,
                   features: Collection[str] = (), medicine_issues: Mapping[str, int] | None = None) -> list[str]:
    """The CMS conditions a person has, from their registers {slug: since}, the feature codelists
    their record holds a code from and the prescriptions of each medicine group in the last 12
    months {group: issues}, each once, in `CMS_WEIGHTS` order."""
    found: set[str] = set()
    for slug, since in registers.items():
        condition = CMS_CONDITION_FOR_REGISTER.get(slug)
        if condition is None:
            continue
        if slug == "cancer" and since < years_before(today, CANCER_RECENT_YEARS):
            continue
        found.add(condition)
    found.update(CMS_CONDITION_FOR_FEATURE[f] for f in features if f in CMS_CONDITION_FOR_FEATURE)
    found.update(CMS_CONDITION_FOR_MEDICINES[group] for group, issues in (medicine_issues or {}).items()
                 if group in CMS_CONDITION_FOR_MEDICINES and issues >= CMS_PRESCRIPTIONS)
    return [c for c in CMS_WEIGHTS if c in found]


def cms_score(registers: Mapping[str, dt.date], today: dt.date, features: Collection[str] = (),
              medicine_issues: Mapping[str, int] | None = None) -> float:
    return round(sum(CMS_WEIGHTS[c] for c in cms_conditions(registers, today, features, medicine_issues)), 2)


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

#: Deficit key -> (eFI deficit, how Tandem sees it). Every deficit but polypharmacy also counts
#: from a coded condition in its eFI code list, the feature codelist `efi_<key>`.
DEFICITS: dict[str, tuple[str, str]] = {
    "activity_limitation": ("Activity limitation", "an eFI activity limitation code"),
    "anaemia": ("Anaemia and haematinic deficiency", "an eFI anaemia code"),
    "arthritis": ("Arthritis", "an eFI arthritis code, or on the osteoarthritis or rheumatoid arthritis register"),
    "atrial_fibrillation": ("Atrial fibrillation", "an eFI atrial fibrillation code, or on the register"),
    "cerebrovascular": ("Cerebrovascular disease", "an eFI cerebrovascular code, or on the stroke and TIA register"),
    "ckd": ("Chronic kidney disease", "an eFI CKD code, or on the CKD stage 3 to 5 register"),
    "diabetes": ("Diabetes", "an eFI diabetes code, or on a diabetes register"),
    "dizziness": ("Dizziness", "an eFI dizziness code"),
    "dyspnoea": ("Dyspnoea", f"an eFI dyspnoea code, or MRC dyspnoea grade {BREATHLESS_MRC_GRADE} or more in the "
                 f"last {RECENT_YEARS} years"),
    "falls": ("Falls", "an eFI falls code, or a hospital attendance or admission for a fall"),
    "foot_problems": ("Foot problems", "an eFI foot problems code"),
    "fragility_fracture": ("Fragility fracture", "an eFI fragility fracture code"),
    "hearing_impairment": ("Hearing impairment", "an eFI hearing impairment code"),
    "heart_failure": ("Heart failure", "an eFI heart failure code, or on the register"),
    "heart_valve_disease": ("Heart valve disease", "an eFI heart valve disease code"),
    "housebound": ("Housebound", f"an eFI housebound code, or {HOUSEBOUND_HOME_VISITS} or more home visits in 12 months"),
    "hypertension": ("Hypertension", "an eFI hypertension code, or on the register"),
    "hypotension": ("Hypotension or syncope", "an eFI hypotension or syncope code"),
    "ischaemic_heart_disease": ("Ischaemic heart disease", "an eFI ischaemic heart disease code, or on the CHD register"),
    "memory": ("Memory and cognitive problems", "an eFI memory and cognition code, or on the dementia register"),
    "mobility": ("Mobility and transfer problems", "an eFI mobility code"),
    "osteoporosis": ("Osteoporosis", "an eFI osteoporosis code, or on the register"),
    "parkinsonism": ("Parkinsonism and tremor", "an eFI parkinsonism or tremor code"),
    "peptic_ulcer": ("Peptic ulcer", "an eFI peptic ulcer code"),
    "peripheral_vascular_disease": ("Peripheral vascular disease", "an eFI peripheral vascular disease code"),
    "polypharmacy": ("Polypharmacy", f"{POLYPHARMACY_DEFICIT_MEDICINES} or more regular medicines"),
    "requires_care": ("Requirement for care", "an eFI care code, or a carer is recorded"),
    "respiratory": ("Respiratory disease", "an eFI respiratory code, or on the asthma or COPD register"),
    "skin_ulcer": ("Skin ulcer", "an eFI skin ulcer code"),
    "sleep_disturbance": ("Sleep disturbance", "an eFI sleep disturbance code"),
    "social_vulnerability": ("Social vulnerability", "an eFI social vulnerability code"),
    "thyroid": ("Thyroid disease", "an eFI thyroid code, or on the hypothyroidism register"),
    "urinary_incontinence": ("Urinary incontinence", "an eFI urinary incontinence code"),
    "urinary_system_disease": ("Urinary system disease", "an eFI urinary system disease code"),
    "visual_impairment": ("Visual impairment", "an eFI visual impairment code"),
    "weight_loss": ("Weight loss and anorexia", f"an eFI weight loss code, or BMI under {UNDERWEIGHT_BMI} in the "
                    f"last {RECENT_YEARS} years"),
}
#: eFI deficits Tandem's record cannot show at all: none since every deficit has its code list.
NOT_OBSERVED: tuple[str, ...] = ()
assert len(DEFICITS) + len(NOT_OBSERVED) == EFI_DEFICITS_TOTAL

#: Deficit key -> its eFI feature codelist slug (every deficit but polypharmacy).
EFI_CODELISTS: dict[str, str] = {key: f"efi_{key}" for key in DEFICITS if key != "polypharmacy"}

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
