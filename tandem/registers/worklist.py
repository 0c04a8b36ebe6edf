"""The register data-quality worklist: set-based queries, one per check, for one practice.

Each check finds its candidates in one grouped query (registered patients only, compared with
the register memberships of the last refresh), reads the candidates' relevant rows in a second
query, and words the reason with `rules.worklist`. No query runs per patient.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from tandem.core import audit
from tandem.core.models import AuditEvent, Practice, User
from tandem.patients.models import Condition, Medication, Observation, Patient, RegistrationStatus
from tandem.patients.rules import age_on

from .models import RegisterMembership
from .rules import rule_for, years_before
from .rules import worklist as w


@dataclass(frozen=True)
class Item:
    check: str
    patient_id: int
    reason: str


def _on(practice: Practice, *registers: str) -> Exists:
    return Exists(RegisterMembership.objects.filter(practice=practice, patient=OuterRef("patient"),
                                                    register__in=registers))


def _registered(queryset: QuerySet) -> QuerySet:
    return queryset.filter(patient__registration_status=RegistrationStatus.REGISTERED)


def _words(field: str, words: tuple[str, ...]) -> Q:
    return reduce(or_, (Q(**{f"{field}__icontains": word}) for word in words))


def hba1c_no_diabetes(practice: Practice, today: dt.date) -> list[Item]:
    after = years_before(today, w.RESULTS_YEARS)
    high = _registered(Observation.objects.filter(
        practice=practice, concept="hba1c", value__gte=w.HBA1C_DIABETES, effective_date__gt=after,
        effective_date__lte=today)).exclude(_on(practice, *w.DIABETES_REGISTERS))
    candidates = high.values("patient").annotate(days=Count("effective_date", distinct=True)).filter(days__gte=2)
    readings: dict[int, dict[dt.date, float]] = defaultdict(dict)
    for patient_id, day, value in high.filter(patient__in=candidates.values("patient")).values_list(
            "patient_id", "effective_date", "value"):
        readings[patient_id][day] = max(value, readings[patient_id].get(day, value))
    return [Item("hba1c_no_diabetes", pid, w.explain_hba1c(sorted(days.items())))
            for pid, days in readings.items()]


def diabetes_medicine_no_diabetes(practice: Practice, today: dt.date) -> list[Item]:
    rows = _registered(Medication.objects.filter(practice=practice, status=Medication.Status.ACTIVE,
                                                 start_date__lte=today)
                       .filter(_words("name", w.GLUCOSE_LOWERING))).exclude(_on(practice, *w.DIABETES_REGISTERS))
    found = list(rows.order_by("patient_id", "name").values_list("patient_id", "name"))
    registers: dict[int, set[str]] = defaultdict(set)
    for pid, slug in RegisterMembership.objects.filter(practice=practice, patient__in={p for p, _ in found}) \
            .values_list("patient_id", "register"):
        registers[pid].add(slug)
    also = w.also_for()
    names: dict[int, list[str]] = defaultdict(list)
    for pid, name in found:
        substance = w.substance_in(name, w.GLUCOSE_LOWERING)
        if also.get(substance, frozenset()) & registers[pid]:
            continue  # e.g. dapagliflozin for heart failure
        if name not in names[pid]:
            names[pid].append(name)
    return [Item("diabetes_medicine_no_diabetes", pid, w.explain_diabetes_medicine(n)) for pid, n in names.items()]


def _latest(practice: Practice, concept: str, patients) -> dict[int, tuple[dt.date, float]]:
    latest: dict[int, tuple[dt.date, float]] = {}
    for pid, day, value in Observation.objects.filter(practice=practice, concept=concept, patient__in=patients) \
            .order_by("patient_id", "effective_date", "pk").values_list("patient_id", "effective_date", "value"):
        latest[pid] = (day, value)
    return latest


def copd_inhaler_no_copd(practice: Practice, today: dt.date) -> list[Item]:
    rows = _registered(Medication.objects.filter(practice=practice, status=Medication.Status.ACTIVE,
                                                 start_date__lte=today)
                       .filter(_words("name", w.LAMA))).exclude(_on(practice, "copd"))
    names: dict[int, list[str]] = defaultdict(list)
    for pid, name in rows.order_by("patient_id", "name").values_list("patient_id", "name"):
        if name not in names[pid]:
            names[pid].append(name)
    fev1 = _latest(practice, "fev1", list(names))
    return [Item("copd_inhaler_no_copd", pid, w.explain_copd_inhaler(n, fev1.get(pid))) for pid, n in names.items()]


def egfr_no_ckd(practice: Practice, today: dt.date) -> list[Item]:
    after = years_before(today, w.RESULTS_YEARS)
    in_window = _registered(Observation.objects.filter(practice=practice, concept="egfr", effective_date__gt=after,
                                                       effective_date__lte=today)).exclude(_on(practice, "ckd_3_5"))
    candidates = in_window.filter(value__lt=w.EGFR_LOW).values("patient").annotate(n=Count("pk")).filter(n__gte=2)
    readings: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    for pid, day, value in in_window.filter(patient__in=candidates.values("patient")) \
            .order_by("patient_id", "effective_date", "pk").values_list("patient_id", "effective_date", "value"):
        readings[pid].append((day, value))
    items = []
    for pid, series in readings.items():
        if series[-1][1] >= w.EGFR_LOW:
            continue  # the latest reading is back above 60
        run_start = len(series) - 1
        while run_start > 0 and series[run_start - 1][1] < w.EGFR_LOW:
            run_start -= 1
        first, latest = series[run_start], series[-1]
        if (latest[0] - first[0]).days >= w.EGFR_PERSISTENT_DAYS:
            items.append(Item("egfr_no_ckd", pid, w.explain_egfr(first, latest)))
    return items


def bp_no_hypertension(practice: Practice, today: dt.date) -> list[Item]:
    after = years_before(today, w.RESULTS_YEARS)
    readings = _registered(Observation.objects.filter(
        practice=practice, concept__in=("systolic_bp", "diastolic_bp"), effective_date__gt=after,
        effective_date__lte=today)).exclude(_on(practice, "hypertension"))
    raised = readings.filter(Q(concept="systolic_bp", value__gte=w.SYSTOLIC_RAISED)
                             | Q(concept="diastolic_bp", value__gte=w.DIASTOLIC_RAISED))
    candidates = raised.values("patient").annotate(days=Count("effective_date", distinct=True)) \
        .filter(days__gte=w.BP_RAISED_READINGS)
    by_day: dict[int, dict[dt.date, list]] = defaultdict(dict)
    for pid, concept, day, value in readings.filter(patient__in=candidates.values("patient")) \
            .order_by("patient_id", "effective_date", "pk").values_list("patient_id", "concept", "effective_date", "value"):
        pair = by_day[pid].setdefault(day, [None, None])
        index = 0 if concept == "systolic_bp" else 1
        pair[index] = value if pair[index] is None else max(pair[index], value)
    items = []
    for pid, days in by_day.items():
        high = [(day, s, d) for day, (s, d) in sorted(days.items())
                if (s is not None and s >= w.SYSTOLIC_RAISED) or (d is not None and d >= w.DIASTOLIC_RAISED)]
        if len(high) >= w.BP_RAISED_READINGS:
            items.append(Item("bp_no_hypertension", pid, w.explain_bp(high)))
    return items


def copd_no_spirometry(practice: Practice, today: dt.date) -> list[Item]:
    rows = RegisterMembership.objects.filter(practice=practice, register="copd").exclude(
        Exists(Observation.objects.filter(practice=practice, patient=OuterRef("patient"), concept="fev1")))
    return [Item("copd_no_spirometry", pid, w.explain_copd_no_spirometry(since))
            for pid, since in rows.values_list("patient_id", "since")]


def asthma_no_treatment(practice: Practice, today: dt.date) -> list[Item]:
    cutoff = years_before(today, w.ASTHMA_UNTREATED_YEARS)
    treatment = Medication.objects.filter(practice=practice, patient=OuterRef("patient")).filter(
        _words("name", w.ASTHMA_TREATMENT))
    recent = treatment.filter(Q(status=Medication.Status.ACTIVE) | Q(end_date__gt=cutoff) | Q(start_date__gt=cutoff))
    rows = RegisterMembership.objects.filter(practice=practice, register="asthma", since__lte=cutoff) \
        .exclude(Exists(recent))
    found = list(rows.values_list("patient_id", "since"))
    last = dict(Medication.objects.filter(practice=practice, patient__in=[p for p, _ in found])
                .filter(_words("name", w.ASTHMA_TREATMENT)).values("patient").annotate(last=Max("end_date"))
                .values_list("patient", "last"))
    return [Item("asthma_no_treatment", pid, w.explain_asthma(since, last.get(pid))) for pid, since in found]


def depression_inactive(practice: Practice, today: dt.date) -> list[Item]:
    quiet = years_before(today, w.DEPRESSION_QUIET_YEARS)
    activity = years_before(today, w.DEPRESSION_ACTIVITY_YEARS)
    codes = rule_for("depression").diagnosis_codes
    coded_recently = Condition.objects.filter(practice=practice, patient=OuterRef("patient"), code__in=codes,
                                              onset_date__gt=quiet)
    medicine = Medication.objects.filter(practice=practice, patient=OuterRef("patient")).filter(
        _words("name", w.ANTIDEPRESSANTS)).filter(
        Q(status=Medication.Status.ACTIVE) | Q(end_date__gt=activity) | Q(start_date__gt=activity))
    phq9 = Observation.objects.filter(practice=practice, patient=OuterRef("patient"), concept="phq9",
                                      effective_date__gt=activity)
    rows = RegisterMembership.objects.filter(practice=practice, register="depression") \
        .exclude(Exists(coded_recently)).exclude(Exists(medicine)).exclude(Exists(phq9))
    found = list(rows.values_list("patient_id", "since"))
    latest = dict(Condition.objects.filter(practice=practice, patient__in=[p for p, _ in found], code__in=codes,
                                           onset_date__lte=today)
                  .values("patient").annotate(last=Max("onset_date"))
                  .values_list("patient", "last"))
    return [Item("depression_inactive", pid, w.explain_depression(since, latest.get(pid, since)))
            for pid, since in found]


CHECK_QUERIES = {
    "hba1c_no_diabetes": hba1c_no_diabetes,
    "diabetes_medicine_no_diabetes": diabetes_medicine_no_diabetes,
    "copd_inhaler_no_copd": copd_inhaler_no_copd,
    "egfr_no_ckd": egfr_no_ckd,
    "bp_no_hypertension": bp_no_hypertension,
    "copd_no_spirometry": copd_no_spirometry,
    "asthma_no_treatment": asthma_no_treatment,
    "depression_inactive": depression_inactive,
}
assert set(CHECK_QUERIES) == set(w.CHECK_BY_KEY)


def items(practice: Practice, today: dt.date, check: str | None = None) -> dict[str, list[Item]]:
    """Every check's items (or one check's), in CHECKS order."""
    keys = [c.key for c in w.CHECKS if check is None or c.key == check]
    return {key: CHECK_QUERIES[key](practice, today) for key in keys}


@dataclass
class Row:
    patient: Patient
    age: int
    reason: str


def shown(*, practice: Practice, found: list[Item], by: User, today: dt.date, offset: int = 0,
          limit: int = 50) -> tuple[list[Row], int]:
    """One page of a check's items with the patients, ordered by name; the people shown are
    audited as viewed. Returns the rows and the total."""
    reasons = {item.patient_id: item.reason for item in found}
    patients = list(Patient.objects.filter(practice=practice, pk__in=list(reasons))
                    .order_by("family_name", "given_name", "pk")[offset:offset + limit])
    if patients:
        audit.record_many(by=by, practice=practice, action=AuditEvent.Action.VIEW, what="registers.worklist",
                          patient_ids=[p.pk for p in patients])
    rows = [Row(patient=p, age=age_on(p.date_of_birth, today), reason=reasons[p.pk]) for p in patients]
    return rows, len(reasons)
