"""Who a synthetic person is: age, sex, ethnicity, deprivation, smoking, BMI, name, address,
contact details, reasonable adjustments, carers and registration. Pure: no Django.

Dates are day ordinals (`date.toordinal()`) while a person is being built; rows get `date`s.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from .. import epidemiology as epi
from .. import names as nm

YEAR = 365.25


@dataclass(frozen=True)
class Place:
    """Where the practice is: a town, the villages around it, and its postcode district."""

    town: str
    villages: tuple[str, ...]
    district: int

    @classmethod
    def for_seed(cls, seed: int, town: str = "") -> Place:
        rng = random.Random(f"place:{seed}")
        name, villages = nm.TOWNS[rng.randrange(len(nm.TOWNS))]
        return cls(town=town or name, villages=villages, district=rng.randint(1, 40))


class Person:
    """Everything drawn for one person. Rows are written from this at the end."""

    __slots__ = (
        "index", "rng", "sex", "age", "dob", "birth_month", "ethnicity", "recorded_ethnicity", "imd", "z",
        "smoking", "quit_day", "bmi", "height", "given_name", "family_name", "conditions", "resolved",
        "status", "end", "registered", "history_start", "frail", "medicines", "statin_start",
        "reviews", "language", "name_pool",
    )

    def __init__(self, index: int, rng: random.Random):
        self.index = index
        self.rng = rng
        self.conditions: dict = {}  # slug -> Diagnosis (active)
        self.resolved: dict = {}  # slug -> Diagnosis (resolved in the past)
        self.medicines: list = []
        self.statin_start: int | None = None
        self.reviews: list[int] = []
        self.language = "English"
        self.frail = False

    @property
    def adult(self) -> bool:
        return self.age >= 18

    def has(self, *slugs: str) -> bool:
        return any(s in self.conditions for s in slugs)

    def age_at(self, day: int) -> float:
        return (day - self.dob) / YEAR


def weighted_choice(rng: random.Random, pairs) -> str:
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, weight in pairs:
        x -= weight
        if x < 0:
            return value
    return pairs[-1][0]


# Cells of (age, sex) with cumulative weights, for one draw per person.
_CELLS = [(age, sex) for sex in ("male", "female") for age in range(epi.MAX_AGE + 1)]
_CELL_WEIGHTS = [epi.AGE_WEIGHTS[sex][age] for age, sex in _CELLS]
_CELL_CUM = []
_running = 0.0
for _w in _CELL_WEIGHTS:
    _running += _w
    _CELL_CUM.append(_running)

_ETHNICITY_TABLES: dict[float, tuple[tuple[str, ...], list[float]]] = {}


def _ethnicity_table(age: int):
    tilt = epi.ethnic_tilt(age)
    table = _ETHNICITY_TABLES.get(tilt)
    if table is None:
        codes, weights = epi.ethnicity_weights(age)
        cum, running = [], 0.0
        for w in weights:
            running += w
            cum.append(running)
        table = _ETHNICITY_TABLES[tilt] = (codes, cum)
    return table


_IMD_CUM: dict[str, list[float]] = {}


def _imd_cum(ethnicity: str) -> list[float]:
    cum = _IMD_CUM.get(ethnicity)
    if cum is None:
        tilt = epi.IMD_TILT.get(ethnicity, 0.0)
        weights = [math.exp(tilt * (5.5 - d) / 4.5) for d in range(1, 11)]
        cum, running = [], 0.0
        for w in weights:
            running += w
            cum.append(running)
        _IMD_CUM[ethnicity] = cum
    return cum


def demographics(person: Person, today: int) -> None:
    """Age, sex, date of birth, ethnicity, deprivation, latent health, smoking, BMI."""
    rng = person.rng
    age, sex = rng.choices(_CELLS, cum_weights=_CELL_CUM)[0]
    person.age, person.sex = age, sex
    person.dob = today - int((age + rng.random()) * YEAR)
    if person.dob > today:  # pragma: no cover - guards the rounding at age 0
        person.dob = today
    person.age = int((today - person.dob) / YEAR)
    person.birth_month = dt.date.fromordinal(person.dob).month
    codes, cum = _ethnicity_table(age)
    ethnicity = rng.choices(codes, cum_weights=cum)[0]
    person.ethnicity = ethnicity
    r = rng.random()
    if r < epi.ETHNICITY_UNRECORDED:
        person.recorded_ethnicity = ""
    elif r < epi.ETHNICITY_UNRECORDED + epi.ETHNICITY_RECORDED_NOT_STATED:
        person.recorded_ethnicity = "Z"
    else:
        person.recorded_ethnicity = ethnicity
    person.imd = rng.choices(range(1, 11), cum_weights=_imd_cum(ethnicity))[0]
    person.z = rng.gauss(0.0, 1.0)

    # Smoking (adults): current smokers more common in deprived areas [ONS-S].
    person.smoking, person.quit_day = "never", None
    if age >= 16:
        current, ex = epi.smoking_rates(age)
        current *= epi.smoking_deprivation_factor(person.imd)
        if ethnicity in epi.SOUTH_ASIAN or ethnicity in epi.BLACK or ethnicity == "L":
            current *= 0.6 if sex == "female" else 0.9
        r = rng.random()
        if r < current:
            person.smoking = "current"
        elif r < current + ex:
            person.smoking = "ex"
            # Most quit long ago; some within the last few years.
            quit_years = min(age - 16, rng.expovariate(1 / 12))
            person.quit_day = today - int(quit_years * YEAR)

    # BMI: lognormal around the age mean, higher with deprivation [HSE].
    mean = epi.mean_bmi(age) + 0.18 * (5.5 - person.imd)
    if ethnicity in epi.BLACK and sex == "female":
        mean += 1.5
    elif ethnicity in epi.SOUTH_ASIAN or ethnicity == "L":
        mean -= 0.8
    person.bmi = mean * math.exp(rng.gauss(0.0, epi.BMI_SIGMA) - epi.BMI_SIGMA**2 / 2)
    if sex == "male":
        person.height = rng.gauss(1.76, 0.07) if age >= 18 else 0.8 + age * 0.055
    else:
        person.height = rng.gauss(1.62, 0.065) if age >= 18 else 0.8 + age * 0.05


def name_and_place(person: Person, place: Place) -> tuple:
    """Names, address and contact details: (given, family, line1, line2, town, postcode, phone, mobile, email)."""
    rng = person.rng
    males, females, families = nm.NAMES.get(person.ethnicity, nm.NAMES["A"])
    person.name_pool = (males, females, families)
    given = rng.choice(males if person.sex == "male" else females)
    family = rng.choice(families)
    person.given_name, person.family_name = given, family

    number = rng.randint(1, 240)
    street = f"{rng.choice(nm.STREETS)} {rng.choice(nm.STREET_TYPES)}"
    r = rng.random()
    if r < 0.15:
        line1, line2 = f"{rng.choice(nm.FLAT_WORDS)} {rng.randint(1, 40)}", f"{number} {street}"
    elif r < 0.18:
        line1, line2 = rng.choice(nm.HOUSE_NAMES), street
    else:
        line1, line2 = f"{number} {street}", ""
    if rng.random() < 0.25:
        village = rng.choice(place.villages)
        line2 = f"{line2}, {village}" if line2 else village
        district = place.district + rng.randint(1, 3)
    else:
        district = place.district
    letters = nm.POSTCODE_UNIT_LETTERS
    postcode = f"{nm.POSTCODE_AREA}{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"

    age = person.age
    mobile = phone = email = ""
    if age >= 14:
        mobile_share = 0.92 if age < 65 else 0.75 if age < 80 else 0.45
        if rng.random() < mobile_share:
            mobile = f"{nm.MOBILE_PREFIX}{rng.randint(0, 999):03d}"
        if rng.random() < (0.15 if age < 65 else 0.5):
            phone = f"{nm.LANDLINE_PREFIX}{rng.randint(0, 999):03d}"
        if rng.random() < (0.6 if age < 65 else 0.35 if age < 80 else 0.12):
            handle = f"{given}.{family}".lower().replace("'", "").replace(" ", "")
            email = f"{handle}{rng.randint(1, 999)}@{nm.EMAIL_DOMAIN}"
    return given, family, line1, line2, place.town, postcode, phone, mobile, email


def language(person: Person) -> None:
    rng = person.rng
    if rng.random() < 0.0012:  # about 87,000 Deaf BSL users in the UK (British Deaf Association)
        person.language = "British Sign Language"
        return
    spec = nm.LANGUAGES.get(person.ethnicity)
    if spec and person.age >= 5:
        young, old, languages = spec
        if rng.random() < (old if person.age >= 65 else young):
            person.language = weighted_choice(rng, languages)


def channel(person: Person, phone: str, mobile: str, email: str, large_print: bool) -> str:
    rng = person.rng
    if large_print or not (phone or mobile or email):
        return "letter"
    if person.language not in ("English", "British Sign Language") and (phone or mobile):
        return "phone"
    options = []
    young = person.age < 70
    if mobile:
        options.append(("sms", 0.6 if young else 0.25))
    if email:
        options.append(("email", 0.2 if young else 0.08))
    if phone or mobile:
        options.append(("phone", 0.05 if young else 0.2))
    options.append(("letter", 0.15 if young else 0.5))
    return weighted_choice(rng, options)


def adjustments(person: Person) -> list[tuple[str, str]]:
    """Reasonable adjustments as (kind, detail)."""
    rng = person.rng
    age, out = person.age, {}
    n = len(person.conditions)
    if person.language == "British Sign Language":
        out["bsl"] = ""
    elif person.language != "English" and rng.random() < 0.85:
        out["interpreter"] = person.language
    if age >= 65 and rng.random() < (0.06 if age >= 80 else 0.02):
        out["large_print"] = "Minimum 16 point"
    if age >= 75 and rng.random() < 0.04:
        out["hearing_loop"] = ""
    if age >= 70 and rng.random() < 0.003:
        out["braille" if rng.random() < 0.3 else "audio"] = ""
    if age >= 14 and rng.random() < 0.004:  # learning disability: QOF LD register ~0.6%
        out["easy_read"] = "Learning disability"
        if rng.random() < 0.6:
            out["longer_appointment"] = "Double appointment"
    if "dementia" in person.conditions:
        if rng.random() < 0.4:
            out["longer_appointment"] = "Double appointment"
        if rng.random() < 0.5:
            out["carer_present"] = "Please invite the carer"
        if rng.random() < 0.1:
            out.setdefault("easy_read", "")
    elif n >= 5 and rng.random() < 0.1:
        out.setdefault("longer_appointment", "Several conditions to review")
    if age >= 80 and (person.z > 1.0 or n >= 4) and rng.random() < 0.15:
        out["step_free"] = "Uses a walking frame"
    return sorted(out.items())


def related_people(person: Person, pid: int) -> list[tuple]:
    """Carers and people important to the person: (patient, name, relationship, is_carer,
    is_next_of_kin, has_proxy_access, phone, email)."""
    rng = person.rng
    age, n = person.age, len(person.conditions)
    males, females, families = person.name_pool
    rows = []
    if age < 16:
        if rng.random() < 0.35:
            parent_sex = "female" if rng.random() < 0.7 else "male"
            given = rng.choice(females if parent_sex == "female" else males)
            rows.append((pid, f"{given} {person.family_name}", "parent", False, True, age < 11 and rng.random() < 0.4,
                         f"{nm.MOBILE_PREFIX}{rng.randint(0, 999):03d}", ""))
        return rows
    needs_care = (
        "dementia" in person.conditions and rng.random() < 0.9
        or age >= 80 and n >= 3 and rng.random() < 0.45
        or age >= 65 and n >= 4 and rng.random() < 0.3
        or person.has("heart_failure", "copd") and age >= 60 and rng.random() < 0.15
    )
    next_of_kin = needs_care or (age >= 65 and rng.random() < 0.4) or (age >= 18 and rng.random() < 0.05)
    if not next_of_kin:
        return rows
    if age >= 70 and rng.random() < 0.5 or age < 70 and rng.random() < 0.65:
        relationship = "spouse"
    else:
        relationship = weighted_choice(rng, (("child", 75), ("sibling", 8), ("friend", 8), ("neighbour", 5), ("other", 4)))
    if relationship == "spouse":
        other_sex = "female" if person.sex == "male" else "male"
        if rng.random() < 0.03:
            other_sex = person.sex
    else:
        other_sex = "female" if rng.random() < 0.6 else "male"
    given = rng.choice(females if other_sex == "female" else males)
    family = person.family_name if relationship in ("spouse", "child") and rng.random() < 0.75 else rng.choice(families)
    proxy = needs_care and ("dementia" in person.conditions and rng.random() < 0.45 or rng.random() < 0.1)
    email = f"{given}.{family}{rng.randint(1, 99)}@{nm.EMAIL_DOMAIN}".lower().replace("'", "") \
        if rng.random() < 0.3 else ""
    rows.append((pid, f"{given} {family}", relationship, needs_care, True, proxy,
                 f"{nm.MOBILE_PREFIX}{rng.randint(0, 999):03d}", email))
    if needs_care and age >= 75 and rng.random() < 0.15:
        given = rng.choice(females if rng.random() < 0.8 else males)
        rows.append((pid, f"{given} {rng.choice(families)}", "paid_carer", True, False, False,
                     f"{nm.LANDLINE_PREFIX}{rng.randint(0, 999):03d}", ""))
    return rows


def registration(person: Person, today: int) -> None:
    """Registration date, and whether the person has since died or left the practice."""
    rng = person.rng
    age = person.age
    if age < 18 and rng.random() < 0.75:
        registered = person.dob + rng.randint(7, 90)
    else:
        registered = today - int(min(age, rng.expovariate(1 / 12)) * YEAR)
    person.registered = max(person.dob, min(registered, today))
    person.status, person.end = "registered", today
    # Deaths in the last two years: the latent ill-health factor carries multimorbidity's effect.
    two_year_risk = 2 * epi.annual_mortality(age) * math.exp(0.8 * person.z - 0.32)
    r = rng.random()
    if r < min(0.6, two_year_risk):
        person.status = "deceased"
    elif r < min(0.6, two_year_risk) + (0.03 if 18 <= age < 40 else 0.012):
        person.status = "left"
    if person.status != "registered":
        earliest = max(person.registered + 30, person.dob + 1, today - 730)
        if earliest < today - 1:
            person.end = rng.randint(earliest, today - 1)
        else:
            person.status = "registered"
