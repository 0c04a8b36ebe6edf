"""The register data-quality worklist: set-based queries, one per check, for one practice.

Each check finds its candidates in one grouped query (registered patients only, compared with
the register memberships of the last refresh), reads the candidates' relevant rows in a second
query, and words the reason with `rules.worklist`. No query runs per patient.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from tandem.core import audit
from tandem.core.models import AuditEvent, Practice, User
from tandem.patients.models import Condition, Medication, Observation, Patient, RegistrationStatus
from tandem.patients.rules import age_on
from tandem.terminology import observations

from .models import RegisterMembership
from .rules import rule_for, years_before
from .rules import worklist as w


@dataclass(frozen=True, eq=False)
class Item:
    """One person listed by a check. The reason is worded when it is read: the worklist's summary,
    which only counts the people, never words a reason (a large practice lists thousands)."""

    check: str
    patient_id: int
    wording: Callable[[], str] = field(repr=False)

    @property
    def reason(self) -> str:
        return self.wording()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Item):
            return NotImplemented
        return (self.check, self.patient_id, self.reason) == (other.check, other.patient_id, other.reason)

    def __hash__(self) -> int:
        return hash((self.check, self.patient_id))


def _on(practice: Practice, *registers: str) -> Exists:
    return Exists(RegisterMembership.objects.filter(practice=practice, patient=OuterRef("patient"),
                                                    register__in=registers))


def _registered(queryset: QuerySet) -> QuerySet:
    return queryset.filter(patient__registration_status=RegistrationStatus.REGISTERED)


class MedicineNames:
    """The practice's distinct medicine names, read once per worklist and classified in Python.

    A check keeps the medicines whose name contains one of its words (any case), exactly as
    `name__icontains` would, but the database then matches names by equality (`name IN (...)`)
    instead of testing every word against every medication row."""

    def __init__(self, practice: Practice):
        self.practice = practice
        self._names: list[str] | None = None

    def names(self) -> list[str]:
        if self._names is None:
            self._names = list(Medication.objects.filter(practice=self.practice).order_by()
                               .values_list("name", flat=True).distinct())
        return self._names

    def matching(self, words: tuple[str, ...]) -> Q:
        return Q(name__in=sorted({name for name in self.names() if w.substance_in(name, words) is not None}))


def _medicines(practice: Practice, medicines: MedicineNames | None) -> MedicineNames:
    return medicines if medicines is not None and medicines.practice == practice else MedicineNames(practice)


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
    return [Item("hba1c_no_diabetes", pid, partial(w.explain_hba1c, sorted(days.items())))
            for pid, days in readings.items()]


def diabetes_medicine_no_diabetes(practice: Practice, today: dt.date,
                                  medicines: MedicineNames | None = None) -> list[Item]:
    glucose_lowering = _medicines(practice, medicines).matching(w.GLUCOSE_LOWERING)
    rows = _registered(Medication.objects.filter(practice=practice, status=Medication.Status.ACTIVE,
                                                 start_date__lte=today)
                       .filter(glucose_lowering)).exclude(_on(practice, *w.DIABETES_REGISTERS))
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
    return [Item("diabetes_medicine_no_diabetes", pid, partial(w.explain_diabetes_medicine, n))
            for pid, n in names.items()]


def _latest(practice: Practice, concept: str, patients) -> dict[int, tuple[dt.date, float]]:
    latest: dict[int, tuple[dt.date, float]] = {}
    for pid, day, value in Observation.objects.filter(practice=practice, concept=concept, patient__in=patients) \
            .order_by("patient_id", "effective_date", "pk").values_list("patient_id", "effective_date", "value"):
        latest[pid] = (day, value)
    return latest


def copd_inhaler_no_copd(practice: Practice, today: dt.date, medicines: MedicineNames | None = None) -> list[Item]:
    lama = _medicines(practice, medicines).matching(w.LAMA)
    rows = _registered(Medication.objects.filter(practice=practice, status=Medication.Status.ACTIVE,
                                                 start_date__lte=today)
                       .filter(lama)).exclude(_on(practice, "copd"))
    names: dict[int, list[str]] = defaultdict(list)
    for pid, name in rows.order_by("patient_id", "name").values_list("patient_id", "name"):
        if name not in names[pid]:
            names[pid].append(name)
    fev1 = _latest(practice, "fev1", list(names))
    return [Item("copd_inhaler_no_copd", pid, partial(w.explain_copd_inhaler, n, fev1.get(pid)))
            for pid, n in names.items()]


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
            items.append(Item("egfr_no_ckd", pid, partial(w.explain_egfr, first, latest)))
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
    # Each day's reading is the lowest systolic and the lowest diastolic of that day, as every other
    # reader of blood pressures takes it (observations.blood_pressure_by_day).
    halves: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for pid, concept, day, value in readings.filter(patient__in=candidates.values("patient")) \
            .order_by("patient_id", "effective_date", "pk").values_list("patient_id", "concept", "effective_date", "value"):
        halves[pid][0 if concept == "systolic_bp" else 1].append((day, value))
    items = []
    for pid, (systolic, diastolic) in halves.items():
        high = [(day, s, d) for day, s, d in reversed(observations.blood_pressure_by_day(systolic, diastolic))
                if s >= w.SYSTOLIC_RAISED or d >= w.DIASTOLIC_RAISED]
        if len(high) >= w.BP_RAISED_READINGS:
            items.append(Item("bp_no_hypertension", pid, partial(w.explain_bp, high)))
    return items


def copd_no_spirometry(practice: Practice, today: dt.date) -> list[Item]:
    rows = RegisterMembership.objects.filter(practice=practice, register="copd").exclude(
        Exists(Observation.objects.filter(practice=practice, patient=OuterRef("patient"), concept="fev1")))
    return [Item("copd_no_spirometry", pid, partial(w.explain_copd_no_spirometry, since))
            for pid, since in rows.values_list("patient_id", "since")]


def asthma_no_treatment(practice: Practice, today: dt.date, medicines: MedicineNames | None = None) -> list[Item]:
    cutoff = years_before(today, w.ASTHMA_UNTREATED_YEARS)
    asthma_treatment = _medicines(practice, medicines).matching(w.ASTHMA_TREATMENT)
    treatment = Medication.objects.filter(practice=practice, patient=OuterRef("patient")).filter(asthma_treatment)
    recent = treatment.filter(Q(status=Medication.Status.ACTIVE) | Q(end_date__gt=cutoff) | Q(start_date__gt=cutoff))
    rows = RegisterMembership.objects.filter(practice=practice, register="asthma", since__lte=cutoff) \
        .exclude(Exists(recent))
    last_stopped = Medication.objects.filter(practice=practice, patient=OuterRef("patient"), end_date__isnull=False) \
        .filter(asthma_treatment).order_by("-end_date").values("end_date")[:1]
    found = rows.annotate(last=Subquery(last_stopped)).values_list("patient_id", "since", "last")
    return [Item("asthma_no_treatment", pid, partial(w.explain_asthma, since, last))
            for pid, since, last in found]


def depression_inactive(practice: Practice, today: dt.date, medicines: MedicineNames | None = None) -> list[Item]:
    quiet = years_before(today, w.DEPRESSION_QUIET_YEARS)
    activity = years_before(today, w.DEPRESSION_ACTIVITY_YEARS)
    codes = rule_for("depression").diagnosis_codes
    coded_recently = Condition.objects.filter(practice=practice, patient=OuterRef("patient"), code__in=codes,
                                              onset_date__gt=quiet)
    antidepressants = _medicines(practice, medicines).matching(w.ANTIDEPRESSANTS)
    medicine = Medication.objects.filter(practice=practice, patient=OuterRef("patient")).filter(
        antidepressants).filter(
        Q(status=Medication.Status.ACTIVE) | Q(end_date__gt=activity) | Q(start_date__gt=activity))
    phq9 = Observation.objects.filter(practice=practice, patient=OuterRef("patient"), concept="phq9",
                                      effective_date__gt=activity)
    rows = RegisterMembership.objects.filter(practice=practice, register="depression") \
        .exclude(Exists(coded_recently)).exclude(Exists(medicine)).exclude(Exists(phq9))
    last_coded = Condition.objects.filter(practice=practice, patient=OuterRef("patient"), code__in=codes,
                                          onset_date__lte=today).order_by("-onset_date").values("onset_date")[:1]
    found = rows.annotate(last=Subquery(last_coded)).values_list("patient_id", "since", "last")
    return [Item("depression_inactive", pid, partial(w.explain_depression, since, last or since))
            for pid, since, last in found]


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
#: the checks that match medicine names (they share one read of the practice's names)
BY_MEDICINE = frozenset({"diabetes_medicine_no_diabetes", "copd_inhaler_no_copd", "asthma_no_treatment",
                         "depression_inactive"})


def items(practice: Practice, today: dt.date, check: str | None = None) -> dict[str, list[Item]]:
    """Every check's items (or one check's), in CHECKS order."""
    keys = [c.key for c in w.CHECKS if check is None or c.key == check]
    medicines = MedicineNames(practice)  # read once, when the first check that needs it asks
    return {key: CHECK_QUERIES[key](practice, today, **({"medicines": medicines} if key in BY_MEDICINE else {}))
            for key in keys}


@dataclass
class Row:
    patient: Patient
    age: int
    reason: str


def shown(*, practice: Practice, found: list[Item], by: User, today: dt.date, offset: int = 0,
          limit: int = 50) -> tuple[list[Row], int]:
    """One page of a check's items with the patients, ordered by name; the people shown are
    audited as viewed. Returns the rows and the total."""
    listed = {item.patient_id: item for item in found}
    patients = list(Patient.objects.filter(practice=practice, pk__in=list(listed))
                    .order_by("family_name", "given_name", "pk")[offset:offset + limit])
    if patients:
        audit.record_many(by=by, practice=practice, action=AuditEvent.Action.VIEW, what="registers.worklist",
                          patient_ids=[p.pk for p in patients])
    rows = [Row(patient=p, age=age_on(p.date_of_birth, today), reason=listed[p.pk].reason) for p in patients]
    return rows, len(listed)
