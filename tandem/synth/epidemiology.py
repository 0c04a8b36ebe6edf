"""The figures a synthetic practice is drawn from, with where each comes from. Pure: no Django.

Everything here is an approximation good enough to make a practice *look like* England for
demonstration, testing and benchmarking. It is not a model to draw clinical conclusions from.
Figures quoted from publications are rounded; shapes (how prevalence rises with age) are read
off published age-specific tables and figures and then scaled so that the all-ages level matches
the national QOF figure (see `prevalence_by_age`).

Sources
-------
[REG]  NHS Digital, "Patients Registered at a GP Practice, April 2024": England, 5-year age bands
       by sex (to 95+). Counts below are rounded to the nearest 10,000; only their shares matter.
[CEN]  ONS, Census 2021, England, table TS021 "Ethnic group" (usual residents), % rounded to 0.1.
       The age tilt (minority groups are younger) follows the Census 2021 "Ethnic group by age"
       pattern (RM032) approximately; the tilts were chosen so all-ages shares stay close to TS021.
[IMD]  MHCLG, English Indices of Deprivation 2019: deciles of LSOAs, so ~10% of people each.
       Ethnic differences in area deprivation: ONS/MHCLG "People living in deprived
       neighbourhoods" (Ethnicity facts and figures, 2020), approximate.
[QOF]  NHS England (NHS Digital), Quality and Outcomes Framework 2023-24: recorded prevalence,
       England (register / list size, with the register's age denominator). Rounded.
       Hypothyroidism from QOF 2013-14, the last year it had a register.
[NDA]  NHS Digital, National Diabetes Audit 2022-23 (type 1 about 8% of diabetes;
       HbA1c <= 58 mmol/mol in about 60% of type 2 and 30% of type 1) and NDA non-diabetic
       hyperglycaemia 2022-23.
[BAR]  Barnett K et al. Epidemiology of multimorbidity... Lancet 2012;380:37-43 (multimorbidity
       rises steeply with age; onset 10-15 years earlier in the most deprived; mental health
       disorder more likely as physical conditions accumulate).
[CAS]  Cassell A et al. The epidemiology of multimorbidity in primary care. Br J Gen Pract
       2018;68:e245-51 (England, CPRD, adults: multimorbidity 27.2%; hypertension 18.2%,
       depression/anxiety 10.3%, chronic pain 10.1%; higher in women and the most deprived).
[MCL]  McLean G et al. Br J Gen Pract 2014;64:e440-7 (multimorbidity 8.1% at 25-34, 76.1% at 75+).
[HSE]  NHS Digital, Health Survey for England 2019 and 2022: BMI by age (mean ~27.5 kg/m2),
       diagnosed hypertension, ex-smoking by age.
[ONS-S] ONS, "Adult smoking habits in the UK: 2023": 11.9% of adults smoke (England 11.6%),
       highest at 25-34, lowest at 65+, about three times higher in the most deprived areas.
[AIGP] NHS England, "Appointments in General Practice", 2023-24: ~5.5 appointments per registered
       person a year; ~44% with a GP; ~4% did not attend; ~70% face to face, ~25% telephone,
       under 1% home visit or video.
[HES]  NHS England, Hospital Episode Statistics 2022-23 (about 0.11 emergency admissions and 0.4
       A&E attendances per person a year; both rise steeply after 75) and A&E 2022-23.
[REL]  Relative risks for clustering (approximate, rounded, chosen to give the published direction
       and rough size, not fitted): diabetes with hypertension and CKD (NICE NG28, NG136, NG203);
       South Asian and African Caribbean family origin and type 2 diabetes, about twice the risk
       (Tillin T et al., SABRE cohort, Diabetes Care 2013;36:383-93; NICE PH38); COPD and smoking
       (GOLD 2024 report); heart failure with CHD and AF, stroke with AF (NICE NG106, NG196);
       depression with other long-term conditions and deprivation [BAR].
[POLY] Polypharmacy (regular medicines per person). Payne RA et al. Prevalence of polypharmacy in a
       Scottish primary care population. Eur J Clin Pharmacol 2014;70:575-81 (medicines prescribed
       regularly: adults 4.6% on 10+ and 16.9% on 4-9; aged 60-69 7.4% and 28.6%; aged 80+ 18.6% and
       51.8%; 1.1% on 10+ with two conditions, 41.7% with six or more). Guthrie B et al. The rising tide
       of polypharmacy and drug-drug interactions. BMC Med 2015;13:74 (Tayside 2010, drug classes
       dispensed in 84 days: adults 20.8% on 5+ and 5.8% on 10+; 10+ in 0.3% aged 20-29 and 24.0% aged
       80+; commoner in deprived areas). DHSC, Good for you, good for us, good for everybody: a plan to
       reduce overprescribing (National overprescribing review), 2021: about 15% of people in England
       take five or more medicines a day and 7% take eight or more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MAX_AGE = 104

# ---------------------------------------------------------------------------------------
# Registered population [REG], thousands: band start -> (male, female)
REGISTERED_THOUSANDS: dict[int, tuple[int, int]] = {
    0: (1700, 1620), 5: (1870, 1780), 10: (1920, 1830), 15: (1760, 1680), 20: (1850, 1880),
    25: (2100, 2140), 30: (2270, 2300), 35: (2250, 2250), 40: (2080, 2060), 45: (1920, 1930),
    50: (2040, 2070), 55: (2000, 2040), 60: (1730, 1780), 65: (1470, 1550), 70: (1330, 1440),
    75: (1150, 1300), 80: (690, 850), 85: (400, 560), 90: (160, 270), 95: (40, 100),
}
# Within 95+, single years 95..104 get these relative weights (survival falls ~25% a year).
_OVER_95 = (0.30, 0.23, 0.17, 0.12, 0.08, 0.05, 0.025, 0.013, 0.007, 0.005)


def _single_year_weights() -> dict[str, list[float]]:
    weights = {"male": [0.0] * (MAX_AGE + 1), "female": [0.0] * (MAX_AGE + 1)}
    for start, (male, female) in REGISTERED_THOUSANDS.items():
        for sex, count in (("male", male), ("female", female)):
            if start == 95:
                total = sum(_OVER_95)
                for offset, share in enumerate(_OVER_95):
                    weights[sex][95 + offset] = count * share / total
            else:
                for age in range(start, start + 5):
                    weights[sex][age] = count / 5
    return weights


AGE_WEIGHTS = _single_year_weights()  # sex -> weight of each single year of age


def age_band_shares() -> dict[tuple[int, str], float]:
    """Share of the registered population in each (5-year band start, sex) cell."""
    total = sum(m + f for m, f in REGISTERED_THOUSANDS.values())
    shares = {}
    for start, (male, female) in REGISTERED_THOUSANDS.items():
        shares[(start, "male")] = male / total
        shares[(start, "female")] = female / total
    return shares


# ---------------------------------------------------------------------------------------
# Ethnicity [CEN]: patients.models.Ethnicity codes -> % of England's usual residents
ETHNICITY_PERCENT: dict[str, float] = {
    "A": 73.5, "B": 0.9, "T": 0.1, "R": 0.2, "C": 6.4,  # White
    "D": 0.9, "E": 0.5, "F": 0.8, "G": 0.7,  # Mixed
    "H": 3.3, "J": 2.8, "K": 1.1, "L": 0.7, "M": 1.7,  # Asian
    "N": 1.1, "P": 2.6, "S": 0.5,  # Black
    "W": 0.6, "Y": 1.6,  # Other
}
# Minority ethnic groups are younger: weight multiplier by age group (White British and Irish: 1).
ETHNIC_AGE_TILT = ((18, 1.3), (40, 1.3), (65, 0.85), (200, 0.4))  # (age below, multiplier)
ETHNICITY_RECORDED_NOT_STATED = 0.05  # GP records: "not stated" (Z)
ETHNICITY_UNRECORDED = 0.03  # no ethnicity code at all (blank)

SOUTH_ASIAN = frozenset("HJKM")
BLACK = frozenset("NPS")
MIXED_BLACK = frozenset("DE")


def ethnic_tilt(age: int) -> float:
    for below, multiplier in ETHNIC_AGE_TILT:
        if age < below:
            return multiplier
    return 1.0


def ethnicity_weights(age: int) -> tuple[tuple[str, ...], tuple[float, ...]]:
    tilt = ethnic_tilt(age)
    codes = tuple(ETHNICITY_PERCENT)
    weights = tuple(p if c in ("A", "B") else p * tilt for c, p in ETHNICITY_PERCENT.items())
    return codes, weights


# IMD [IMD]: tilt towards more deprived deciles for some groups (log-odds slope across deciles).
IMD_TILT: dict[str, float] = {"J": 1.0, "K": 1.1, "N": 0.8, "P": 0.8, "S": 0.8, "D": 0.7, "R": 1.2, "T": 1.2,
                              "A": -0.06}


# ---------------------------------------------------------------------------------------
# Smoking [ONS-S], [HSE]: % current and % ex-smokers by age (adults 16+); deprivation scales
# current smoking from x1.8 (decile 1, most deprived) to x0.5 (decile 10).
SMOKING_BY_AGE = ((16, 9.0, 4.0), (25, 15.0, 12.0), (35, 13.5, 19.0), (45, 13.0, 25.0),
                  (55, 12.0, 33.0), (65, 8.0, 42.0), (75, 5.0, 47.0), (85, 3.5, 45.0))


def smoking_rates(age: int) -> tuple[float, float]:
    """(current, ex) probabilities at `age`."""
    current = ex = 0.0
    for start, cur, past in SMOKING_BY_AGE:
        if age >= start:
            current, ex = cur / 100, past / 100
    return current, ex


def smoking_deprivation_factor(decile: int) -> float:
    return 1.8 - (decile - 1) * (1.3 / 9)


# BMI [HSE]: mean adult BMI (kg/m2) by age; lognormal spread; +0.18 per decile more deprived.
BMI_BY_AGE = ((16, 24.0), (25, 26.3), (35, 27.4), (45, 28.2), (55, 28.5), (65, 28.4), (75, 27.6), (85, 26.3))
BMI_SIGMA = 0.17  # log scale: SD about 4.7 kg/m2 at a mean of 27.5


def mean_bmi(age: int) -> float:
    value = 17.0 + age * 0.4 if age < 16 else BMI_BY_AGE[0][1]
    for start, mean in BMI_BY_AGE:
        if age >= start:
            value = mean
    return value


# ---------------------------------------------------------------------------------------
# Long-term conditions. Prevalence (%) at these anchor ages is the *shape* of the age gradient
# (linear between anchors); `target` is the QOF national level it is scaled to.
ANCHOR_AGES = (7, 20, 30, 40, 50, 60, 70, 80, 90)


@dataclass(frozen=True)
class ConditionSpec:
    slug: str
    shape: tuple[float, ...]  # % at ANCHOR_AGES
    target: float | None  # % recorded prevalence [QOF], None: the shape is the level
    denominator_min_age: int = 0  # QOF register's age denominator
    min_age: int = 0  # nobody younger has it
    onset_min_age: int = 18  # earliest plausible diagnosis age
    female_ratio: float = 1.0  # hazard ratio women : men
    frailty: float = 0.4  # loading on the person's latent ill-health factor (log-hazard per SD)
    deprivation: float = 0.0  # log hazard ratio, most deprived decile vs the middle
    ethnicity: dict[str, float] = field(default_factory=dict)  # group -> hazard ratio
    bmi: float = 0.0  # log hazard ratio per kg/m2 above the age mean
    smoking: tuple[float, float] = (1.0, 1.0)  # hazard ratio (ex, current) vs never
    parents: dict[str, float] = field(default_factory=dict)  # earlier condition -> hazard ratio
    per_other_condition: float = 1.0  # hazard ratio per other condition already present
    resolved_share: float = 0.0  # extra people with a resolved past diagnosis, as a share of prevalence


def _eth(south_asian: float = 1.0, black: float = 1.0, **groups: float) -> dict[str, float]:
    ratios = {c: south_asian for c in SOUTH_ASIAN} | {c: black for c in BLACK}
    ratios.update({c: (1 + black) / 2 for c in MIXED_BLACK})
    ratios.update(groups)
    return ratios


# Order matters: a condition may only name earlier ones as parents.
CONDITIONS: tuple[ConditionSpec, ...] = (
    ConditionSpec("asthma", (5.5, 7.5, 6.5, 6.5, 6.5, 7.0, 7.5, 7.0, 5.5), 6.5, onset_min_age=2,
                  female_ratio=1.3, frailty=0.25, deprivation=0.15, ethnicity=_eth(1.0, 1.1), smoking=(1.1, 1.2),
                  resolved_share=0.25),
    ConditionSpec("diabetes_type1", (0.2, 0.45, 0.5, 0.5, 0.45, 0.4, 0.3, 0.25, 0.15), 0.6, 17,
                  onset_min_age=1, female_ratio=0.8, frailty=0.1),
    ConditionSpec("serious_mental_illness", (0.0, 0.5, 0.9, 1.2, 1.3, 1.3, 1.1, 1.0, 1.0), 1.0, min_age=14,
                  onset_min_age=15, female_ratio=0.9, frailty=0.3, deprivation=0.45,
                  ethnicity=_eth(1.0, 2.0), smoking=(1.3, 2.0)),
    ConditionSpec("epilepsy", (0.4, 0.7, 0.8, 0.8, 0.8, 0.9, 0.9, 0.9, 0.9), 0.8, 18, onset_min_age=1,
                  female_ratio=0.9, frailty=0.25, deprivation=0.2),
    ConditionSpec("hypothyroidism", (0.05, 0.5, 1.2, 2.0, 3.5, 5.5, 7.5, 9.0, 10.0), 3.5, onset_min_age=10,
                  female_ratio=5.0, frailty=0.2),
    ConditionSpec("rheumatoid_arthritis", (0.0, 0.05, 0.2, 0.4, 0.8, 1.2, 1.6, 1.8, 1.6), 0.8, 16, min_age=16,
                  onset_min_age=18, female_ratio=2.5, frailty=0.3, smoking=(1.2, 1.4)),
    ConditionSpec("diabetes_type2", (0.0, 0.2, 0.8, 2.5, 6.0, 11.0, 16.0, 19.0, 16.0), 6.9, 17, min_age=12,
                  onset_min_age=20, female_ratio=0.75, frailty=0.4, deprivation=0.35,
                  ethnicity=_eth(2.5, 1.8, J=3.0, K=3.0, L=1.2, W=1.8), bmi=0.12,
                  parents={"serious_mental_illness": 1.8}),
    ConditionSpec("non_diabetic_hyperglycaemia", (0.0, 0.5, 1.5, 3.5, 6.5, 10.0, 13.0, 14.0, 11.0), 6.5, 18,
                  min_age=18, onset_min_age=18, frailty=0.2, deprivation=0.2, ethnicity=_eth(1.8, 1.5), bmi=0.08),
    ConditionSpec("hypertension", (0.0, 0.5, 1.5, 5.0, 13.0, 25.0, 40.0, 55.0, 60.0), 14.8, min_age=16,
                  onset_min_age=25, female_ratio=0.9, frailty=0.35, deprivation=0.1,
                  ethnicity=_eth(1.1, 1.5), bmi=0.05, parents={"diabetes_type2": 2.2, "diabetes_type1": 1.5}),
    ConditionSpec("copd", (0.0, 0.0, 0.0, 0.3, 1.0, 2.8, 5.0, 7.0, 7.0), 1.9, min_age=35, onset_min_age=35,
                  female_ratio=0.95, frailty=0.45, deprivation=0.55,
                  ethnicity=_eth(0.6, 0.5, L=0.5), smoking=(5.0, 8.0), parents={"asthma": 1.5}),
    ConditionSpec("coronary_heart_disease", (0.0, 0.0, 0.05, 0.3, 1.3, 4.0, 8.5, 14.0, 18.0), 3.0, min_age=25,
                  onset_min_age=30, female_ratio=0.5, frailty=0.45, deprivation=0.3,
                  ethnicity=_eth(1.5, 0.7), smoking=(1.3, 2.0),
                  parents={"hypertension": 1.8, "diabetes_type2": 1.8, "diabetes_type1": 1.8}),
    ConditionSpec("atrial_fibrillation", (0.0, 0.0, 0.05, 0.2, 0.6, 1.8, 5.0, 11.0, 17.0), 2.2, min_age=20,
                  onset_min_age=30, female_ratio=0.7, frailty=0.35, ethnicity=_eth(0.6, 0.6),
                  parents={"hypertension": 1.5, "coronary_heart_disease": 1.7}),
    ConditionSpec("heart_failure", (0.0, 0.0, 0.03, 0.1, 0.3, 0.8, 2.2, 5.0, 10.0), 1.1, min_age=20,
                  onset_min_age=30, female_ratio=0.75, frailty=0.55, deprivation=0.3,
                  parents={"coronary_heart_disease": 3.5, "atrial_fibrillation": 3.5, "hypertension": 1.6,
                           "diabetes_type2": 1.6}),
    ConditionSpec("stroke_tia", (0.0, 0.02, 0.1, 0.3, 0.9, 2.2, 4.5, 8.0, 11.0), 1.9, min_age=16,
                  onset_min_age=25, female_ratio=0.9, frailty=0.45, deprivation=0.25,
                  ethnicity=_eth(1.1, 1.3), smoking=(1.2, 1.8),
                  parents={"atrial_fibrillation": 2.5, "hypertension": 1.8, "diabetes_type2": 1.5,
                           "coronary_heart_disease": 1.4}),
    ConditionSpec("ckd_3_5", (0.0, 0.0, 0.1, 0.3, 1.0, 2.5, 7.0, 16.0, 28.0), 4.0, 18, min_age=18,
                  onset_min_age=30, female_ratio=1.3, frailty=0.4, deprivation=0.15,
                  ethnicity=_eth(1.2, 1.3),
                  parents={"diabetes_type2": 2.3, "diabetes_type1": 2.0, "hypertension": 2.3, "heart_failure": 2.0}),
    ConditionSpec("cancer", (0.05, 0.2, 0.5, 1.1, 2.2, 4.5, 8.0, 11.5, 13.0), 3.6, onset_min_age=5,
                  female_ratio=1.1, frailty=0.3, smoking=(1.3, 1.6)),
    ConditionSpec("osteoarthritis", (0.0, 0.0, 0.2, 1.0, 4.0, 9.0, 16.0, 22.0, 25.0), None, min_age=30,
                  onset_min_age=35, female_ratio=1.5, frailty=0.35, deprivation=0.15, bmi=0.05),
    ConditionSpec("osteoporosis", (0.0, 0.0, 0.0, 0.1, 0.4, 1.8, 4.5, 8.5, 12.0), None, min_age=40,
                  onset_min_age=45, female_ratio=5.0, frailty=0.4, ethnicity=_eth(0.9, 0.5),
                  smoking=(1.15, 1.3), parents={"rheumatoid_arthritis": 1.8, "copd": 1.5}),
    ConditionSpec("dementia", (0.0, 0.0, 0.0, 0.02, 0.05, 0.25, 1.3, 5.5, 17.0), 0.7, min_age=40,
                  onset_min_age=45, female_ratio=1.4, frailty=0.6, deprivation=0.1, ethnicity=_eth(1.0, 1.2),
                  parents={"stroke_tia": 2.0, "diabetes_type2": 1.3}),
    ConditionSpec("chronic_pain", (0.0, 2.0, 4.0, 6.5, 9.0, 11.0, 12.0, 12.5, 12.0), None, min_age=16,
                  onset_min_age=16, female_ratio=1.4, frailty=0.4, deprivation=0.35,
                  parents={"osteoarthritis": 2.5, "rheumatoid_arthritis": 2.0}),
    ConditionSpec("depression", (0.0, 10.0, 15.0, 16.0, 16.0, 14.0, 11.0, 10.0, 10.0), 13.2, 18, min_age=12,
                  onset_min_age=13, female_ratio=1.9, frailty=0.3, deprivation=0.3,
                  ethnicity=_eth(0.7, 0.7, L=0.5), smoking=(1.1, 1.5),
                  parents={"chronic_pain": 2.0}, per_other_condition=1.2, resolved_share=0.35),
)
BY_SLUG: dict[str, ConditionSpec] = {c.slug: c for c in CONDITIONS}

# Share of each condition's cases that are diagnosed in each stage (for code choice and results).
CKD_STAGES = (("3a", 0.68, 45, 59), ("3b", 0.23, 30, 44), ("4", 0.07, 15, 29), ("5", 0.02, 6, 14))


# ---------------------------------------------------------------------------------------
# Derived tables: prevalence by single year of age and sex, scaled to the QOF level.

def _interpolate(shape: tuple[float, ...], age: int) -> float:
    if age <= ANCHOR_AGES[0]:
        return shape[0]
    for k in range(len(ANCHOR_AGES) - 1):
        a0, a1 = ANCHOR_AGES[k], ANCHOR_AGES[k + 1]
        if a0 <= age <= a1:
            return shape[k] + (shape[k + 1] - shape[k]) * (age - a0) / (a1 - a0)
    return shape[-1]


def _sex_factors(female_ratio: float) -> dict[str, float]:
    return {"male": 2 / (1 + female_ratio), "female": 2 * female_ratio / (1 + female_ratio)}


def _scaled(spec: ConditionSpec) -> list[float]:
    """% prevalence (both sexes) at each single year of age, at the national level."""
    raw = [0.0 if age < spec.min_age else _interpolate(spec.shape, age) for age in range(MAX_AGE + 1)]
    if spec.target is None:
        return raw
    both = [AGE_WEIGHTS["male"][a] + AGE_WEIGHTS["female"][a] for a in range(MAX_AGE + 1)]
    denominator = sum(both[a] for a in range(spec.denominator_min_age, MAX_AGE + 1))
    cases = sum(both[a] * raw[a] for a in range(spec.denominator_min_age, MAX_AGE + 1))
    level = spec.target / (cases / denominator)
    return [v * level for v in raw]


def prevalence_by_age() -> dict[str, dict[str, list[float]]]:
    """slug -> sex -> probability of the condition at each single year of age."""
    table = {}
    for spec in CONDITIONS:
        scaled = _scaled(spec)
        factors = _sex_factors(spec.female_ratio)
        table[spec.slug] = {
            sex: [min(0.9, v / 100 * factors[sex]) for v in scaled] for sex in ("male", "female")
        }
    return table


PREVALENCE = prevalence_by_age()


def expected_prevalence(slug: str, *, min_age: int = 0) -> float:
    """National prevalence implied by the tables, over people aged `min_age` or more."""
    num = den = 0.0
    for sex in ("male", "female"):
        for age in range(min_age, MAX_AGE + 1):
            w = AGE_WEIGHTS[sex][age]
            num += w * PREVALENCE[slug][sex][age]
            den += w
    return num / den


def deprivation_factor(log_hr: float, decile: int) -> float:
    """Hazard multiplier for an IMD decile (1 most deprived), mean 1 over the deciles."""
    raw = [math.exp(log_hr * (5.5 - d) / 4.5) for d in range(1, 11)]
    return raw[decile - 1] / (sum(raw) / 10)


# ---------------------------------------------------------------------------------------
# Care activity [AIGP], [HES]: rates per person per year by age (before multimorbidity).
APPOINTMENTS_BY_AGE = ((0, 4.0), (5, 1.8), (15, 2.4), (25, 2.8), (45, 3.6), (65, 5.0), (75, 6.5), (85, 7.5))
APPOINTMENTS_WOMEN_15_44 = 1.4  # women of working age consult more [AIGP]
APPOINTMENTS_PER_CONDITION = 0.30  # +30% per long-term condition [CAS]
EMERGENCY_BY_AGE = ((0, 0.08), (5, 0.03), (15, 0.04), (45, 0.05), (65, 0.08), (75, 0.14), (85, 0.26))
AE_BY_AGE = ((0, 0.45), (5, 0.25), (15, 0.40), (25, 0.30), (45, 0.25), (65, 0.27), (75, 0.36), (85, 0.50))
ELECTIVE_BY_AGE = ((0, 0.02), (15, 0.05), (45, 0.11), (65, 0.20), (75, 0.22), (85, 0.14))
DNA_RATE = 0.045  # [AIGP]
APPOINTMENT_KINDS = (("face_to_face", 0.70), ("telephone", 0.27), ("video", 0.02), ("home_visit", 0.01))
APPOINTMENT_ROLES = (("gp", 0.44), ("nurse", 0.26), ("hca", 0.18), ("pharmacist", 0.12))


def by_age(table: tuple[tuple[int, float], ...], age: int) -> float:
    value = table[0][1]
    for start, rate in table:
        if age >= start:
            value = rate
    return value


# Polypharmacy targets [POLY]: (group, at least this many regular medicines) -> share of the group.
# The generator's everyday medicines (generate/general_medicines.py) are tuned to land near these.
POLYPHARMACY_TARGETS: dict[tuple[str, int], float] = {
    ("adults", 10): 0.05,  # Payne 4.6%, Guthrie 5.8%
    ("aged 65+", 10): 0.16,  # between Payne (7.4% at 60-69, 18.6% at 80+) and Guthrie (24.0% at 80+)
    ("aged 80+", 10): 0.21,  # Payne 18.6%, Guthrie 24.0%
    ("everyone", 5): 0.15,  # overprescribing review
    ("everyone", 8): 0.07,  # overprescribing review
}


# Mortality (Gompertz approximation to ONS National life tables, England 2020-22):
# annual probability of death ~ 0.00002 * exp(0.1 * age) (0.3% at 50, 6% at 80, 16% at 90).
def annual_mortality(age: int) -> float:
    return min(0.5, 0.00002 * math.exp(0.1 * age))
