"""A review's status, what each response does to it, and exceptions. Pure: no Django.

    planned --invite--> invited --booked--> booked --attended--> attended
                           |                  |
                           |                  +--did not attend--> did_not_attend --invite--> invited ...
                           +--(all invitations unanswered)--> excepted (no response)
    any open status --declined--> declined (exception: informed dissent)

A review is one person's combined annual review for one review year. Exceptions belong to their
review year and lapse when the next year's review is planned: next year the person is invited again.
A person who answers after a no-response exception (books or attends) lifts it, as does one who
declined and then changes their mind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from .dates import review_year_of


class Status(StrEnum):
    PLANNED = "planned"
    INVITED = "invited"
    BOOKED = "booked"
    DID_NOT_ATTEND = "did_not_attend"
    ATTENDED = "attended"
    DECLINED = "declined"
    EXCEPTED = "excepted"
    WITHDRAWN = "withdrawn"  # no longer on a register, or left the practice


STATUS_LABELS: dict[Status, str] = {
    Status.PLANNED: "Not invited yet",
    Status.INVITED: "Invited",
    Status.BOOKED: "Booked",
    Status.DID_NOT_ATTEND: "Did not attend: to invite again",
    Status.ATTENDED: "Attended",
    Status.DECLINED: "Declined",
    Status.EXCEPTED: "Exception: no response",
    Status.WITHDRAWN: "No longer needed",
}

#: Statuses an invitation can go out for.
SENDABLE = frozenset({Status.PLANNED, Status.INVITED, Status.DID_NOT_ATTEND})
#: Statuses still waiting for something to happen (they need appointments this year).
OPEN = frozenset({Status.PLANNED, Status.INVITED, Status.BOOKED, Status.DID_NOT_ATTEND})
CLOSED = frozenset(Status) - OPEN


class Response(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    DECLINED = "declined"


RESPONSE_LABELS: dict[Response, str] = {
    Response.BOOKED: "Booked",
    Response.ATTENDED: "Attended",
    Response.DID_NOT_ATTEND: "Did not attend",
    Response.DECLINED: "Declined (informed dissent)",
}


class ExceptionReason(StrEnum):
    NO_RESPONSE = "no_response"
    INFORMED_DISSENT = "informed_dissent"


EXCEPTION_LABELS: dict[ExceptionReason, str] = {
    ExceptionReason.NO_RESPONSE: "Did not respond to invitations",
    ExceptionReason.INFORMED_DISSENT: "Declined the review (informed dissent)",
}


class ResponseNotAllowed(ValueError):
    """A response that makes no sense for the review as it stands; the message says why."""


@dataclass(frozen=True)
class Transition:
    status: Status
    new_round: bool = False  # did not attend: invitations start again
    exception: ExceptionReason | None = None  # an exception to record
    lifts_exception: bool = False  # an exception to remove


_FROM: dict[Response, frozenset[Status]] = {
    Response.BOOKED: frozenset({Status.PLANNED, Status.INVITED, Status.BOOKED, Status.DID_NOT_ATTEND,
                                Status.EXCEPTED, Status.DECLINED}),
    Response.ATTENDED: frozenset({Status.PLANNED, Status.INVITED, Status.BOOKED, Status.DID_NOT_ATTEND,
                                  Status.EXCEPTED, Status.DECLINED}),
    Response.DID_NOT_ATTEND: frozenset({Status.BOOKED}),
    Response.DECLINED: frozenset({Status.PLANNED, Status.INVITED, Status.BOOKED, Status.DID_NOT_ATTEND,
                                  Status.EXCEPTED}),
}

_WHY_NOT: dict[Response, str] = {
    Response.BOOKED: "This review is already {status}: there is nothing to book.",
    Response.ATTENDED: "This review is already {status}.",
    Response.DID_NOT_ATTEND: "Only a booked review can be missed. This review is {status}.",
    Response.DECLINED: "This review is already {status}.",
}


def respond(status: str, response: str) -> Transition:
    """What `response` does to a review that is `status`; ResponseNotAllowed if it cannot apply."""
    status, response = Status(status), Response(response)
    if status not in _FROM[response]:
        raise ResponseNotAllowed(_WHY_NOT[response].format(status=STATUS_LABELS[status].lower()))
    if response is Response.DECLINED:
        return Transition(Status.DECLINED, exception=ExceptionReason.INFORMED_DISSENT,
                          lifts_exception=status is Status.EXCEPTED)
    if response is Response.DID_NOT_ATTEND:
        return Transition(Status.DID_NOT_ATTEND, new_round=True)
    lifts = status in (Status.EXCEPTED, Status.DECLINED)
    return Transition(Status(response.value), lifts_exception=lifts)


def exception_in_force(review_year: int, *, today) -> bool:
    """An exception counts only in its own review year; it lapses when the next one starts."""
    return review_year == review_year_of(today)


def appointment_has_passed(*, on: dt.date | None, at: dt.time | None, now: dt.datetime) -> bool:
    """Whether a booked appointment (its day, and its time when known) is over by `now` (local, naive
    or aware alike: only its date and time are read). Without a time, only once its day is over."""
    if on is None:
        return False
    if at is None:
        return now.date() > on
    return (now.date(), now.time()) >= (on, at)


def why_not_missed(*, on: dt.date | None, at: dt.time | None, now: dt.datetime) -> str:
    """Why "did not attend" cannot be recorded yet for a booking; "" when it can."""
    if on is None:
        return ("No appointment date was recorded for this booking. Record the booking with its date and time "
                "first, then whether the person attended.")
    if appointment_has_passed(on=on, at=at, now=now):
        return ""
    when = f"{on.day} {on:%B %Y}" + (f" at {at:%H:%M}" if at is not None else "")
    return f"The appointment is on {when}. You can record that the person did not attend only after it."


def allowed_responses(status: str, *, appointment_passed: bool = False) -> tuple[Response, ...]:
    """The responses that make sense for a review that is `status`, in the order staff meet them.
    "Did not attend" only once the booked appointment is over."""
    status = Status(status)
    return tuple(r for r in Response if status in _FROM[r]
                 and (r is not Response.DID_NOT_ATTEND or appointment_passed))
