"""Staff time, worked out in the database: the minutes reviews need per month, the board's summary,
the minutes already committed and how many first invitations fit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from tandem.clinics import queries as clinic_queries
from tandem.core.models import Practice
from tandem.registers.rules import register_slugs
from tandem.terminology import codelists

from .. import stored
from ..models import RecallSettings, Review
from ..rules import capacity as capacity_rules
from ..rules import dates
from ..rules.review import ReviewPlan
from ..rules.status import OPEN, Status
from .facts import PersonFacts, plan_for
from .reviews import reviews_of, settings_for


def committed_minutes(practice: Practice, *, months: Iterable[dt.date], today: dt.date) -> dict[dt.date, tuple[int, int]]:
    """HCA and clinician minutes already promised in each month: open reviews due then that have been
    invited, booked or missed (a planned review not yet invited is not yet a promise). This month
    also carries such reviews from earlier months. Set-based: see `minutes_by_month`."""
    months = sorted(set(months))
    if not months:
        return {}
    base = (reviews_of(practice).filter(review_year=dates.review_year_of(today),
                                        status__in=[Status.INVITED, Status.BOOKED, Status.DID_NOT_ATTEND],
                                        registered=True))
    return {month: (hca, clinician) for month, (_people, hca, clinician)
            in minutes_by_month(practice, base, months=months, today=today).items()}



# --- Staff time, worked out in the database ---------------------------------------------------
#
# A review's minutes depend only on the person's registers, whether they have a "longer appointment"
# adjustment and whether the step done only when due (spirometry) was recorded within its months
# (tier and frailty change who holds the conversation, not its length). Those facts are stored on the
# review (tandem.recall.stored), so the database groups the reviews by them and counts them reading
# reviews alone, and the rules plan each distinct kind of person once. The work in Python depends on
# how many kinds of people there are, not how many people.

#: The order conditions are given to the rules in (long-term conditions first, as the registers list them).
_REGISTER_ORDER = {slug: i for i, slug in enumerate(dict.fromkeys((*codelists.LTC_SLUGS, *register_slugs())))}
_LONGER = stored.LONGER


def _minutes_facts(practice: Practice, reviews: QuerySet[Review], *, today: dt.date,
                   bucket: dt.date | None = None, each: bool = False) -> list[tuple]:
    """(due month, registers, longer appointment, recent step..., number of reviews) for `reviews`;
    with `bucket`, reviews due before it are counted in its month. With `each`, one row per review
    (review id, registers, longer appointment, recent step...), not grouped."""
    sql, params = _minutes_facts_sql(practice, reviews, today=today, bucket=bucket, each=each)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _minutes_facts_sql(practice: Practice, reviews: QuerySet[Review], *, today: dt.date,
                       bucket: dt.date | None = None, each: bool = False,
                       due: bool = False, earlier: dt.date | None = None,
                       status: bool = False) -> tuple[str, list]:
    """The statement _minutes_facts runs; with `each` and `due`, each row also has the review's due
    month after its id. Columns are named (id, due_month, registers, longer, recent_0...). With
    `earlier`, due months before `bucket` are given as `earlier` rather than `bucket`. With `status`
    (grouped only), the review's status follows the month, and the facts of reviews not open are
    empty (only open reviews need staff time), so those reviews are counted per status only.
    `practice` scopes nothing more: `reviews` are the practice's already."""
    fields = ("id", "due_month", "registers", "longer", "when_due_last", *(("status", "is_open") if status else ()))
    if status:
        reviews = reviews.annotate(is_open=Case(When(status__in=[s.value for s in OPEN], then=Value(1)),
                                                default=Value(0), output_field=IntegerField()))
    reviews_sql, reviews_params = reviews.order_by().values(*fields).query.sql_with_params()
    step = stored.when_due_step()
    recent_columns, recent_params = [], []
    if step:
        recent_columns.append("CASE WHEN r.when_due_last > %s THEN 1 ELSE 0 END")
        recent_params.append(dates.add_months(today, -step[1]))
    month = "CASE WHEN r.due_month < %s THEN %s ELSE r.due_month END" if bucket and not each else "r.due_month"
    month_params = [bucket, earlier or bucket] if bucket and not each else []
    facts = [("r.registers", "''"), ("CASE WHEN r.longer THEN 1 ELSE 0 END", "0"), *((c, "0") for c in recent_columns)]
    facts = [f"CASE WHEN r.is_open = 1 THEN {fact} ELSE {empty} END" if status else fact for fact, empty in facts]
    columns = ["r.id" if each else month, *(["r.due_month"] if each and due else []),
               *(["r.status"] if status else []), *facts]
    names = ["id" if each else "due_month", *(["due_month"] if each and due else []),
             *(["status"] if status else []), "registers", "longer", *(f"recent_{i}" for i in range(len(recent_columns)))]
    sql = (f"SELECT {', '.join(f'{c} AS {n}' for c, n in zip(columns, names, strict=True))}"
           f"{'' if each else ', COUNT(*)'} FROM ({reviews_sql}) r"
           f"{'' if each else ' GROUP BY ' + ', '.join(str(i) for i in range(1, len(columns) + 1))}")
    params = [*month_params, *recent_params, *reviews_params]
    return sql, params


def _facts_of(registers: str, longer: bool, recent: tuple, today: dt.date) -> PersonFacts:
    last_done: dict[str, dt.date] = {}
    step = stored.when_due_step()
    if step and any(recent):
        last_done.update(dict.fromkeys(step[0], today))  # within the window; the day itself is not shown
    return PersonFacts(
        conditions=tuple(sorted(stored.registers_of(registers), key=lambda slug: _REGISTER_ORDER.get(slug, 999))),
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


def _kind(registers, longer, recent) -> tuple:
    return str(registers), bool(longer), tuple(bool(r) for r in recent)


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
    for due, registers, longer, *recent, n in rows:
        due = dt.date.fromisoformat(due) if isinstance(due, str) else due  # SQLite returns text
        hca, clinician = _minutes_of_kind(_kind(registers, longer, recent), today)
        for month in months:
            if (due <= month) if month == this else (due == month):
                total = totals[month]
                total[0] += n
                total[1] += hca * n
                total[2] += clinician * n
    return {month: (people, hca, clinician) for month, (people, hca, clinician) in totals.items()}


@dataclass(frozen=True)
class BoardSummary:
    """What the board shows above its list, and how many people the list has without filters."""

    counts: dict[dt.date, dict[str, int]]  # this month and next: status -> reviews due then
    minutes: dict[dt.date, tuple[int, int, int]]  # as minutes_by_month, for the open reviews
    listed: int  # the list with no filters: due this month or next, not withdrawn


def board_summary(practice: Practice, *, today: dt.date, known: tuple | None = None) -> BoardSummary:
    """The board's counts per status for this month and next, the staff time their open reviews need
    (this month carrying the open reviews of earlier months) and the number of people the unfiltered
    list has: one grouped statement reading this year's reviews once (`_minutes_facts_sql`), each
    distinct kind of person planned once. The same numbers as status_counts, capacity and board.

    Worked out once per version of the practice's reviews and day (tandem.recall.stored: every write
    to the reviews, or to what is stored on them, gives a new version), then reused by this process
    until they change. `known`: the practice's state (stored.state) if already read."""
    version = (known if known is not None else stored.state(practice.pk))[0]
    if version is None:
        return _board_summary(connection.alias, practice.pk, today)
    return _reused_summary(connection.alias, practice.pk, version, today)


@lru_cache(maxsize=256)
def _reused_summary(alias: str, practice_id: int, version: int, today: dt.date) -> BoardSummary:
    return _board_summary(alias, practice_id, today)


def _board_summary(alias: str, practice_id: int, today: dt.date) -> BoardSummary:
    this = dates.first_of_month(today)
    following = dates.add_months(this, 1)
    open_values = {s.value for s in OPEN}
    sql, params = _board_summary_sql(alias, practice_id, today)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts: dict[dt.date, dict[str, int]] = {this: {}, following: {}}
    totals = {this: [0, 0, 0], following: [0, 0, 0]}
    listed = 0
    for due, status, registers, longer, *recent, n in rows:
        due = dt.date.fromisoformat(due) if isinstance(due, str) else due  # SQLite returns text
        if due in counts:
            counts[due][status] = counts[due].get(status, 0) + n
            listed += 0 if status == Status.WITHDRAWN else n
        if status in open_values:
            hca, clinician = _minutes_of_kind(_kind(registers, longer, recent), today)
            total = totals[max(due, this)]
            total[0] += n
            total[1] += hca * n
            total[2] += clinician * n
    return BoardSummary(counts=counts, minutes={month: tuple(total) for month, total in totals.items()},
                        listed=listed)


@lru_cache(maxsize=64)
def _board_summary_sql(alias: str, practice_id: int, today: dt.date) -> tuple[str, tuple]:
    """The statement board_summary runs: it depends only on the practice and the day, so it is
    written once per process for each (the ORM and the string building cost more than running it)."""
    this = dates.first_of_month(today)
    following, earlier = dates.add_months(this, 1), dates.add_months(this, -1)
    practice = Practice(pk=practice_id)
    reviews = (reviews_of(practice)
               .filter(review_year=dates.review_year_of(today), due_month__lte=following,
                       registered=True)
               .filter(Q(due_month__gte=this) | Q(status__in=sorted(s.value for s in OPEN))))
    sql, params = _minutes_facts_sql(practice, reviews, today=today, bucket=this, earlier=earlier, status=True)
    return sql, tuple(params)


def plans_by_review(practice: Practice, reviews: QuerySet[Review], *, today: dt.date) -> dict[int, ReviewPlan]:
    """Review id -> its plan, for reading the plan's minutes only (tier and frailty are not looked up):
    one statement for any number of reviews, each distinct kind of person planned once."""
    return {review_id: _plan_of_kind(_kind(registers, longer, recent), today)
            for review_id, registers, longer, *recent in _minutes_facts(practice, reviews, today=today, each=True)}


def first_invitations_within(practice: Practice, reviews: QuerySet[Review], *, today: dt.date,
                             available: capacity_rules.Available | capacity_rules.Supply,
                             committed: dict[dt.date, tuple[int, int]]) -> int:
    """How many of `reviews` (first invitations, going in order of due month, then id) the staff time
    can absorb, as capacity_rules.invitations_within counts them (each month's minutes less those
    `committed`; a review overdue is seen this month; the count stops at the first that does not fit),
    worked out in the database: one grouped statement finds the kinds of person (each planned once by
    the rules) and each month's total. Every review of a month whose total fits is counted; in the
    first month that does not fit, one more statement adds up its reviews' minutes in order (minutes
    are never negative, so the reviews before the first that does not fit are those whose running
    totals fit). The number of rows read into Python does not grow with the practice."""
    supply = capacity_rules.supply_of(available)
    if not supply.limited:
        return reviews.count()
    this = dates.first_of_month(today)
    totals: dict[dt.date, list[int]] = {}
    minutes: dict[dt.date, dict[tuple, tuple[int, int]]] = {}
    for due, registers, longer, *recent, n in _minutes_facts(practice, reviews, today=today, bucket=this):
        due = dt.date.fromisoformat(due) if isinstance(due, str) else due  # SQLite returns text
        kind = _kind(registers, longer, recent)
        hca, clinician = _minutes_of_kind(kind, today)
        minutes.setdefault(due, {})[(kind[0], int(kind[1]), *(int(r) for r in kind[2]))] = (hca, clinician)
        total = totals.setdefault(due, [0, 0, 0])
        total[0] += n
        total[1] += hca * n
        total[2] += clinician * n
    counted = 0
    for month in sorted(totals):
        hca_budget, clinician_budget = supply.budget(month)
        hca_committed, clinician_committed = committed.get(month, (0, 0))
        left = (hca_budget - hca_committed, clinician_budget - clinician_committed)
        people, hca, clinician = totals[month]
        if hca <= left[0] and clinician <= left[1]:
            counted += people
            continue
        in_month = reviews.filter(due_month__lte=month) if month == this else reviews.filter(due_month=month)
        return counted + _fitting_in_order(practice, in_month, today=today, minutes=minutes[month], left=left)
    return counted


def _fitting_in_order(practice: Practice, reviews: QuerySet[Review], *, today: dt.date,
                      minutes: dict[tuple, tuple[int, int]], left: tuple[int, int]) -> int:
    """How many of `reviews` (one month's), taken in order of due month then id, fit in `left` (HCA and
    clinician minutes) before the first that does not. `minutes`: kind -> its minutes."""
    each_sql, each_params = _minutes_facts_sql(practice, reviews, today=today, each=True, due=True)
    kind_columns = ["registers", "longer", *(["recent_0"] if stored.when_due_step() else [])]
    row = "(" + ", ".join(["%s"] * (len(kind_columns) + 2)) + ")"
    sql = f"""
        WITH each_review AS ({each_sql}),
        minutes ({", ".join(kind_columns)}, hca, clinician) AS (VALUES {", ".join([row] * len(minutes))}),
        running AS (
            SELECT SUM(m.hca) OVER (ORDER BY e.due_month, e.id) AS hca_used,
                   SUM(m.clinician) OVER (ORDER BY e.due_month, e.id) AS clinician_used
            FROM each_review e
            JOIN minutes m ON {" AND ".join(f"m.{c} = e.{c}" for c in kind_columns)})
        SELECT COUNT(*) FROM running WHERE hca_used <= %s AND clinician_used <= %s
    """
    params = [*each_params, *(v for key, (h, c) in minutes.items() for v in (*key, h, c)), *left]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# --- Capacity ------------------------------------------------------------------------------


def supply(practice: Practice, *, months: Iterable[dt.date],
           settings: RecallSettings | None = None) -> capacity_rules.Supply:
    """The staff time the practice has in `months` (firsts of months): its clinic sessions held in
    each, by role, once it keeps sessions in Tandem; otherwise the minutes a week in its recall
    settings. One statement."""
    typed = (settings if settings is not None and settings.practice_id == practice.pk
             else settings_for(practice)).available()
    months = sorted(set(months))
    held, kept = clinic_queries.held_minutes_by_month(practice, months)
    if not kept:
        return capacity_rules.Supply(typed=typed)
    booked = clinic_queries.booked_minutes_by_month(practice, months)
    return capacity_rules.Supply(typed=typed, sessions={month: _by_role(roles) for month, roles in held.items()},
                                 booked={month: _by_role(roles) for month, roles in booked.items()})


def _by_role(roles: dict[str, int]) -> capacity_rules.Available:
    return capacity_rules.Available(hca=roles.get("hca", 0), nurse=roles.get("nurse", 0),
                                    pharmacist=roles.get("pharmacist", 0), gp=roles.get("gp", 0))


def capacity(*, practice: Practice, months: Iterable[dt.date], today: dt.date,
             settings: RecallSettings | None = None,
             summary: BoardSummary | None = None) -> list[capacity_rules.MonthCapacity]:
    """Minutes a week needed by the open reviews due in each month (this month also carries the
    open reviews from earlier months), against what the practice has. Set-based: one grouped query
    whatever the number of reviews (`minutes_by_month`). Pass `settings` if already read, and the
    board's `summary` if read (it has this month's and next month's minutes)."""
    months = sorted(months)
    if not months:
        return []
    available = supply(practice, months=months, settings=settings)
    if summary is not None and set(months) <= set(summary.minutes):
        totals = summary.minutes
    else:
        open_values = [s.value for s in OPEN]
        base = reviews_of(practice).filter(review_year=dates.review_year_of(today), status__in=open_values,
                                           registered=True)
        totals = minutes_by_month(practice, base, months=months, today=today)
    return [capacity_rules.month_capacity_of(month, people=totals[month][0], hca=totals[month][1],
                                             clinician=totals[month][2], available=available) for month in months]


def forecast(practice: Practice, *, today: dt.date, settings: RecallSettings | None = None,
             weeks: int = capacity_rules.FORECAST_WEEKS) -> capacity_rules.Forecast:
    """The weeks ahead (from this week, Monday to Sunday): minutes the open reviews need, by group,
    against the minutes held in each week's clinic sessions (or, without sessions, the minutes a week
    in recall settings). Demand is each month's minutes (`minutes_by_month`: one grouped statement;
    this month carries the open reviews of earlier months, and the days of this week before this
    month need nothing) spread over the month's days. Reviews of this review year, and of the next
    when the weeks reach it. A fixed number of statements whatever the size of the practice."""
    mondays = capacity_rules.forecast_mondays(today, weeks)
    last = mondays[-1] + dt.timedelta(days=6)
    this, final = dates.first_of_month(today), dates.first_of_month(last)
    months = [this]
    while months[-1] < final:
        months.append(dates.add_months(months[-1], 1))
    years = sorted({dates.review_year_of(today), dates.review_year_of(last)})
    base = reviews_of(practice).filter(review_year__in=years, status__in=[s.value for s in OPEN], registered=True)
    totals = minutes_by_month(practice, base, months=months, today=today)
    typed = (settings if settings is not None and settings.practice_id == practice.pk
             else settings_for(practice)).available()
    sessions = booked = None
    if clinic_queries.has_sessions(practice):
        held = clinic_queries.held_minutes_by_week(practice, mondays[0], len(mondays))
        sessions = {monday: _by_role(roles) for monday, roles in held.items()}
        taken = clinic_queries.booked_minutes_by_week(practice, mondays[0], len(mondays))
        booked = {monday: _by_role(roles) for monday, roles in taken.items()}
    return capacity_rules.weeks_ahead(mondays=mondays, typed=typed, sessions=sessions, booked=booked,
                                      needed={month: (hca, clinician) for month, (_n, hca, clinician)
                                              in totals.items()})
