"""Register membership rules, written once as data, and the per-patient evaluation. Pure: no Django.

A register is one long-term condition's list of patients, defined the way QOF business rules
define them (NHS England, Quality and Outcomes Framework business rules v49, e.g. the asthma,
COPD and diabetes register rules):

* the patient is currently registered at the practice;
* their latest diagnosis code for the condition is *after* their latest resolved code (a code
  from a resolution codelist that resolves the condition, or the resolved date of one of their
  diagnosis rows). A resolved code on the same day as the latest diagnosis wins, as QOF selects
  only "diagnosis date > resolved date";
* they have reached the condition's minimum age, where it has one (diabetes 17, CKD 18, ...),
  on the day the register is worked out;
* only events on or before that day count.

`since` is the first diagnosis date of the current episode: the earliest diagnosis code after
the latest resolved code (so someone coded with diabetes in 2010, resolved in 2015 and re-coded
in 2020 is on the register since 2020).

The rules are built from the codelists (`tandem.terminology.codelists`): one `RegisterRule`
per slug in `LTC_SLUGS`. The same rule objects drive this per-patient evaluation and the SQL
that `tandem.registers.sql` generates for a whole practice; spec tests run both and compare.
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
class RegisterRule:
    """Who is on one condition's register, as data."""

    slug: str
    name: str
    diagnosis_codes: frozenset[str]
    resolution_codes: frozenset[str]
    age_min: int | None = None

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
    rules = []
    for slug in codelists.LTC_SLUGS:
        diagnosis = codelists.get(slug)
        resolution = frozenset().union(*(cl.codes for cl in codelists.resolutions_for(slug)))
        rules.append(RegisterRule(slug=slug, name=diagnosis.name, diagnosis_codes=diagnosis.codes,
                                  resolution_codes=resolution, age_min=diagnosis.age_min))
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
    diagnoses: list[dt.date] = []
    last_resolved: dt.date | None = None
    for row in conditions:
        if row.code in rule.diagnosis_codes:
            if row.onset <= today:
                diagnoses.append(row.onset)
            if row.resolved is not None and row.resolved <= today:
                last_resolved = row.resolved if last_resolved is None else max(last_resolved, row.resolved)
        elif row.code in rule.resolution_codes and row.onset <= today:
            last_resolved = row.onset if last_resolved is None else max(last_resolved, row.onset)
    current = [d for d in diagnoses if last_resolved is None or d > last_resolved]
    return min(current) if current else None


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
