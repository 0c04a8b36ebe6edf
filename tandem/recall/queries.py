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
from functools import lru_cache

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
    also carries such reviews from earlier months."""
    months = sorted(set(months))
    if not months:
        return {}
    this = dates.first_of_month(today)
    base = (reviews_of(practice).filter(review_year=dates.review_year_of(today),
                                        status__in=[Status.INVITED, Status.BOOKED, Status.DID_NOT_ATTEND],
                                        patient__registration_status=RegistrationStatus.REGISTERED))
    rows = list(base.filter(due_month__lte=max(months)).values_list("patient_id", "due_month"))
    facts = person_facts(practice, [pid for pid, _ in rows])
    empty = PersonFacts()
    out = {}
    for month in months:
        plans = [plan_for(facts.get(pid, empty), today=today) for pid, due in rows
                 if (due <= month if month == this else due == month)]
        out[month] = (sum(p.hca_minutes for p in plans), sum(p.clinician_minutes for p in plans))
    return out


# --- Capacity ------------------------------------------------------------------------------


def capacity(*, practice: Practice, months: Iterable[dt.date], today: dt.date) -> list[capacity_rules.MonthCapacity]:
    """Minutes a week needed by the open reviews due in each month (this month also carries the
    open reviews from earlier months), against what the practice has."""
    months = sorted(months)
    available = settings_for(practice).available()
    this = dates.first_of_month(today)
    open_values = [s.value for s in OPEN]
    base = reviews_of(practice).filter(review_year=dates.review_year_of(today), status__in=open_values,
                                       patient__registration_status=RegistrationStatus.REGISTERED)
    out = []
    for month in months:
        qs = base.filter(due_month__lte=month) if month == this else base.filter(due_month=month)
        facts = person_facts(practice, qs.values_list("patient_id", flat=True))
        empty = PersonFacts()
        plans = [plan_for(facts.get(pid, empty), today=today) for pid in qs.values_list("patient_id", flat=True)]
        out.append(capacity_rules.month_capacity(month, plans, available))
    return out
