"""Which long-term conditions a person has, since when, and how each is coded. Pure: no Django.

How conditions cluster
----------------------
Each condition has a national prevalence by age and sex (`epidemiology.PREVALENCE`), read as a
cumulative hazard H = -ln(1 - p). A person's own hazard is H times a multiplier M built from:

* a latent ill-health factor z ~ N(0, 1) shared by all their conditions (loading per condition),
  which is what makes conditions pile up in the same people beyond what age explains;
* deprivation (IMD decile), ethnicity, BMI and smoking, as relative hazards;
* conditions drawn earlier in `epidemiology.CONDITIONS` ("parents"): diabetes raises hypertension,
  CHD and CKD; CHD and AF raise heart failure; AF raises stroke; and so on; depression rises with
  every other condition present (Barnett 2012).

Every factor is divided by its population mean at that age and sex (parents by 1 + q(HR - 1)
with q the parent's prevalence), so M averages about 1 and the national prevalence is kept while
the joint distribution clusters. P(has it) = 1 - exp(-H * M).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from functools import cache

from tandem.terminology import codelists

from .. import epidemiology as epi
from .people import YEAR, Person

# Years since diagnosis: mean of an exponential, capped by the person's age.
MEAN_DURATION = {
    "hypertension": 10, "diabetes_type2": 9, "non_diabetic_hyperglycaemia": 3, "copd": 7,
    "coronary_heart_disease": 9, "atrial_fibrillation": 6, "heart_failure": 4, "stroke_tia": 6,
    "ckd_3_5": 6, "cancer": 6, "osteoarthritis": 8, "osteoporosis": 6, "dementia": 3,
    "chronic_pain": 6, "depression": 8, "hypothyroidism": 12, "rheumatoid_arthritis": 10,
    "serious_mental_illness": 15, "epilepsy": 15, "asthma": 15, "diabetes_type1": 20,
}

# Hazard corrections fitted by simulation (two rounds of 200,000 people, seeds 7 and 8, scaling
# each by (wanted / drawn) ** 1.15): the transform 1 - exp(-H*M) is concave and some conditions
# exclude others (no NDH with diabetes), so without these the drawn prevalence falls short of the
# table by up to 20% (or overshoots where parents cluster strongly, as for heart failure).
# tests/synth/test_epidemiology.py checks the drawn prevalence against the tables.
CALIBRATION: dict[str, float] = {
    "diabetes_type1": 0.955, "serious_mental_illness": 0.944, "epilepsy": 0.956, "diabetes_type2": 1.064,
    "non_diabetic_hyperglycaemia": 1.226, "hypertension": 1.066, "copd": 0.994, "coronary_heart_disease": 0.977,
    "atrial_fibrillation": 0.987, "heart_failure": 0.864, "stroke_tia": 0.89, "ckd_3_5": 0.989, "cancer": 0.984,
    "osteoarthritis": 1.016, "dementia": 0.982, "depression": 0.963,
}

_FEMALE_TERMS = ("female breast", "ovary", "cervix", "uterus", "postpartum", "antenatal", "pregnan")
_MALE_TERMS = ("male breast", "prostate", "testis")


@dataclass(slots=True)
class Diagnosis:
    slug: str
    onset: int  # day ordinal
    code: str
    term: str
    resolved: int | None = None
    detail: str = ""  # CKD stage ("3a", "3b", "4", "5"), cancer site ("breast")


def _grid():
    step = 0.1
    points = [(-4 + k * step) for k in range(81)]
    weights = [math.exp(-z * z / 2) for z in points]
    total = sum(weights)
    return [(z, w / total) for z, w in zip(points, weights, strict=True)]


_Z_GRID = _grid()


def _bmi_norm(beta: float, age: int) -> float:
    if not beta:
        return 1.0
    m, s = epi.mean_bmi(age), epi.BMI_SIGMA
    return sum(w * math.exp(beta * (m * math.exp(s * z - s * s / 2) - m)) for z, w in _Z_GRID)


def _ethnic_mean(ratios: dict[str, float], age: int) -> float:
    if not ratios:
        return 1.0
    codes, weights = epi.ethnicity_weights(age)
    return sum(w * ratios.get(c, 1.0) for c, w in zip(codes, weights, strict=True)) / sum(weights)


@cache
def _tables():
    """slug -> sex -> per-age (H, normaliser); slug -> deprivation factors by decile."""
    hazards, deprivation = {}, {}
    for spec in epi.CONDITIONS:
        deprivation[spec.slug] = [epi.deprivation_factor(spec.deprivation, d) for d in range(1, 11)]
        per_sex = {}
        for sex in ("male", "female"):
            rows = []
            for age in range(epi.MAX_AGE + 1):
                p = epi.PREVALENCE[spec.slug][sex][age]
                if p <= 0:
                    rows.append((0.0, 1.0))
                    continue
                norm = _bmi_norm(spec.bmi, age) * _ethnic_mean(spec.ethnicity, age)
                current, ex = epi.smoking_rates(age)
                norm *= (1 - current - ex) + ex * spec.smoking[0] + current * spec.smoking[1]
                for parent, hr in spec.parents.items():
                    norm *= 1 + epi.PREVALENCE[parent][sex][age] * (hr - 1)
                if spec.per_other_condition != 1.0:
                    for other in epi.CONDITIONS:
                        if other.slug != spec.slug:
                            norm *= 1 + epi.PREVALENCE[other.slug][sex][age] * (spec.per_other_condition - 1)
                rows.append((-math.log(1 - p) * CALIBRATION.get(spec.slug, 1.0), norm))
            per_sex[sex] = rows
        hazards[spec.slug] = per_sex
    return hazards, deprivation


def draw_conditions(person: Person, today: int) -> None:
    """Decide each condition (and past resolved ones) for `person`, in dependency order."""
    hazards, deprivation = _tables()
    rng, age, sex = person.rng, person.age, person.sex
    z, bmi_gap = person.z, person.bmi - epi.mean_bmi(age)
    smoking = person.smoking
    for spec in epi.CONDITIONS:
        slug = spec.slug
        if age < spec.min_age:
            continue
        h, norm = hazards[slug][sex][age]
        if h == 0.0:
            continue
        if slug == "diabetes_type2" and "diabetes_type1" in person.conditions:
            continue
        if slug == "non_diabetic_hyperglycaemia" and person.has("diabetes_type1", "diabetes_type2"):
            continue
        lam = spec.frailty
        m = math.exp(lam * z - lam * lam / 2) * deprivation[slug][person.imd - 1]
        if spec.ethnicity:
            m *= spec.ethnicity.get(person.ethnicity, 1.0)
        if spec.bmi:
            m *= math.exp(spec.bmi * bmi_gap)
        if smoking == "current":
            m *= spec.smoking[1]
        elif smoking == "ex":
            m *= spec.smoking[0]
        for parent, hr in spec.parents.items():
            if parent in person.conditions:
                m *= hr
        if spec.per_other_condition != 1.0:
            m *= spec.per_other_condition ** len(person.conditions)
        p = 1.0 - math.exp(-h * m / norm)
        if rng.random() < p:
            person.conditions[slug] = Diagnosis(slug, _onset(rng, spec, person, today), "", "")
        elif spec.resolved_share and rng.random() < spec.resolved_share * (1.0 - math.exp(-h)):
            past = _resolved_episode(rng, spec, person, today)
            if past is not None:
                person.resolved[slug] = past
    for diagnosis in list(person.conditions.values()) + list(person.resolved.values()):
        _code(rng, diagnosis, person)


def _onset(rng: random.Random, spec: epi.ConditionSpec, person: Person, today: int) -> int:
    age = person.age
    low = min(spec.onset_min_age, age)
    if spec.slug == "diabetes_type1":
        onset_age = rng.uniform(low, min(age, 35) if age > low else age)
    elif spec.slug in ("asthma", "epilepsy") and rng.random() < 0.5:
        onset_age = rng.uniform(low, min(age, 16) if age > low else age)
    else:
        years = min(age - low, rng.expovariate(1 / MEAN_DURATION[spec.slug]))
        onset_age = age - years
    day = person.dob + int(onset_age * YEAR) + rng.randint(0, 300)
    return max(person.dob + 1, min(day, person.end - 1, today - 1))


def _resolved_episode(rng: random.Random, spec: epi.ConditionSpec, person: Person, today: int):
    end = person.end
    if spec.slug == "asthma":
        if person.age < 8:
            return None
        onset = person.dob + int(rng.uniform(2, min(person.age - 3, 16)) * YEAR)
        resolved = onset + int(rng.uniform(2, 15) * YEAR)
    else:  # depression: an episode some years ago that has resolved
        if person.age < 16:
            return None
        years_ago = min(person.age - 14, rng.expovariate(1 / 5) + 0.5)
        onset = today - int(years_ago * YEAR)
        resolved = onset + rng.randint(120, 720)
    if resolved >= end - 30 or onset <= person.dob:
        return None
    return Diagnosis(spec.slug, onset, "", "", resolved=resolved)


# --- Coding ---------------------------------------------------------------------------------

def _sex_of_term(term: str) -> str | None:
    lowered = term.lower()
    if any(t in lowered for t in _FEMALE_TERMS):
        return "female"
    if any(t in lowered for t in _MALE_TERMS):
        return "male"
    return None


_CKD_STAGE = re.compile(r"(?:stage |category g)(3a|3b|3|4|5)")


def _ckd_fits(term: str, stage: str, causes: frozenset[str]) -> bool:
    lowered = term.lower()
    found = _CKD_STAGE.search(lowered)
    term_stage = found.group(1) if found else ""
    if not (term_stage == stage or term_stage == "3" and stage in ("3a", "3b")):
        return False
    if "dialysis" in lowered or "transplant" in lowered:
        return False
    for cause, needs in (("type 2 diabetes", "diabetes_type2"), ("type 1 diabetes", "diabetes_type1"),
                         ("due to hypertension", "hypertension")):
        if cause in lowered and needs not in causes:
            return False
    return True


@cache
def _picker(slug: str, sex: str, detail: str, causes: frozenset[str]):
    """Codes that fit, with weights falling with their place in the codelist (first most common)."""
    codelist = codelists.get(slug)
    codes, cum, running = [], [], 0.0
    for rank, (code, term) in enumerate(codelist.terms.items()):
        term_sex = _sex_of_term(term)
        if term_sex is not None and term_sex != sex:
            continue
        if slug == "ckd_3_5" and not _ckd_fits(term, detail, causes):
            continue
        if slug == "stroke_tia" and "atrial fibrillation" in term.lower() and "atrial_fibrillation" not in causes:
            continue
        if slug == "cancer" and detail == "breast" and "breast" not in term.lower():
            continue
        running += 1.0 / (1 + rank) ** 2
        codes.append((code, term))
        cum.append(running)
    if not codes:  # the filters left nothing: fall back to the list's first code
        code, term = next(iter(codelist.terms.items()))
        codes, cum = [(code, term)], [1.0]
    return codes, cum


def _code(rng: random.Random, diagnosis: Diagnosis, person: Person) -> None:
    slug, causes = diagnosis.slug, frozenset()
    if slug == "ckd_3_5":
        r, acc = rng.random(), 0.0
        for stage, share, _low, _high in epi.CKD_STAGES:
            acc += share
            if r < acc:
                diagnosis.detail = stage
                break
        else:
            diagnosis.detail = "3a"
        causes = frozenset(s for s in ("diabetes_type1", "diabetes_type2", "hypertension") if s in person.conditions)
    elif slug == "stroke_tia" and "atrial_fibrillation" in person.conditions:
        causes = frozenset({"atrial_fibrillation"})
    elif slug == "cancer" and person.sex == "female" and rng.random() < 0.35:
        diagnosis.detail = "breast"  # breast cancer is about a third of women's cancer survivors
    codes, cum = _picker(slug, person.sex, diagnosis.detail, causes)
    diagnosis.code, diagnosis.term = rng.choices(codes, cum_weights=cum)[0]
    if slug == "cancer" and "breast" in diagnosis.term.lower():
        diagnosis.detail = "breast"


@cache
def resolution_code(slug: str) -> tuple[str, str] | None:
    """The first code of the first codelist that resolves `slug`, if any."""
    for codelist in codelists.resolutions_for(slug):
        for code, term in codelist.terms.items():
            return code, term
    return None
