"""Risk tiers (the Kaiser Permanente pyramid) from explainable factors. Pure: no Django.

Three layers, as the pyramid describes them (Kaiser Permanente; adopted by the NHS Long Term
Conditions model, Department of Health 2005 "Supporting people with long term conditions"):
case management for the few with the most complex needs (about 1-5% of people with a long-term
condition), disease management for those at higher risk (about 20-30%), and self-care support
for the rest (about 65-80%).

Each person on at least one register is placed from these factors; the thresholds are the
practice's own (`Thresholds`, stored as `TierSettings`), so every placement can be explained
in words ("4 long-term conditions; moderate frailty (eFI 0.28); 2 emergency admissions in 12
months"):

* number of long-term conditions: registers the person is on;
* Cambridge Multimorbidity Score (CMS) and frailty (electronic Frailty Index style deficit
  count; fit, mild, moderate, severe): see `scores` for the weights, the deficits and sources;
* polypharmacy: regular medicines; NICE NG56 (Multimorbidity: clinical assessment and
  management, 2016) uses 10 or more regular medicines as a trigger for an approach that takes
  account of multimorbidity;
* emergency admissions and A&E attendances in the last 12 months;
* frequent attendance: appointments attended at the practice in the last 12 months. A fixed
  cut-off of 12 a year is used by default: reviews of frequent attendance use either a top
  centile (Neal RD et al. Br J Gen Pract 1998;48:895-8: the top 3% of attenders account for
  about 15% of consultations; Smits FT et al. BMC Fam Pract 2008;9:21, top 3% and 10% by age and
  sex) or a fixed count, typically 9 to 14 consultations a year (Gill D, Sharpe M, J Psychosom
  Res 1999, as summarised by Cook GA et al. Br J Gen Pract 2017;67:322-3). A fixed count is
  explainable and comparable between practices; the practice can change it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace

from tandem.patients.rules import age_on

from .registers import ConditionRecord, years_before
from .scores import (  # noqa: F401 - re-exported: the tier rules and their tests use them from here
    BREATHLESS_MRC_GRADE,
    CMS_CONDITION_FOR_FEATURE,
    CMS_CONDITION_FOR_MEDICINES,
    CMS_CONDITION_FOR_REGISTER,
    CMS_NOT_COUNTED,
    CMS_PRESCRIPTIONS,
    CMS_UNMAPPED_REGISTERS,
    CMS_WEIGHTS,
    DEFICITS,
    EFI_CODELISTS,
    EFI_DEFICITS_TOTAL,
    FIT,
    FRAILTY_MIN_AGE,
    FRAILTY_ORDER,
    HOUSEBOUND_HOME_VISITS,
    ISSUE_INTERVAL_DAYS,
    MILD,
    MODERATE,
    NOT_OBSERVED,
    POLYPHARMACY_DEFICIT_MEDICINES,
    RECENT_YEARS,
    REGISTER_DEFICITS,
    SEVERE,
    UNDERWEIGHT_BMI,
    cms_conditions,
    cms_score,
    code_index,
    course_issues,
    frailty_category,
    medicine_group_slugs,
    medicine_issues_of,
)

# --- Tiers --------------------------------------------------------------------------------

CASE_MANAGEMENT = "case_management"
DISEASE_MANAGEMENT = "disease_management"
SELF_CARE = "self_care"
TIERS: tuple[str, ...] = (CASE_MANAGEMENT, DISEASE_MANAGEMENT, SELF_CARE)
TIER_LABELS: dict[str, str] = {
    CASE_MANAGEMENT: "Case management",
    DISEASE_MANAGEMENT: "Disease management",
    SELF_CARE: "Self-care support",
}
TIER_AIMS: dict[str, str] = {
    CASE_MANAGEMENT: "about 1 to 5%",
    DISEASE_MANAGEMENT: "about 20 to 30%",
    SELF_CARE: "about 65 to 80%",
}

# --- What a person's record says, and the factors worked out from it -------------------------


@dataclass(frozen=True)
class RiskInputs:
    """One person's aggregated record: what the bulk SQL returns per patient, and what
    `summarise` works out from a per-patient record. The two must agree."""

    date_of_birth: dt.date
    registers: Mapping[str, dt.date]  # slug -> since
    regular_medicines: int = 0
    emergency_admissions: int = 0  # last 12 months
    ae_attendances: int = 0  # last 12 months
    appointments: int = 0  # attended at the practice, last 12 months
    home_visits: int = 0  # attended home visits, last 12 months
    falls: int = 0  # hospital events for a fall, ever
    breathless: bool = False  # MRC grade >= 3 in the last 3 years
    underweight: bool = False  # BMI < 18.5 in the last 3 years
    has_carer: bool = False
    features: frozenset[str] = frozenset()  # feature codelists (eFI deficits, anxiety) with a code on record
    # medicine group -> prescriptions issued in the last 12 months (groups with none are left out)
    medicine_issues: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Factors:
    age: int
    ltc_count: int
    cms: float
    cms_conditions: tuple[str, ...]
    deficits: tuple[str, ...]
    efi: float
    frailty: str  # fit | mild | moderate | severe, or "" under 65
    regular_medicines: int
    emergency_admissions: int
    ae_attendances: int
    appointments: int


def window_start(today: dt.date, years: int = 1) -> dt.date:
    """Events strictly after this day and on or before today are 'in the last N years'."""
    return years_before(today, years)


def assess(inputs: RiskInputs, today: dt.date) -> Factors:
    registers = inputs.registers
    deficits = [key for key, slugs in REGISTER_DEFICITS.items() if any(s in registers for s in slugs)]
    if inputs.breathless:
        deficits.append("dyspnoea")
    if inputs.falls:
        deficits.append("falls")
    if inputs.regular_medicines >= POLYPHARMACY_DEFICIT_MEDICINES:
        deficits.append("polypharmacy")
    if inputs.home_visits >= HOUSEBOUND_HOME_VISITS:
        deficits.append("housebound")
    if inputs.has_carer:
        deficits.append("requires_care")
    if inputs.underweight:
        deficits.append("weight_loss")
    deficits += [key for key, slug in EFI_CODELISTS.items() if slug in inputs.features]
    ordered = tuple(key for key in DEFICITS if key in deficits)
    age = age_on(inputs.date_of_birth, today)
    conditions = cms_conditions(registers, today, inputs.features, inputs.medicine_issues)
    return Factors(
        age=age,
        ltc_count=len(registers),
        cms=round(sum(CMS_WEIGHTS[c] for c in conditions), 2),
        cms_conditions=tuple(conditions),
        deficits=ordered,
        efi=round(len(ordered) / EFI_DEFICITS_TOTAL, 3),
        frailty=frailty_category(len(ordered)) if age >= FRAILTY_MIN_AGE else "",
        regular_medicines=inputs.regular_medicines,
        emergency_admissions=inputs.emergency_admissions,
        ae_attendances=inputs.ae_attendances,
        appointments=inputs.appointments,
    )


# --- The per-patient path: raw rows in, the same aggregates out -------------------------------


@dataclass(frozen=True)
class MedicineRecord:
    active: bool
    regular: bool
    start: dt.date
    end: dt.date | None = None
    dmd_code: str = ""


@dataclass(frozen=True)
class EncounterRecord:
    date: dt.date
    status: str  # attended | dna | booked | cancelled
    kind: str  # face_to_face | telephone | video | home_visit


@dataclass(frozen=True)
class HospitalRecord:
    kind: str  # emergency | elective | ae
    start: dt.date
    reason: str = ""


@dataclass(frozen=True)
class ObservationRecord:
    concept: str
    date: dt.date
    value: float | None


@dataclass(frozen=True)
class PatientRecord:
    """One person's record as the per-patient (point of care) path reads it."""

    date_of_birth: dt.date
    registered: bool = True
    conditions: tuple[ConditionRecord, ...] = ()
    medicines: tuple[MedicineRecord, ...] = ()
    encounters: tuple[EncounterRecord, ...] = ()
    hospital: tuple[HospitalRecord, ...] = ()
    observations: tuple[ObservationRecord, ...] = ()
    has_carer: bool = False


def is_fall(reason: str) -> bool:
    """A hospital event for a fall: its reason starts with 'fall' (the bulk SQL uses LIKE 'fall%')."""
    return reason.lower().startswith("fall")


def feature_slugs() -> tuple[str, ...]:
    """The feature codelists the scores read: the eFI deficit lists and the CMS-only conditions."""
    return tuple(sorted(set(EFI_CODELISTS.values()) | set(CMS_CONDITION_FOR_FEATURE)))


def features_of(conditions: Iterable[ConditionRecord], today: dt.date) -> frozenset[str]:
    """The feature codelists with a code recorded on or before `today` (the bulk SQL does the same)."""
    index = code_index(feature_slugs())
    return frozenset().union(*(index.get(row.code, frozenset()) for row in conditions if row.onset <= today))


def summarise(record: PatientRecord, registers: Mapping[str, dt.date], today: dt.date) -> RiskInputs:
    year = window_start(today, 1)
    recent = window_start(today, RECENT_YEARS)

    def in_year(day: dt.date) -> bool:
        return year < day <= today

    attended = [e for e in record.encounters if e.status == "attended" and in_year(e.date)]
    return RiskInputs(
        date_of_birth=record.date_of_birth,
        registers=dict(registers),
        regular_medicines=sum(1 for m in record.medicines if m.active and m.regular and m.start <= today),
        emergency_admissions=sum(1 for h in record.hospital if h.kind == "emergency" and in_year(h.start)),
        ae_attendances=sum(1 for h in record.hospital if h.kind == "ae" and in_year(h.start)),
        appointments=len(attended),
        home_visits=sum(1 for e in attended if e.kind == "home_visit"),
        falls=sum(1 for h in record.hospital if h.start <= today and is_fall(h.reason)),
        breathless=any(o.concept == "mrc_dyspnoea" and o.value is not None and o.value >= BREATHLESS_MRC_GRADE
                       and recent < o.date <= today for o in record.observations),
        underweight=any(o.concept == "bmi" and o.value is not None and o.value < UNDERWEIGHT_BMI
                        and recent < o.date <= today for o in record.observations),
        has_carer=record.has_carer,
        features=features_of(record.conditions, today),
        medicine_issues=medicine_issues_of(record.medicines, today),
    )


# --- Placing a person in a tier ----------------------------------------------------------------

#: The factors, in the order reasons are given.
FACTORS: tuple[str, ...] = ("ltc_count", "cms", "frailty", "emergency_admissions", "ae_attendances",
                            "regular_medicines", "appointments")
FACTOR_LABELS: dict[str, str] = {
    "ltc_count": "Long-term conditions",
    "cms": "Cambridge Multimorbidity Score",
    "frailty": "Frailty (eFI category, 65 and over)",
    "emergency_admissions": "Emergency admissions in 12 months",
    "ae_attendances": "A&E attendances in 12 months",
    "regular_medicines": "Regular medicines",
    "appointments": "Appointments attended in 12 months (frequent attender)",
}


@dataclass(frozen=True)
class Thresholds:
    """A factor at or above its threshold places the person in that tier (None: not used).

    Case management is checked first, then disease management; everyone else is self-care.
    The defaults aim at the pyramid's proportions: on Tandem's England-shaped synthetic
    practice (10,000 patients, seed 7) they give about 3% case management, 27% disease
    management and 70% self-care support of the people on a register. Frequent attendance (12)
    follows the fixed cut-offs of the literature (see the module docstring).
    """

    cm_ltc_count: int | None = 6
    cm_cms: float | None = 5.0
    cm_frailty: str | None = SEVERE
    cm_emergency_admissions: int | None = 2
    cm_ae_attendances: int | None = None
    cm_regular_medicines: int | None = None
    cm_appointments: int | None = None
    dm_ltc_count: int | None = 4
    dm_cms: float | None = 2.5
    dm_frailty: str | None = MODERATE
    dm_emergency_admissions: int | None = 1
    dm_ae_attendances: int | None = 3
    dm_regular_medicines: int | None = 10
    dm_appointments: int | None = 12

    def for_tier(self, tier: str) -> dict[str, object]:
        prefix = "cm_" if tier == CASE_MANAGEMENT else "dm_"
        return {name: getattr(self, prefix + name) for name in FACTORS}

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def with_values(self, **values) -> Thresholds:
        return replace(self, **values)

    @property
    def frequent_attendance(self) -> int:
        """Appointments in 12 months that make someone a frequent attender (cohorts use it too)."""
        return self.dm_appointments if self.dm_appointments is not None else DEFAULT_FREQUENT_ATTENDANCE


DEFAULT_FREQUENT_ATTENDANCE = 12


def _meets(factor: str, factors: Factors, threshold: object) -> bool:
    if threshold is None or threshold == "":
        return False
    if factor == "frailty":
        return bool(factors.frailty) and FRAILTY_ORDER[factors.frailty] >= FRAILTY_ORDER[str(threshold)]
    return getattr(factors, factor) >= threshold


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def describe(factor: str, factors: Factors) -> str:
    """A factor in plain words, as the reasons show it."""
    if factor == "ltc_count":
        return _plural(factors.ltc_count, "long-term condition", "long-term conditions")
    if factor == "cms":
        return f"Cambridge Multimorbidity Score {factors.cms:.2f}"
    if factor == "frailty":
        return f"{factors.frailty} frailty (eFI {factors.efi:.2f})"
    if factor == "emergency_admissions":
        return _plural(factors.emergency_admissions, "emergency admission", "emergency admissions") + " in 12 months"
    if factor == "ae_attendances":
        return _plural(factors.ae_attendances, "A&E attendance", "A&E attendances") + " in 12 months"
    if factor == "regular_medicines":
        return _plural(factors.regular_medicines, "regular medicine", "regular medicines")
    if factor == "appointments":
        return _plural(factors.appointments, "appointment", "appointments") + " attended in 12 months (frequent attender)"
    raise KeyError(factor)


@dataclass(frozen=True)
class Placement:
    tier: str
    reasons: tuple[str, ...]
    drivers: tuple[str, ...]  # factors that put the person in this tier
    flags: tuple[str, ...] = field(default=())  # every factor at or above a threshold


def place(factors: Factors, thresholds: Thresholds) -> Placement:
    """The tier and why. Reasons start with the number of conditions, then each factor at or
    above the practice's thresholds, in `FACTORS` order."""
    cm = thresholds.for_tier(CASE_MANAGEMENT)
    dm = thresholds.for_tier(DISEASE_MANAGEMENT)
    at_cm = tuple(f for f in FACTORS if _meets(f, factors, cm[f]))
    at_dm = tuple(f for f in FACTORS if _meets(f, factors, dm[f]))
    flags = tuple(f for f in FACTORS if f in at_cm or f in at_dm)
    if at_cm:
        tier, drivers = CASE_MANAGEMENT, at_cm
    elif at_dm:
        tier, drivers = DISEASE_MANAGEMENT, at_dm
    else:
        tier, drivers = SELF_CARE, ()
    reasons = [describe("ltc_count", factors)]
    reasons += [describe(f, factors) for f in flags if f != "ltc_count"]
    if not flags:
        reasons.append("no other factor at the practice's thresholds")
    return Placement(tier=tier, reasons=tuple(reasons), drivers=drivers, flags=flags)


def frequent_attender(factors: Factors | RiskInputs, thresholds: Thresholds) -> bool:
    return factors.appointments >= thresholds.frequent_attendance


def place_all(rows: Iterable[RiskInputs], today: dt.date, thresholds: Thresholds):
    """(inputs, factors, placement) for each row: the one pass the bulk refresh makes."""
    for inputs in rows:
        factors = assess(inputs, today)
        yield inputs, factors, place(factors, thresholds)
