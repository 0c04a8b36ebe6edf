"""Everyday medicines beyond the condition regimens, and medicines prescribed alongside others. Pure.

A real repeat list carries far more than the treatment of the registered conditions: a PPI for
indigestion, an alpha-blocker for an enlarged prostate, glaucoma drops, an emollient, a laxative
with a painkiller. Without them almost nobody reaches ten regular medicines, where in England
about one adult in twenty does, and one in five over 80 [POLY in `epidemiology`]. Three kinds of
draw, in this order, after the condition regimens (`medicines.draw_medicines`):

* Everyday problems by age and sex (`EVERYDAY`), each rate scaled by the person's prescribing
  propensity: their latent ill-health, how many long-term conditions they have, frailty and
  deprivation (Guthrie 2015: 10+ drugs independently commoner in deprived areas and care homes).
* A statin for primary prevention (NICE NG238: atorvastatin 20 mg when QRISK3 is 10% or more)
  for people without heart disease, stroke, diabetes or CKD, whose statin comes from their regimen.
* Co-prescriptions tied to another current medicine (`ALONGSIDE`): a PPI to protect the stomach
  with an antiplatelet from 65, an anticoagulant from 75 or an oral steroid (NICE CG184; NICE CKS
  "NSAIDs: prescribing issues"); a laxative with a regular opioid (NICE CKS "Constipation");
  a progestogen with oestrogen; calcium and vitamin D with a long-term steroid.

The rates are assumptions: each follows the age and sex shape of its problem (cited per row);
their level, the propensity weights and the statin uptake are tuned so that the practice lands
near `epidemiology.POLYPHARMACY_TARGETS`; tests/synth/test_polypharmacy.py checks that it does.
"""

from __future__ import annotations

import csv
import io
import math
import random
from dataclasses import dataclass
from functools import cache
from importlib import resources

from tandem.terminology import codelists

from .. import epidemiology as epi
from .people import YEAR, Person

GENERAL_COLUMNS = ["dmd_code", "name", "dose", "for_conditions", "regular"]

# Medicines from the condition catalogue (tandem/terminology/medicines.csv) that are also
# prescribed here without their condition: a statin for primary prevention, aspirin kept on from
# the days of primary prevention, vitamin D and calcium in later life, and antidepressants, pain
# medicines and a loop diuretic for problems that are not on a register.
FROM_CONDITION_CATALOGUE = frozenset({
    "Atorvastatin 20mg tablets", "Colecalciferol 800unit capsules", "Codeine 30mg tablets", "Sertraline 50mg tablets",
    "Citalopram 20mg tablets", "Mirtazapine 15mg tablets", "Amitriptyline 10mg tablets", "Gabapentin 300mg capsules",
    "Pregabalin 75mg capsules", "Furosemide 40mg tablets", "Aspirin 75mg dispersible tablets",
    "Calcium carbonate 1.5g / Colecalciferol 10micrograms chewable tablets",
})


@cache
def general_catalogue() -> tuple[codelists.Medicine, ...]:
    """tandem/synth/general_medicines.csv, in file order."""
    text = (resources.files("tandem.synth") / "general_medicines.csv").read_text(encoding="utf-8")
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    reader = csv.DictReader(io.StringIO(body))
    if reader.fieldnames != GENERAL_COLUMNS:
        raise ValueError(f"general_medicines.csv: header must be {','.join(GENERAL_COLUMNS)}")
    rows = []
    for row in reader:
        if row["for_conditions"].strip():
            raise ValueError(f"general_medicines.csv: {row['name']!r} names conditions; it belongs in medicines.csv")
        rows.append(codelists.Medicine(
            dmd_code=row["dmd_code"].strip() or None, name=row["name"].strip(), dose=row["dose"].strip(),
            for_conditions=(), regular=row["regular"].strip() == "1",
        ))
    return tuple(rows)


@cache
def _by_name() -> dict[str, codelists.Medicine]:
    catalogue = {m.name: m for m in codelists.medicines()}
    for medicine in general_catalogue():
        if medicine.name in catalogue:
            raise ValueError(f"{medicine.name!r} is in both medicine catalogues")
        catalogue[medicine.name] = medicine
    return catalogue


@dataclass(frozen=True)
class Everyday:
    """A common problem treated with a repeat medicine, with its rate by age and sex."""

    cls: str  # one medicine of a class per person
    products: tuple[str, ...]  # catalogue names; earlier ones more often chosen
    rates: tuple[tuple[int, float, float], ...]  # (from age, % of men, % of women)
    boost: tuple[tuple[str, float], ...] = ()  # (condition slug, rate multiplier)
    unless: tuple[str, ...] = ()  # not with these classes already taken, nor these conditions
    also: float = 0.0  # chance (at average propensity) of a second product of the class as well


EVERYDAY: tuple[Everyday, ...] = (
    # Indigestion and reflux: PPIs are among the most prescribed medicines in England, their use rising
    # with age (Othman F et al., BMJ Open 2016;6:e011934, UK primary care 1990-2014).
    Everyday("ppi", ("Omeprazole 20mg gastro-resistant tablets", "Lansoprazole 30mg gastro-resistant capsules"),
             ((18, 3.0, 3.5), (30, 5.0, 6.0), (45, 8.0, 9.0), (60, 11.0, 12.0), (70, 13.0, 14.0), (80, 14.0, 15.0))),
    # Lower urinary tract symptoms of an enlarged prostate: rise steeply with age in men (NICE CG97).
    Everyday("prostate_alpha", ("Tamsulosin 400microgram modified-release capsules",),
             ((45, 0.6, 0.0), (55, 2.0, 0.0), (65, 4.5, 0.0), (75, 7.0, 0.0), (85, 8.0, 0.0))),
    Everyday("prostate_5ari", ("Finasteride 5mg tablets",),
             ((55, 0.5, 0.0), (65, 2.0, 0.0), (75, 4.0, 0.0), (85, 5.0, 0.0))),
    # Chronic open-angle glaucoma: about 2% over 40, near 10% over 75 including the undiagnosed (NICE NG81).
    # A second agent is often added when pressure stays high (NICE NG81).
    Everyday("glaucoma", ("Latanoprost 50micrograms/ml eye drops", "Timolol 0.5% eye drops"),
             ((40, 0.2, 0.2), (50, 0.4, 0.4), (60, 0.8, 0.8), (70, 1.2, 1.2), (80, 1.8, 1.8)), also=0.15),
    # Dry eye: commoner with age and in women (NICE CKS "Dry eye disease").
    Everyday("dry_eye", ("Hypromellose 0.3% eye drops",),
             ((40, 0.2, 0.4), (60, 0.6, 1.2), (75, 1.2, 2.2), (85, 1.5, 2.8))),
    # Dry skin and eczema: emollients, the mainstay at any age, more often repeat in later life (NICE CKS).
    Everyday("emollient", ("Emulsifying ointment",),
             ((18, 0.6, 0.9), (50, 1.0, 1.2), (65, 1.5, 2.0), (75, 2.5, 3.0), (85, 3.5, 4.0))),
    # Allergic rhinitis (hay fever): common in younger adults; a minority take a regular antihistamine.
    Everyday("antihistamine", ("Cetirizine 10mg tablets", "Loratadine 10mg tablets"),
             ((18, 1.5, 2.0), (45, 1.5, 2.0), (65, 1.0, 1.5))),
    # Persistent rhinitis: a regular nasal corticosteroid (NICE CKS "Allergic rhinitis").
    Everyday("nasal_steroid", ("Mometasone 50micrograms/dose nasal spray",),
             ((18, 1.0, 1.2), (45, 1.2, 1.5), (65, 1.0, 1.0)), boost=(("asthma", 2.0),)),
    # Constipation without an opioid: commoner with age, immobility and dementia (NICE CKS "Constipation").
    Everyday("laxative", ("Senna 7.5mg tablets", "Macrogol compound oral powder sachets NPF sugar free",
                          "Lactulose 3.1-3.7g/5ml oral solution"),
             ((50, 0.4, 0.7), (65, 1.0, 1.7), (75, 2.0, 2.8), (85, 3.5, 4.2)), boost=(("dementia", 2.0),),
             also=0.15),
    # Regular paracetamol for persistent pain in later life, mostly musculoskeletal.
    Everyday("regular_paracetamol", ("Paracetamol 500mg caplets",),
             ((18, 0.3, 0.5), (45, 1.0, 1.5), (65, 3.0, 4.0), (75, 5.0, 7.0), (85, 9.0, 11.0)),
             boost=(("osteoarthritis", 2.5), ("chronic_pain", 2.5), ("rheumatoid_arthritis", 2.0)),
             unless=("paracetamol", "cocodamol")),
    # Antidepressants beyond the depression register (anxiety, low mood, poor sleep): Public Health England,
    # "Dependence and withdrawal associated with some prescribed medicines" (2019): 17% of adults in England
    # had an antidepressant prescription in 2017-18, 13% an opioid pain medicine, 3% a gabapentinoid.
    Everyday("antidepressant", ("Sertraline 50mg tablets", "Citalopram 20mg tablets", "Mirtazapine 15mg tablets"),
             ((18, 1.2, 2.4), (30, 1.8, 3.5), (45, 2.5, 4.5), (65, 2.2, 4.0), (80, 2.7, 4.5)),
             boost=(("chronic_pain", 1.5),)),
    # Weak opioid taken regularly for persistent pain [PHE 2019 above]; a laxative usually goes with it.
    Everyday("opioid", ("Codeine 30mg tablets",),
             ((30, 0.6, 0.8), (45, 1.2, 1.5), (65, 1.5, 1.8), (75, 1.8, 2.0)),
             boost=(("osteoarthritis", 2.0), ("chronic_pain", 3.0), ("rheumatoid_arthritis", 1.5)),
             unless=("cocodamol",)),
    # Neuropathic pain, migraine prevention and poor sleep: low-dose amitriptyline and gabapentinoids [PHE 2019].
    Everyday("neuropathic", ("Amitriptyline 10mg tablets", "Gabapentin 300mg capsules", "Pregabalin 75mg capsules"),
             ((18, 0.5, 1.0), (45, 1.2, 2.0), (65, 1.5, 2.0), (80, 1.2, 1.5)),
             boost=(("diabetes_type2", 2.0), ("diabetes_type1", 2.0)), also=0.08),
    # Migraine prevention and the physical symptoms of anxiety (NICE CG150; NICE CKS); not in asthma.
    Everyday("propranolol", ("Propranolol 40mg tablets",), ((18, 0.6, 1.2), (30, 0.8, 1.6), (50, 0.6, 1.0), (65, 0.3, 0.4)),
             unless=("asthma", "beta_blocker")),
    # Menopause: hormone replacement, mostly at 45-59; NHSBSA's HRT statistics for England show use rising
    # steeply since 2021. Most women also need a progestogen (`ALONGSIDE`).
    Everyday("hrt", ("Estradiol 0.06% gel",), ((45, 0.0, 5.0), (50, 0.0, 9.0), (55, 0.0, 6.0), (60, 0.0, 3.0), (65, 0.0, 1.0))),
    # Overactive bladder: commoner in women and with age (NICE NG123; antimuscarinics avoided in dementia).
    Everyday("bladder", ("Solifenacin 5mg tablets", "Mirabegron 50mg modified-release tablets"),
             ((40, 0.1, 0.3), (55, 0.3, 0.8), (65, 0.6, 1.3), (75, 1.0, 2.0), (85, 1.2, 2.2)),
             unless=("dementia",)),
    # Gout: about 2.5% of UK adults, four times commoner in men, rising with age and kidney disease;
    # about a third to a half on urate-lowering treatment (Kuo C-F et al., Ann Rheum Dis 2015;74:661-7).
    Everyday("urate_lowering", ("Allopurinol 100mg tablets",),
             ((30, 0.2, 0.0), (45, 0.7, 0.1), (60, 1.3, 0.3), (70, 2.0, 0.6), (80, 2.2, 1.0)),
             boost=(("ckd_3_5", 2.0), ("heart_failure", 1.5), ("hypertension", 1.3))),
    # Iron deficiency anaemia: menstruating women and later life, more with CKD and heart failure.
    Everyday("iron", ("Ferrous fumarate 210mg tablets",),
             ((18, 0.2, 0.8), (50, 0.2, 0.4), (65, 0.5, 0.7), (75, 1.0, 1.3), (85, 1.5, 2.0)),
             boost=(("ckd_3_5", 2.0), ("heart_failure", 1.5))),
    # Vitamin B12 deficiency (pernicious anaemia, metformin): commoner with age (NICE NG239).
    Everyday("b12", ("Hydroxocobalamin 1mg/1ml solution for injection ampoules",),
             ((40, 0.2, 0.3), (60, 0.5, 0.8), (75, 1.0, 1.5), (85, 1.5, 2.0)), boost=(("diabetes_type2", 1.5),)),
    # Ankle swelling in later life treated with a loop diuretic without heart failure: common, if not
    # always wise (NICE CKS "Leg swelling"); the rate rises steeply after 80.
    Everyday("loop", ("Furosemide 40mg tablets",),
             ((65, 0.6, 0.8), (75, 1.5, 2.0), (85, 3.0, 4.0)), boost=(("ckd_3_5", 1.5),)),
    # Low-dose aspirin without heart disease or stroke: once common for primary prevention and still on
    # many older people's repeat lists, though NICE NG238 and the ESC advise against it (ASPREE, NEJM 2018).
    Everyday("antiplatelet", ("Aspirin 75mg dispersible tablets",),
             ((50, 0.5, 0.3), (60, 2.0, 1.5), (70, 4.0, 3.0), (80, 6.0, 5.0)), boost=(("diabetes_type2", 2.0),),
             unless=("doac", "coronary_heart_disease", "stroke_tia")),
    # Vitamin D in later life, falls and housebound people (NICE PH56; SACN 2016).
    Everyday("vitamin_d", ("Colecalciferol 800unit capsules",),
             ((50, 0.5, 1.0), (65, 1.5, 3.0), (75, 3.0, 5.0), (85, 5.0, 8.0)), boost=(("dementia", 2.0),),
             unless=("calcium_d",)),
)

# The rates above are relative: a person's chance is rate x LEVEL x propensity (capped at 90%),
# and the propensity is skewed (most people are below average, a few far above), so the share
# actually prescribed is lower than rate x LEVEL for most items. LEVEL and the weights below were
# tuned together against epi.POLYPHARMACY_TARGETS (tests/synth/test_polypharmacy.py).
LEVEL = 3.3

# Prescribing propensity: weights on the latent ill-health factor z and on a personal factor u
# (doctors and patients differ in how readily they prescribe and accept), both N(0, 1). The same
# u makes add-on steps of the condition regimens likelier (`medicines.INTENSITY`).
PROPENSITY_Z, PROPENSITY_U = 0.7, 1.0
PER_CONDITION = 0.7  # +70% per long-term condition ...
CONDITIONS_CAP = 2  # ... for the first two (the regimens already grow with each condition)
FRAIL = 1.2
DEPRIVATION = 0.25  # log rate ratio, most deprived decile vs the middle (Guthrie 2015)
STOP_PROBABILITY = 0.06

# Statin for primary prevention (NICE NG238): the age at which QRISK3 reaches 10% for a
# non-smoker of average blood pressure, cholesterol and BMI is roughly 60 for men and 67 for
# women; risk factors bring it earlier. Uptake: about half of those eligible take one.
QRISK_AGE = {"male": 60.0, "female": 67.0}
STATIN_UPTAKE = 0.5

# Co-prescriptions: (trigger class, minimum age, probability, class, products).
GASTRO = ("Lansoprazole 30mg gastro-resistant capsules", "Omeprazole 20mg gastro-resistant tablets")
LAXATIVES = ("Senna 7.5mg tablets", "Macrogol compound oral powder sachets NPF sugar free")
ALONGSIDE: tuple[tuple[str, int, float, str, tuple[str, ...]], ...] = (
    ("antiplatelet", 65, 0.45, "ppi", GASTRO),
    ("doac", 75, 0.30, "ppi", GASTRO),
    ("oral_steroid", 0, 0.60, "ppi", GASTRO),
    ("opioid", 0, 0.60, "laxative", LAXATIVES),
    ("hrt", 0, 0.70, "progestogen", ("Progesterone 100mg capsules",)),  # a womb needs a progestogen too (NICE NG23)
    # Bone protection with a long-term oral steroid from 65 (NICE CKS "Corticosteroids - oral").
    ("oral_steroid", 65, 0.50, "calcium_d", ("Calcium carbonate 1.5g / Colecalciferol 10micrograms chewable tablets",)),
)
CARDIOVASCULAR = ("coronary_heart_disease", "stroke_tia", "diabetes_type1", "diabetes_type2", "ckd_3_5")


def _rate(item: Everyday, person: Person) -> float:
    value = 0.0
    for start, men, women in item.rates:
        if person.age >= start:
            value = men if person.sex == "male" else women
    for slug, factor in item.boost:
        if slug in person.conditions:
            value *= factor
    return LEVEL * value / 100


def propensity(person: Person, u: float) -> float:
    """How readily this person is prescribed for everyday problems (mean about 1 across people)."""
    scale = math.exp(PROPENSITY_Z * person.z + PROPENSITY_U * u - (PROPENSITY_Z**2 + PROPENSITY_U**2) / 2)
    scale *= 1 + PER_CONDITION * min(len(person.conditions), CONDITIONS_CAP)
    if person.frail:
        scale *= FRAIL
    return scale * epi.deprivation_factor(DEPRIVATION, person.imd)


def _pick(rng: random.Random, names: tuple[str, ...]) -> codelists.Medicine:
    weights = [1.0 / (1 + rank) ** 1.3 for rank in range(len(names))]
    return _by_name()[rng.choices(names, weights=weights)[0]]


def _since(rng: random.Random, person: Person, earliest_age: float) -> int:
    """A start some time in the last eight years, and not before `earliest_age`."""
    end = person.end
    earliest = person.dob + int(earliest_age * YEAR)
    return max(earliest, min(end - 1, end - int(rng.uniform(0.1, 8.0) * YEAR)))


def _add(rng: random.Random, out: list, medicine: codelists.Medicine, start: int, end: int) -> None:
    if rng.random() < STOP_PROBABILITY and end - start > 60:
        out.append((medicine, start, rng.randint(start + 30, end - 1)))
    else:
        out.append((medicine, start, None))


def _qrisk_high(rng: random.Random, person: Person) -> bool:
    threshold = QRISK_AGE[person.sex] + rng.gauss(0.0, 4.0)
    threshold -= {"current": 7.0, "ex": 2.0}.get(person.smoking, 0.0)
    if "hypertension" in person.conditions:
        threshold -= 6.0
    if person.bmi >= 30:
        threshold -= 3.0
    if person.ethnicity in epi.SOUTH_ASIAN:
        threshold -= 4.0
    if person.imd <= 3:
        threshold -= 2.0
    return person.age >= threshold


def draw_general(person: Person, taken: dict, out: list, current: dict[str, int], u: float) -> None:
    """Add co-prescriptions, primary-prevention statins and everyday medicines to `out` (adults only).

    `taken` maps each drug class the person has had to its medicine; `current` maps the classes
    they take now to the day the medicine started. Both come from the condition regimens, as
    does the person's prescribing factor `u` (standard normal).
    """
    end = person.end
    age = person.age_at(end - 1)  # at death or leaving for those no longer registered
    if age < 18:
        return
    rng = person.rng

    scale = propensity(person, u)
    for item in EVERYDAY:
        probability = _rate(item, person)
        if probability <= 0.0 or item.cls in taken:
            continue
        if any(c in taken or c in person.conditions for c in item.unless):
            continue
        if rng.random() < min(0.9, probability * scale):
            medicine = _pick(rng, item.products)
            taken[item.cls] = medicine
            start = _since(rng, person, 18)
            _add(rng, out, medicine, start, end)
            if out[-1][2] is None:
                current.setdefault(item.cls, start)
            if item.also and rng.random() < min(0.9, item.also * scale):
                second = _by_name()[next(n for n in item.products if n != medicine.name)]
                _add(rng, out, second, min(end - 1, start + rng.randint(30, 3 * 365)), end)

    if ("statin" not in taken and not person.has(*CARDIOVASCULAR) and 40 <= age <= 84
            and _qrisk_high(rng, person) and rng.random() < STATIN_UPTAKE):
        medicine = _by_name()["Atorvastatin 20mg tablets"]
        taken["statin"] = medicine
        _add(rng, out, medicine, _since(rng, person, 40), end)

    for trigger, min_age, probability, cls, products in ALONGSIDE:
        if trigger in current and cls not in taken and person.age >= min_age and rng.random() < probability:
            medicine = _pick(rng, products)
            taken[cls] = medicine
            _add(rng, out, medicine, min(end - 1, current[trigger] + rng.randint(0, 30)), end)
