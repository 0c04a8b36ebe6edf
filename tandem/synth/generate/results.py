"""Multi-year results histories: when things were measured and what the values were. Pure.

People with a long-term condition have an annual review in their birth month (bloods a week
or two before); most attend. Readings follow a personal set point with mean-reverting noise
(an AR(1) process), a slow trend, and treatment effects (statins lower cholesterol; control
improves after diagnosis). Set points are spread so that some people are in target and some
are not, roughly as national audits report: about 60% of type 2 and 30% of type 1 diabetes at
HbA1c <= 58 mmol/mol [NDA]; about 70% of hypertension at <= 140/90 (QOF HYP008 achievement).
Everyone else has occasional opportunistic readings (NHS Health Check ages 40-74 and the like).

Concepts, codes and units come from `tandem.terminology.observations`; values are clipped to
each concept's plausible range. The code is the concept's first SNOMED CT code (UK primary
care records are SNOMED coded), else its first LOINC code, else none (the concept key still says
what it is). The MRC dyspnoea grade is recorded as GP systems record it: under the finding code
of that grade (`MRC_GRADE_CODES`, QOF cluster MRC_COD), with the grade as the value.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from tandem.terminology.observations import BY_KEY, MRC_GRADE_CODES

from .. import epidemiology as epi
from .people import YEAR, Person

CODES = {
    key: ("snomed", c.snomed[0]) if c.snomed else ("loinc", c.loinc[0]) if c.loinc else ("", "")
    for key, c in BY_KEY.items()
}
UNITS = {key: c.unit for key, c in BY_KEY.items()}
PLAUSIBLE = {key: c.plausible for key, c in BY_KEY.items()}
MRC_CODE = {grade: code for code, grade in MRC_GRADE_CODES.items()}  # grade -> SNOMED CT finding

CARDIOMETABOLIC = ("hypertension", "diabetes_type1", "diabetes_type2", "ckd_3_5", "coronary_heart_disease",
                   "stroke_tia", "atrial_fibrillation", "heart_failure", "serious_mental_illness")
DIABETES = ("diabetes_type1", "diabetes_type2")


def schedule_reviews(person: Person, today: int) -> None:
    """Annual reviews in the birth month from the first diagnosis (within the history window)."""
    rng = person.rng
    person.history_start = today - rng.randint(3 * 365, 6 * 365)
    person.reviews = []
    if not person.conditions:
        return
    first = min(d.onset for d in person.conditions.values()) + 30
    start, end = max(person.history_start, first), person.end
    for year in range(dt.date.fromordinal(start).year, dt.date.fromordinal(end).year + 1):
        review = dt.date(year, person.birth_month, rng.randint(1, 28)).toordinal()
        attends = rng.random() < 0.88
        if start <= review <= end and attends:
            bloods = review - rng.randint(7, 14)
            person.reviews.append((max(bloods, start), review))


class _Writer:
    __slots__ = ("rows", "pid")

    def __init__(self, rows: list, pid: int):
        self.rows, self.pid = rows, pid

    def value(self, key: str, day: int, value: float, decimals: int = 0) -> None:
        low, high = PLAUSIBLE[key]
        value = min(high, max(low, value))
        value = round(value, decimals) if decimals else float(round(value))
        system, code = ("snomed", MRC_CODE[int(value)]) if key == "mrc_dyspnoea" else CODES[key]
        self.rows.append((self.pid, key, system, code, value, "", UNITS[key], dt.date.fromordinal(day)))

    def coded(self, key: str, day: int, value_code: str) -> None:
        system, code = CODES[key]
        self.rows.append((self.pid, key, system, code, None, value_code, UNITS[key], dt.date.fromordinal(day)))


def _ar(rng: random.Random, previous: float | None, sd: float, phi: float) -> float:
    if previous is None:
        return rng.gauss(0.0, sd)
    return phi * previous + math.sqrt(1 - phi * phi) * rng.gauss(0.0, sd)


def _some_days(rng: random.Random, start: int, end: int, weights: tuple[float, ...]) -> list[int]:
    """0..n opportunistic dates (n drawn with `weights`) between start and end."""
    if end <= start:
        return []
    n = rng.choices(range(len(weights)), weights=weights)[0]
    return sorted(rng.randint(start, end) for _ in range(n))


def draw_results(person: Person, today: int, rows: list, pid: int) -> None:
    if person.age < 16:
        return
    rng, w = person.rng, _Writer(rows, pid)
    start, end = max(person.history_start, person.dob + int(16 * YEAR)), person.end
    if end <= start:
        return
    bloods = [b for b, _ in person.reviews]
    reviews = [r for _, r in person.reviews]
    cardiometabolic = person.has(*CARDIOMETABOLIC)
    older = person.age >= 40

    # Smoking status: at every review, else once or twice.
    days = reviews or _some_days(rng, start, end, (0.2, 0.55, 0.25))
    for day in days:
        status = person.smoking
        if status == "ex" and person.quit_day is not None and day < person.quit_day:
            status = "current"
        w.coded("smoking", day, status)

    _blood_pressure(person, w, reviews if cardiometabolic else [], start, end, older)
    _glycaemia(person, w, bloods, start, end, older)
    _lipids(person, w, bloods, start, end)
    _weight(person, w, reviews, start, end)
    _kidney(person, w, bloods, start, end, older)
    if "copd" in person.conditions:
        _copd(person, w, reviews, start)
    _mood(person, w, reviews, start, end)


def _blood_pressure(person: Person, w: _Writer, reviews: list[int], start: int, end: int, older: bool) -> None:
    rng = person.rng
    days = [d for d in reviews if rng.random() < 0.93]
    if not days:
        days = _some_days(rng, start, end, (0.3, 0.45, 0.25) if older else (0.6, 0.35, 0.05))
    if not days:
        return
    htn = person.conditions.get("hypertension")
    if htn is not None:
        set_point = rng.gauss(134, 10) + (4 if person.age >= 80 else 0)
    else:
        set_point = min(138.0, 108 + 0.45 * (person.age - 18) + rng.gauss(0, 9))
    target = 150 if person.age >= 80 else 140
    dia_offset = rng.gauss(0, 5)
    residual = None
    review_days = set(reviews)

    def reading(day: int, adjust: float) -> int:
        nonlocal residual
        mean = set_point + adjust
        if htn is not None and day < htn.onset + 120:
            mean += 18 if day < htn.onset else 18 * (1 - (day - htn.onset) / 120)
        residual = _ar(rng, residual, 8.0, 0.3)
        systolic = round(mean + residual)
        age_then = person.age_at(day)
        diastolic = round(0.45 * systolic + 20 + dia_offset - 0.25 * max(0.0, age_then - 60) + rng.gauss(0, 3))
        w.value("systolic_bp", day, systolic)
        w.value("diastolic_bp", day, min(diastolic, systolic - 25))
        return systolic

    for day in days:
        systolic = reading(day, 0.0)
        # Above target at a review: a repeat reading a few weeks later, often after a change in treatment.
        if htn is not None and systolic > target and day in review_days:
            follow_up = day + rng.randint(14, 42)
            if follow_up <= end:
                reading(follow_up, -4.0)


def _glycaemia(person: Person, w: _Writer, bloods: list[int], start: int, end: int, older: bool) -> None:
    rng = person.rng
    diabetes = person.conditions.get("diabetes_type2") or person.conditions.get("diabetes_type1")
    if diabetes is not None:
        type1 = diabetes.slug == "diabetes_type1"
        set_point = rng.gauss(66, 11) if type1 else rng.gauss(55, 9)
        if person.frail:
            set_point += 6
        set_point = max(42.0, set_point)
        slope = rng.gauss(0, 1.2)  # mmol/mol a year
        days = set(bloods)
        if diabetes.onset >= start:
            days.add(diabetes.onset)
        for b in bloods:
            if rng.random() < (0.35 if set_point < 58 else 0.7) and b + 150 <= end:
                days.add(min(end, b + rng.randint(150, 200)))
        residual = None
        for day in sorted(days):
            if day < diabetes.onset:  # before diagnosis: rising through the non-diabetic range
                rising = 1 - min(1.0, (diabetes.onset - day) / (3 * YEAR))
                w.value("hba1c", day, min(47.0, 39 + 7 * rising + rng.gauss(0, 2)))
                continue
            mean = set_point + slope * (day - end) / YEAR
            since = day - diabetes.onset
            if 0 <= since < 365:
                mean += (20 + rng.gauss(0, 6)) * math.exp(-since / 120)
            residual = _ar(rng, residual, 6.0, 0.5)
            value = mean + residual
            if not type1 and day == diabetes.onset:
                value = max(value, 49.0)
            w.value("hba1c", day, value)
        return
    ndh = person.conditions.get("non_diabetic_hyperglycaemia")
    if ndh is not None:
        days = sorted({d for d in bloods if d >= ndh.onset} | ({ndh.onset} if ndh.onset >= start else set()))
        value = rng.uniform(42, 47)
        for day in days:
            w.value("hba1c", day, max(38.0, min(47.0, value)))
            value += rng.gauss(-0.2, 1.8)
        return
    if "serious_mental_illness" in person.conditions:
        days = [d for d in bloods if rng.random() < 0.6]
    elif older:
        days = _some_days(rng, start, end, (0.7, 0.25, 0.05))
    else:
        days = []
    base = rng.gauss(37, 3)
    for day in days:
        w.value("hba1c", day, min(41.0, base + rng.gauss(0, 1.5)))


def _lipids(person: Person, w: _Writer, bloods: list[int], start: int, end: int) -> None:
    rng = person.rng
    if person.has("diabetes_type1", "diabetes_type2", "coronary_heart_disease", "stroke_tia", "ckd_3_5",
                  "serious_mental_illness"):
        days = [d for d in bloods if rng.random() < 0.8]
    elif person.has("hypertension", "atrial_fibrillation", "heart_failure"):
        days = [d for d in bloods if rng.random() < 0.45]
    elif 40 <= person.age <= 75:
        days = _some_days(rng, start, end, (0.65, 0.3, 0.05))
    else:
        days = []
    if not days:
        return
    untreated = min(9.0, max(3.0, rng.gauss(5.3, 0.9) + 0.01 * (person.age - 45)))
    hdl = min(2.5, max(0.7, rng.gauss(1.55 if person.sex == "female" else 1.3, 0.3)))
    triglycerides = 1.3 * math.exp(rng.gauss(0, 0.4))
    residual = None
    for day in days:
        on_statin = person.statin_start is not None and day >= person.statin_start + 42
        mean = untreated * 0.72 - 0.1 if on_statin else untreated
        residual = _ar(rng, residual, 0.35, 0.5)
        total = max(2.0, mean + residual)
        w.value("total_cholesterol", day, total, 1)
        if rng.random() < 0.9:
            w.value("ldl", day, max(0.4, total - hdl - triglycerides / 2.2 + rng.gauss(0, 0.15)), 1)


def _weight(person: Person, w: _Writer, reviews: list[int], start: int, end: int) -> None:
    rng = person.rng
    if person.has("diabetes_type1", "diabetes_type2", "copd", "serious_mental_illness", "non_diabetic_hyperglycaemia"):
        days = [d for d in reviews if rng.random() < 0.75]
    else:
        days = [d for d in reviews if rng.random() < 0.3]
    if not days:
        days = _some_days(rng, start, end, (0.45, 0.4, 0.15))
    slope = rng.gauss(0.1, 0.4)  # kg/m2 a year
    height2 = person.height * person.height
    residual = None
    for day in days:
        residual = _ar(rng, residual, 0.5, 0.6)
        bmi = max(14.0, person.bmi + slope * (day - end) / YEAR + residual)
        w.value("bmi", day, bmi, 1)
        w.value("weight", day, bmi * height2, 1)


def _kidney(person: Person, w: _Writer, bloods: list[int], start: int, end: int, older: bool) -> None:
    rng = person.rng
    ckd = person.conditions.get("ckd_3_5")
    if ckd is not None:
        days = set(bloods)
        if ckd.detail in ("3b", "4", "5"):
            days |= {b + rng.randint(150, 200) for b in bloods if b + 200 <= end}
        days = sorted(days)
    elif person.has(*CARDIOMETABOLIC):
        days = [d for d in bloods if rng.random() < 0.85]
    elif older:
        days = _some_days(rng, start, end, (0.65, 0.3, 0.05))
    else:
        days = []
    if not days:
        return
    if ckd is not None:
        for stage, _share, low, high in epi.CKD_STAGES:
            if stage == ckd.detail:
                current = rng.uniform(low, high)
        decline = max(0.0, rng.gauss(1.5, 1.2))
        floor = 4.0
    else:
        current = min(130.0, max(62.0, 118 - 0.9 * max(0, person.age - 25) + rng.gauss(0, 9)))
        decline = max(0.0, rng.gauss(0.9, 0.5))
        floor = 60.0
    residual = None
    for day in days:
        residual = _ar(rng, residual, 3.5, 0.3)
        w.value("egfr", day, max(floor, current + decline * (end - day) / YEAR + residual))
    if ckd is None and not person.has(*DIABETES):
        return
    median = (3.5 if ckd is not None else 1.0) * math.exp(rng.gauss(0, 1.0))
    for day in days:
        if rng.random() < 0.65:
            w.value("urine_acr", day, max(0.1, median * math.exp(rng.gauss(0, 0.35))), 1)


def _predicted_fev1(sex: str, height: float, age: float) -> float:
    # ECSC 1993 reference equations (Quanjer et al., Eur Respir J 1993;6 Suppl 16:5-40)
    if sex == "male":
        return 4.30 * height - 0.029 * age - 2.49
    return 3.95 * height - 0.025 * age - 2.60


def _copd(person: Person, w: _Writer, reviews: list[int], start: int) -> None:
    rng = person.rng
    copd = person.conditions["copd"]
    percent = min(100.0, max(20.0, rng.gauss(60, 16)))
    cat_base = 6 + 0.3 * (80 - percent) + rng.gauss(0, 5)
    spirometry = [d for d in reviews if rng.random() < 0.35]
    if copd.onset >= start:
        spirometry = sorted({copd.onset, *spirometry})
    end = person.end
    for day in spirometry:
        predicted = _predicted_fev1(person.sex, person.height, person.age_at(day))
        value = max(0.25, predicted) * percent / 100 + 0.02 * (end - day) / YEAR + rng.gauss(0, 0.08)
        w.value("fev1", day, value, 2)
    residual = None
    for day in reviews:
        residual = _ar(rng, residual, 3.0, 0.5)
        cat = cat_base + residual
        if rng.random() < 0.8:
            w.value("cat_score", day, cat)
        if rng.random() < 0.85:
            w.value("mrc_dyspnoea", day, round(1 + max(0.0, cat) / 9 + rng.gauss(0, 0.5)))


def _mood(person: Person, w: _Writer, reviews: list[int], start: int, end: int) -> None:
    rng = person.rng
    episodes = []
    active = person.conditions.get("depression")
    if active is not None:
        if active.onset >= start:
            episodes.append((active.onset, None))
        else:
            days = [d for d in reviews if rng.random() < 0.35]
            level = min(27.0, max(0.0, rng.gauss(9, 5)))
            for day in days:
                _phq(rng, w, day, level + rng.gauss(0, 3))
    past = person.resolved.get("depression")
    if past is not None and past.onset >= start:
        episodes.append((past.onset, past.resolved))
    for onset, resolved in episodes:
        first = min(27.0, max(10.0, rng.gauss(16, 4)))
        rest = min(15.0, max(0.0, rng.gauss(7, 4))) if resolved is None else rng.uniform(0, 4)
        days = [onset] + [onset + rng.randint(lo, hi) for lo, hi in ((28, 56), (90, 120), (180, 240))
                          if rng.random() < 0.8]
        if resolved is not None:
            days.append(resolved)
        for day in days:
            if day > end or (resolved is not None and day > resolved):
                continue
            since = day - onset
            _phq(rng, w, day, rest + (first - rest) * math.exp(-since / 90) + rng.gauss(0, 2))


def _phq(rng: random.Random, w: _Writer, day: int, phq: float) -> None:
    phq = min(27.0, max(0.0, phq))
    w.value("phq9", day, phq)
    if rng.random() < 0.6:
        w.value("gad7", day, 0.75 * phq + rng.gauss(0, 2.5))
