"""Reads for recall. Every one is scoped to a practice; reads that show people are audited.

    settings_for(practice)                 -> RecallSettings (unsaved defaults if none yet)
    person_facts(practice, patient_ids)    -> what the rules need to plan each person's review
    board(practice=..., filters=..., ...)  -> one page of the recall board (audited)
    export_rows(practice=..., ...)         -> every row of the board for CSV export (audited)
    capacity(practice=..., months=...)     -> minutes needed per week against minutes available
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from tandem.core import audit
from tandem.core.models import AuditEvent, Practice, User
from tandem.patients.models import (
    Observation,
    Patient,
    ReasonableAdjustment,
    RegistrationStatus,
    RelatedPerson,
)
from tandem.patients.queries import get_patient, parse_search, search_filter
from tandem.registers import queries as register_queries
from tandem.registers.models import Cohort, PatientRisk, RegisterMembership
from tandem.registers.rules import register_slugs
from tandem.terminology import codelists

from .models import Invitation, RecallException, RecallSettings, Review, ReviewEvent
from .rules import capacity as capacity_rules
from .rules import dates, protocols, schedule
from .rules.review import ReviewPlan, review_plan
from .rules.status import OPEN, Status

# --- Settings ------------------------------------------------------------------------------


def settings_for(practice: Practice) -> RecallSettings:
    found = RecallSettings.objects.filter(practice=practice).first()
    return found if found is not None else RecallSettings(practice=practice)


# --- Reviews -------------------------------------------------------------------------------


def reviews_of(practice: Practice) -> QuerySet[Review]:
    return Review.objects.filter(practice=practice)


def get_review(*, practice: Practice, pk: int) -> Review:
    """The review with this id in this practice; 404 otherwise (another practice's does not exist here)."""
    try:
        return reviews_of(practice).select_related("patient").get(pk=pk)
    except (Review.DoesNotExist, ValueError, TypeError):
        raise Http404("No such review in this practice") from None


def current_review(*, practice: Practice, patient_id: int, today: dt.date) -> Review | None:
    return (reviews_of(practice).filter(patient_id=patient_id, review_year=dates.review_year_of(today))
            .select_related("patient").first())


#: The review page lists its history newest first: by the day it happened, then (for things on the
#: same day) the order they were recorded, and the row id as the last, stable tie-break.
HISTORY_ORDER = ("-on", "-recorded_at", "-pk")


def review_history(review: Review) -> tuple[list[ReviewEvent], list[Invitation], list[RecallException]]:
    """The review's history newest first (HISTORY_ORDER), its invitations and its exceptions."""
    return (list(review.events.select_related("recorded_by").order_by(*HISTORY_ORDER)),
            list(review.invitations.all()),
            list(review.exceptions.order_by("recorded_at", "pk")))


@dataclass
class PersonAdmin:
    """What the administrative page shows: contact details, preferences, adjustments, reviews and
    invitations. Nothing clinical (no conditions, results or medicines) is loaded."""

    patient: Patient
    adjustments: list[ReasonableAdjustment]
    related: list[RelatedPerson]
    reviews: list[Review]
    invitations: list[Invitation]


def person_admin(*, practice: Practice, patient_id: int, by: User) -> PersonAdmin:
    """One person's administrative record in this practice, audited as viewed ("patient.admin"); 404
    for another practice's patient."""
    patient = get_patient(practice=practice, pk=patient_id, by=by, what="patient.admin")
    return PersonAdmin(
        patient=patient,
        adjustments=list(ReasonableAdjustment.objects.filter(patient=patient).order_by("kind")),
        related=list(RelatedPerson.objects.filter(patient=patient).order_by("name", "pk")),
        reviews=list(reviews_of(practice).filter(patient=patient).order_by("-review_year")),
        invitations=list(Invitation.objects.filter(practice=practice, review__patient=patient)
                         .select_related("review").order_by("-sent_on", "-round", "-stage", "-pk")),
    )


# --- What the rules need about each person ------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    conditions: tuple[str, ...] = ()
    tier: str = ""
    frailty: str = ""
    adjustments: frozenset[str] = frozenset()
    last_done: dict[str, dt.date] = field(default_factory=dict)


_ORDER = {slug: i for i, slug in enumerate(codelists.LTC_SLUGS)}


def _when_due_concepts() -> tuple[str, ...]:
    return tuple(sorted({c for item in protocols.load().items.values() if item.when_due_months
                         for c in item.concepts}))


def person_facts(practice: Practice, patient_ids: Iterable[int] | QuerySet) -> dict[int, PersonFacts]:
    """Registers, tier, frailty, reasonable adjustments and last-done dates, in four queries.
    `patient_ids` may be a list or a values_list QuerySet (used as a subquery)."""
    ids = patient_ids if isinstance(patient_ids, QuerySet) else list(patient_ids)
    conditions: dict[int, list[str]] = {}
    for patient_id, register in (register_queries.members(practice).filter(patient_id__in=ids)
                                 .values_list("patient_id", "register")):
        conditions.setdefault(patient_id, []).append(register)
    risks = {pid: (tier, frailty) for pid, tier, frailty in
             PatientRisk.objects.filter(practice=practice, patient_id__in=ids)
             .values_list("patient_id", "tier", "frailty")}
    adjustments: dict[int, set[str]] = {}
    for patient_id, kind in (ReasonableAdjustment.objects.filter(patient__practice=practice, patient_id__in=ids)
                             .values_list("patient_id", "kind")):
        adjustments.setdefault(patient_id, set()).add(kind)
    last_done: dict[int, dict[str, dt.date]] = {}
    concepts = _when_due_concepts()
    if concepts:
        for row in (Observation.objects.filter(practice=practice, patient_id__in=ids, concept__in=concepts)
                    .values("patient_id", "concept").annotate(last=Max("effective_date"))):
            last_done.setdefault(row["patient_id"], {})[row["concept"]] = row["last"]
    everyone = set(conditions) | set(risks) | set(adjustments) | set(last_done)
    return {
        pid: PersonFacts(
            conditions=tuple(sorted(conditions.get(pid, ()), key=lambda s: (_ORDER.get(s, 999), s))),
            tier=risks.get(pid, ("", ""))[0], frailty=risks.get(pid, ("", ""))[1] or "",
            adjustments=frozenset(adjustments.get(pid, ())), last_done=last_done.get(pid, {}),
        )
        for pid in everyone
    }


def condition_name(slug: str) -> str:
    try:
        return codelists.display_name(slug)
    except KeyError:
        return slug.replace("_", " ").capitalize()


def plan_for(facts: PersonFacts, *, today: dt.date) -> ReviewPlan:
    """The person's review plan. Many people share the same conditions, so plans are cached by
    what they depend on."""
    return _plan(facts.conditions, facts.tier, facts.frailty, facts.adjustments,
                 tuple(sorted(facts.last_done.items())), today)


@lru_cache(maxsize=4096)
def _plan(conditions: tuple[str, ...], tier: str, frailty: str, adjustments: frozenset[str],
          last_done: tuple[tuple[str, dt.date], ...], today: dt.date) -> ReviewPlan:
    return review_plan(conditions, protocols=protocols.load(), tier=tier, frailty=frailty,
                       adjustments=adjustments, last_done=dict(last_done), today=today,
                       condition_names={c: condition_name(c) for c in conditions})


def due_explanation(item: BoardRow, settings: RecallSettings) -> schedule.DueExplanation | None:
    """Why this person's review is not due in the month the practice's scheme gives; None if it is."""
    review, patient = item.review, item.patient
    person = {"patient_id": patient.pk, "date_of_birth": patient.date_of_birth, "conditions": item.facts.conditions,
              "scheme": settings.scheme, "condition_months": settings.month_pairs()}
    scheme_month = schedule.due_month(review_year=review.review_year, **person)
    basis = schedule.scheme_basis(**person, condition_names={c: condition_name(c) for c in item.facts.conditions})
    planned_on = timezone.localtime(review.created_at).date()
    return schedule.explain_due(due=review.due_month, scheme_month=scheme_month, basis=basis, planned_on=planned_on)


# --- The board -----------------------------------------------------------------------------

THIS_MONTH, NEXT_MONTH, BOTH, OVERDUE, WHOLE_YEAR = "this", "next", "both", "overdue", "year"
WHEN_CHOICES = (BOTH, THIS_MONTH, NEXT_MONTH, OVERDUE, WHOLE_YEAR)
OPEN_STATUSES = "open"


@dataclass(frozen=True)
class BoardFilters:
    when: str = BOTH
    status: str = ""  # a Status value, "open", or "" for all
    cohort_id: int | None = None
    tier: str = ""
    condition: str = ""
    search: str = ""  # typed text: a name, NHS number or date of birth (never put in URLs or logs)

    def describe(self) -> dict:
        """For the audit log: which filters were used, never the words typed."""
        return {"when": self.when, "status": self.status, "cohort": self.cohort_id, "tier": self.tier,
                "condition": self.condition, "searched": bool(self.search.strip())}


class BadFilter(ValueError):
    pass


def month_range(when: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """First and last due month (first days) a `when` choice covers; None for open-ended."""
    this = dates.first_of_month(today)
    following = dates.add_months(this, 1)
    year = dates.review_year_of(today)
    return {
        BOTH: (this, following),
        THIS_MONTH: (this, this),
        NEXT_MONTH: (following, following),
        OVERDUE: (None, dates.add_months(this, -1)),
        WHOLE_YEAR: (dates.review_year_start(year), dates.first_of_month(dates.review_year_end(year))),
    }[when]


def board_queryset(practice: Practice, filters: BoardFilters, *, today: dt.date) -> QuerySet[Review]:
    """This year's reviews matching the filters. Raises BadFilter with a message for a bad search."""
    if filters.when not in WHEN_CHOICES:
        raise BadFilter("Choose when the reviews are due.")
    qs = reviews_of(practice).filter(review_year=dates.review_year_of(today),
                                     patient__registration_status=RegistrationStatus.REGISTERED)
    start, end = month_range(filters.when, today)
    if start is not None:
        qs = qs.filter(due_month__gte=start)
    if end is not None:
        qs = qs.filter(due_month__lte=end)
    if filters.when == OVERDUE:
        qs = qs.filter(status__in=[s.value for s in OPEN])
    if filters.status == OPEN_STATUSES:
        qs = qs.filter(status__in=[s.value for s in OPEN])
    elif filters.status:
        if filters.status not in {s.value for s in Status}:
            raise BadFilter("Choose a status from the list.")
        qs = qs.filter(status=filters.status)
    else:  # people no longer on any register are shown only when asked for
        qs = qs.exclude(status=Status.WITHDRAWN)
    if filters.cohort_id is not None:
        cohort = Cohort.objects.filter(practice=practice, pk=filters.cohort_id).first()
        if cohort is None:
            raise BadFilter("That cohort does not exist in this practice.")
        qs = qs.filter(patient_id__in=register_queries.cohort_patient_ids(cohort, today=today))
    if filters.tier:
        qs = qs.filter(patient__risk__tier=filters.tier)
    if filters.condition:
        qs = qs.filter(Exists(RegisterMembership.objects.filter(
            patient_id=OuterRef("patient_id"), register=filters.condition)))
    if filters.search.strip():
        search = parse_search(filters.search, today=today)
        if not search.runnable:
            raise BadFilter(search.error or "Enter an NHS number, a name or a date of birth.")
        qs = qs.filter(search_filter(search, prefix="patient__"))
    return qs


ORDERING = ("due_month", "patient__family_name", "patient__given_name", "pk")


@dataclass
class BoardRow:
    review: Review
    patient: Patient
    facts: PersonFacts
    plan: ReviewPlan


@dataclass
class BoardPage:
    rows: list[BoardRow]
    total: int
    page: int
    pages: int
    page_size: int


PAGE_SIZE = 50


def _rows(practice: Practice, reviews: list[Review], *, today: dt.date) -> list[BoardRow]:
    facts = person_facts(practice, [r.patient_id for r in reviews])
    empty = PersonFacts()
    out = []
    for review in reviews:
        f = facts.get(review.patient_id, empty)
        out.append(BoardRow(review=review, patient=review.patient, facts=f, plan=plan_for(f, today=today)))
    return out


def board(*, practice: Practice, by: User, filters: BoardFilters, today: dt.date, page: int = 1,
          page_size: int = PAGE_SIZE) -> BoardPage:
    """One page of the recall board, audited by the filters used and the number of rows only."""
    qs = board_queryset(practice, filters, today=today)
    total = qs.count()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    reviews = list(qs.select_related("patient").order_by(*ORDERING)[(page - 1) * page_size: page * page_size])
    audit.record(by=by, practice=practice, action=AuditEvent.Action.SEARCH, what="recall.board",
                 detail={**filters.describe(), "results": total, "page": page})
    return BoardPage(rows=_rows(practice, reviews, today=today), total=total, page=page, pages=pages,
                     page_size=page_size)


EXPORT_LIMIT = 20_000


def export_rows(*, practice: Practice, by: User, filters: BoardFilters, today: dt.date) -> list[BoardRow]:
    """Every row the filters match (up to EXPORT_LIMIT), each person audited as exported."""
    qs = board_queryset(practice, filters, today=today)
    reviews = list(qs.select_related("patient").order_by(*ORDERING)[:EXPORT_LIMIT])
    audit.record_many(by=by, practice=practice, action=AuditEvent.Action.EXPORT, what="recall.export",
                      patient_ids=[r.patient_id for r in reviews], detail=filters.describe())
    return _rows(practice, reviews, today=today)


def status_counts(practice: Practice, *, months: Iterable[dt.date], today: dt.date) -> dict[dt.date, dict[str, int]]:
    """month -> status -> number of reviews due that month (this review year)."""
    months = list(months)
    out: dict[dt.date, dict[str, int]] = {m: {} for m in months}
    rows = (reviews_of(practice).filter(review_year=dates.review_year_of(today), due_month__in=months,
                                        patient__registration_status=RegistrationStatus.REGISTERED)
            .values_list("due_month", "status").annotate(n=Count("pk")))
    for month, status, n in rows:
        out[month][status] = n
    return out


def last_planned(practice: Practice) -> AuditEvent | None:
    """When the review list was last brought up to date with the registers."""
    return AuditEvent.objects.filter(practice=practice, what="recall.plan").order_by("-at", "-id").first()


def unplanned_count(practice: Practice, *, today: dt.date) -> int:
    """Registered people on a register with no review this review year (planning would add them)."""
    planned = Review.objects.filter(practice=practice, review_year=dates.review_year_of(today),
                                    patient_id=OuterRef("patient_id"))
    return (register_queries.members(practice)
            .filter(patient__registration_status=RegistrationStatus.REGISTERED)
            .filter(~Exists(planned)).values("patient_id").distinct().count())


def cohorts(practice: Practice) -> list[Cohort]:
    return list(register_queries.cohorts(practice))


def committed_minutes(practice: Practice, *, months: Iterable[dt.date], today: dt.date) -> dict[dt.date, tuple[int, int]]:
    """HCA and clinician minutes already promised in each month: open reviews due then that have been
    invited, booked or missed (a planned review not yet invited is not yet a promise). This month
    also carries such reviews from earlier months. Set-based: see `minutes_by_month`."""
    months = sorted(set(months))
    if not months:
        return {}
    base = (reviews_of(practice).filter(review_year=dates.review_year_of(today),
                                        status__in=[Status.INVITED, Status.BOOKED, Status.DID_NOT_ATTEND],
                                        patient__registration_status=RegistrationStatus.REGISTERED))
    return {month: (hca, clinician) for month, (_people, hca, clinician)
            in minutes_by_month(practice, base, months=months, today=today).items()}


# --- Staff time, worked out in the database ---------------------------------------------------
#
# A review's minutes depend only on the person's registers, whether they have a "longer appointment"
# adjustment and, for each step with `when_due_months` (spirometry), whether it was recorded within
# that many months (tier and frailty change who holds the conversation, not its length). So the
# database groups the reviews by those few facts and counts them (one statement: the registers as a
# bit set per person, joined, not looked up review by review), and the rules plan each distinct kind
# of person once. The work in Python depends on how many kinds of people there are, not how many people.

#: One bit per register (a person is on a register at most once, so a sum of bits is the set).
REGISTER_BITS = {slug: 1 << i for i, slug in enumerate(dict.fromkeys((*codelists.LTC_SLUGS, *register_slugs())))}
assert len(REGISTER_BITS) < 63, "register bits must fit a 64-bit integer"

_LONGER = ReasonableAdjustment.Kind.LONGER_APPOINTMENT.value


@cache
def _when_due_steps() -> tuple[tuple[tuple[str, ...], int], ...]:
    """(concepts, months) of each step left out when recorded recently (spirometry: FEV1, 12 months)."""
    return tuple((item.concepts, item.when_due_months) for item in protocols.load().items.values()
                 if item.when_due_months and item.concepts)


def _minutes_facts(practice: Practice, reviews: QuerySet[Review], *, today: dt.date,
                   bucket: dt.date | None = None, each: bool = False) -> list[tuple]:
    """(due month, register bits, longer appointment, recent step..., number of reviews) for `reviews`;
    with `bucket`, reviews due before it are counted in its month. With `each`, one row per review
    (review id, register bits, longer appointment, recent step...), not grouped."""
    sql, params = _minutes_facts_sql(practice, reviews, today=today, bucket=bucket, each=each)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _minutes_facts_sql(practice: Practice, reviews: QuerySet[Review], *, today: dt.date,
                       bucket: dt.date | None = None, each: bool = False,
                       due: bool = False) -> tuple[str, list]:
    """The statement _minutes_facts runs; with `each` and `due`, each row also has the review's due
    month after its id. Columns are named (id, due_month, bits, longer, recent_0...)."""
    quote = connection.ops.quote_name
    people_sql, people_params = reviews.order_by().values("patient_id").query.sql_with_params()
    reviews_sql, reviews_params = (reviews.order_by().values("id", "patient_id", "due_month")
                                   .query.sql_with_params())
    bits = ", ".join(f"(%s, {bit})" for bit in REGISTER_BITS.values())  # bits are our own integers
    membership, adjustment, observation = (quote(m._meta.db_table) for m in
                                           (RegisterMembership, ReasonableAdjustment, Observation))
    steps = _when_due_steps()
    recent_ctes, recent_joins, recent_columns, recent_params = [], [], [], []
    for i, (concepts, months) in enumerate(steps):
        recent_ctes.append(
            f"recent_{i} AS (SELECT DISTINCT patient_id FROM {observation} WHERE practice_id = %s "
            f"AND concept IN ({', '.join(['%s'] * len(concepts))}) AND effective_date > %s "
            f"AND patient_id IN (SELECT patient_id FROM people))")
        recent_params += [practice.pk, *concepts, dates.add_months(today, -months)]
        recent_joins.append(f"LEFT JOIN recent_{i} ON recent_{i}.patient_id = r.patient_id")
        recent_columns.append(f"CASE WHEN recent_{i}.patient_id IS NULL THEN 0 ELSE 1 END")
    month = "CASE WHEN r.due_month < %s THEN %s ELSE r.due_month END" if bucket else "r.due_month"
    columns = ["r.id" if each else month, *(["r.due_month"] if each and due else []), "COALESCE(registers.bits, 0)",
               "CASE WHEN longer.patient_id IS NULL THEN 0 ELSE 1 END", *recent_columns]
    names = ["id" if each else "due_month", *(["due_month"] if each and due else []), "bits", "longer",
             *(f"recent_{i}" for i in range(len(recent_columns)))]
    sql = f"""
        WITH people AS ({people_sql}),
        bits (register, bit) AS (VALUES {bits}),
        registers AS (
            SELECT m.patient_id, SUM(bits.bit) AS bits FROM {membership} m JOIN bits ON bits.register = m.register
            WHERE m.practice_id = %s AND m.patient_id IN (SELECT patient_id FROM people) GROUP BY m.patient_id),
        longer AS (
            SELECT DISTINCT patient_id FROM {adjustment}
            WHERE kind = %s AND patient_id IN (SELECT patient_id FROM people)){"".join(", " + c for c in recent_ctes)}
        SELECT {", ".join(f"{c} AS {n}" for c, n in zip(columns, names, strict=True))}{"" if each else ", COUNT(*)"}
        FROM ({reviews_sql}) r
        LEFT JOIN registers ON registers.patient_id = r.patient_id
        LEFT JOIN longer ON longer.patient_id = r.patient_id
        {" ".join(recent_joins)}
        {"" if each else "GROUP BY " + ", ".join(str(i) for i in range(1, len(columns) + 1))}
    """
    month_params = [bucket, bucket] if bucket and not each else []
    params = [*people_params, *REGISTER_BITS, practice.pk, _LONGER, *recent_params, *month_params,
              *reviews_params]
    return sql, params


def _facts_of(register_bits: int, longer: bool, recent: tuple, today: dt.date) -> PersonFacts:
    last_done: dict[str, dt.date] = {}
    for (concepts, _months), done in zip(_when_due_steps(), recent, strict=True):
        if done:
            last_done.update(dict.fromkeys(concepts, today))  # within the window; the day itself is not shown
    return PersonFacts(
        conditions=tuple(slug for slug, bit in REGISTER_BITS.items() if register_bits & bit),
        adjustments=frozenset({_LONGER}) if longer else frozenset(),
        last_done=last_done,
    )


@lru_cache(maxsize=4096)
def _plan_of_kind(kind: tuple, today: dt.date) -> ReviewPlan:
    return plan_for(_facts_of(*kind, today), today=today)


@lru_cache(maxsize=4096)
def _minutes_of_kind(kind: tuple, today: dt.date) -> tuple[int, int]:
    plan = _plan_of_kind(kind, today)
    return plan.hca_minutes, plan.clinician_minutes


def _kind(register_bits, longer, recent) -> tuple:
    return int(register_bits), bool(longer), tuple(bool(r) for r in recent)


def minutes_by_month(practice: Practice, reviews: QuerySet[Review], *, months: list[dt.date],
                     today: dt.date) -> dict[dt.date, tuple[int, int, int]]:
    """For each of `months`: (reviews, HCA minutes, clinician minutes) for the `reviews` due that month;
    this month also carries the reviews due in earlier months. One grouped statement; each distinct
    kind of person planned once."""
    months = sorted(set(months))
    this = dates.first_of_month(today)
    bucket = this if months[0] >= this else None  # earlier months asked for: keep every due month apart
    totals = {month: [0, 0, 0] for month in months}
    rows = _minutes_facts(practice, reviews.filter(due_month__lte=months[-1]), today=today, bucket=bucket)
    for due, register_bits, longer, *recent, n in rows:
        due = dt.date.fromisoformat(due) if isinstance(due, str) else due  # SQLite returns text
        hca, clinician = _minutes_of_kind(_kind(register_bits, longer, recent), today)
        for month in months:
            if (due <= month) if month == this else (due == month):
                total = totals[month]
                total[0] += n
                total[1] += hca * n
                total[2] += clinician * n
    return {month: (people, hca, clinician) for month, (people, hca, clinician) in totals.items()}


def plans_by_review(practice: Practice, reviews: QuerySet[Review], *, today: dt.date) -> dict[int, ReviewPlan]:
    """Review id -> its plan, for reading the plan's minutes only (tier and frailty are not looked up):
    one statement for any number of reviews, each distinct kind of person planned once."""
    return {review_id: _plan_of_kind(_kind(register_bits, longer, recent), today)
            for review_id, register_bits, longer, *recent in _minutes_facts(practice, reviews, today=today, each=True)}


def first_invitations_within(practice: Practice, reviews: QuerySet[Review], *, today: dt.date,
                             available: capacity_rules.Available,
                             committed: dict[dt.date, tuple[int, int]]) -> int:
    """How many of `reviews` (first invitations, going in order of due month, then id) the staff time
    can absorb, as capacity_rules.invitations_within counts them (each month's minutes less those
    `committed`; a review overdue is seen this month; the count stops at the first that does not fit),
    worked out in the database: one grouped statement finds the kinds of person (each planned once by
    the rules), one more adds up their minutes in order. The number of rows read does not grow with
    the practice."""
    if not (available.hca or available.clinician):
        return reviews.count()
    this = dates.first_of_month(today)
    minutes, months = {}, set()
    for due, register_bits, longer, *recent, _n in _minutes_facts(practice, reviews, today=today, bucket=this):
        due = dt.date.fromisoformat(due) if isinstance(due, str) else due  # SQLite returns text
        months.add(due)
        kind = _kind(register_bits, longer, recent)
        minutes[(kind[0], int(kind[1]), *(int(r) for r in kind[2]))] = _minutes_of_kind(kind, today)
    if not minutes:
        return 0
    left = {}
    for month in months:
        hca_budget, clinician_budget = capacity_rules.month_budget(month, available)
        hca, clinician = committed.get(month, (0, 0))
        left[month] = (hca_budget - hca, clinician_budget - clinician)
    each_sql, each_params = _minutes_facts_sql(practice, reviews, today=today, each=True, due=True)
    recent = [f"recent_{i}" for i in range(len(_when_due_steps()))]
    kind_columns = ["bits", "longer", *recent]
    row = "(" + ", ".join(["%s"] * (len(kind_columns) + 2)) + ")"
    sql = f"""
        WITH each_review AS ({each_sql}),
        minutes ({", ".join(kind_columns)}, hca, clinician) AS (VALUES {", ".join([row] * len(minutes))}),
        budget (month, hca, clinician) AS (VALUES {", ".join(["(%s, %s, %s)"] * len(left))}),
        running AS (
            SELECT e.id, e.due_month, b.hca AS hca_left, b.clinician AS clinician_left,
                   SUM(m.hca) OVER (PARTITION BY b.month ORDER BY e.due_month, e.id) AS hca_used,
                   SUM(m.clinician) OVER (PARTITION BY b.month ORDER BY e.due_month, e.id) AS clinician_used
            FROM each_review e
            JOIN minutes m ON {" AND ".join(f"m.{c} = e.{c}" for c in kind_columns)}
            JOIN budget b ON b.month = CASE WHEN e.due_month < %s THEN %s ELSE e.due_month END),
        first_over AS (
            SELECT due_month, id FROM running WHERE hca_used > hca_left OR clinician_used > clinician_left
            ORDER BY due_month, id LIMIT 1)
        SELECT COUNT(*) FROM running
        WHERE NOT EXISTS (SELECT 1 FROM first_over)
           OR running.due_month < (SELECT due_month FROM first_over)
           OR (running.due_month = (SELECT due_month FROM first_over) AND running.id < (SELECT id FROM first_over))
    """
    params = [*each_params, *(v for key, (h, c) in minutes.items() for v in (*key, h, c)),
              *(v for month, (h, c) in left.items() for v in (month, h, c)), this, this]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# --- Capacity ------------------------------------------------------------------------------


def capacity(*, practice: Practice, months: Iterable[dt.date], today: dt.date,
             settings: RecallSettings | None = None) -> list[capacity_rules.MonthCapacity]:
    """Minutes a week needed by the open reviews due in each month (this month also carries the
    open reviews from earlier months), against what the practice has. Set-based: one grouped query
    whatever the number of reviews (`minutes_by_month`). Pass `settings` if already read."""
    months = sorted(months)
    if not months:
        return []
    available = (settings if settings is not None and settings.practice_id == practice.pk
                 else settings_for(practice)).available()
    open_values = [s.value for s in OPEN]
    base = reviews_of(practice).filter(review_year=dates.review_year_of(today), status__in=open_values,
                                       patient__registration_status=RegistrationStatus.REGISTERED)
    totals = minutes_by_month(practice, base, months=months, today=today)
    return [capacity_rules.month_capacity_of(month, people=totals[month][0], hca=totals[month][1],
                                             clinician=totals[month][2], available=available) for month in months]
