"""The recall board: its filters, one page of rows (audited), the CSV export (audited) and counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet

from tandem.core import audit
from tandem.core.models import AuditEvent, Practice, User
from tandem.patients.models import Patient
from tandem.patients.queries import parse_search, search_filter
from tandem.registers import queries as register_queries
from tandem.registers.models import Cohort, RegisterMembership

from ..models import Review
from ..rules import dates
from ..rules.review import ReviewPlan
from ..rules.status import OPEN, Status
from .facts import PersonFacts, person_facts, plan_for
from .minutes import BoardSummary
from .reviews import reviews_of

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
                                     registered=True)
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


ORDERING = ("due_month", "family_name", "given_name", "pk")  # the board index's order


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


PAGE_SIZE = 25  # a screen or two of rows, each with its tests, channel and response: docs/benchmarks.md


def _rows(practice: Practice, reviews: list[Review], *, today: dt.date) -> list[BoardRow]:
    facts = person_facts(practice, [r.patient_id for r in reviews])
    empty = PersonFacts()
    out = []
    for review in reviews:
        f = facts.get(review.patient_id, empty)
        out.append(BoardRow(review=review, patient=review.patient, facts=f, plan=plan_for(f, today=today)))
    return out


def board(*, practice: Practice, by: User, filters: BoardFilters, today: dt.date, page: int = 1,
          page_size: int = PAGE_SIZE, summary: BoardSummary | None = None) -> BoardPage:
    """One page of the recall board, audited by the filters used and the number of rows only. With
    the board's `summary` (board_summary), the list without filters is not counted again."""
    qs = board_queryset(practice, filters, today=today)
    total = summary.listed if summary is not None and filters == BoardFilters() else qs.count()
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
                                        registered=True)
            .values_list("due_month", "status").annotate(n=Count("pk")))
    for month, status, n in rows:
        out[month][status] = n
    return out
