"""Is care planning happening: the cycle counted step by step for a practice and review year, the people at
a step, and the written-plan gap by month. Reads only, always for one practice, set-based.

The steps, for review year Y (1 April Y to 31 March Y+1), each counting people:

    on_register   registered with the practice and on at least one condition register (the registers as the
                  practice's last refresh left them)
    due           has a review for year Y that is still needed (not withdrawn)
    invited       an invitation (or reminder) was sent for that review
    tests_done    the review's tests appointment is recorded as attended
    pack_sent     a preparation pack was sent for a conversation of that review
    agenda        the person (or someone helping them) returned their agenda for that conversation
    held          a care planning conversation was held in year Y: a plan saved with the conversation's date
                  (held_on) in the year, or a conversation recorded as held then
    agreed        a plan from a conversation in year Y was agreed with the person
    copy          a copy of such an agreed plan was given to the person
    checkin       the person answered a check-in agreed in a plan from a conversation in year Y

Each step counts everyone who reached it, whether or not an earlier step was recorded (a plan made at a
conversation booked by telephone has no pack, for instance), so a later step can be larger than an earlier one.

The counts are one query (a count of the practice's people at each step, each step an EXISTS); the list at a step is
two (its size and one page); the gap by month is two (plans from the year's conversations, and who holds a copy).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from tandem.careplans.models import CopyGiven, PlanVersion
from tandem.checkins.models import CheckIn
from tandem.core.models import Practice
from tandem.patients.models import Patient, RegistrationStatus
from tandem.prepare.models import Agenda, Conversation, Pack
from tandem.recall.models import Invitation, Review, ReviewEvent
from tandem.recall.rules.dates import review_year_end, review_year_start
from tandem.recall.rules.status import Status
from tandem.registers.models import PatientRisk, RegisterMembership
from tandem.registers.rules.risk import TIER_LABELS

from . import plans, rules

STEPS, STEP_LABELS, STEP_HELP = rules.STEPS, rules.STEP_LABELS, rules.STEP_HELP


class BadFilter(ValueError):
    """A filter value that is not one of the choices; the message says which."""


@dataclass(frozen=True)
class Filters:
    condition: str = ""  # a register slug
    conditions: str = ""  # number of conditions: "1", "2", "3" or "4" (4 or more)
    tier: str = ""
    age: str = ""  # an age band key (rules.AGE_BANDS), age on 1 April of the review year
    sex: str = ""
    imd: str = ""  # "1" to "5", or "not_recorded"
    ethnicity: str = ""  # an ethnic group key (rules.ETHNIC_GROUPS), or "not_recorded"

    def as_params(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}

    @property
    def any(self) -> bool:
        return bool(self.as_params())


def filter_choices(register_names: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Each filter's allowed values and their words."""
    return {
        "condition": dict(register_names),
        "conditions": dict(rules.CONDITION_COUNTS),
        "tier": dict(TIER_LABELS),
        "age": dict(rules.AGE_LABELS),
        "sex": dict(rules.SEX_LABELS),
        "imd": {**{str(q): label for q, label in rules.QUINTILE_LABELS.items()}, rules.NOT_RECORDED: "Not recorded"},
        "ethnicity": dict(rules.ETHNIC_LABELS),
    }


MAX_FILTER = 60


def read_filters(params: Mapping[str, str], register_names: Mapping[str, str]) -> Filters:
    """Filters from a query string: each value one of its choices, or BadFilter."""
    choices = filter_choices(register_names)
    values = {}
    for name, allowed in choices.items():
        value = str(params.get(name, "") or "")[:MAX_FILTER].strip()
        if value and value not in allowed:
            raise BadFilter(f"Choose a {name.replace('_', ' ')} from the list")
        values[name] = value
    return Filters(**values)


# --- The people the counts are of, filtered ------------------------------------------------------------

def _condition_count() -> Coalesce:
    counted = (RegisterMembership.objects.filter(patient_id=OuterRef("pk")).order_by()
               .values("patient_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def people(practice: Practice, *, year: int, filters: Filters = Filters()) -> QuerySet:
    """The practice's people the filters choose (everyone of the practice, before any step)."""
    qs = Patient.objects.filter(practice=practice)
    f = filters
    if f.condition:
        qs = qs.filter(Exists(RegisterMembership.objects.filter(patient_id=OuterRef("pk"), register=f.condition)))
    if f.conditions:
        qs = qs.annotate(n_conditions=_condition_count())
        qs = qs.filter(n_conditions__gte=4) if f.conditions == "4" else qs.filter(n_conditions=int(f.conditions))
    if f.tier:
        qs = qs.filter(Exists(PatientRisk.objects.filter(patient_id=OuterRef("pk"), tier=f.tier)))
    if f.age:
        earliest, latest = rules.birth_dates_for_band(f.age, review_year_start(year))
        if earliest:
            qs = qs.filter(date_of_birth__gte=earliest)
        if latest:
            qs = qs.filter(date_of_birth__lte=latest)
    if f.sex:
        qs = qs.filter(sex=f.sex)
    if f.imd:
        if f.imd == rules.NOT_RECORDED:
            qs = qs.filter(Q(imd_decile__isnull=True) | ~Q(imd_decile__in=range(1, 11)))
        else:
            qs = qs.filter(imd_decile__in=rules.deciles_of(int(f.imd)))
    if f.ethnicity:
        if f.ethnicity == rules.NOT_RECORDED:
            known = [c for codes in rules.ETHNIC_GROUPS.values() for c in codes]
            qs = qs.exclude(ethnicity__in=known)
        else:
            qs = qs.filter(ethnicity__in=rules.ETHNIC_GROUPS[f.ethnicity])
    return qs


def versions_of_year(practice_id: int, year: int) -> QuerySet:
    """Plan versions from a conversation held in review year `year` (their held_on date in the year)."""
    first, last = review_year_start(year).isoformat(), review_year_end(year).isoformat()
    return (PlanVersion.objects.filter(practice_id=practice_id).annotate(held=plans.held_on())
            .filter(held__gte=first, held__lte=last))


def step_conditions(practice: Practice, year: int) -> dict[str, Q | Exists]:
    """Each step as a condition on a Patient row (its pk)."""
    pid = practice.pk
    reviews = Review.objects.filter(practice_id=pid, review_year=year, patient_id=OuterRef("pk"))
    talks = Conversation.objects.filter(practice_id=pid, review__review_year=year, patient_id=OuterRef("pk"))
    first, last = review_year_start(year), review_year_end(year)
    versions = versions_of_year(pid, year)
    agreed = plans.agreed(versions)
    return {
        "on_register": Q(registration_status=RegistrationStatus.REGISTERED)
        & Exists(RegisterMembership.objects.filter(patient_id=OuterRef("pk"))),
        "due": Exists(reviews.exclude(status=Status.WITHDRAWN)),
        "invited": Exists(Invitation.objects.filter(practice_id=pid, review__review_year=year,
                                                    review__patient_id=OuterRef("pk"))),
        "tests_done": Exists(ReviewEvent.objects.filter(practice_id=pid, review__review_year=year,
                                                        review__patient_id=OuterRef("pk"),
                                                        kind=ReviewEvent.Kind.ATTENDED)),
        "pack_sent": Exists(Pack.objects.filter(practice_id=pid, conversation__review__review_year=year,
                                                patient_id=OuterRef("pk"))),
        "agenda": Exists(Agenda.objects.filter(practice_id=pid, conversation__review__review_year=year,
                                               patient_id=OuterRef("pk"))),
        "held": Exists(versions.filter(patient_id=OuterRef("pk")))
        | Exists(talks.filter(state=Conversation.State.HELD, starts_at__date__gte=first, starts_at__date__lte=last)),
        "agreed": Exists(agreed.filter(patient_id=OuterRef("pk"))),
        "copy": Exists(CopyGiven.objects.filter(practice_id=pid, version__in=agreed.values("pk"),
                                                version__patient_id=OuterRef("pk"))),
        "checkin": Exists(CheckIn.objects.filter(practice_id=pid, status=CheckIn.Status.ANSWERED,
                                                 version__in=versions.values("pk"), patient_id=OuterRef("pk"))),
    }


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    help: str
    count: int


def funnel(practice: Practice, *, year: int, filters: Filters = Filters()) -> list[Step]:
    """The count at each step: one statement, a UNION ALL of one count per step. (One aggregate with a
    FILTER (WHERE EXISTS ...) per step reads the same, but the database then runs every EXISTS once per
    person: 3 seconds for 10,000 people on PostgreSQL, against a tenth of that when each EXISTS is a
    step's own WHERE, which it plans as a semi-join.)"""
    conditions = step_conditions(practice, year)
    qs = people(practice, year=year, filters=filters).order_by()
    parts, params = [], []
    for index, (key, _label) in enumerate(STEPS):
        sql, part_params = qs.filter(conditions[key]).values("pk").query.get_compiler(using=qs.db).as_sql()
        parts.append(f"SELECT {index} AS step, COUNT(*) AS n FROM ({sql}) AS step_{index}")
        params.extend(part_params)
    with connections[qs.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        counts = dict(cursor.fetchall())
    return [Step(key, label, STEP_HELP[key], counts.get(index) or 0) for index, (key, label) in enumerate(STEPS)]


@dataclass(frozen=True)
class Person:
    patient_id: int
    given_name: str
    family_name: str
    nhs_number: str
    date_of_birth: dt.date


def people_at_step(practice: Practice, *, year: int, step: str, filters: Filters = Filters(),
                   offset: int = 0, limit: int = 50) -> tuple[int, list[Person]]:
    """How many people are at `step`, and one page of them by name: two queries."""
    cond = step_conditions(practice, year)[step]
    qs = people(practice, year=year, filters=filters).filter(cond)
    total = qs.order_by().count()
    if not total or offset >= total:
        return total, []
    rows = (qs.order_by("family_name", "given_name", "pk")
            .values_list("pk", "given_name", "family_name", "nhs_number", "date_of_birth")[offset:offset + limit])
    return total, [Person(*row) for row in rows]


# --- The written-plan gap, month by month ---------------------------------------------------------------

@dataclass(frozen=True)
class GapMonth:
    month: dt.date  # its first day
    held: int  # people whose first care planning conversation of the year was in this month
    written: int  # of them, people who hold a written plan: agreed with them and a copy given (by today)

    @property
    def gap(self) -> int:
        return self.held - self.written


def months_of_year(year: int, today: dt.date) -> list[dt.date]:
    """The first days of the review year's months, up to the month of `today`."""
    first = review_year_start(year)
    out = []
    for i in range(12):
        m = dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        if m > today:
            break
        out.append(m)
    return out


def gap_by_month(practice: Practice, *, year: int, today: dt.date, filters: Filters = Filters()) -> list[GapMonth]:
    """Per month (not cumulative), by the month of each person's first care planning conversation of the review
    year: people who had one, against those of them who hold a written plan from a conversation of the year
    (agreed with them, and a copy given). Each person is counted once, in one month, so the months add up to
    the year. Two queries."""
    chosen = people(practice, year=year, filters=filters).values("pk")
    versions = versions_of_year(practice.pk, year).filter(patient_id__in=chosen)
    first_held: dict[int, dt.date] = {}
    for patient_id, held in versions.values_list("patient_id", "held").order_by():
        day = _iso(held)
        if day and (patient_id not in first_held or day < first_held[patient_id]):
            first_held[patient_id] = day
    written = set(CopyGiven.objects.filter(version__in=plans.agreed(versions).values("pk"))
                  .values_list("version__patient_id", flat=True).order_by())
    out = []
    for m in months_of_year(year, today):
        in_month = [p for p, d in first_held.items() if (d.year, d.month) == (m.year, m.month)]
        out.append(GapMonth(month=m, held=len(in_month), written=sum(p in written for p in in_month)))
    return out


def _iso(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None
