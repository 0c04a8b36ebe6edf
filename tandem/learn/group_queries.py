"""A group's practices side by side (a primary care network or an ICB): counts for each practice over the
last 12 whole months, each measure one GROUP BY practice whatever the number of practices. Counts and
rates only: no person leaves their practice in these reads.

Beside the cycle's counts: each practice's latest closed NoMAD round, scored as tandem.surveys scores it;
continuity with the named clinician, as tandem.continuity counts it; and emergency
admissions and A&E attendances of people on a register, counted by practice, age band and sex for
indirect age-sex standardisation against the group (tandem.learn.standardise), and of people on the
diabetes register with an HbA1c result, how many were in target."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from tandem.careplans.models import CopyGiven, PlanVersion
from tandem.checkins.models import Answer
from tandem.continuity import queries as continuity_queries
from tandem.core.models import OrganisationGroup, Practice, User
from tandem.patients.models import (
    HospitalEvent,
    Observation,
    Patient,
    PersonalTarget,
    RegistrationStatus,
)
from tandem.patients.rules import (
    MODERATE_OR_SEVERE,
    TARGET_REGISTERS,
    Target,
    TargetInputs,
    applicable_target,
)
from tandem.registers.models import RegisterMembership
from tandem.surveys import instruments as survey_instruments
from tandem.surveys import queries as survey_queries
from tandem.surveys import rules as survey_rules

from . import plans, rules, standardise
from .models import PracticeChange


def groups_led_by(user: User) -> list[OrganisationGroup]:
    return list(OrganisationGroup.objects.filter(leads__user=user, leads__ended_on__isnull=True).order_by("name"))


def practices_in(group: OrganisationGroup) -> list[Practice]:
    """The group's practices: its own, and for an ICB those of the networks within it."""
    return list(Practice.objects.filter(Q(group=group) | Q(group__parent=group)).order_by("name"))


def led_group(user: User, group_id: int) -> OrganisationGroup | None:
    return OrganisationGroup.objects.filter(pk=group_id, leads__user=user, leads__ended_on__isnull=True).first()


@dataclass
class Row:
    practice: Practice
    registered: int = 0
    conversations: int = 0  # people with a care planning conversation recorded in the window
    plans: int = 0  # people who agreed a written plan in the window
    with_copy: int = 0  # of those, people given a copy of it
    checkins: int = 0  # check-ins answered
    changes: list[PracticeChange] | None = None

    @property
    def gap(self) -> int:
        """People who had a conversation but hold no written plan with a copy (never below 0)."""
        return max(self.conversations - self.with_copy, 0)


def window(today: dt.date, months: int = 12) -> tuple[dt.date, dt.date]:
    last = today.replace(day=1) - dt.timedelta(days=1)
    first = last.replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, last


def side_by_side(practices: list[Practice], *, first: dt.date, last: dt.date) -> list[Row]:
    ids = [p.pk for p in practices]
    rows = {p.pk: Row(p, changes=[]) for p in practices}
    for pk, n in (Patient.objects.filter(practice_id__in=ids, registration_status=RegistrationStatus.REGISTERED)
                  .values_list("practice_id").annotate(n=Count("pk")).order_by()):
        rows[pk].registered = n
    versions = PlanVersion.objects.filter(practice_id__in=ids, created_at__date__gte=first, created_at__date__lte=last)
    for pk, n in (plans.recording_a_conversation(versions).values_list("practice_id").annotate(n=Count("patient", distinct=True)).order_by()):
        rows[pk].conversations = n
    for pk, n in (plans.agreed(versions).values_list("practice_id").annotate(n=Count("patient", distinct=True)).order_by()):
        rows[pk].plans = n
    for pk, n in (CopyGiven.objects.filter(practice_id__in=ids, on__gte=first, on__lte=last,
                                           version__content__agreed_with_person=True)
                  .values_list("practice_id").annotate(n=Count("version__patient", distinct=True)).order_by()):
        rows[pk].with_copy = n
    for pk, n in (Answer.objects.filter(practice_id__in=ids, answered_at__date__gte=first, answered_at__date__lte=last)
                  .values_list("practice_id").annotate(n=Count("pk")).order_by()):
        rows[pk].checkins = n
    for change in PracticeChange.objects.filter(practice_id__in=ids, on__gte=first, on__lte=last).order_by("on", "pk"):
        rows[change.practice_id].changes.append(change)
    return [rows[p.pk] for p in practices]


# --- NoMAD: how care planning is taking root --------------------------------------------------------


@dataclass(frozen=True)
class NomadRound:
    """A practice's latest closed staff round and its figures (no figure for fewer than 5 respondents)."""

    number: int
    ended_on: dt.date  # closed early on, or the last day it was open
    report: survey_rules.Report


def nomad(practices: list[Practice], *, today: dt.date) -> dict[int, NomadRound]:
    """By practice id, for practices with a closed round: two statements whatever the number of practices."""
    instrument = survey_instruments.nomad()
    found = survey_queries.latest_closed_rounds([p.pk for p in practices], today)
    return {pk: NomadRound(number=r.number, ended_on=r.closed_on or r.closes_on,
                           report=survey_rules.report(instrument, answers))
            for pk, (r, answers) in found.items()}


def continuity(practices: list[Practice], *, today: dt.date) -> continuity_queries.AcrossPractices:
    """Continuity with the named clinician over the two years up to last night: the worker's nightly figure of
    each practice (one statement), any practice without one counted now."""
    return continuity_queries.named_figures([p.pk for p in practices], today=today)


# --- Outcomes, indirectly age-sex standardised ---------------------------------------------------------

EVENTS: tuple[tuple[str, str, str], ...] = (
    ("emergency", HospitalEvent.Kind.EMERGENCY_ADMISSION.value, "Emergency admissions"),
    ("ae", HospitalEvent.Kind.AE_ATTENDANCE.value, "A&E attendances"),
)


def age_band_case(field: str, on: dt.date) -> Case:
    """Each row's age band on the day `on` (tandem.learn.rules.age_band of the age then), worked out in the
    database from the date of birth in `field`."""
    whens = []
    for key, _low, _high in rules.AGE_BANDS:
        earliest, latest = rules.birth_dates_for_band(key, on)
        condition = Q()
        if earliest is not None:
            condition &= Q(**{f"{field}__gte": earliest})
        if latest is not None:
            condition &= Q(**{f"{field}__lte": latest})
        whens.append(When(condition, then=Value(key)))
    return Case(*whens, default=Value(rules.AGE_BANDS[0][0]), output_field=CharField())


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    by_practice: dict[int, standardise.Standardised]  # every practice of the group
    people: str = "people on a register"  # who the people counted are
    of_people: bool = False  # observed counts people among them (so the rest are people too), not events


def outcomes(practices: list[Practice], *, first: dt.date, last: dt.date) -> list[Outcome]:
    """Emergency admissions and A&E attendances from `first` to `last` of the people registered and on a
    register (by `last`), each practice's observed count against what the group's rate in each age band
    (on `last`) and sex would give its people. Two statements: the people, and the events of both kinds,
    each grouped by practice, age band and sex."""
    ids = [p.pk for p in practices]
    on_register = RegisterMembership.objects.filter(patient_id=OuterRef("pk"), since__lte=last)
    people: dict[int, dict[tuple[str, str], int]] = {pk: {} for pk in ids}
    for pk, band, sex, n in (Patient.objects.filter(practice_id__in=ids,
                                                    registration_status=RegistrationStatus.REGISTERED)
                             .filter(Exists(on_register)).annotate(band=age_band_case("date_of_birth", last))
                             .values("practice_id", "band", "sex").annotate(n=Count("pk")).order_by()
                             .values_list("practice_id", "band", "sex", "n")):
        people[pk][(band, sex)] = n
    on_register_event = RegisterMembership.objects.filter(patient_id=OuterRef("patient_id"), since__lte=last)
    events: dict[str, dict[int, dict[tuple[str, str], int]]] = {key: {} for key, _kind, _label in EVENTS}
    key_of = {kind: key for key, kind, _label in EVENTS}
    for pk, kind, band, sex, n in (
            HospitalEvent.objects.filter(practice_id__in=ids, kind__in=list(key_of), start_date__gte=first,
                                         start_date__lte=last,
                                         patient__registration_status=RegistrationStatus.REGISTERED)
            .filter(Exists(on_register_event)).annotate(band=age_band_case("patient__date_of_birth", last))
            .values("practice_id", "kind", "band", "patient__sex").annotate(n=Count("pk")).order_by()
            .values_list("practice_id", "kind", "band", "patient__sex", "n")):
        events[key_of[kind]].setdefault(pk, {})[(band, sex)] = n
    return [*(Outcome(key=key, label=label, by_practice=standardise.standardise(people, events[key]))
              for key, _kind, label in EVENTS),
            hba1c_in_target(ids, first=first, last=last)]


def _met_sql(value: str, target: Target) -> tuple[str, list[float]]:
    """SQL for target.met_by(value) (tandem.patients.rules.Target) of a fixed target: in target at or below
    its upper limit and at or above its lower one."""
    parts, params = [], []
    if target.upper is not None:
        parts.append(f"{value} <= %s")
        params.append(target.upper)
    if target.lower is not None:
        parts.append(f"{value} >= %s")
        params.append(target.lower)
    return " AND ".join(parts) or "1 = 1", params


Strata = dict[int, dict[tuple[str, str], int]]  # practice id -> (age band, sex) -> count


def hba1c_in_target(practice_ids: list[int], *, first: dt.date, last: dt.date) -> Outcome:
    """HbA1c in target (`hba1c_counts`), each practice against the group's share in each age band and sex."""
    people, in_target = hba1c_counts(practice_ids, first=first, last=last)
    return Outcome(key="hba1c", label="HbA1c in target", by_practice=standardise.standardise(people, in_target),
                   people="people on the diabetes register with a result", of_people=True)


def hba1c_counts(practice_ids: list[int], *, first: dt.date, last: dt.date) -> tuple[Strata, Strata]:
    """Of the registered people on the diabetes register (by `last`) with an HbA1c result from `first` to
    `last` (people), those whose last result (the lowest on its day) met the target that applied on `last`
    (in target), by practice, age band and sex: one statement.

    Which target applies is tandem.patients.rules.applicable_target's: the person's own agreed target
    when they have one, else the default for people with diabetes, which depends on frailty alone (moderate
    or severe by the electronic Frailty Index). The two defaults are asked of applicable_target here, and the
    database compares each result with the target that applies (tests/learn/test_group_measures.py checks
    it against applicable_target person by person)."""
    diabetes = TARGET_REGISTERS["hba1c"]
    default = {frail: applicable_target("hba1c", TargetInputs.of(age=50, registers=diabetes, frail=frail))
               for frail in (False, True)}
    on_register = RegisterMembership.objects.filter(patient_id=OuterRef("pk"), register__in=sorted(diabetes),
                                                    since__lte=last)
    own = (PersonalTarget.objects.filter(patient_id=OuterRef("pk"), concept="hba1c", agreed_on__lte=last)
           .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=last)).order_by("-agreed_on", "-pk"))
    people_rows = (Patient.objects.filter(practice_id__in=practice_ids, registration_status=RegistrationStatus.REGISTERED)
                   .filter(Exists(on_register))
                   .annotate(own_upper=Subquery(own.values("upper")[:1]), own_lower=Subquery(own.values("lower")[:1]),
                             frail=Case(When(risk__frailty__in=sorted(MODERATE_OR_SEVERE), then=Value(1)),
                                        default=Value(0), output_field=IntegerField()),
                             band=age_band_case("date_of_birth", last))
                   .values("id", "practice_id", "band", "sex", "own_upper", "own_lower", "frail").order_by())
    # Each person's last result of the window, the lowest on that day: grouped, not looked up person by person.
    last_days = (Observation.objects.filter(practice_id__in=practice_ids, concept="hba1c", value__isnull=False,
                                            effective_date__gte=first, effective_date__lte=last)
                 .values("patient_id").annotate(day=Max("effective_date")).order_by().values("patient_id", "day"))
    people_sql, people_params = people_rows.query.get_compiler(using=people_rows.db).as_sql()
    days_sql, days_params = last_days.query.get_compiler(using=last_days.db).as_sql()
    results_sql = (
        f"SELECT o.patient_id AS patient_id, MIN(o.value) AS last_value FROM {Observation._meta.db_table} AS o "
        f"JOIN ({days_sql}) AS last_day ON last_day.patient_id = o.patient_id AND last_day.day = o.effective_date "
        "WHERE o.concept = %s AND o.value IS NOT NULL GROUP BY o.patient_id")
    frail_met, frail_params = _met_sql("last_value", default[True])
    usual_met, usual_params = _met_sql("last_value", default[False])
    statement = (
        "SELECT practice_id, band, sex, COUNT(*), SUM(CASE "
        "WHEN own_upper IS NOT NULL OR own_lower IS NOT NULL THEN CASE WHEN (own_upper IS NULL OR last_value <= "
        "own_upper) AND (own_lower IS NULL OR last_value >= own_lower) THEN 1 ELSE 0 END "
        f"WHEN frail = 1 THEN CASE WHEN {frail_met} THEN 1 ELSE 0 END "
        f"ELSE CASE WHEN {usual_met} THEN 1 ELSE 0 END END) "
        f"FROM ({people_sql}) AS per_person JOIN ({results_sql}) AS results ON results.patient_id = per_person.id "
        "GROUP BY practice_id, band, sex")
    params = [*frail_params, *usual_params, *people_params, *days_params, "hba1c"]
    people: Strata = {pk: {} for pk in practice_ids}
    in_target: Strata = {}
    with connections[people_rows.db].cursor() as cursor:
        cursor.execute(statement, params)
        for pk, band, sex, n, met in cursor.fetchall():
            people[pk][(band, sex)] = n
            in_target.setdefault(pk, {})[(band, sex)] = int(met or 0)
    return people, in_target
