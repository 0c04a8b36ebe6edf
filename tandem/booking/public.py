"""Booking online: the person books, changes or cancels their own appointments on their invitation's
link, behind the same date of birth, lock-out and expiry as the rest of the reply link
(tandem.prepare.views.public: `guarded`). No account, no JavaScript.

    /r/<key>/book/                   choose a tests appointment (soonest first; "later dates")
    /r/<key>/book/conversation/      then the conversation, at least the practice's gap after the tests
                                     (their named clinician first)
    /r/<key>/book/check/             check your answers, then book both at once (or neither)
    /r/<key>/book/yours/             what is booked: change or cancel each until the practice's cut-off
    /r/<key>/book/change-<kind>/     another time for one appointment
    /r/<key>/book/cancel-<kind>/     cancel one, after saying so
    /r/<key>/book/call-me/           a person who needs a home visit asks to be called (CALL_BACK)

The same lengths, roles and gap as staff booking (queries.needs_for, queries.next_free,
actions.book/move/cancel). What they choose is kept in the session (the clinic session's id and the
start time) and checked again when it is booked: a time taken meanwhile books nothing and offers
fresh times. The person's choices are only ever times this practice offers them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.shortcuts import redirect, render
from django.urls import reverse

from tandem.clinics.models import ClinicSession
from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_id, read_iso_date, read_time, read_version
from tandem.messaging import actions as messaging_actions
from tandem.messaging import link_actions
from tandem.messaging import rules as messaging_rules
from tandem.messaging.models import Channel, ReplyLink
from tandem.patients.models import ReasonableAdjustment
from tandem.prepare.views import public as reply
from tandem.recall.models import Review

from . import actions, presenters, queries, rules
from .models import Appointment
from .rules import Kind

STATE_KEY = "tandem_selfbook"
OFFERED = 6  # times offered on one page: a short list, then "later dates"
HORIZON_DAYS = 366
CHANNEL_WORDS = {Channel.SMS: "a text message", Channel.EMAIL: "an email", Channel.LETTER: "a letter"}
TAKEN = "That time has just been taken by someone else. Nothing was booked: choose another time."


# --- Reads for these pages --------------------------------------------------------------------------

class Person:
    """The review the invitation is for, what its appointments need, and what is booked."""

    def __init__(self, link: ReplyLink, *, today: dt.date):
        self.link, self.practice, self.today = link, link.practice, today
        self.review = (Review.objects.filter(practice=link.practice, pk=link.object_id, patient_id=link.patient_id)
                       .select_related("patient").first())
        self.patient = self.review.patient if self.review is not None else None
        self.need, self.adjustments = queries.needs_for(self.practice, link.patient_id, today=today)
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


def _places(person: Person, kind: str, *, from_day: dt.date, last: dt.date) -> list[presenters.Place]:
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


def _checked_place(person: Person, kind: str, value: str, *, first: dt.date, last: dt.date):
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


def _channel_words(person: Person) -> str:
    channel, _variant = messaging_rules.channel_and_variant(
        person.patient.preferred_channel, messaging_actions.reachable_channels(person.patient), person.adjustments)
    return CHANNEL_WORDS.get(channel, "")


def _seen(person: Person, what: str) -> None:
    """Audited like every read of a person's record: by nobody signed in, on their own link."""
    audit.record(by=None, practice=person.practice, action=AuditEvent.Action.VIEW, what=f"booking.online.{what}",
                 patient_id=person.link.patient_id, object_id=person.link.pk)


# --- What is kept between the steps -----------------------------------------------------------------

def _state(request, link: ReplyLink) -> dict:
    held = request.session.get(STATE_KEY) or {}
    return held if held.get("link") == link.pk else {"link": link.pk}


def _keep(request, state: dict) -> None:
    request.session[STATE_KEY] = state


def _chosen(person: Person, state: dict, kind: str, *, tests_day: dt.date | None = None):
    """The place kept for `kind`, if it is still one they could have."""
    return _checked_place(person, kind, state.get(kind, ""), first=person.earliest(kind, tests_day),
                          last=person.latest(kind)) if state.get(kind) else None


def _ctx(link: ReplyLink, token: str, **extra) -> dict:
    return reply.context(link, token=token, **extra)


# --- The offer on the invitation's answer page ------------------------------------------------------

def answer_offer(link: ReplyLink, token: str) -> reply.Offer | None:
    """"Book my appointments now" on the answer page, when the practice books online and the person
    has something still to book; "See or change your appointments" once they have."""
    settings = queries.online_settings(link.practice)
    if not settings.online_booking or ReasonableAdjustment.objects.filter(
            patient_id=link.patient_id, kind=ReasonableAdjustment.Kind.HOME_VISIT).exists():
        return None  # a home visit is arranged by phone
    booked = Appointment.objects.filter(practice=link.practice, review_id=link.object_id,
                                        state=Appointment.State.BOOKED).exists()
    if booked:
        return reply.Offer(heading="Your appointments", text="See the times you have booked, or change them.",
                           button="See or change your appointments", url=reverse("selfbook:yours", args=[token]))
    return reply.Offer(heading="Book online", text="Choose a time for your tests appointment, then for your "
                       "conversation about your health.", button="Book my appointments now",
                       url=reverse("selfbook:tests", args=[token]))


# --- Pages ------------------------------------------------------------------------------------------

def _closed(request, token: str, person: Person):
    """Why they cannot book here: the practice does not book online, or needs to visit them at home."""
    return render(request, "booking/public/closed.jinja", _ctx(
        person.link, token=token, home_visit=person.need.home_visit, online=person.settings.online_booking,
        phone=person.practice.phone))


def _usable(person: Person) -> bool:
    return person.review is not None and person.settings.online_booking and not person.need.home_visit


def _step(request, token: str, link: ReplyLink, kind: Kind):
    """Choosing a time for `kind` (the tests, or the conversation after them)."""
    person = Person(link, today=clock.today())
    if not _usable(person):
        return _closed(request, token, person)
    state = _state(request, link)
    if kind not in person.wanted:
        nxt = [k for k in person.wanted if k != kind]
        return redirect(reverse("selfbook:conversation" if Kind.CONVERSATION in nxt else "selfbook:yours", args=[token]))
    tests_day = None
    if kind == Kind.CONVERSATION and Kind.TESTS in person.wanted:
        chosen_tests = _chosen(person, state, Kind.TESTS)
        if chosen_tests is None:
            return redirect(reverse("selfbook:tests", args=[token]))
        tests_day = chosen_tests[0].day
    first, last = person.earliest(kind, tests_day), person.latest(kind)
    error, status = state.pop("taken", "") if state.get("taken_kind") == kind else "", 200
    state.pop("taken_kind", None)
    chosen = state.get(kind, "")
    if request.method == "POST":
        place = _checked_place(person, kind, request.POST.get("place", ""), first=first, last=last)
        if place is not None:
            state[kind] = f"{place[0].pk}/{place[1]:%H:%M}"
            if kind == Kind.TESTS:
                state.pop(Kind.CONVERSATION, None)  # the conversation follows the tests: choose it again
            _keep(request, state)
            nxt = "selfbook:conversation" if kind == Kind.TESTS and Kind.CONVERSATION in person.wanted else "selfbook:check"
            return redirect(reverse(nxt, args=[token]))
        error, status = "Choose one of the times shown", 400
    _keep(request, state)
    asked = read_iso_date(request.GET.get("from"))
    from_day = min(max(asked, first), last) if asked is not None else first
    places = _places(person, kind, from_day=from_day, last=last)
    later = places[-1].day + dt.timedelta(days=1) if places else None
    _seen(person, kind)
    return render(request, "booking/public/choose.jinja", _ctx(
        link, token=token, kind=kind, what=rules.KIND_LABELS[kind], need=person.need, places=places,
        chosen=chosen, error=error, form_errors=[error] if error else [], from_day=from_day, first=first,
        later_url=f"{reverse(request.resolver_match.view_name, args=[token])}?from={later.isoformat()}"
        if later and later <= last else "",
        earlier_url=reverse(request.resolver_match.view_name, args=[token]) if from_day > first else "",
        gap_days=person.settings.gap_days, tests_day=tests_day, minutes=person.minutes(kind),
        roles_text=presenters.roles_text(person.roles(kind)),
        back_url=reverse("selfbook:tests", args=[token]) if kind == Kind.CONVERSATION and tests_day
        else reverse("reply:answer", args=[token])), status=status)


@reply.guarded(ReplyLink.Purpose.INVITATION)
def tests(request, token: str, link: ReplyLink):
    return _step(request, token, link, Kind.TESTS)


@reply.guarded(ReplyLink.Purpose.INVITATION)
def conversation(request, token: str, link: ReplyLink):
    return _step(request, token, link, Kind.CONVERSATION)


def _chosen_rows(person: Person, state: dict, token: str) -> tuple[list[dict], list[actions.Choice]] | None:
    """What they chose, for the check page and the booking; None when something is missing or has
    gone (they choose it again)."""
    rows, choices, tests_day = [], [], None
    for kind in person.wanted:
        place = _chosen(person, state, kind, tests_day=tests_day)
        if place is None:
            return None
        session, start = place
        tests_day = session.day if kind == Kind.TESTS else tests_day
        rows.append({"kind": kind, "what": rules.KIND_LABELS[kind],
                     "when": presenters.when_text(session.day, start),
                     "with": f"{session.staff.display_name}, {presenters.ROLE_WORDS[session.role]}",
                     "place": session.place, "minutes": person.minutes(kind),
                     "change_url": reverse("selfbook:tests" if kind == Kind.TESTS else "selfbook:conversation",
                                           args=[token])})
        choices.append(actions.Choice(kind=kind, session_id=session.pk, start=start, minutes=person.minutes(kind),
                                      roles=person.roles(kind)))
    return (rows, choices) if rows else None


@reply.guarded(ReplyLink.Purpose.INVITATION)
def check(request, token: str, link: ReplyLink):
    """Check your answers, then book: both at once, or neither."""
    person = Person(link, today=clock.today())
    if not _usable(person):
        return _closed(request, token, person)
    if not person.wanted:
        return redirect(reverse("selfbook:yours", args=[token]))
    state = _state(request, link)
    chosen = _chosen_rows(person, state, token)
    if chosen is None:
        gone_kind = next((k for k in person.wanted if state.get(k)), None)
        if gone_kind is not None:  # chosen, but taken (or no longer possible) since: choose again
            for kind in person.wanted[person.wanted.index(gone_kind):]:
                state.pop(kind, None)
            state["taken"], state["taken_kind"] = TAKEN, gone_kind
            _keep(request, state)
            return redirect(reverse("selfbook:tests" if gone_kind == Kind.TESTS else "selfbook:conversation",
                                    args=[token]))
        return redirect(reverse("selfbook:tests" if Kind.TESTS in person.wanted else "selfbook:conversation",
                                args=[token]))
    rows, choices = chosen
    if request.method == "POST":
        try:
            actions.book_online(practice=person.practice, review=person.review, choices=choices)
        except actions.BookingError as exc:
            # Taken meanwhile (or no longer possible): nothing was booked; choose that one again.
            failed = _failed_kind(person, choices)
            for kind in person.wanted[person.wanted.index(failed):]:
                state.pop(kind, None)
            state["taken"] = TAKEN if isinstance(exc, actions.SlotGone) else f"{exc} Nothing was booked."
            state["taken_kind"] = failed
            _keep(request, state)
            return redirect(reverse("selfbook:tests" if failed == Kind.TESTS else "selfbook:conversation",
                                    args=[token]))
        request.session.pop(STATE_KEY, None)
        return redirect(reverse("selfbook:done", args=[token]))
    _seen(person, "check")
    return render(request, "booking/public/check.jinja", _ctx(
        link, token=token, rows=rows, interpreter=person.need.interpreter,
        back_url=rows[-1]["change_url"]))


def _failed_kind(person: Person, choices: list[actions.Choice]) -> Kind:
    """Which choice could not be booked: the first no longer free (the tests when both are)."""
    for choice in choices:
        session = ClinicSession.objects.filter(practice=person.practice, pk=choice.session_id).first()
        if session is None or choice.start not in queries.free_starts(session, minutes=choice.minutes):
            return Kind(choice.kind)
    return Kind(choices[0].kind)


def _rows(person: Person, token: str) -> list[dict]:
    now = clock.now()
    out = []
    for kind in (Kind.TESTS, Kind.CONVERSATION):
        a = person.booked.get(kind)
        if a is None:
            continue
        out.append({"kind": kind, "what": rules.KIND_LABELS[kind], "when": presenters.when_text(a.day, a.start_time),
                    "with": presenters.with_text(a), "place": a.session.place, "minutes": a.minutes,
                    "can_change": person.settings.online_booking and person.settings.can_change(a, now=now),
                    "change_url": reverse(f"selfbook:change_{kind}", args=[token]),
                    "cancel_url": reverse(f"selfbook:cancel_{kind}", args=[token])})
    return out


def _yours(request, token: str, link: ReplyLink, *, done: str = ""):
    person = Person(link, today=clock.today())
    if person.review is None:
        return reply.gone(request, link)
    state = _state(request, link)
    said = done or state.pop("said", "")
    _keep(request, state)
    rows = _rows(person, token)
    _seen(person, "yours")
    return render(request, "booking/public/yours.jinja", _ctx(
        link, token=token, rows=rows, said=said, channel_words=_channel_words(person),
        cutoff_hours=person.settings.cutoff_hours, phone=person.practice.phone,
        to_book=_usable(person) and bool(person.wanted) and bool(rows),
        book_url=reverse("selfbook:tests", args=[token]),
        any_late=any(not r["can_change"] for r in rows)))


@reply.guarded(ReplyLink.Purpose.INVITATION)
def done(request, token: str, link: ReplyLink):
    """The confirmation page: what is booked, and how they will be told."""
    return _yours(request, token, link, done="booked")


@reply.guarded(ReplyLink.Purpose.INVITATION)
def yours(request, token: str, link: ReplyLink):
    """What is booked, with Change and Cancel until the practice's cut-off."""
    return _yours(request, token, link)


def _too_late(request, token: str, person: Person, appointment: Appointment):
    return render(request, "booking/public/too_late.jinja", _ctx(
        person.link, token=token, what=rules.KIND_LABELS[Kind(appointment.kind)].lower(),
        cutoff_hours=person.settings.cutoff_hours, phone=person.practice.phone), status=403)


def _changeable(request, token: str, person: Person, kind: str):
    """The appointment of `kind` the person may still change or cancel online, and None; or None and
    the page to show instead (nothing booked: their appointments; past the cut-off: phone us)."""
    existing = person.booked.get(kind)
    if person.review is None or existing is None:
        return None, redirect(reverse("selfbook:yours", args=[token]))
    if not person.settings.online_booking or not person.settings.can_change(existing, now=clock.now()):
        return None, _too_late(request, token, person, existing)
    return existing, None


@reply.guarded(ReplyLink.Purpose.INVITATION)
def change(request, token: str, link: ReplyLink, kind: str):
    """Another time for one appointment, until the cut-off."""
    person = Person(link, today=clock.today())
    existing, refused = _changeable(request, token, person, kind)
    if refused is not None:
        return refused
    first, last = person.earliest(kind), person.latest(kind)
    error, status = "", 200
    if request.method == "POST":
        place = _checked_place(person, kind, request.POST.get("place", ""), first=first, last=last)
        if place is None:
            error, status = "Choose one of the times shown", 400
        else:
            try:
                actions.move(practice=person.practice, by=None, appointment_id=existing.pk,
                             version=read_version(request.POST.get("version")), session_id=place[0].pk,
                             start=place[1], minutes=person.minutes(kind), online=True)
            except actions.SlotGone:
                error, status = TAKEN, 409
            except actions.BookingConflict:
                error, status = "Your appointment was changed while you were looking: check it below.", 409
            except actions.BookingError as exc:
                error, status = str(exc), 400
            else:
                state = _state(request, link)
                state["said"] = "changed"
                _keep(request, state)
                return redirect(reverse("selfbook:yours", args=[token]))
            person = Person(link, today=clock.today())  # fresh times, and the appointment as it is now
            existing = person.booked.get(kind) or existing
    asked = read_iso_date(request.GET.get("from"))
    from_day = min(max(asked, first), last) if asked is not None else first
    places = _places(person, kind, from_day=from_day, last=last)
    later = places[-1].day + dt.timedelta(days=1) if places else None
    here = reverse(f"selfbook:change_{kind}", args=[token])
    _seen(person, f"change_{kind}")
    return render(request, "booking/public/choose.jinja", _ctx(
        link, token=token, kind=kind, what=rules.KIND_LABELS[Kind(kind)], need=person.need, places=places,
        chosen="", error=error, form_errors=[error] if error else [], from_day=from_day, first=first,
        later_url=f"{here}?from={later.isoformat()}" if later and later <= last else "",
        earlier_url=here if from_day > first else "", gap_days=person.settings.gap_days, tests_day=None,
        minutes=person.minutes(kind), roles_text=presenters.roles_text(person.roles(kind)),
        changing={"when": presenters.when_text(existing.day, existing.start_time), "version": existing.version},
        back_url=reverse("selfbook:yours", args=[token])), status=status)


@reply.guarded(ReplyLink.Purpose.INVITATION)
def cancel(request, token: str, link: ReplyLink, kind: str):
    """Cancel one appointment, after saying so, until the cut-off."""
    person = Person(link, today=clock.today())
    existing, refused = _changeable(request, token, person, kind)
    if refused is not None:
        return refused
    error, status = "", 200
    if request.method == "POST":
        try:
            actions.cancel(practice=person.practice, by=None, appointment_id=existing.pk,
                           version=read_version(request.POST.get("version")), reason="Cancelled online by the person",
                           online=True)
        except actions.BookingConflict:
            error, status = "Your appointment was changed while you were looking: check it below.", 409
        except actions.BookingError as exc:
            error, status = str(exc), 400
        else:
            state = _state(request, link)
            state["said"] = "cancelled"
            _keep(request, state)
            return redirect(reverse("selfbook:yours", args=[token]))
    return render(request, "booking/public/cancel.jinja", _ctx(
        link, token=token, what=rules.KIND_LABELS[Kind(kind)],
        when=presenters.when_text(existing.day, existing.start_time), version=existing.version, error=error,
        form_errors=[error] if error else [], back_url=reverse("selfbook:yours", args=[token])), status=status)


@reply.guarded(ReplyLink.Purpose.INVITATION)
def call_me(request, token: str, link: ReplyLink):
    """Someone who cannot book online (a home visit) asks the practice to call: recorded as their
    answer to the invitation (CALL_BACK), which staff see."""
    if request.method == "POST":
        try:
            link_actions.record_answer(link=link, answer=ReplyLink.Answer.CALL_BACK)
        except link_actions.LinkError:
            return reply.gone(request, link)
        return redirect(reverse("reply:answered", args=[token]))
    return redirect(reverse("selfbook:tests", args=[token]))
