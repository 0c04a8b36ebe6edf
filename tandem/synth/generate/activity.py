"""Appointments (attended, missed, booked) and hospital events, heavier for the multimorbid and frail.

Rates per person per year come from `epidemiology` [AIGP], [HES] and are multiplied by
(1 + 0.3 per long-term condition) and by the latent ill-health factor, so multimorbid people
account for most contacts, as Cassell 2018 found (52.9% of GP consultations, 56.1% of
admissions). Events arrive as a Poisson process (exponential gaps) in the last three years.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from .. import epidemiology as epi
from .people import YEAR, Person, weighted_choice

WINDOW_YEARS = 3


@dataclass(frozen=True)
class Staff:
    """Who works at a synthetic practice, and how likely its people are to see their usual clinician.

    Practices differ: in some, people mostly see one GP; in others, whoever is free. `usual` is the
    chance a contact is with the person's usual clinician of that role (the mean UPC in English
    practices was 0.61, lower in larger practices: Barker, Steventon and Deeny, BMJ 2017;356:j84).
    """

    counts: dict  # role -> how many of that role work here
    usual: float

    @classmethod
    def for_practice(cls, seed: int, patients: int) -> Staff:
        rng = random.Random(f"staff:{seed}")
        gps = max(3, min(12, round(patients / 1500) + rng.randint(0, 2)))
        counts = {"gp": gps, "nurse": max(1, gps // 2), "hca": max(1, gps // 3), "pharmacist": max(1, gps // 5)}
        return cls(counts=counts, usual=rng.uniform(0.15, 0.85))

    def clinicians(self, seed: int, index: int) -> Clinicians:
        rng = random.Random(f"clinicians:{seed}:{index}")
        return Clinicians(self, rng, {role: rng.randint(1, n) for role, n in self.counts.items()})


@dataclass
class Clinicians:
    """Whom one person sees, drawn from their own generator so the rest of their record is unchanged."""

    staff: Staff
    rng: random.Random
    usual: dict  # role -> their usual clinician of that role

    def seen(self, role: str) -> str:
        n = self.staff.counts.get(role, 1)
        who = self.usual.get(role, 1) if self.rng.random() < self.staff.usual else self.rng.randint(1, n)
        return f"synth-{role}-{who}"

_REASONS = {
    "gp": (("Consultation", 55), ("Acute illness", 25), ("Medication review", 8), ("Follow-up", 12)),
    "nurse": (("Long-term condition review", 25), ("Vaccination", 25), ("Wound care", 12), ("Blood pressure check", 13),
              ("Cervical screening", 10), ("Travel health", 5), ("Contraception", 10)),
    "hca": (("Blood test", 55), ("Blood pressure check", 15), ("NHS Health Check", 10), ("ECG", 10),
            ("Weight and height", 10)),
    "pharmacist": (("Structured medication review", 45), ("Medication review", 40), ("Inhaler technique", 15)),
}

# Condition -> (share of that condition's emergency admissions, reason text)
_EMERGENCY = {
    "copd": (3.0, "Exacerbation of COPD"),
    "heart_failure": (3.0, "Worsening heart failure"),
    "coronary_heart_disease": (1.5, "Chest pain"),
    "atrial_fibrillation": (1.0, "Fast atrial fibrillation"),
    "stroke_tia": (1.0, "Stroke or TIA"),
    "diabetes_type1": (2.0, "Diabetic ketoacidosis"),
    "diabetes_type2": (0.7, "Hypoglycaemia"),
    "asthma": (1.0, "Asthma attack"),
    "epilepsy": (1.5, "Seizure"),
    "dementia": (2.0, "Fall"),
    "serious_mental_illness": (1.5, "Mental health crisis"),
    "ckd_3_5": (0.5, "Acute kidney injury"),
    "cancer": (0.7, "Complication of cancer treatment"),
}
_GENERIC_EMERGENCY = (("Chest infection", 20), ("Fall", 15), ("Urinary tract infection", 12), ("Abdominal pain", 15),
                      ("Chest pain", 12), ("Cellulitis", 8), ("Injury", 10), ("Collapse", 8))
_AE = (("Injury", 35), ("Chest pain", 10), ("Shortness of breath", 10), ("Abdominal pain", 15), ("Fall", 10),
       ("Headache", 5), ("Feeling unwell", 15))
_ELECTIVE = (("Colonoscopy", 15), ("Hernia repair", 10), ("Cystoscopy", 10), ("Endoscopy", 15),
             ("Skin lesion removal", 10), ("Gallbladder removal", 8))


def _poisson_days(person: Person, rate: float, start: int, end: int) -> list[int]:
    if rate <= 0 or end <= start:
        return []
    rng, days = person.rng, []
    day = start + rng.expovariate(rate / 365.25)
    while day < end:
        days.append(int(day))
        day += rng.expovariate(rate / 365.25)
    return days


def draw_encounters(person: Person, today: int, rows: list, pid: int, seen: Clinicians) -> None:
    rng, age = person.rng, person.age
    n = len(person.conditions)
    frailty = math.exp(0.4 * person.z - 0.08)
    rate = epi.by_age(epi.APPOINTMENTS_BY_AGE, age) * (1 + epi.APPOINTMENTS_PER_CONDITION * n) * frailty
    if person.sex == "female" and 15 <= age < 45:
        rate *= epi.APPOINTMENTS_WOMEN_15_44
    start = max(person.registered, today - int(WINDOW_YEARS * YEAR))
    housebound = age >= 85 and (person.z > 0.8 or "dementia" in person.conditions) or n >= 6 and age >= 80
    dna = epi.DNA_RATE * (1.6 if 18 <= age < 35 else 0.7 if age >= 65 else 1.0) * (1.5 - (person.imd - 1) / 9)
    for day in _poisson_days(person, rate, start, person.end):
        role = weighted_choice(rng, epi.APPOINTMENT_ROLES)
        if housebound and rng.random() < 0.3:
            kind = "home_visit"
        else:
            kind = weighted_choice(rng, epi.APPOINTMENT_KINDS)
            if kind == "home_visit" and age < 75:
                kind = "face_to_face"
        reason = weighted_choice(rng, _REASONS[role])
        if reason == "Cervical screening" and not (person.sex == "female" and 25 <= age <= 64) or \
                reason == "Contraception" and not (person.sex == "female" and 14 <= age <= 50):
            reason = "Blood pressure check"
        if kind == "home_visit" and role in ("hca", "pharmacist"):
            role = "nurse"
        r = rng.random()
        status = "dna" if r < dna * (0.5 if kind == "telephone" else 1) else "cancelled" if r < dna + 0.03 else "attended"
        rows.append((pid, dt.date.fromordinal(day), kind, role, status, reason, seen.seen(role)))
    # Reviews for long-term conditions: bloods with the HCA, then the review with the nurse.
    for bloods, review in person.reviews:
        kind = "home_visit" if housebound else "face_to_face"
        role = "nurse" if housebound else "hca"
        rows.append((pid, dt.date.fromordinal(bloods), kind, role, "attended", "Blood test for annual review",
                     seen.seen(role)))
        rows.append((pid, dt.date.fromordinal(review), kind, "nurse", "attended", "Long-term condition review",
                     seen.seen("nurse")))
    # A few people have a review booked or have missed one recently.
    if person.status == "registered" and person.conditions:
        r = rng.random()
        if r < 0.06:
            day = today + rng.randint(3, 42)
            rows.append((pid, dt.date.fromordinal(day), "face_to_face", "nurse", "booked", "Long-term condition review",
                         ""))
        elif r < 0.08:
            day = today - rng.randint(3, 60)
            rows.append((pid, dt.date.fromordinal(day), "face_to_face", "nurse", "dna", "Long-term condition review",
                         seen.seen("nurse")))


def draw_hospital(person: Person, today: int, rows: list, pid: int) -> None:
    rng, age = person.rng, person.age
    n = len(person.conditions)
    frailty = math.exp(0.5 * person.z - 0.125)
    start = max(person.registered, today - int(WINDOW_YEARS * YEAR))
    end = person.end
    emergency_rate = epi.by_age(epi.EMERGENCY_BY_AGE, age) * 1.3**n * frailty
    for day in _poisson_days(person, emergency_rate, start, end):
        reason, code = _emergency_reason(person)
        stay = 0 if rng.random() < 0.3 else int(rng.expovariate(1 / (2 + 0.1 * max(0, age - 50)))) + 1
        rows.append((pid, "emergency", dt.date.fromordinal(day), dt.date.fromordinal(min(day + stay, end)),
                     reason, code))
    for day in _poisson_days(person, epi.by_age(epi.AE_BY_AGE, age) * 1.12**n * frailty, start, end):
        rows.append((pid, "ae", dt.date.fromordinal(day), dt.date.fromordinal(day), weighted_choice(rng, _AE), ""))
    for day in _poisson_days(person, epi.by_age(epi.ELECTIVE_BY_AGE, age) * 1.15**n, start, end):
        reason, code = _elective_reason(person)
        stay = 0 if rng.random() < 0.7 else rng.randint(1, 5)
        rows.append((pid, "elective", dt.date.fromordinal(day), dt.date.fromordinal(min(day + stay, end)),
                     reason, code))


def _emergency_reason(person: Person) -> tuple[str, str]:
    rng = person.rng
    candidates = [(slug, share) for slug, (share, _) in _EMERGENCY.items() if slug in person.conditions]
    if candidates and rng.random() < 0.55:
        slug = weighted_choice(rng, candidates)
        return _EMERGENCY[slug][1], person.conditions[slug].code
    return weighted_choice(rng, _GENERIC_EMERGENCY), ""


def _elective_reason(person: Person) -> tuple[str, str]:
    rng = person.rng
    oa = person.conditions.get("osteoarthritis")
    if oa is not None and rng.random() < 0.4:
        return rng.choice(("Hip replacement", "Knee replacement")), oa.code
    chd = person.conditions.get("coronary_heart_disease")
    if chd is not None and rng.random() < 0.3:
        return "Coronary angiography", chd.code
    cancer = person.conditions.get("cancer")
    if cancer is not None and rng.random() < 0.4:
        return "Cancer treatment", cancer.code
    if person.age >= 65 and rng.random() < 0.3:
        return "Cataract surgery", ""
    return weighted_choice(rng, _ELECTIVE), ""
