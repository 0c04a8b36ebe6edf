"""A task's lifecycle: which change may follow which, and when a task is overdue. Pure: no Django.

    requested -> accepted -> in progress -> completed (with an outcome)
    requested or accepted -> declined (with a reason)
    any that is not finished -> cancelled; reassigned (back to requested, for whom it now is);
                                its due date changed
Completed, declined and cancelled tasks are finished: nothing changes them again.

A referral to an organisation outside the practice is answered by that organisation: its professionals
accept, start, complete or decline (reject) it in Tandem. For one that does not use Tandem the practice
records its answer on its behalf (accepted, declined with the reason, completed with the outcome). The
practice may always cancel it, or change when it is wanted by; it is never reassigned within the practice.
"""

from __future__ import annotations

import datetime as dt

REQUESTED, ACCEPTED, IN_PROGRESS = "requested", "accepted", "in_progress"
COMPLETED, DECLINED, CANCELLED = "completed", "declined", "cancelled"
FINISHED = frozenset({COMPLETED, DECLINED, CANCELLED})
UNFINISHED = (REQUESTED, ACCEPTED, IN_PROGRESS)

# The longest outcome and reason for declining kept (the columns hold these).
MAX_OUTCOME, MAX_REASON = 1000, 500

#: change -> (the statuses it may follow, the status it leaves)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({REQUESTED}), ACCEPTED),
    "start": (frozenset({REQUESTED, ACCEPTED}), IN_PROGRESS),
    "complete": (frozenset(UNFINISHED), COMPLETED),
    "decline": (frozenset({REQUESTED, ACCEPTED}), DECLINED),
    "cancel": (frozenset(UNFINISHED), CANCELLED),
}

STATUS_LABELS = {REQUESTED: "Requested", ACCEPTED: "Accepted", IN_PROGRESS: "In progress", COMPLETED: "Completed",
                 DECLINED: "Declined", CANCELLED: "Cancelled"}


def can_move(status: str, change: str) -> bool:
    """Whether `change` (accept, start, complete, decline, cancel) may follow a task's `status`."""
    return change in MOVES and status in MOVES[change][0]


def refusal(status: str, change: str) -> str:
    """Why `change` cannot follow `status`, in words for staff."""
    if status in FINISHED:
        return f"This task is {STATUS_LABELS[status].lower()} already: it cannot be changed now."
    verb = {"accept": "accepted", "start": "started", "complete": "completed", "decline": "declined",
            "cancel": "cancelled"}.get(change, "changed")
    return f"A task that is {STATUS_LABELS.get(status, status).lower()} cannot be {verb}."


def is_overdue(status: str, due_on: dt.date | None, today: dt.date) -> bool:
    """Due before today and not finished."""
    return due_on is not None and due_on < today and status not in FINISHED


#: the changes an organisation's professionals make to a referral to it (decline: they reject it, with a reason)
PROVIDER_CHANGES = ("accept", "start", "complete", "decline")
#: the answers the practice records for an organisation that does not use Tandem
ON_BEHALF = frozenset({"accept", "complete", "decline"})
ALL_CHANGES = frozenset({*MOVES, "reassign", "due"})


def practice_changes(*, referred_out: bool, in_tandem: bool) -> frozenset[str]:
    """What the practice may change on a task: everything for its own team's; for a referral to an
    organisation, cancel it and its date, and (for one that does not use Tandem) record its answer."""
    if not referred_out:
        return ALL_CHANGES
    return frozenset({"cancel", "due"}) | (frozenset() if in_tandem else ON_BEHALF)
