"""Booking online, wherever the person books (tandem.booking.public: on their invitation's link; tandem.people:
signed in on their own pages): `Where` the steps run, and what the steps read (`Person`: the review, what its
appointments need, what is booked; the times they may choose). What they choose is kept in the session
between the steps (`state_of`, `keep`), for one flow only (`Where.state_for`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tandem.clinics.models import ClinicSession
from tandem.core import clock
from tandem.core.models import Practice
from tandem.core.on_behalf import OnBehalf
from tandem.core.parsing import read_id, read_time
from tandem.messaging import actions as messaging_actions
from tandem.messaging import rules as messaging_rules
from tandem.messaging.models import Channel
from tandem.recall.models import Review

from . import presenters, queries, rules
from .models import Appointment
from .rules import Kind

STATE_KEY = "tandem_selfbook"
OFFERED = 6  # times offered on one page: a short list, then "later dates"
HORIZON_DAYS = 366
CHANNEL_WORDS = {Channel.SMS: "a text message", Channel.EMAIL: "an email", Channel.LETTER: "a letter"}


# --- Where the steps run ----------------------------------------------------------------------------

class Where:
    """Where a booking flow runs, so that its steps need nothing else: the practice, the person, their
    review (None: nothing to book), how a page read is audited (`seen`), the session key (and whose flow
    it is) that keeps their choices between steps, who acts (`on_behalf`, in the writes' audit rows), and
    `url(step, *args)` for every step it links to:

        tests, conversation, check, done, yours, back (where "Back" leads from the first step),
        change/cancel (args: the kind and the appointment's id), call_me ("": nobody to call back)

    After each write, in the same transaction, `did(what, object_id)` ("appointment.booked", ".moved",
    ".cancelled"), and then `said(request, what)` keeps what to say on the next page."""

    practice: Practice
    patient_id: int
    state_key: str = STATE_KEY
    on_behalf: OnBehalf | None = None
    hidden: frozenset[int] = frozenset()  # appointments not shown here (a carer's, hidden by staff)

    @property
    def review(self) -> Review | None:
        raise NotImplementedError

    @property
    def state_for(self) -> object:
        """Whose flow the kept choices belong to: anything else's are forgotten."""
        raise NotImplementedError

    def url(self, step: str, *args) -> str:
        raise NotImplementedError

    def context(self, **extra) -> dict:
        """What every page's template needs besides the step's own values: `layout` (the page around
        it), the practice, `phone_words`."""
        raise NotImplementedError

    def seen(self, what: str) -> None:
        """Audited like every read of a person's record."""
        raise NotImplementedError

    def did(self, what: str, object_id: int) -> None:
        """After a write, in its transaction (a carer's writes are listed for the person)."""

    def said(self, request, what: str) -> None:
        """After a write: "booked", "changed" or "cancelled", for the next page to say."""
        state = state_of(request, self)
        state["said"] = what
        keep(request, self, state)

    def gone(self, request):
        """The page instead of their appointments when there is no review."""
        raise NotImplementedError


# --- Reads for these pages --------------------------------------------------------------------------

class Person:
    """The review being booked, what its appointments need, and what is booked."""

    def __init__(self, where: Where, *, today: dt.date):
        self.where = where
        self.practice, self.today = self.where.practice, today
        self.review = self.where.review
        self.patient = self.review.patient if self.review is not None else None
        self.need, self.adjustments = queries.needs_for(self.practice, self.where.patient_id, today=today)
        self.settings = queries.online_settings(self.practice)
        self.booked = {a.kind: a for a in queries.booked(self.practice, self.review.pk)} if self.review else {}

    @property
    def tests(self) -> Appointment | None:
        return self.booked.get(Kind.TESTS)

    @property
    def conversation(self) -> Appointment | None:
        return self.booked.get(Kind.CONVERSATION)

    @property
    def wanted(self) -> list[Kind]:
        """What is still to book: the tests (unless the plan has none), then the conversation."""
        kinds = [] if self.need.no_tests else [Kind.TESTS]
        return [k for k in [*kinds, Kind.CONVERSATION] if k not in self.booked]

    def minutes(self, kind: str) -> int:
        return self.need.tests_minutes if kind == Kind.TESTS else self.need.conversation_minutes

    def roles(self, kind: str) -> frozenset[str]:
        return self.need.tests_roles if kind == Kind.TESTS else self.need.conversation_roles

    def earliest(self, kind: str, tests_day: dt.date | None = None) -> dt.date:
        """The first day they can have `kind`: tomorrow, and a conversation the practice's gap after
        the tests (`tests_day`, or the tests booked)."""
        first = self.today + dt.timedelta(days=1)
        if kind == Kind.CONVERSATION:
            day = tests_day or (self.tests.day if self.tests is not None else None)
            if day is not None:
                first = max(first, day + dt.timedelta(days=self.settings.gap_days))
        return first

    def latest(self, kind: str) -> dt.date:
        """The last day they can have `kind`: a tests appointment moved stays the gap before the
        conversation booked."""
        last = self.today + dt.timedelta(days=HORIZON_DAYS)
        if kind == Kind.TESTS and self.conversation is not None:
            last = min(last, self.conversation.day - dt.timedelta(days=self.settings.gap_days))
        return last


def places(person: Person, kind: str, *, from_day: dt.date, last: dt.date) -> list[presenters.Place]:
    """The next free times for `kind` from `from_day`, soonest first; a conversation with their named
    clinician's first."""
    now = clock.now()
    found = []
    named_id = person.patient.named_clinician_id if kind == Kind.CONVERSATION else None
    if named_id:
        found = queries.next_free(person.practice, kind=kind, minutes=person.minutes(kind), from_day=from_day,
                                  now=now, limit=3, roles=person.roles(kind), staff_id=named_id)
    others = [p for p in queries.next_free(person.practice, kind=kind, minutes=person.minutes(kind),
                                           from_day=from_day, now=now, limit=OFFERED, roles=person.roles(kind))
              if p not in found]
    chosen = sorted(found + others[:OFFERED - len(found)], key=lambda p: (p[0].staff_id != named_id, p[0].day,
                                                                          p[1]))
    kept = [p for p in chosen if p[0].day <= last]
    return [replace(place, text=presenters.when_text(s.day, t))  # "at 9am", as people say it
            for place, (s, t) in zip(presenters.places(kept, named_id=named_id), kept, strict=True)]


def checked_place(person: Person, kind: str, value: str, *, first: dt.date, last: dt.date):
    """(session, start) for a place the form sent back, only when it is one this person could have
    now: a session of this practice held for `kind`, by someone who may hold it, between `first`
    and `last`, with the free slots it needs from that time. Anything else is None."""
    session_text, _, time_text = str(value or "")[:40].partition("/")
    session_id, start = read_id(session_text), read_time(time_text, label="The time").value
    if session_id is None or start is None:
        return None
    session = (ClinicSession.objects.filter(practice=person.practice, pk=session_id, day__gte=first, day__lte=last,
                                            purpose__in=sorted(rules.HELD_IN[Kind(kind)]),
                                            role__in=sorted(person.roles(kind))).select_related("staff").first())
    if session is None or start not in queries.free_starts(session, minutes=person.minutes(kind)):
        return None
    return session, start


def channel_words(person: Person) -> str:
    channel, _variant = messaging_rules.channel_and_variant(
        person.patient.preferred_channel, messaging_actions.reachable_channels(person.patient), person.adjustments)
    return CHANNEL_WORDS.get(channel, "")


# --- What is kept between the steps -----------------------------------------------------------------

def state_of(request, where: Where) -> dict:
    held = request.session.get(where.state_key) or {}
    return held if held.get("for") == where.state_for else {"for": where.state_for}


def keep(request, where: Where, state: dict) -> None:
    request.session[where.state_key] = state


def chosen(person: Person, state: dict, kind: str, *, tests_day: dt.date | None = None):
    """The place kept for `kind`, if it is still one they could have."""
    return checked_place(person, kind, state.get(kind, ""), first=person.earliest(kind, tests_day),
                          last=person.latest(kind)) if state.get(kind) else None
