"""Reads for recall. Every one is scoped to a practice; reads that show people are audited.

    settings_for(practice)                 -> RecallSettings (unsaved defaults if none yet)
    person_facts(practice, patient_ids)    -> what the rules need to plan each person's review
    board(practice=..., filters=..., ...)  -> one page of the recall board (audited)
    export_rows(practice=..., ...)         -> every row of the board for CSV export (audited)
    board_summary(practice, today=...)     -> the board's counts and staff time, in one statement
    capacity(practice=..., months=...)     -> minutes needed per week against minutes available
    forecast(practice, today=...)          -> the weeks ahead: minutes needed against minutes held, week by week

Modules: `reviews` (settings, reviews, one person's administrative record), `facts` (what the rules
need about each person, and their plan), `listing` (the board's list and its export), `minutes` (staff time,
worked out in the database). Callers import from `tandem.recall.queries`.
"""

from .facts import PersonFacts, condition_name, due_explanation, person_facts, plan_for
from .listing import (
    BOTH,
    EXPORT_LIMIT,
    NEXT_MONTH,
    OPEN_STATUSES,
    ORDERING,
    OVERDUE,
    PAGE_SIZE,
    THIS_MONTH,
    WHEN_CHOICES,
    WHOLE_YEAR,
    BadFilter,
    BoardFilters,
    BoardPage,
    BoardRow,
    board,
    board_queryset,
    export_rows,
    month_range,
    status_counts,
)
from .minutes import (
    BoardSummary,
    board_summary,
    capacity,
    committed_minutes,
    first_invitations_within,
    forecast,
    minutes_by_month,
    plans_by_review,
    supply,
)
from .reviews import (
    HISTORY_ORDER,
    PersonAdmin,
    cohorts,
    current_review,
    get_review,
    last_planned,
    person_admin,
    review_history,
    reviews_of,
    settings_for,
    unplanned_count,
)

__all__ = [
    "BOTH", "EXPORT_LIMIT", "HISTORY_ORDER", "NEXT_MONTH", "OPEN_STATUSES", "ORDERING", "OVERDUE", "PAGE_SIZE",
    "THIS_MONTH", "WHEN_CHOICES", "WHOLE_YEAR", "BadFilter", "BoardFilters", "BoardPage",
    "BoardRow", "BoardSummary", "PersonAdmin", "PersonFacts", "board", "board_queryset", "board_summary",
    "capacity", "cohorts", "committed_minutes", "condition_name", "current_review", "due_explanation",
    "export_rows", "first_invitations_within", "forecast", "get_review", "last_planned", "minutes_by_month", "month_range",
    "person_admin", "person_facts", "plan_for", "plans_by_review", "review_history", "reviews_of",
    "settings_for", "status_counts", "supply", "unplanned_count",
]
