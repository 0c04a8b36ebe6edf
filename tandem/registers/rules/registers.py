"""Register membership rules, written once as data, and the per-patient evaluation. Pure: no Django.

A register is one long-term condition's list of patients, defined the way the QOF business rules
define them (NHS England, Quality and Outcomes Framework business rules v49, 2024/25, and v50,
2025/26: the register rules of each clinical domain):

* the patient is currently registered at the practice;
* their latest diagnosis code for the condition is *after* their latest resolved code, where the
  register has a resolution rule (`RESOLUTION`): a code from the register's QOF resolved cluster
  (e.g. DMRES_COD, HYPRES_COD) or, for registers whose rule says so, the resolved date of one of
  their diagnosis rows (what a FHIR clinicalStatus of resolved, inactive or remission becomes on
  import). A resolved code on the same day as the latest diagnosis wins, as QOF selects only
  "diagnosis date > resolved date". Registers without a resolution rule (CHD, stroke and TIA,
  cancer, dementia, ...) never resolve: once diagnosed, always on the register;
* they have reached the condition's minimum age, where it has one (diabetes 17, CKD 18, ...),
  on the day the register is worked out;
* only events on or before that day count, and, for cancer, only diagnoses on or after
  1 April 2003 (QOF CAN001);
* the diabetes register is the whole QOF cluster DM_COD; Tandem splits it in two: type 1 when a
  type 1 code (DMTYPE1_COD) is recorded in the current episode, type 2 (with other and
  unspecified types) otherwise (`SPLITS`). Everyone on the QOF register is on exactly one.

`since` is the first diagnosis date of the current episode: the earliest diagnosis code after
the latest resolved code (so someone coded with diabetes in 2010, resolved in 2015 and re-coded
in 2020 is on the register since 2020).

The rules are built from the codelists (`tandem.terminology.codelists`) and the tables below:
one `RegisterRule` per slug in `LTC_SLUGS`. The same rule objects drive this per-patient
evaluation and the SQL that `tandem.registers.sql` generates for a whole practice; spec tests
run both and compare.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from tandem.patients.rules import age_on
from tandem.terminology import codelists

_SLUG = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Resolution:
    """How a register ends, per the QOF business rules (v49 2024/25, v50 2025/26).

    `cluster`: the QOF resolved cluster whose codes end membership ("" when the register has none;
    its codes are the `kind: resolution` codelists that resolve the register). `by_status`: whether
    a resolved date on a diagnosis row (a FHIR clinicalStatus of resolved, inactive or remission)
    also ends it. `why`: the rule in words, for the developer guide and the tests.
    """

    cluster: str
    by_status: bool
    why: str


_NEVER = "no resolved cluster in QOF: once diagnosed, always on the register"

#: One row per register: the one table both the per-patient path and the bulk SQL follow.
RESOLUTION: dict[str, Resolution] = {
    "hypertension": Resolution("HYPRES_COD", True, "HYP register: latest HYP_COD after latest HYPRES_COD"),
    "diabetes_type1": Resolution(
        "DMRES_COD", False, "DM register: latest DM_COD after latest DMRES_COD; the in-remission codes are "
        "diagnosis codes in DM_COD, so diabetes in remission stays on the register"),
    "diabetes_type2": Resolution(
        "DMRES_COD", False, "DM register: latest DM_COD after latest DMRES_COD; the in-remission codes are "
        "diagnosis codes in DM_COD, so diabetes in remission stays on the register"),
    "non_diabetic_hyperglycaemia": Resolution("", False, "NDH register: " + _NEVER),
    "asthma": Resolution("ASTRES_COD", True, "AST register: latest AST_COD after latest ASTRES_COD"),
    "copd": Resolution("COPDRES_COD", True, "COPD register: latest COPD_COD after latest COPDRES_COD"),
    "coronary_heart_disease": Resolution("", False, "CHD register: " + _NEVER),
    "heart_failure": Resolution("HFRES_COD", True, "HF register: latest HF_COD after latest HFRES_COD"),
    "atrial_fibrillation": Resolution("AFIBRES_COD", True, "AF register: latest AFIB_COD after latest AFIBRES_COD"),
    "stroke_tia": Resolution("", False, "STIA register: " + _NEVER),
    "ckd_3_5": Resolution("CKDRES_COD", True, "CKD register: latest CKD_COD after latest CKDRES_COD"),
    "depression": Resolution("DEPRES_COD", True, "DEP register: latest DEPR_COD after latest DEPRES_COD"),
    "dementia": Resolution("", False, "DEM register: " + _NEVER),
    "serious_mental_illness": Resolution(
        "", False, "MH register: people in remission (MHREM_COD) stay on the register, so neither a remission "
        "code nor a remission status ends it"),
    "learning_disability": Resolution("", False, "LD register: " + _NEVER),
    "osteoporosis": Resolution("", False, "OST register: " + _NEVER),
    "rheumatoid_arthritis": Resolution("", False, "RA register: " + _NEVER),
    "cancer": Resolution("", False, "CAN register: " + _NEVER + " (diagnosed on or after 1 April 2003)"),
    "epilepsy": Resolution("EPILRES_COD", True, "EP register: latest EPIL_COD after latest EPILRES_COD"),
    "hypothyroidism": Resolution("", False, "not a QOF register since 2015/16; treated as lifelong, as THY was"),
    "osteoarthritis": Resolution("", False, "not a QOF register; a lifelong condition"),
    "chronic_pain": Resolution("", True, "not a QOF register; pain can resolve, so a resolved status ends it"),
}

#: Registers whose diagnoses count only from a date (QOF CAN001: diagnosed on or after 1 April 2003).
DIAGNOSED_FROM: dict[str, dt.date] = {"cancer": dt.date(2003, 4, 1)}


@dataclass(frozen=True)
class Split:
    """A register that is one part of a QOF register: the whole register's diagnosis codelists, and
    whether members need (`with_marker`) or must lack a code from the `marker` list in the episode."""

    whole: tuple[str, ...]
    marker: str
    with_marker: bool


#: The QOF diabetes register (DM_COD) split by type: type 1 when a type 1 code (DMTYPE1_COD) is
#: recorded in the current episode, type 2 (and other or unspecified types) otherwise.
SPLITS: dict[str, Split] = {
    "diabetes_type1": Split(whole=("diabetes_type1", "diabetes_type2"), marker="diabetes_type1", with_marker=True),
    "diabetes_type2": Split(whole=("diabetes_type1", "diabetes_type2"), marker="diabetes_type1", with_marker=False),
}


@dataclass(frozen=True)
class RegisterRule:
    """Who is on one condition's register, as data."""

    slug: str
    name: str
    diagnosis_codes: frozenset[str]
    resolution_codes: frozenset[str]
    age_min: int | None = None
    status_resolves: bool = True  # a resolved date on a diagnosis row ends membership
    diagnosed_from: dt.date | None = None  # diagnoses before this day do not count
    marker_codes: frozenset[str] = frozenset()  # see `Split`
    with_marker: bool | None = None  # None: no split; True: needs a marker code; False: must lack one

    def __post_init__(self):
        # The bulk SQL embeds these values as literals, so they must be what they claim to be.
        if not _SLUG.match(self.slug):
            raise ValueError(f"register slug {self.slug!r} is not a lower-case identifier")
        for code in self.diagnosis_codes | self.resolution_codes:
            if not code.isdigit():
                raise ValueError(f"register {self.slug}: code {code!r} is not a SNOMED CT identifier")
        overlap = self.diagnosis_codes & self.resolution_codes
        if overlap:
            raise ValueError(f"register {self.slug}: codes {sorted(overlap)} both diagnose and resolve it")
        if self.age_min is not None and self.age_min < 0:
            raise ValueError(f"register {self.slug}: age_min must not be negative")
        if not self.marker_codes <= self.diagnosis_codes:
            raise ValueError(f"register {self.slug}: marker codes must be diagnosis codes")
        if (self.with_marker is None) != (not self.marker_codes):
            raise ValueError(f"register {self.slug}: a split needs marker codes and a side")

    def born_on_or_before(self, today: dt.date) -> dt.date | None:
        """The latest date of birth that meets the age limit on `today` (None: no limit)."""
        if not self.age_min:
            return None
        return years_before(today, self.age_min)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February falls back to 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@cache
def register_rules() -> tuple[RegisterRule, ...]:
    """One rule per long-term condition, in `codelists.LTC_SLUGS` order."""
    missing = set(codelists.LTC_SLUGS) ^ set(RESOLUTION)
    if missing:
        raise ValueError(f"RESOLUTION and LTC_SLUGS disagree on {sorted(missing)}")
    rules = []
    for slug in codelists.LTC_SLUGS:
        diagnosis = codelists.get(slug)
        resolution = frozenset().union(*(cl.codes for cl in codelists.resolutions_for(slug)))
        if bool(resolution) != bool(RESOLUTION[slug].cluster):
            raise ValueError(f"register {slug}: its resolution codelists and RESOLUTION disagree")
        split = SPLITS.get(slug)
        codes = diagnosis.codes
        if split is not None:
            codes = frozenset().union(*(codelists.get(part).codes for part in split.whole))
        rules.append(RegisterRule(
            slug=slug, name=diagnosis.name, diagnosis_codes=codes, resolution_codes=resolution,
            age_min=diagnosis.age_min, status_resolves=RESOLUTION[slug].by_status,
            diagnosed_from=DIAGNOSED_FROM.get(slug),
            marker_codes=codelists.get(split.marker).codes if split else frozenset(),
            with_marker=split.with_marker if split else None,
        ))
    return tuple(rules)


def rule_for(slug: str) -> RegisterRule:
    for rule in register_rules():
        if rule.slug == slug:
            return rule
    raise KeyError(f"no register called {slug!r}")


def register_slugs() -> tuple[str, ...]:
    return tuple(rule.slug for rule in register_rules())


@dataclass(frozen=True)
class ConditionRecord:
    """One coded condition row: a SNOMED CT code from `onset`, resolved on `resolved` if set."""

    code: str
    onset: dt.date
    resolved: dt.date | None = None


@dataclass(frozen=True)
class PatientFacts:
    """What register membership depends on, for one patient."""

    date_of_birth: dt.date
    registered: bool = True
    conditions: tuple[ConditionRecord, ...] = field(default_factory=tuple)


def episode_start(rule: RegisterRule, conditions: Iterable[ConditionRecord], today: dt.date) -> dt.date | None:
    """The start of the current episode of `rule`'s condition, or None if it has none (ignores age)."""
    diagnoses: list[tuple[dt.date, str]] = []
    last_resolved: dt.date | None = None
    for row in conditions:
        if row.code in rule.diagnosis_codes:
            if row.onset <= today and (rule.diagnosed_from is None or row.onset >= rule.diagnosed_from):
                diagnoses.append((row.onset, row.code))
            if rule.status_resolves and row.resolved is not None and row.resolved <= today:
                last_resolved = row.resolved if last_resolved is None else max(last_resolved, row.resolved)
        elif row.code in rule.resolution_codes and row.onset <= today:
            last_resolved = row.onset if last_resolved is None else max(last_resolved, row.onset)
    current = [(d, code) for d, code in diagnoses if last_resolved is None or d > last_resolved]
    if not current:
        return None
    if rule.with_marker is not None:
        if any(code in rule.marker_codes for _, code in current) != rule.with_marker:
            return None
    return min(d for d, _ in current)


def evaluate(facts: PatientFacts, today: dt.date,
             rules: Iterable[RegisterRule] | None = None) -> dict[str, dt.date]:
    """The registers this patient is on today: {slug: since}, in register order."""
    if not facts.registered:
        return {}
    age = age_on(facts.date_of_birth, today)
    found: dict[str, dt.date] = {}
    for rule in register_rules() if rules is None else rules:
        if rule.age_min is not None and age < rule.age_min:
            continue
        since = episode_start(rule, facts.conditions, today)
        if since is not None:
            found[rule.slug] = since
    return found


def display_names() -> Mapping[str, str]:
    return {rule.slug: rule.name for rule in register_rules()}
