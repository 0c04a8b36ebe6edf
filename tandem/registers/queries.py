"""Reads of registers, tiers and cohorts. Every one is scoped to a practice; reads that show a
person are audited.

    members(practice)            -> QuerySet[RegisterMembership]
    cohort_patient_ids(cohort)   -> QuerySet of patient ids (usable as a subquery)
    patient_record(patient)      -> the per-patient (point of care) path's view of one record
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404

from tandem.core import audit, clock
from tandem.core.compiled import CompiledRead
from tandem.core.models import AuditEvent, Practice, User
from tandem.patients.models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
    RegistrationStatus,
    RelatedPerson,
)

from .models import Cohort, PatientRisk, RegisterMembership, TierSettings
from .rules import ConditionRecord, PatientFacts, evaluate, register_rules, risk, years_before
from .rules import cohorts as cohort_rules

# --- Registers -----------------------------------------------------------------------------


def members(practice: Practice) -> QuerySet[RegisterMembership]:
    """The practice's register memberships as the last refresh left them."""
    return RegisterMembership.objects.filter(practice=practice)


def register_counts(practice: Practice) -> dict[str, int]:
    counts = dict(members(practice).values_list("register").annotate(n=Count("pk")).values_list("register", "n"))
    return {rule.slug: counts.get(rule.slug, 0) for rule in register_rules()}


def registered_patients(practice: Practice) -> QuerySet[Patient]:
    return Patient.objects.filter(practice=practice, registration_status=RegistrationStatus.REGISTERED)


def last_refresh(practice: Practice) -> AuditEvent | None:
    return (AuditEvent.objects.filter(practice=practice, what="registers.refresh")
            .order_by("-at", "-id").first())


# --- Thresholds ----------------------------------------------------------------------------


def tier_settings(practice: Practice) -> TierSettings | None:
    return TierSettings.objects.filter(practice=practice).first()


# Read on every view of the care planning workspace: its SQL is built once per process.
_TIER_SETTINGS = CompiledRead(lambda practice: TierSettings.objects.filter(practice_id=practice).order_by("pk")[:1],
                              "practice", models=True)


def thresholds_for(practice: Practice) -> risk.Thresholds:
    settings = next(iter(_TIER_SETTINGS.run(practice=practice.pk)), None)
    return settings.thresholds() if settings is not None else risk.Thresholds()


# --- The per-patient (point of care) path ---------------------------------------------------


def patient_record(patient: Patient) -> risk.PatientRecord:
    """One patient's record as the pure rules read it, in a handful of ORM queries."""
    practice_id = patient.practice_id
    conditions = tuple(
        ConditionRecord(code, onset, resolved)
        for code, onset, resolved in Condition.objects.filter(practice_id=practice_id, patient=patient)
        .values_list("code", "onset_date", "resolved_date")
    )
    medicines = tuple(
        risk.MedicineRecord(active=status == Medication.Status.ACTIVE, regular=regular, start=start, end=end,
                            dmd_code=dmd_code)
        for status, regular, start, end, dmd_code in Medication.objects.filter(practice_id=practice_id, patient=patient)
        .values_list("status", "is_regular", "start_date", "end_date", "dmd_code")
    )
    encounters = tuple(
        risk.EncounterRecord(date=day, status=status, kind=kind)
        for day, status, kind in Encounter.objects.filter(practice_id=practice_id, patient=patient)
        .values_list("date", "status", "kind")
    )
    hospital = tuple(
        risk.HospitalRecord(kind=kind, start=start, reason=reason)
        for kind, start, reason in HospitalEvent.objects.filter(practice_id=practice_id, patient=patient)
        .values_list("kind", "start_date", "reason")
    )
    observations = tuple(
        risk.ObservationRecord(concept=concept, date=day, value=value)
        for concept, day, value in Observation.objects.filter(
            practice_id=practice_id, patient=patient, concept__in=("mrc_dyspnoea", "bmi"))
        .values_list("concept", "effective_date", "value")
    )
    return risk.PatientRecord(
        date_of_birth=patient.date_of_birth,
        registered=patient.registration_status == RegistrationStatus.REGISTERED,
        conditions=conditions, medicines=medicines, encounters=encounters, hospital=hospital,
        observations=observations,
        has_carer=RelatedPerson.objects.filter(patient=patient, is_carer=True).exists(),
    )


@dataclass
class PatientAssessment:
    registers: dict[str, dt.date]
    factors: risk.Factors | None = None
    placement: risk.Placement | None = None


def assess_record(record: risk.PatientRecord, *, today: dt.date, thresholds: risk.Thresholds) -> PatientAssessment:
    """Registers and tier for one record, by the per-patient path (pure from here on)."""
    registers = evaluate(PatientFacts(record.date_of_birth, record.registered, record.conditions), today)
    if not registers:
        return PatientAssessment(registers={})
    factors = risk.assess(risk.summarise(record, registers, today), today)
    return PatientAssessment(registers=registers, factors=factors, placement=risk.place(factors, thresholds))


def patient_assessment(*, practice: Practice, pk: int, by: User) -> tuple[Patient, PatientAssessment]:
    """One patient of this practice, assessed now at the point of care; audited; 404 otherwise."""
    try:
        patient = Patient.objects.get(practice=practice, pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient in this practice") from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.VIEW, what="registers.patient_tier",
                 patient_id=patient.pk)
    return patient, assess_record(patient_record(patient), today=clock.today(), thresholds=thresholds_for(practice))


# --- Tier report ------------------------------------------------------------------------------


@dataclass
class TierReport:
    total: int
    registered: int
    tiers: dict[str, int]
    # factor -> tier -> patients in that tier the factor put there
    drivers: dict[str, dict[str, int]] = field(default_factory=dict)
    # factor -> tier -> patients in that tier with the factor at or above a threshold
    flags: dict[str, dict[str, int]] = field(default_factory=dict)
    frailty: dict[str, int] = field(default_factory=dict)
    by_ltc_count: dict[str, dict[str, int]] = field(default_factory=dict)
    computed_on: dt.date | None = None


def tier_report(practice: Practice) -> TierReport:
    """The practice's tier distribution and what drives it (aggregates only: no one is named). The
    database counts people by tier, drivers, flags, frailty and number of conditions (5 or more
    together), so the rows read depend on how many kinds of people there are, not how many people."""
    rows = (PatientRisk.objects.filter(practice=practice).order_by()
            .annotate(band=Case(When(ltc_count__gte=5, then=Value(5)), default=F("ltc_count"), output_field=IntegerField()))
            .values_list("tier", "drivers", "flags", "frailty", "band")
            .annotate(n=Count("pk"), on=Max("computed_on")))
    tiers: Counter = Counter()
    drivers = {f: dict.fromkeys(risk.TIERS, 0) for f in risk.FACTORS}
    flags = {f: dict.fromkeys(risk.TIERS, 0) for f in risk.FACTORS}
    frailty: Counter = Counter()
    by_ltc: dict[str, dict[str, int]] = {}
    computed_on = None
    for tier, tier_drivers, tier_flags, frail, ltc, n, on in rows:
        tiers[tier] += n
        for f in tier_drivers:
            drivers[f][tier] += n
        for f in tier_flags:
            flags[f][tier] += n
        frailty[frail or "under_65"] += n
        band = str(ltc) if ltc < 5 else "5+"
        by_ltc.setdefault(band, dict.fromkeys(risk.TIERS, 0))[tier] += n
        computed_on = max(computed_on, on) if computed_on else on
    ordered_bands = sorted(by_ltc, key=lambda b: (len(b), b))
    return TierReport(
        total=sum(tiers.values()),
        registered=registered_patients(practice).count(),
        tiers={t: tiers.get(t, 0) for t in risk.TIERS},
        drivers=drivers, flags=flags,
        frailty={k: frailty.get(k, 0) for k in ("fit", "mild", "moderate", "severe", "under_65")},
        by_ltc_count={b: by_ltc[b] for b in ordered_bands},
        computed_on=computed_on,
    )


# --- Cohorts -------------------------------------------------------------------------------------


def cohorts(practice: Practice) -> QuerySet[Cohort]:
    return Cohort.objects.filter(practice=practice)


def get_cohort(*, practice: Practice, pk: int) -> Cohort:
    try:
        return cohorts(practice).get(pk=pk)
    except (Cohort.DoesNotExist, ValueError, TypeError):
        raise Http404("No such cohort in this practice") from None


def definition_patients(practice: Practice, definition: cohort_rules.CohortDefinition,
                        *, today: dt.date | None = None) -> QuerySet[Patient]:
    """Registered patients of the practice who fit the definition, from the last refresh."""
    today = today or clock.today()
    queryset = registered_patients(practice)
    on = RegisterMembership.objects.filter(practice=practice, patient=OuterRef("pk"))
    if definition.all_of:
        for slug in definition.all_of:
            queryset = queryset.filter(Exists(on.filter(register=slug)))
    if definition.any_of:
        queryset = queryset.filter(Exists(on.filter(register__in=definition.any_of)))
    if not definition.all_of and not definition.any_of:
        queryset = queryset.filter(Exists(on))
    if definition.tiers or definition.frequent_attenders:
        risk_q = PatientRisk.objects.filter(practice=practice, patient=OuterRef("pk"))
        if definition.tiers:
            risk_q = risk_q.filter(tier__in=definition.tiers)
        if definition.frequent_attenders:
            risk_q = risk_q.filter(appointments__gte=thresholds_for(practice).frequent_attendance)
        queryset = queryset.filter(Exists(risk_q))
    if definition.age_min is not None:
        queryset = queryset.filter(date_of_birth__lte=years_before(today, definition.age_min))
    if definition.age_max is not None:  # aged age_max means born after (today - (age_max + 1) years)
        queryset = queryset.filter(date_of_birth__gt=years_before(today, definition.age_max + 1))
    return queryset


def cohort_patient_ids(cohort: Cohort, *, today: dt.date | None = None) -> QuerySet:
    """Ids of the patients in a saved cohort now, as a QuerySet (a subquery when filtered on)."""
    definition = cohort_rules.parse(cohort.definition)
    return definition_patients(cohort.practice, definition, today=today).values_list("pk", flat=True)


@dataclass
class CohortPreview:
    count: int
    sample: list[Patient]
    registers: dict[int, list[str]]
    tiers: dict[int, str]


def cohort_preview(*, practice: Practice, definition: cohort_rules.CohortDefinition, by: User,
                   sample_size: int = 10) -> CohortPreview:
    """How many fit, and a sample; the sample's people are audited as viewed."""
    queryset = definition_patients(practice, definition)
    count = queryset.count()
    sample = list(queryset.order_by("family_name", "given_name", "pk")[:sample_size])
    ids = [p.pk for p in sample]
    registers: dict[int, list[str]] = {pk: [] for pk in ids}
    for patient_id, slug in members(practice).filter(patient__in=ids).values_list("patient_id", "register"):
        registers[patient_id].append(slug)
    tiers = dict(PatientRisk.objects.filter(practice=practice, patient__in=ids).values_list("patient_id", "tier"))
    if ids:
        audit.record_many(by=by, practice=practice, action=AuditEvent.Action.VIEW, what="registers.cohort_preview",
                          patient_ids=ids)
    return CohortPreview(count=count, sample=sample, registers=registers, tiers=tiers)


def cohort_counts(practice: Practice) -> dict[int, int]:
    """Patients in each of the practice's cohorts now, counted together in one query."""
    found = list(cohorts(practice).select_related("practice"))
    if not found:
        return {}
    counts = Patient.objects.filter(practice=practice).aggregate(
        **{f"cohort_{c.pk}": Count("pk", filter=Q(pk__in=cohort_patient_ids(c))) for c in found})
    return {c.pk: counts[f"cohort_{c.pk}"] for c in found}

