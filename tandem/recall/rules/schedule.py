"""When a person's review is due, and when each invitation goes. Pure: no Django.

Due month schemes (the practice chooses one; birth month is the default):

* ``birth_month``: the review is due in the person's birth month. Easy for people to remember,
  and spreads reviews over the year about as evenly as birthdays fall.
* ``condition``: the practice gives a month to some conditions (for example respiratory reviews in
  the autumn). A person with several conditions is due in the month of the first of their
  conditions in the practice's list (the list is in priority order); someone with none of the
  listed conditions falls back to their birth month.
* ``quarter``: people are spread evenly over the four quarters of the review year, each due in
  the first month of their quarter (April, July, October, January), for practices that run
  long-term condition clinics in quarterly blocks. The quarter comes from a hash of the patient's
  id, so it never changes and does not follow the order people were registered in.

A review planned after its scheme month has passed (a person newly on a register, or a practice
starting recall part way through the year) is caught up within the year: it is due in one of the
months left in the review year, from the month it was planned to March, spread evenly by the same
hash of the patient id. A practice that starts recall in June therefore gets its April and May
reviews spread over June to March instead of all in June.

Invitations are staged. The first goes ``first_weeks_before`` weeks before the first day of the due
month (default 4). Reminders go ``reminder_weeks`` after the first was actually sent (default 2 and 4
weeks), and never less than 7 days after the previous invitation (QOF counts invitations only when
they are at least 7 days apart). When every stage has been sent and ``response_wait_days`` have
passed after the last with no response, the review becomes an exception for the year ("did not
respond to invitations"; QOF personalised care adjustment for people who do not respond to at least
two invitations). A practice that sends no reminders therefore never gets this exception.

After a did-not-attend the invitations start again (a new round), the first of them at once. The first
invitation of a later round is a re-invitation: it says the person missed their appointment and asks
them to book again. A person who booked has answered the invitations before the missed appointment
(QOF guidance 2023/24, NHS England, section 6, personalised care adjustments: the "did not respond"
adjustment is for people who did not respond to at least two invitations), so those invitations do
not count towards a no-response exception: the count starts again with the re-invitation, and the
exception needs every stage of the new round (at least two invitations) unanswered. Declining is
informed dissent, an exception at once, whatever the round.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .dates import (
    MONTHS_IN_YEAR_ORDER,
    add_months,
    first_of_month,
    month_in_review_year,
    review_year_end,
    review_year_of,
)
from .status import SENDABLE, Status

MIN_DAYS_BETWEEN_INVITATIONS = 7


class Scheme(StrEnum):
    BIRTH_MONTH = "birth_month"
    CONDITION = "condition"
    QUARTER = "quarter"


SCHEME_LABELS: dict[Scheme, str] = {
    Scheme.BIRTH_MONTH: "Birth month",
    Scheme.CONDITION: "By condition (a month for each condition you choose)",
    Scheme.QUARTER: "Spread evenly by quarter (April, July, October, January)",
}

QUARTER_MONTHS: tuple[int, ...] = MONTHS_IN_YEAR_ORDER[0::3]  # April, July, October, January


def spread(patient_id: int, buckets: int) -> int:
    """A stable bucket 0..buckets-1 for a patient id: Fibonacci (multiplicative) hashing, using the
    high bits of id x 2^32/phi, which spreads runs of consecutive ids evenly."""
    mixed = (int(patient_id) * 2654435769) % 2**32
    return mixed * buckets // 2**32


def due_month(*, patient_id: int, date_of_birth: dt.date, conditions: Sequence[str], review_year: int,
              scheme: str = Scheme.BIRTH_MONTH,
              condition_months: Sequence[tuple[str, int]] = ()) -> dt.date:
    """The first day of the month the review is due in, within `review_year`, by the scheme alone."""
    scheme = Scheme(scheme)
    if scheme is Scheme.QUARTER:
        return month_in_review_year(review_year, QUARTER_MONTHS[spread(patient_id, 4)])
    if scheme is Scheme.CONDITION:
        held = set(conditions)
        for condition, month in condition_months:
            if condition in held:
                return month_in_review_year(review_year, month)
    return month_in_review_year(review_year, date_of_birth.month)


def scheme_basis(*, patient_id: int, date_of_birth: dt.date, conditions: Sequence[str],
                 scheme: str = Scheme.BIRTH_MONTH, condition_months: Sequence[tuple[str, int]] = (),
                 condition_names: Mapping[str, str] | None = None) -> str:
    """What the scheme bases a person's due month on, in words ("their birth month")."""
    scheme = Scheme(scheme)
    if scheme is Scheme.QUARTER:
        return "the spread by quarter"
    if scheme is Scheme.CONDITION:
        held = set(conditions)
        for condition, _month in condition_months:
            if condition in held:
                name = (condition_names or {}).get(condition, condition.replace("_", " "))
                return f"the practice's month for {name}"
        return "their birth month (none of their conditions has a month of its own)"
    return "their birth month"


@dataclass(frozen=True)
class DueExplanation:
    """Why a review's due month is not the one the scheme gives."""

    scheme_month: dt.date
    due_month: dt.date
    caught_up: bool
    text: str


def explain_due(*, due: dt.date, scheme_month: dt.date, basis: str, planned_on: dt.date) -> DueExplanation | None:
    """None when the review is due in the scheme's month; otherwise why not, in words.

    Caught up: the scheme's month had passed when the review was planned, so it was spread over the
    months left in the year. Otherwise the month was set before the scheme (or the person's conditions)
    changed, and the review had already been invited, so it kept its month.
    """
    if due == scheme_month:
        return None
    planned_month = first_of_month(planned_on)
    scheme_label = f"{calendar.month_name[scheme_month.month]} {scheme_month.year}"
    if scheme_month < planned_month <= due:
        text = (f"Caught up: {basis} gives {scheme_label}, which had passed when the review was planned on "
                f"{planned_on.day} {planned_on:%B %Y}, so it was spread over the months left in the year.")
        return DueExplanation(scheme_month, due, True, text)
    text = (f"Kept from when it was planned: {basis} now gives {scheme_label}, but the review had already been "
            "invited or answered, so its month did not move.")
    return DueExplanation(scheme_month, due, False, text)


def planned_due_month(*, today: dt.date, review_year: int | None = None, **person) -> dt.date:
    """The due month for a review planned `today`: the scheme's month, or, if that has passed, one of
    the months left in the review year (spread evenly)."""
    year = review_year_of(today) if review_year is None else review_year
    due = due_month(review_year=year, **person)
    this = first_of_month(today)
    if due >= this:
        return due
    left = (review_year_end(year).year - this.year) * 12 + review_year_end(year).month - this.month + 1
    if left <= 0:  # planning a year that has ended: due at once
        return this
    return add_months(this, spread(person["patient_id"], left))


@dataclass(frozen=True)
class InvitationPolicy:
    first_weeks_before: int = 4
    reminder_weeks: tuple[int, ...] = (2, 4)
    response_wait_days: int = 14

    def __post_init__(self):
        if self.first_weeks_before < 0:
            raise ValueError("The first invitation cannot go after the due month starts.")
        weeks = tuple(self.reminder_weeks)
        if any(w < 1 for w in weeks) or list(weeks) != sorted(set(weeks)):
            raise ValueError("Reminders go 1 or more weeks after the first, each later than the one before.")
        if self.response_wait_days < 0:
            raise ValueError("The wait for a response cannot be negative.")

    @property
    def stages(self) -> int:
        return 1 + len(self.reminder_weeks)


STAGE_NAMES = ("first invitation", "first reminder", "second reminder", "third reminder")


REINVITATION = "re-invitation after a missed appointment"


def stage_name(stage: int, round: int = 1) -> str:
    """The invitation's name in words. The first of a later round (after a did-not-attend) is a
    re-invitation, not a first invitation."""
    if stage == 1 and round > 1:
        return REINVITATION
    return STAGE_NAMES[stage - 1] if 1 <= stage <= len(STAGE_NAMES) else f"reminder {stage - 1}"


@dataclass(frozen=True)
class ReviewState:
    """What the schedule needs to know about one review."""

    status: str
    due_month: dt.date
    round: int = 1
    stage: int = 0  # invitations sent in this round
    round_started_on: dt.date | None = None  # the did-not-attend that started a later round
    first_sent_on: dt.date | None = None  # first invitation of this round
    last_sent_on: dt.date | None = None


@dataclass(frozen=True)
class NextInvitation:
    round: int
    stage: int
    on: dt.date

    @property
    def is_first(self) -> bool:
        return self.stage == 1

    @property
    def is_reinvitation(self) -> bool:
        """The first invitation after a missed appointment."""
        return self.stage == 1 and self.round > 1


def first_invitation_on(due: dt.date, policy: InvitationPolicy) -> dt.date:
    return due - dt.timedelta(weeks=policy.first_weeks_before)


def next_invitation(state: ReviewState, policy: InvitationPolicy) -> NextInvitation | None:
    """The next invitation this review should get, and the day it is due to go; None if none."""
    if Status(state.status) not in SENDABLE or state.stage >= policy.stages:
        return None
    stage = state.stage + 1
    if stage == 1:
        if state.round > 1 and state.round_started_on is not None:
            on = state.round_started_on
        else:
            on = first_invitation_on(state.due_month, policy)
    else:
        assert state.first_sent_on is not None, "a reminder needs the first invitation's date"
        on = state.first_sent_on + dt.timedelta(weeks=policy.reminder_weeks[stage - 2])
    if state.last_sent_on is not None:
        on = max(on, state.last_sent_on + dt.timedelta(days=MIN_DAYS_BETWEEN_INVITATIONS))
    return NextInvitation(round=state.round, stage=stage, on=on)


def invitation_to_send(state: ReviewState, policy: InvitationPolicy, *, month_end: dt.date,
                       today: dt.date) -> NextInvitation | None:
    """What to send now, when staff send the month ending `month_end`'s invitations on `today`.

    First invitations go in the month's batch (any due to go by the end of the month, or earlier
    and not yet sent). Reminders, and the first invitation after a did-not-attend, go once their
    day has come, so sending again later in the month sends the reminders that have become due.
    """
    planned = next_invitation(state, policy)
    if planned is None:
        return None
    batch = planned.stage == 1 and state.round == 1
    limit = max(month_end, today) if batch else today
    return planned if planned.on <= limit else None


def no_response_exception_on(state: ReviewState, policy: InvitationPolicy) -> dt.date | None:
    """The day an invited person who has not answered becomes an exception; None if not (yet) so.

    Needs every stage of the round sent, and at least two invitations in it.
    """
    if Status(state.status) is not Status.INVITED or state.last_sent_on is None:
        return None
    if state.stage < policy.stages or state.stage < 2:
        return None
    return state.last_sent_on + dt.timedelta(days=policy.response_wait_days)
