"""A synthetic population written straight to the population extract's Parquet layout. Pure: no Django.

    generate(Path("out"), patients=1_000_000, today=date(2026, 12, 6))
    python -m tandem.population.synth out --patients 1000000 --today 2026-12-06

Writes `<out>/<table>/practice=<ODS code>/part-0.parquet` for every table of `tandem.population.schema`, with the
schema `arrow_schema(table, with_practice=False)` (the practice is the Hive partition), for benchmarking the
population rules on PostgreSQL, DuckDB and Spark at millions of patients.

How it differs from the synthetic practice (`tandem.synth.generate`): that one draws each person in Python with
names, addresses and results histories to load into Tandem's database; this one draws a whole practice at once
with numpy, only the extract's columns, and writes it out before drawing the next practice, so memory does not
grow with the number of patients. It draws from the same facts: the age and sex structure, ethnicity, deprivation,
smoking and BMI of `tandem.synth.epidemiology`, and each condition's hazard with the same clustering (latent
ill-health, deprivation, ethnicity, BMI, smoking, parent conditions) and calibration as
`tandem.synth.generate.conditions`, so prevalence by age and sex and multimorbidity rising with age follow it.
Codes come from the rule codelists (`tandem.terminology.codelists`), so the register, frailty and multimorbidity
rules find them.

Determinism: the practice list comes from the seed, and each practice draws from its own generator seeded with
(seed, practice number), so the same arguments give the same rows.

The rates below marked "approximate" are this generator's own assumptions, chosen to give the published
direction and a plausible size (see each comment); they are not fitted to data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tandem.population.arrow import arrow_schema
from tandem.population.schema import CARE_EVENTS, OBSERVATION_CONCEPTS, TABLES
from tandem.registers.rules import registers as register_rules_module
from tandem.registers.rules import risk
from tandem.synth import epidemiology as epi
from tandem.synth.generate import general_medicines as general
from tandem.synth.generate.conditions import MEAN_DURATION, _picker, _tables
from tandem.terminology import codelists
from tandem.terminology.observations import BY_KEY

EPOCH = dt.date(1970, 1, 1)
YEAR = 365.25
LETTERS = "ABCDEFGHJKLMNPQRSTVWY"  # first letters of English practice ODS codes (e.g. A81001, Y02345)

# --- Approximate rates (see the module docstring) ------------------------------------------
NOT_REGISTERED = 0.03  # records of people who have left or died
SEX_UNKNOWN, SEX_OTHER = 0.0005, 0.0002
IMD_UNKNOWN = 0.01
RESOLVED_OTHER = 0.02  # past resolved episodes of registers with a resolved rule, as a share of prevalence
REDIAGNOSED = 0.03  # of people with a resolvable condition: an earlier episode, resolved, before this one
RESOLVED_BY_CODE = 0.7  # a resolved episode is recorded with a resolved code (else a resolved status)
#: eFI deficit and other feature codes: chance of a code in each list at 65, rising 4% a year of age
#: and with latent ill-health; about two coded deficits at 80 besides those read from registers (Clegg 2016:
#: about half of people 65 and over fit, a third mildly frail).
FEATURE_AT_65, FEATURE_PER_YEAR, FEATURE_Z = 0.04, 0.04, 0.5
#: Features that are common in adults of any age: anxiety, alcohol problems, irritable bowel syndrome.
FLAT_FEATURES = {"anxiety": 0.06, "alcohol_problems": 0.03, "irritable_bowel_syndrome": 0.04}
REGIMEN_FIRST, REGIMEN_DECAY = 0.7, 0.5  # chance of a condition's k-th catalogue medicine: 0.7 * 0.5**k
LAXATIVE_REPEAT = ((0, 0.002), (50, 0.02), (70, 0.06), (85, 0.12))  # regular laxatives by age
ANTISPASMODIC = 0.012  # adults 18-75; twice as common in women
HISTORY_DAYS = 3 * 365  # observations and hospital events
APPOINTMENT_DAYS = 2 * 365
#: Home visits as a share of a person's appointments by age (AIGP: under 1% overall, most of them the oldest).
HOME_VISITS = ((0, 0.001), (75, 0.015), (85, 0.04))
FALL_SHARE = ((0, 0.02), (65, 0.08), (80, 0.2))  # emergency and A&E events that are for a fall
#: The care planning funnel: the chance of each event given the one before it (CARE_EVENTS order).
FUNNEL = (("review_due", 0.92), ("invited", 0.85), ("tests_attended", 0.8), ("pack_sent", 0.85),
          ("agenda_returned", 0.7), ("conversation_held", 0.85), ("plan_saved", 0.9), ("plan_agreed", 0.85),
          ("copy_given", 0.8), ("checkin_answered", 0.5))
PERSONAL_TARGETS = 0.04  # of people with diabetes or hypertension, a personal target agreed


def _step(table, age):
    """A rate looked up by age in a ((from age, rate), ...) table, for an array of ages."""
    out = np.zeros(len(age))
    for start, rate in table:
        out[age >= start] = rate
    return out


# --- Practices --------------------------------------------------------------------------------

def practices(*, patients: int, practice_size: int, seed: int) -> list[tuple[str, int]]:
    """(ODS-like code, list size) for each practice: sizes vary +-30% around `practice_size`, the last takes the
    remainder."""
    if patients < 0 or practice_size < 1:
        raise ValueError("patients must not be negative and practice_size must be positive")
    rng = np.random.default_rng([seed, 0])
    layout, codes, left = [], set(), patients
    while left > 0:
        size = min(left, int(practice_size * rng.uniform(0.7, 1.3)) or 1)
        code = f"{LETTERS[rng.integers(len(LETTERS))]}{rng.integers(100_000):05d}"
        while code in codes:
            code = f"{LETTERS[rng.integers(len(LETTERS))]}{rng.integers(100_000):05d}"
        codes.add(code)
        layout.append((code, size))
        left -= size
    return layout


def person_keys(seed: int, practice_number: int, n: int):
    """Unique, unordered int64 keys: a bijective 64-bit mix (splitmix64's finaliser) of (practice, index) under a
    key from the seed, so keys are unique across the whole population and not in list order."""
    key = np.uint64((seed * 0x9E3779B97F4A7C15) % 2**64)
    x = (np.uint64(practice_number) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
    z = (x ^ key) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))).view(np.int64)


# --- Lookup tables (built once) ---------------------------------------------------------------

@cache
def _demography():
    ages = epi.MAX_AGE + 1
    weights = np.array(epi.AGE_WEIGHTS["male"] + epi.AGE_WEIGHTS["female"])
    eth_codes = tuple(epi.ETHNICITY_PERCENT)
    eth_cum = np.array([np.cumsum(epi.ethnicity_weights(a)[1]) for a in range(ages)])
    eth_cum /= eth_cum[:, -1:]
    imd_cum = []
    for code in eth_codes:
        tilt = epi.IMD_TILT.get(code, 0.0)
        w = np.exp(tilt * (5.5 - np.arange(1, 11)) / 4.5)
        imd_cum.append(np.cumsum(w) / w.sum())
    smoking = np.array([epi.smoking_rates(a) for a in range(ages)])
    bmi = np.array([epi.mean_bmi(a) for a in range(ages)])
    return np.cumsum(weights) / weights.sum(), eth_codes, eth_cum, np.array(imd_cum), smoking, bmi


@cache
def _hazards():
    """slug -> (H[sex, age], norm[sex, age], deprivation factor[decile - 1]) from the practice generator's tables."""
    hazards, deprivation = _tables()
    out = {}
    for spec in epi.CONDITIONS:
        per_sex = hazards[spec.slug]
        h = np.array([[row[0] for row in per_sex[s]] for s in ("male", "female")])
        norm = np.array([[row[1] for row in per_sex[s]] for s in ("male", "female")])
        out[spec.slug] = (h, norm, np.array(deprivation[spec.slug]))
    return out


@cache
def _rules():
    return {rule.slug: rule for rule in register_rules_module.register_rules()}


@cache
def _codes(slug: str, sex: str, detail: str = ""):
    """(codes as an object array, cumulative weights) for a diagnosis list, as the practice generator picks them."""
    picked, cum = _picker(slug, sex, detail, frozenset())
    weights = np.diff(np.array([0.0, *cum]))
    # Only codes no other register reads (some vascular dementia codes are also stroke codes, ...), so that each
    # condition drawn puts the person on its own register only.
    own = np.array([codelists.conditions_for_code(code) == (slug,) for code, _ in picked])
    if own.any():
        picked, weights = [p for p, keep in zip(picked, own, strict=True) if keep], weights[own]
    return np.array([c for c, _ in picked], dtype=object), np.cumsum(weights) / weights.sum()


@cache
def _ranked(slugs: tuple[str, ...]):
    """Codes of these codelists in file order, leaving out any a register reads, with weights falling with rank
    (first most common)."""
    codes = [c for slug in slugs for c in codelists.get(slug).terms if not codelists.conditions_for_code(c)]
    w = 1.0 / (1 + np.arange(len(codes))) ** 1.3
    return np.array(codes, dtype=object), np.cumsum(w) / w.sum()


@cache
def _medicine_catalogue():
    """Medicine name -> dm+d code ("" if not coded), over both catalogues."""
    return {m.name: m.dmd_code or "" for m in codelists.medicines() + general.general_catalogue()}


def _choose(rng, choices, n: int):
    """n codes drawn from (codes, cumulative weights)."""
    codes, cum = choices
    return codes[np.searchsorted(cum, rng.random(n), side="right").clip(0, len(codes) - 1)]


# --- One practice ----------------------------------------------------------------------------

class _Rows:
    """Column arrays of one table, added a batch at a time and joined when the practice is written."""

    def __init__(self, name: str):
        self.schema = arrow_schema(name, with_practice=False)
        self.parts: dict[str, list] = {f.name: [] for f in self.schema}

    def add(self, who, **columns) -> None:
        n = len(who)
        if not n:
            return
        self.parts["person"].append(who)
        for name, values in columns.items():
            if np.ndim(values) == 0:
                values = np.full(n, values, dtype=object if isinstance(values, str) or values is None else None)
            self.parts[name].append(values)

    def table(self, keys) -> pa.Table:
        arrays = []
        for field in self.schema:
            parts = self.parts[field.name]
            if not parts:
                arrays.append(pa.array([], type=field.type))
                continue
            values = np.concatenate(parts)
            if field.name == "person":
                values = keys[values]
            if pa.types.is_date32(field.type):
                mask = values < 0 if field.nullable else None
                arrays.append(pa.array(values.astype(np.int32), type=field.type, mask=mask))
            elif pa.types.is_floating(field.type):
                arrays.append(pa.array(values.astype(np.float64), type=field.type, from_pandas=True))
            elif pa.types.is_integer(field.type):
                mask = values < 0 if field.nullable else None
                arrays.append(pa.array(values.astype(field.type.to_pandas_dtype()), type=field.type, mask=mask))
            else:
                arrays.append(pa.array(values, type=field.type))
        return pa.Table.from_arrays(arrays, schema=self.schema)


NO_DATE = -1  # a missing date in the day-number arrays (written as null); every real date is after 1970


class _Practice:
    """Draws one practice's people and their records into `rows`."""

    def __init__(self, rng, n: int, today: dt.date):
        self.rng, self.n, self.today = rng, n, today
        self.day = (today - EPOCH).days
        self.rows = {t.name: _Rows(t.name) for t in TABLES}
        self.codes_of: dict[str, tuple] = {}  # condition -> (people, their diagnosis codes)

    # -- people
    def people(self) -> None:
        rng, n = self.rng, self.n
        cell_cum, eth_codes, eth_cum, imd_cum, smoking, mean_bmi = _demography()
        ages = epi.MAX_AGE + 1
        cell = np.searchsorted(cell_cum, rng.random(n), side="right").clip(0, 2 * ages - 1)
        self.female, self.age = cell >= ages, cell % ages
        age = self.age
        month = (self.today.year - 1970) * 12 + self.today.month - 1 - 12 * age - rng.integers(0, 12, n)
        self.birth = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        eth = (rng.random(n)[:, None] > eth_cum[age]).sum(axis=1).clip(0, len(eth_codes) - 1)
        self.eth_codes, self.eth = np.array(eth_codes, dtype=object), eth
        self.imd = (rng.random(n)[:, None] > imd_cum[eth]).sum(axis=1).clip(0, 9) + 1
        self.z = rng.standard_normal(n)
        code = self.eth_codes[eth]
        asian_or_black = np.isin(code, sorted(epi.SOUTH_ASIAN | epi.BLACK | {"L"}))
        current = smoking[age, 0] * np.array([epi.smoking_deprivation_factor(d) for d in range(1, 11)])[self.imd - 1]
        current *= np.where(asian_or_black, np.where(self.female, 0.6, 0.9), 1.0)
        r = rng.random(n)
        adult = age >= 16
        self.smoking = np.where(adult & (r < current), 2, np.where(adult & (r < current + smoking[age, 1]), 1, 0))
        mean = mean_bmi[age] + 0.18 * (5.5 - self.imd)
        mean += np.where(np.isin(code, sorted(epi.BLACK)) & self.female, 1.5, 0.0)
        mean -= np.where(np.isin(code, sorted(epi.SOUTH_ASIAN | {"L"})), 0.8, 0.0)
        self.bmi = mean * np.exp(rng.standard_normal(n) * epi.BMI_SIGMA - epi.BMI_SIGMA ** 2 / 2)
        self.registered = rng.random(n) >= NOT_REGISTERED

    def write_people(self) -> None:
        rng, n = self.rng, self.n
        sex = np.where(self.female, "female", "male").astype(object)
        r = rng.random(n)
        sex[r < SEX_UNKNOWN + SEX_OTHER] = "other"
        sex[r < SEX_UNKNOWN] = "unknown"
        recorded = self.eth_codes[self.eth]
        r = rng.random(n)
        recorded[r < epi.ETHNICITY_UNRECORDED + epi.ETHNICITY_RECORDED_NOT_STATED] = "Z"
        recorded[r < epi.ETHNICITY_UNRECORDED] = ""
        imd = np.where(rng.random(n) < IMD_UNKNOWN, -1, self.imd)
        old = np.clip(self.age - 65, 0, None)
        carer = np.where(self.age >= 65, 0.02 + 0.006 * old, 0.005)
        carer *= np.where(self.has["dementia"], 3.0, 1.0) * (1 + 0.15 * self.count)
        self.has_carer = rng.random(n) < np.minimum(carer, 0.7)
        self.rows["patient"].add(np.arange(n), birth_date=self.birth, sex=sex, imd_decile=imd, ethnicity=recorded,
                                 registered=self.registered, has_carer=self.has_carer)

    # -- conditions
    def conditions(self) -> None:
        rng, n, age = self.rng, self.n, self.age
        sex = self.female.astype(int)
        hazards = _hazards()
        self.has, self.onset, self.count = {}, {}, np.zeros(n, dtype=int)
        bmi_gap = self.bmi - _demography()[5][age]
        for spec in epi.CONDITIONS:
            h_table, norm_table, deprivation = hazards[spec.slug]
            h, norm = h_table[sex, age], norm_table[sex, age]
            lam = spec.frailty
            m = np.exp(lam * self.z - lam * lam / 2) * deprivation[self.imd - 1]
            if spec.ethnicity:
                m *= np.vectorize(lambda c, r=spec.ethnicity: r.get(c, 1.0), otypes=[float])(self.eth_codes)[self.eth]
            if spec.bmi:
                m *= np.exp(spec.bmi * bmi_gap)
            m *= np.choose(self.smoking, (1.0, spec.smoking[0], spec.smoking[1]))
            for parent, hr in spec.parents.items():
                m *= np.where(self.has[parent], hr, 1.0)
            if spec.per_other_condition != 1.0:
                m *= spec.per_other_condition ** self.count
            p = np.where(age < spec.min_age, 0.0, 1.0 - np.exp(-h * m / norm))
            if spec.slug == "diabetes_type2":
                p[self.has["diabetes_type1"]] = 0.0
            if spec.slug == "non_diabetic_hyperglycaemia":
                p[self.has["diabetes_type1"] | self.has["diabetes_type2"]] = 0.0
            has = rng.random(n) < p
            self.has[spec.slug] = has
            self.count += has
            self.onset[spec.slug] = self._onset(spec, has)
            self._diagnoses(spec.slug, has)
            self._past_episodes(spec, h, has)

    def _onset(self, spec, has):
        rng, age = self.rng, self.age
        low = np.minimum(spec.onset_min_age, age)
        years = np.minimum(age - low, rng.exponential(MEAN_DURATION[spec.slug], self.n))
        onset_age = age - years
        if spec.slug == "diabetes_type1":
            onset_age = low + rng.random(self.n) * np.clip(np.minimum(age, 35) - low, 0, None)
        elif spec.slug in ("asthma", "epilepsy"):
            child = rng.random(self.n) < 0.5
            onset_age = np.where(child, low + rng.random(self.n) * np.clip(np.minimum(age, 16) - low, 0, None),
                                 onset_age)
        day = self.birth + (onset_age * YEAR).astype(np.int64) + rng.integers(0, 301, self.n)
        return np.where(has, np.clip(day, self.birth + 1, self.day - 1), NO_DATE)

    def _diagnoses(self, slug: str, has) -> None:
        who = np.flatnonzero(has)
        codes = np.empty(len(who), dtype=object)
        female = self.female[who]
        if slug == "ckd_3_5":
            stage = np.searchsorted(np.cumsum([s[1] for s in epi.CKD_STAGES]), self.rng.random(len(who)))
            groups = [((female == f) & (stage.clip(0, 3) == k), "female" if f else "male", epi.CKD_STAGES[k][0])
                      for f in (False, True) for k in range(len(epi.CKD_STAGES))]
        else:
            groups = [(~female, "male", ""), (female, "female", "")]
        for mask, sex, detail in groups:
            codes[mask] = _choose(self.rng, _codes(slug, sex, detail), int(mask.sum()))
        self.rows["condition"].add(who, code=codes, onset_date=self.onset[slug][who], resolved_date=NO_DATE)
        self.codes_of[slug] = (who, codes)

    def _resolve(self, slug: str, who, codes, onset, resolved) -> None:
        """A diagnosis row from `onset`, ended on `resolved` by a resolved code or a resolved status."""
        rule = _rules()[slug]
        by_code = self.rng.random(len(who)) < RESOLVED_BY_CODE if rule.resolution_codes else np.zeros(len(who), bool)
        if not rule.status_resolves:
            by_code[:] = bool(rule.resolution_codes)
        status = np.where(by_code, NO_DATE, resolved)
        self.rows["condition"].add(who, code=codes, onset_date=onset, resolved_date=status)
        if by_code.any():
            pick = _ranked(tuple(cl.slug for cl in codelists.resolutions_for(slug)))
            self.rows["condition"].add(who[by_code], code=_choose(self.rng, pick, int(by_code.sum())),
                                       onset_date=resolved[by_code], resolved_date=NO_DATE)

    def _past_episodes(self, spec, h, has) -> None:
        """Resolved past episodes (people without the condition now) and re-diagnoses (with it)."""
        rule = _rules()[spec.slug]
        if not (rule.resolution_codes or rule.status_resolves):
            return
        rng, n, age = self.rng, self.n, self.age
        share = spec.resolved_share or RESOLVED_OTHER
        past = ~has & (rng.random(n) < share * (1.0 - np.exp(-h))) & (age >= max(spec.onset_min_age, 8))
        if spec.slug == "asthma":  # childhood asthma that resolved (as the practice generator draws it)
            start = self.birth + ((2 + rng.random(n) * np.clip(np.minimum(age - 3, 16) - 2, 0, None)) * YEAR)
            end = start + rng.uniform(2, 15, n) * YEAR
        else:  # an episode some years ago that resolved within two years
            start = self.day - np.minimum(np.clip(age - 14, 1, None), rng.exponential(5, n) + 0.5) * YEAR
            end = start + rng.integers(120, 721, n)
        start, end = start.astype(np.int64), end.astype(np.int64)
        past &= (end < self.day - 30) & (start > self.birth)
        who = np.flatnonzero(past)
        if len(who):
            codes = np.empty(len(who), dtype=object)
            for f, sex in ((False, "male"), (True, "female")):
                mask = self.female[who] == f
                codes[mask] = _choose(rng, _codes(spec.slug, sex, "3a" if spec.slug == "ckd_3_5" else ""),
                                      int(mask.sum()))
            self._resolve(spec.slug, who, codes, start[who], end[who])
        again = has & (rng.random(n) < REDIAGNOSED)
        earlier = self.onset[spec.slug] - rng.uniform(1, 6, n) * YEAR
        again &= earlier > self.birth + 365
        diag_who, diag_codes = self.codes_of[spec.slug]
        pos = np.searchsorted(diag_who, np.flatnonzero(again))
        who = diag_who[pos]
        if len(who):
            first = earlier[who].astype(np.int64)
            ended = first + (rng.uniform(0.2, 0.8, len(who)) * (self.onset[spec.slug][who] - first)).astype(np.int64)
            self._resolve(spec.slug, who, diag_codes[pos], first, ended)

    # -- features: eFI deficits and the multimorbidity score's conditions that are not registers
    def features(self) -> None:
        rng, n, age = self.rng, self.n, self.age
        from_registers = {f"efi_{key}" for key in risk.REGISTER_DEFICITS}
        rising = np.where(age >= 18, FEATURE_AT_65 * np.exp(FEATURE_PER_YEAR * (age - 65)), 0.0)
        rising *= np.exp(FEATURE_Z * self.z - FEATURE_Z ** 2 / 2)
        for slug in risk.feature_slugs():
            if slug in from_registers:
                continue  # those deficits are read from the registers
            flat = FLAT_FEATURES.get(slug)
            if flat is None:
                p = np.minimum(rising, 0.5)
            else:
                p = np.where(age >= 16, flat, 0.0) * (np.where(self.female, 1.5, 0.7) if slug != "alcohol_problems"
                                                      else np.where(self.female, 0.6, 1.4))
            who = np.flatnonzero(rng.random(n) < p)
            earliest = np.maximum(self.birth[who] + int(16 * YEAR), self.day - 15 * 365)
            onset = earliest + (rng.random(len(who)) * (self.day - earliest)).astype(np.int64)
            self.rows["condition"].add(who, code=_choose(rng, _ranked((slug,)), len(who)), onset_date=onset,
                                       resolved_date=NO_DATE)

    # -- medication courses
    def medicines(self) -> None:
        rng, n = self.rng, self.n
        for slug in epi.BY_SLUG:
            has = np.flatnonzero(self.has[slug] & self.registered)
            if not len(has):
                continue
            regimen = [m for m in codelists.medicines_for(slug) if m.dmd_code]
            taken = np.zeros(len(has), dtype=bool)
            for k, medicine in enumerate(regimen):
                chosen = rng.random(len(has)) < REGIMEN_FIRST * REGIMEN_DECAY ** k
                if k == len(regimen) - 1 and medicine.regular:
                    chosen |= ~taken  # everyone with the condition takes at least one of its medicines
                taken |= chosen
                who = has[chosen]
                start = self.onset[slug][who] + (rng.random(len(who)) * (self.day - self.onset[slug][who]))
                self._course(who, medicine.dmd_code, medicine.regular, start.astype(np.int64))
        scale = np.exp(general.PROPENSITY_Z * self.z + general.PROPENSITY_U * rng.standard_normal(n)
                       - (general.PROPENSITY_Z ** 2 + general.PROPENSITY_U ** 2) / 2)
        scale *= 1 + general.PER_CONDITION * np.minimum(self.count, general.CONDITIONS_CAP)
        scale *= np.array([epi.deprivation_factor(general.DEPRIVATION, d) for d in range(1, 11)])[self.imd - 1]
        catalogue = _medicine_catalogue()
        for item in general.EVERYDAY:
            rate = np.zeros(n)
            for start, men, women in item.rates:
                rate[self.age >= start] = np.where(self.female, women, men)[self.age >= start]
            for slug, factor in item.boost:
                if slug in self.has:
                    rate *= np.where(self.has[slug], factor, 1.0)
            who = np.flatnonzero(rng.random(n) < np.minimum(0.9, general.LEVEL * rate / 100 * scale))
            names = np.array(item.products, dtype=object)
            weights = 1.0 / (1 + np.arange(len(names))) ** 1.3
            product = names[np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(len(who)), side="right")
                            .clip(0, len(names) - 1)]
            start = self.day - (rng.uniform(0.1, 8.0, len(who)) * YEAR).astype(np.int64)
            start = np.maximum(start, self.birth[who] + int(16 * YEAR))
            code = np.array([catalogue.get(p, "") for p in product], dtype=object)
            self._course(who, code, True, np.minimum(start, self.day - 1))
        self._cms_medicines()

    def _course(self, who, code, regular, start) -> None:
        """Courses from `start`: current, or (STOP_PROBABILITY of them) stopped some time after starting."""
        rng = self.rng
        stopped = (rng.random(len(who)) < general.STOP_PROBABILITY) & (self.day - start > 60)
        end = np.where(stopped, start + 30 + (rng.random(len(who)) * (self.day - start - 31)).astype(np.int64),
                       NO_DATE)
        self.rows["medication"].add(who, dmd_code=code, active=~stopped, regular=regular, start_date=start,
                                    end_date=end)

    def _cms_medicines(self) -> None:
        """Repeat laxatives (treated constipation) and antispasmodics (irritable bowel syndrome) that the
        multimorbidity score counts by prescriptions, plus one-off courses that it does not."""
        rng, n, age = self.rng, self.n, self.age
        laxative = _step(LAXATIVE_REPEAT, age) * np.where(self.has["dementia"], 2.0, 1.0) * (1 + 0.2 * self.count)
        spasm = np.where((age >= 18) & (age <= 75), ANTISPASMODIC, 0.0) * np.where(self.female, 1.4, 0.6)
        for slug, p in (("cms_laxatives", laxative), ("cms_antispasmodics", spasm)):
            pick = _ranked((slug,))
            who = np.flatnonzero(rng.random(n) < p)
            start = np.maximum(self.day - rng.integers(30, 730, len(who)), self.birth[who])
            self._course(who, _choose(rng, pick, len(who)), True, start)
            once = np.flatnonzero(rng.random(n) < p)
            day = np.maximum(self.day - rng.integers(1, 730, len(once)), self.birth[once])
            self.rows["medication"].add(once, dmd_code=_choose(rng, pick, len(once)), active=False, regular=False,
                                        start_date=day, end_date=np.minimum(day + 28, self.day))

    # -- appointments and hospital
    def activity(self) -> None:
        rng, n, age = self.rng, self.n, self.age
        rate = _step(epi.APPOINTMENTS_BY_AGE, age)
        rate *= np.where(self.female & (age >= 15) & (age < 45), epi.APPOINTMENTS_WOMEN_15_44, 1.0)
        rate *= (1 + epi.APPOINTMENTS_PER_CONDITION * self.count) * rng.gamma(2.0, 0.5, n) * (1 - epi.DNA_RATE)
        who = np.repeat(np.arange(n), rng.poisson(rate * APPOINTMENT_DAYS / 365))
        day = np.maximum(self.day - rng.integers(0, APPOINTMENT_DAYS, len(who)), self.birth[who])
        home = _step(HOME_VISITS, age) * np.where(self.has["dementia"] | (self.count >= 4), 3.0, 1.0)
        self.rows["appointment"].add(who, on_date=day, home_visit=rng.random(len(who)) < np.minimum(home, 0.6)[who])
        falls = _step(FALL_SHARE, age)
        frail = rng.gamma(1.5, 1 / 1.5, n)
        for kind, table, per_condition in (("emergency", epi.EMERGENCY_BY_AGE, 0.3), ("ae", epi.AE_BY_AGE, 0.15),
                                           ("elective", epi.ELECTIVE_BY_AGE, 0.1)):
            rate = _step(table, age) * (1 + per_condition * self.count) * frail
            who = np.repeat(np.arange(n), rng.poisson(rate * HISTORY_DAYS / 365))
            day = np.maximum(self.day - rng.integers(0, HISTORY_DAYS, len(who)), self.birth[who])
            fall = rng.random(len(who)) < falls[who] if kind != "elective" else False
            self.rows["hospital_event"].add(who, kind=kind, start_date=day, fall=fall)

    # -- results over the last three years
    def _readings(self, who, per_year, concept: str, set_point, noise: float, decimals: int = 1):
        """Readings at `per_year` for people `who` around their set point; returns (person, day) of each."""
        rng = self.rng
        counts = rng.poisson(per_year * HISTORY_DAYS / 365, len(who))
        person = np.repeat(who, counts)
        centre = np.repeat(set_point, counts)
        day = np.maximum(self.day - rng.integers(0, HISTORY_DAYS, len(person)), self.birth[person])
        low, high = OBSERVATION_RANGE[concept]
        value = np.round(np.clip(centre + rng.normal(0.0, noise, len(person)), low, high), decimals)
        value[rng.random(len(person)) < 0.001] = np.nan  # a result recorded without its value
        self.rows["observation"].add(person, concept=concept, on_date=day, value=value)
        return person, day, value

    def observations(self) -> None:
        rng, n, age, has = self.rng, self.n, self.age, self.has
        diabetes = has["diabetes_type1"] | has["diabetes_type2"]
        # HbA1c set points: about 60% of type 2 and 30% of type 1 at or below 58 mmol/mol [NDA, epidemiology]
        who = np.flatnonzero(diabetes)
        t1 = has["diabetes_type1"][who]
        point = np.exp(np.where(t1, np.log(64), np.log(55)) + rng.normal(0, 0.21, len(who)))
        self._readings(who, 2.0, "hba1c", point, 4.0, 0)
        ndh = np.flatnonzero(has["non_diabetic_hyperglycaemia"])
        self._readings(ndh, 1.0, "hba1c", rng.uniform(42, 47, len(ndh)), 1.5, 0)
        cardio = has["hypertension"] | diabetes | has["ckd_3_5"] | has["coronary_heart_disease"] | has["stroke_tia"]
        # Blood pressure: about 70% of hypertension at or below 140/90 (QOF HYP008, as the practice generator)
        bp_rate = np.where(cardio, 2.0, np.where(age >= 40, 0.25, np.where(age >= 18, 0.1, 0.0)))
        systolic = np.where(has["hypertension"], rng.normal(134, 12, n), rng.normal(112 + 0.35 * age, 11, n))
        who = np.flatnonzero(bp_rate > 0)
        counts = rng.poisson(bp_rate[who] * HISTORY_DAYS / 365)
        person = np.repeat(who, counts)
        day = np.maximum(self.day - rng.integers(0, HISTORY_DAYS, len(person)), self.birth[person])
        sbp = np.round(np.clip(systolic[person] + rng.normal(0, 8, len(person)), *OBSERVATION_RANGE["systolic_bp"]))
        dbp = np.round(np.clip(0.5 * sbp + rng.normal(13, 6, len(person)), *OBSERVATION_RANGE["diastolic_bp"]))
        for concept, value in (("systolic_bp", sbp), ("diastolic_bp", dbp)):
            self.rows["observation"].add(person, concept=concept, on_date=day, value=value)
        # Cholesterol: yearly with cardiovascular risk, otherwise now and then from 40 (NHS Health Check)
        chol_rate = np.where(cardio, 1.0, np.where((age >= 40) & (age < 75), 0.15, 0.0))
        who = np.flatnonzero(chol_rate > 0)
        statin = cardio[who] & (rng.random(len(who)) < 0.7)
        point = np.where(statin, 4.2, 5.2) + rng.normal(0, 0.8, len(who))
        person, day, total = self._readings(who, chol_rate[who], "total_cholesterol", point, 0.4)
        ldl = np.round(np.clip(np.nan_to_num(total, nan=5.0) * 0.6 + rng.normal(-0.4, 0.3, len(person)),
                               *OBSERVATION_RANGE["ldl"]), 1)
        self.rows["observation"].add(person, concept="ldl", on_date=day, value=ldl)
        adult = np.flatnonzero(age >= 18)
        bmi_rate = 0.3 + 0.7 * diabetes[adult] + 0.3 * (self.count[adult] > 0)
        self._readings(adult, bmi_rate, "bmi", self.bmi[adult], 0.8)
        copd = np.flatnonzero(has["copd"])
        grade = np.clip(2.0 + 0.8 * self.z[copd] + 0.03 * (age[copd] - 70), 1, 5)
        self._readings(copd, 1.0, "mrc_dyspnoea", grade, 0.5, 0)

    def personal_targets(self) -> None:
        """A few agreed targets that replace the guideline default (NICE NG28: HbA1c 53 or higher for some;
        NICE NG136: under 150/90 from 80); some later replaced by another."""
        rng, has = self.rng, self.has
        rows = self.rows["personal_target"]
        for slug, concepts in ((("diabetes_type1", "diabetes_type2"), (("hba1c", (53.0, 58.0, 64.0, 75.0)),)),
                               (("hypertension",), (("systolic_bp", (140.0, 150.0)), ("diastolic_bp", (90.0,)))),
                               (("coronary_heart_disease",), (("ldl", (1.8, 2.0)),))):
            on = np.zeros(self.n, dtype=bool)
            for s in slug:
                on |= has[s]
            who = np.flatnonzero(on & (rng.random(self.n) < PERSONAL_TARGETS))
            agreed = np.maximum(self.day - rng.integers(1, HISTORY_DAYS, len(who)), self.birth[who])
            ended = rng.random(len(who)) < 0.15
            end_day = agreed + (rng.random(len(who)) * (self.day - agreed)).astype(np.int64)
            for concept, uppers in concepts:
                upper = np.array(uppers)[rng.integers(0, len(uppers), len(who))]
                rows.add(who, concept=concept, upper=upper, lower=np.nan, agreed_on=agreed,
                         ended_on=np.where(ended, end_day, NO_DATE))
                again = who[ended]  # the replacement, agreed the day the first ended
                rows.add(again, concept=concept, upper=np.array(uppers)[rng.integers(0, len(uppers), len(again))],
                         lower=np.nan, agreed_on=end_day[ended], ended_on=NO_DATE)

    def care_events(self) -> None:
        """The care planning funnel for the review year today falls in and the one before (1 April to 31 March,
        named by its first year), for people on at least one register."""
        rng = self.rng
        on_register = np.zeros(self.n, dtype=bool)
        for slug, has in self.has.items():
            on_register |= has & (self.age >= (_rules()[slug].age_min or 0))
        on_register &= self.registered
        current = self.today.year if self.today >= dt.date(self.today.year, 4, 1) else self.today.year - 1
        for year in (current - 1, current):
            start = (dt.date(year, 4, 1) - EPOCH).days
            last = min((dt.date(year + 1, 3, 31) - EPOCH).days, self.day)
            elapsed = min(1.0, (last - start + 1) / 365)
            alive = on_register & (self.birth <= start)
            conversation = start + (rng.random(self.n) * (last - start + 1)).astype(np.int64)
            for kind, p in FUNNEL:
                alive &= rng.random(self.n) < (p * elapsed ** 0.5 if kind == "invited" else p)
                who = np.flatnonzero(alive)
                if CARE_EVENT_DATING[kind] == "year":
                    self.rows["care_event"].add(who, kind=kind, review_year=year, on_date=NO_DATE)
                elif CARE_EVENT_DATING[kind] == "both":
                    self.rows["care_event"].add(who, kind=kind, review_year=year, on_date=conversation[who])
                else:
                    self.rows["care_event"].add(who, kind=kind, review_year=-1, on_date=conversation[who])


#: concept -> its plausible (low, high) range: results are clipped to it
OBSERVATION_RANGE = {concept: BY_KEY[concept].plausible for concept in OBSERVATION_CONCEPTS}
CARE_EVENT_DATING = {kind: dating for kind, (dating, _) in CARE_EVENTS.items()}  # "year", "day" or "both"


def draw_practice(*, seed: int, practice_number: int, patients: int, today: dt.date) -> dict[str, pa.Table]:
    """One practice's tables (without the practice column), drawn from (seed, practice number)."""
    practice = _Practice(np.random.default_rng([seed, practice_number]), patients, today)
    practice.people()
    practice.conditions()
    practice.write_people()
    practice.features()
    practice.medicines()
    practice.activity()
    practice.observations()
    practice.personal_targets()
    practice.care_events()
    keys = person_keys(seed, practice_number, patients)
    return {name: rows.table(keys) for name, rows in practice.rows.items()}


def generate(out: Path, *, patients: int, practice_size: int = 10_000, seed: int = 1, today: dt.date,
             progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write `patients` synthetic patients as the extract's Parquet files under `out`, a practice at a time;
    returns the rows written per table. `progress` is called with the patients written so far."""
    counts = {t.name: 0 for t in TABLES}
    done = 0
    for number, (code, size) in enumerate(practices(patients=patients, practice_size=practice_size, seed=seed), 1):
        for name, table in draw_practice(seed=seed, practice_number=number, patients=size, today=today).items():
            folder = Path(out) / name / f"practice={code}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, folder / "part-0.parquet")
            counts[name] += table.num_rows
        done += size
        if progress is not None:
            progress(done)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tandem.population.synth", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write <table>/practice=<code>/part-0.parquet into")
    parser.add_argument("--patients", type=int, required=True)
    parser.add_argument("--practice-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                        help="the extract's date, YYYY-MM-DD (default: today)")
    args = parser.parse_args(argv)
    today = args.today or dt.datetime.now(dt.UTC).date()
    began = time.perf_counter()
    counts = generate(args.out, patients=args.patients, practice_size=args.practice_size, seed=args.seed,
                      today=today)
    elapsed = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    for name, rows in counts.items():
        sys.stdout.write(f"{name:16} {rows:>14,} rows\n")
    sys.stdout.write(f"{args.patients:,} patients in {elapsed:.1f} s ({args.patients / elapsed:,.0f} a second); "
                     f"peak RSS {peak:,.0f} MiB\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
