"""Medicines that fit a person's conditions, from the catalogue (`codelists.medicines_for`).

Each condition has a regimen: steps of a drug class with the probability that a person with the
condition takes one (first-line choices by NICE pathway, approximately: NG136 hypertension step 1
is an ACE inhibitor/ARB under 55, a calcium-channel blocker from 55 or of Black African or
Caribbean family origin; NG28 metformin first in type 2 diabetes; NG196 anticoagulation in AF;
NG106 heart failure; NG185/CG181 statin and antiplatelet after CHD or stroke). A class is taken
once even when several conditions call for it (one statin, one ACE inhibitor). Within a class,
medicines earlier in the catalogue are more common. More conditions means more medicines, so
polypharmacy rises with multimorbidity; some people stop or switch a medicine. Medicines beyond
the regimens (a PPI alongside an antiplatelet, a statin for primary prevention, everyday
problems of later life) come from `general_medicines`.
"""

from __future__ import annotations

import math
import random
from functools import cache

from tandem.terminology import codelists

from .. import epidemiology as epi
from .general_medicines import draw_general
from .people import YEAR, Person

# Drug classes by the start of the medicine's name in the catalogue.
CLASSES: dict[str, tuple[str, ...]] = {
    "acei_arb": ("Ramipril", "Lisinopril", "Losartan", "Candesartan"),
    "ccb": ("Amlodipine",),
    "thiazide": ("Indapamide", "Bendroflumethiazide"),
    "beta_blocker": ("Bisoprolol",),
    "mra": ("Spironolactone",),
    "loop": ("Furosemide",),
    "statin": ("Atorvastatin", "Simvastatin"),
    "antiplatelet": ("Aspirin", "Clopidogrel", "Ticagrelor"),
    "gtn": ("Glyceryl trinitrate",),
    "nitrate": ("Isosorbide",),
    "doac": ("Apixaban", "Edoxaban", "Rivaroxaban"),
    "metformin": ("Metformin",),
    "sulfonylurea": ("Gliclazide",),
    "dpp4": ("Sitagliptin",),
    "sglt2": ("Empagliflozin", "Dapagliflozin"),
    "basal_insulin": ("Insulin glargine",),
    "bolus_insulin": ("Insulin aspart",),
    "saba": ("Salbutamol",),
    "ics": ("Beclometasone 100micrograms/dose inhaler",),
    "ics_laba": ("Budesonide", "Beclometasone 100micrograms/dose / Formoterol", "Fluticasone furoate"),
    "lama_laba": ("Umeclidinium", "Tiotropium bromide"),
    "lama": ("Tiotropium 18microgram",),
    "antidepressant": ("Sertraline", "Citalopram", "Mirtazapine"),
    "antidementia": ("Donepezil", "Memantine"),
    "antipsychotic": ("Olanzapine", "Aripiprazole"),
    "lithium": ("Lithium",),
    "bisphosphonate": ("Alendronic",),
    "calcium_d": ("Calcium",),
    "methotrexate": ("Methotrexate",),
    "folic_acid": ("Folic acid",),
    "dmard": ("Hydroxychloroquine", "Sulfasalazine", "Leflunomide"),
    "nsaid": ("Naproxen",),
    "ppi": ("Omeprazole", "Lansoprazole"),
    "paracetamol": ("Paracetamol",),
    "cocodamol": ("Co-codamol",),
    "neuropathic": ("Amitriptyline", "Gabapentin", "Pregabalin"),
    "antiepileptic": ("Levetiracetam", "Lamotrigine", "Sodium valproate"),
    "levothyroxine": ("Levothyroxine",),
    "aromatase": ("Letrozole", "Anastrozole"),
    "tamoxifen": ("Tamoxifen",),
    "alpha_blocker": ("Doxazosin",),
    "digoxin": ("Digoxin",),
    "ezetimibe": ("Ezetimibe",),
    "ltra": ("Montelukast",),
    "mucolytic": ("Carbocisteine",),
    "oral_steroid": ("Prednisolone",),
    "vitamin_d": ("Colecalciferol",),
    "opioid": ("Codeine",),
}

# condition -> ((class, probability), ...). "first_line_bp" picks ACEi/ARB or CCB (NG136).
REGIMENS: dict[str, tuple[tuple[str, float], ...]] = {
    "hypertension": (("first_line_bp", 0.85), ("second_line_bp", 0.40), ("thiazide", 0.20), ("mra", 0.04),
                     ("alpha_blocker", 0.25)),
    "diabetes_type2": (("metformin", 0.85), ("statin", 0.75), ("sglt2", 0.30), ("sulfonylurea", 0.18),
                       ("dpp4", 0.15), ("basal_insulin", 0.10)),
    "diabetes_type1": (("basal_insulin", 1.0), ("bolus_insulin", 0.95), ("statin", 0.45)),
    "coronary_heart_disease": (("antiplatelet", 0.88), ("statin", 0.85), ("beta_blocker", 0.50),
                               ("acei_arb", 0.45), ("gtn", 0.50), ("ccb", 0.12), ("nitrate", 0.08),
                               ("ezetimibe", 0.10)),
    "heart_failure": (("acei_arb", 0.75), ("beta_blocker", 0.70), ("loop", 0.60), ("mra", 0.35), ("sglt2", 0.35),
                      ("digoxin", 0.08)),
    "atrial_fibrillation": (("doac", 0.85), ("beta_blocker", 0.60), ("digoxin", 0.12)),
    "stroke_tia": (("antiplatelet", 0.85), ("statin", 0.85), ("ezetimibe", 0.06)),
    "ckd_3_5": (("acei_arb", 0.50), ("statin", 0.60), ("sglt2", 0.20)),
    "asthma": (("saba", 0.90), ("ics", 0.45), ("ics_laba", 0.35), ("ltra", 0.08)),
    "copd": (("saba", 0.90), ("lama_laba", 0.45), ("ics_laba", 0.30), ("lama", 0.15), ("mucolytic", 0.20)),
    "depression": (("antidepressant", 0.45),),
    "dementia": (("antidementia", 0.55),),
    "serious_mental_illness": (("antipsychotic", 0.80), ("lithium", 0.15)),
    "osteoporosis": (("bisphosphonate", 0.70), ("calcium_d", 0.70), ("vitamin_d", 0.60)),
    "rheumatoid_arthritis": (("methotrexate", 0.70), ("dmard", 0.35), ("nsaid", 0.15), ("oral_steroid", 0.12)),
    "osteoarthritis": (("paracetamol", 0.50), ("cocodamol", 0.20), ("nsaid", 0.15), ("opioid", 0.08)),
    "chronic_pain": (("paracetamol", 0.40), ("cocodamol", 0.35), ("neuropathic", 0.40), ("opioid", 0.12)),
    "epilepsy": (("antiepileptic", 0.90),),
    "hypothyroidism": (("levothyroxine", 0.97),),
    "cancer": (("hormonal", 1.0),),
}
STOP_PROBABILITY = 0.06  # a medicine stopped (and half of those switched within the class)
# Add-on steps (probability under ADD_ON) are likelier for people who are readily prescribed for,
# and take, medicines: the same personal factor u raises their everyday medicines
# (`general_medicines.propensity`). This spreads the number of medicines the way real repeat
# lists are spread, rather than giving everyone with the same conditions the same count.
ADD_ON = 0.5
INTENSITY = 1.0  # log-scale SD of the add-on multiplier


@cache
def _class_of(name: str) -> str | None:
    for cls, starts in CLASSES.items():
        if any(name.startswith(s) for s in starts):
            return cls
    return None


@cache
def _options(slug: str, cls: str):
    """Catalogue medicines of class `cls` for condition `slug`, with falling weights."""
    meds = [m for m in codelists.medicines_for(slug) if _class_of(m.name) == cls]
    cum, running = [], 0.0
    for rank in range(len(meds)):
        running += 1.0 / (1 + rank) ** 1.3
        cum.append(running)
    return meds, cum


def _resolve_class(rng: random.Random, cls: str, slug: str, person: Person, taken: dict) -> str | None:
    if cls == "first_line_bp":
        black = person.ethnicity in epi.BLACK or person.ethnicity in epi.MIXED_BLACK
        return "ccb" if person.age >= 55 or black else "acei_arb"
    if cls == "second_line_bp":
        return "acei_arb" if "ccb" in taken else "ccb"
    if cls == "antiplatelet" and "doac" in taken:
        return None  # anticoagulated: no routine antiplatelet as well
    if cls == "alpha_blocker" and sum(c in taken for c in ("acei_arb", "ccb", "thiazide")) < 2:
        return None  # NG136 step 4: only on top of two or three other blood pressure medicines
    if cls == "vitamin_d" and "calcium_d" in taken:
        return None  # the calcium tablet already carries vitamin D
    if cls == "opioid" and "cocodamol" in taken:
        return None  # one codeine-containing medicine
    if cls == "hormonal":
        if "breast" not in person.conditions[slug].detail or rng.random() > 0.6:
            return None
        return "aromatase" if person.age >= 55 else "tamoxifen"
    return cls


def _start_day(rng: random.Random, onset: int, end: int, today: int) -> int:
    """Usually within weeks of diagnosis; for long-standing conditions the current product was
    started some time in the last eight years (products change over the years)."""
    if today - onset > 8 * YEAR:
        start = today - int(rng.uniform(0.2, 8) * YEAR)
    else:
        start = onset + int(rng.expovariate(1 / 45))
    return max(onset, min(start, end - 1))


def draw_medicines(person: Person, today: int) -> None:
    """Fill person.medicines with (medicine, start, end) and set person.statin_start."""
    rng = person.rng
    taken: dict[str, object] = {}  # class -> medicine
    out: list[tuple] = []
    u = rng.gauss(0.0, 1.0)  # how readily this person is prescribed for, and takes, medicines
    intensity = math.exp(INTENSITY * u - INTENSITY**2 / 2)
    for slug in codelists.LTC_SLUGS:  # a fixed order keeps the draw deterministic
        diagnosis = person.conditions.get(slug)
        if diagnosis is None:
            continue
        for step, probability in REGIMENS.get(slug, ()):
            if probability < ADD_ON:
                probability = min(0.9, probability * intensity)
            if rng.random() >= probability:
                continue
            cls = _resolve_class(rng, step, slug, person, taken)
            if cls is None or cls in taken:
                continue
            meds, cum = _options(slug, cls)
            if cls == "antiepileptic" and person.sex == "female" and person.age < 55:
                keep = [i for i, m in enumerate(meds) if "valproate" not in m.name.lower()]  # MHRA advice
                weights = [cum[i] - (cum[i - 1] if i else 0.0) for i in keep]
                meds, cum = [meds[i] for i in keep], [sum(weights[:j + 1]) for j in range(len(keep))]
            if not meds:
                continue
            medicine = rng.choices(meds, cum_weights=cum)[0]
            taken[cls] = medicine
            start = _start_day(rng, diagnosis.onset, person.end, today)
            if rng.random() < STOP_PROBABILITY and person.end - start > 60:
                stop = rng.randint(start + 30, person.end - 1)
                out.append((medicine, start, stop))
                others = [m for m in meds if m is not medicine]
                if others and rng.random() < 0.5:
                    out.append((rng.choice(others), stop, None))
            else:
                out.append((medicine, start, None))
            if cls == "methotrexate":
                folic, _ = _options(slug, "folic_acid")
                if folic:
                    out.append((folic[0], start, None))
            if cls == "nsaid" and person.age >= 45 and rng.random() < 0.7:
                ppis, ppi_cum = _options(slug, "ppi")
                if ppis and "ppi" not in taken:
                    taken["ppi"] = ppis[0]
                    out.append((rng.choices(ppis, cum_weights=ppi_cum)[0], start, None))
    # A resolved depression episode: the antidepressant was stopped when it resolved.
    past = person.resolved.get("depression")
    if past is not None and "antidepressant" not in taken and rng.random() < 0.6:
        meds, cum = _options("depression", "antidepressant")
        if meds:
            out.append((rng.choices(meds, cum_weights=cum)[0], past.onset + rng.randint(0, 60), past.resolved))
    current: dict[str, int] = {}
    for medicine, start, end in out:
        cls = _class_of(medicine.name)
        if cls is not None and end is None:
            current.setdefault(cls, start)
    draw_general(person, taken, out, current, u)
    person.medicines = out
    statin_starts = [start for medicine, start, end in out if end is None and _class_of(medicine.name) == "statin"]
    person.statin_start = min(statin_starts) if statin_starts else None
