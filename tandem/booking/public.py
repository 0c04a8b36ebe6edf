"""Booking online: the person books, changes or cancels their own appointments, through the same steps
wherever they are (`Where`): on their invitation's link, behind the same date of birth, lock-out and
expiry as the rest of the reply link (tandem.prepare.views.public: `guarded`; `ReplyWhere`, here), or
signed in on their own pages, themselves or a carer (tandem.people.views.booking). No JavaScript.

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

The steps (`choose`, `check_and_book`, `booked`, `change_one`, `cancel_one`) take a `Where` and nothing
of the link: the reply link's views below give them a `ReplyWhere`; tandem.people.views.booking a
signed-in person's. What they read is in tandem.booking.online.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse

from tandem.clinics.models import ClinicSession
from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_iso_date, read_version
from tandem.messaging import link_actions
from tandem.messaging.models import ReplyLink
from tandem.patients.models import ReasonableAdjustment
from tandem.prepare.views import public as reply
from tandem.recall.models import Review

from . import actions, online, presenters, queries, rules
from .models import Appointment
from .online import STATE_KEY, Where
from .rules import Kind

__all__ = ["STATE_KEY", "Person", "ReplyWhere", "Where", "answer_offer", "booked", "cancel_one", "change_one",
           "check_and_book", "choose", "usable"]

TAKEN = "That time has just been taken by someone else. Nothing was booked: choose another time."


class ReplyWhere(Where):
    """On the person's invitation link (`token`), behind its date of birth: audited by nobody signed
    in, on their own link."""

    def __init__(self, link: ReplyLink, token: str | None):
        self.link, self.token, self.practice, self.patient_id = link, token, link.practice, link.patient_id

    @cached_property
    def review(self) -> Review | None:
        return (Review.objects.filter(practice=self.link.practice, pk=self.link.object_id,
                                      patient_id=self.link.patient_id).select_related("patient").first())

    @property
    def state_for(self) -> object:
        return self.link.pk

    def url(self, step: str, *args) -> str:
        if step == "back":
            return reverse("reply:answer", args=[self.token])
        if step in ("change", "cancel"):
            return reverse(f"selfbook:{step}_{args[0]}", args=[self.token])
        return reverse(f"selfbook:{step}", args=[self.token])

    def context(self, **extra) -> dict:
        return reply.context(self.link, token=self.token, layout="booking/public/_reply_layout.jinja", via_link=True,
                             **extra)

    def seen(self, what: str) -> None:
        audit.record(by=None, practice=self.practice, action=AuditEvent.Action.VIEW, what=f"booking.online.{what}",
                     patient_id=self.link.patient_id, object_id=self.link.pk)

    def said(self, request, what: str) -> None:
        if what == "booked":  # the confirmation page says so
            return
        super().said(request, what)

    def gone(self, request):
        return reply.gone(request, self.link)


class Person(online.Person):
    """online.Person; also made from an invitation's ReplyLink alone (its reads, no URLs)."""

    def __init__(self, where: Where | ReplyLink, *, today: dt.date):
        super().__init__(ReplyWhere(where, None) if isinstance(where, ReplyLink) else where, today=today)


def _seen(person: Person, what: str) -> None:
    person.where.seen(what)


def _choose_step(kind: str) -> str:
    return "tests" if kind == Kind.TESTS else "conversation"


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


# --- The steps, wherever they run ----------------------------------------------------------------------

def _closed(request, where: Where, person: Person):
    """Why they cannot book here: the practice does not book online, or needs to visit them at home."""
    return render(request, "booking/public/closed.jinja", where.context(
        home_visit=person.need.home_visit, online=person.settings.online_booking, phone=person.practice.phone,
        back_url=where.url("back"), call_me_url=where.url("call_me")))


def usable(person: Person) -> bool:
    return person.review is not None and person.settings.online_booking and not person.need.home_visit


def choose(request, where: Where, kind: Kind):
    """Choosing a time for `kind` (the tests, or the conversation after them)."""
    person = Person(where, today=clock.today())
    if not usable(person):
        return _closed(request, where, person)
    state = online.state_of(request, where)
    if kind not in person.wanted:
        nxt = [k for k in person.wanted if k != kind]
        return redirect(where.url("conversation" if Kind.CONVERSATION in nxt else "yours"))
    tests_day = None
    if kind == Kind.CONVERSATION and Kind.TESTS in person.wanted:
        chosen_tests = online.chosen(person, state, Kind.TESTS)
        if chosen_tests is None:
            return redirect(where.url("tests"))
        tests_day = chosen_tests[0].day
    first, last = person.earliest(kind, tests_day), person.latest(kind)
    error, status = state.pop("taken", "") if state.get("taken_kind") == kind else "", 200
    state.pop("taken_kind", None)
    chosen = state.get(kind, "")
    if request.method == "POST":
        place = online.checked_place(person, kind, request.POST.get("place", ""), first=first, last=last)
        if place is not None:
            state[kind] = f"{place[0].pk}/{place[1]:%H:%M}"
            if kind == Kind.TESTS:
                state.pop(Kind.CONVERSATION, None)  # the conversation follows the tests: choose it again
            online.keep(request, where, state)
            nxt = "conversation" if kind == Kind.TESTS and Kind.CONVERSATION in person.wanted else "check"
            return redirect(where.url(nxt))
        error, status = "Choose one of the times shown", 400
    online.keep(request, where, state)
    asked = read_iso_date(request.GET.get("from"))
    from_day = min(max(asked, first), last) if asked is not None else first
    places = online.places(person, kind, from_day=from_day, last=last)
    later = places[-1].day + dt.timedelta(days=1) if places else None
    _seen(person, kind)
    return render(request, "booking/public/choose.jinja", where.context(
        kind=kind, what=rules.KIND_LABELS[kind], need=person.need, places=places,
        chosen=chosen, error=error, form_errors=[error] if error else [], from_day=from_day, first=first,
        later_url=f"{request.path}?from={later.isoformat()}" if later and later <= last else "",
        earlier_url=request.path if from_day > first else "",
        gap_days=person.settings.gap_days, tests_day=tests_day, minutes=person.minutes(kind),
        roles_text=presenters.roles_text(person.roles(kind)),
        back_url=where.url("tests") if kind == Kind.CONVERSATION and tests_day else where.url("back")),
        status=status)


def _chosen_rows(person: Person, state: dict) -> tuple[list[dict], list[actions.Choice]] | None:
    """What they chose, for the check page and the booking; None when something is missing or has
    gone (they choose it again)."""
    rows, choices, tests_day = [], [], None
    for kind in person.wanted:
        place = online.chosen(person, state, kind, tests_day=tests_day)
        if place is None:
            return None
        session, start = place
        tests_day = session.day if kind == Kind.TESTS else tests_day
        rows.append({"kind": kind, "what": rules.KIND_LABELS[kind],
                     "when": presenters.when_text(session.day, start),
                     "with": f"{session.staff.display_name}, {presenters.ROLE_WORDS[session.role]}",
                     "place": session.place, "minutes": person.minutes(kind)})
        choices.append(actions.Choice(kind=kind, session_id=session.pk, start=start, minutes=person.minutes(kind),
                                      roles=person.roles(kind)))
    return (rows, choices) if rows else None


def check_and_book(request, where: Where):
    """Check your answers, then book: both at once, or neither."""
    person = Person(where, today=clock.today())
    if not usable(person):
        return _closed(request, where, person)
    if not person.wanted:
        return redirect(where.url("yours"))
    state = online.state_of(request, where)
    chosen = _chosen_rows(person, state)
    if chosen is None:
        gone_kind = next((k for k in person.wanted if state.get(k)), None)
        if gone_kind is not None:  # chosen, but taken (or no longer possible) since: choose again
            for kind in person.wanted[person.wanted.index(gone_kind):]:
                state.pop(kind, None)
            state["taken"], state["taken_kind"] = TAKEN, gone_kind
            online.keep(request, where, state)
            return redirect(where.url(_choose_step(gone_kind)))
        return redirect(where.url("tests" if Kind.TESTS in person.wanted else "conversation"))
    rows, choices = chosen
    if request.method == "POST":
        try:
            with transaction.atomic():
                made = actions.book_online(practice=person.practice, review=person.review, choices=choices,
                                           on_behalf=where.on_behalf)
                for appointment in made:
                    where.did("appointment.booked", appointment.pk)
        except actions.BookingError as exc:
            # Taken meanwhile (or no longer possible): nothing was booked; choose that one again.
            failed = _failed_kind(person, choices)
            for kind in person.wanted[person.wanted.index(failed):]:
                state.pop(kind, None)
            state["taken"] = TAKEN if isinstance(exc, actions.SlotGone) else f"{exc} Nothing was booked."
            state["taken_kind"] = failed
            online.keep(request, where, state)
            return redirect(where.url(_choose_step(failed)))
        request.session.pop(where.state_key, None)
        where.said(request, "booked")
        return redirect(where.url("done"))
    _seen(person, "check")
    rows = [{**row, "change_url": where.url(_choose_step(row["kind"]))} for row in rows]
    return render(request, "booking/public/check.jinja", where.context(
        rows=rows, interpreter=person.need.interpreter, back_url=rows[-1]["change_url"]))


def _failed_kind(person: Person, choices: list[actions.Choice]) -> Kind:
    """Which choice could not be booked: the first no longer free (the tests when both are)."""
    for choice in choices:
        session = ClinicSession.objects.filter(practice=person.practice, pk=choice.session_id).first()
        if session is None or choice.start not in queries.free_starts(session, minutes=choice.minutes):
            return Kind(choice.kind)
    return Kind(choices[0].kind)


def _rows(person: Person) -> list[dict]:
    now = clock.now()
    out = []
    for kind in (Kind.TESTS, Kind.CONVERSATION):
        a = person.booked.get(kind)
        if a is None or a.pk in person.where.hidden:
            continue
        out.append({"kind": kind, "what": rules.KIND_LABELS[kind], "when": presenters.when_text(a.day, a.start_time),
                    "with": presenters.with_text(a), "place": a.session.place, "minutes": a.minutes,
                    "can_change": person.settings.online_booking and person.settings.can_change(a, now=now),
                    "change_url": person.where.url("change", kind, a.pk),
                    "cancel_url": person.where.url("cancel", kind, a.pk)})
    return out


def booked(request, where: Where, *, done: str = ""):
    """What is booked, with Change and Cancel until the practice's cut-off (and, `done`, what was just done)."""
    person = Person(where, today=clock.today())
    if person.review is None:
        return where.gone(request)
    state = online.state_of(request, where)
    said = done or state.pop("said", "")
    online.keep(request, where, state)
    rows = _rows(person)
    _seen(person, "yours")
    return render(request, "booking/public/yours.jinja", where.context(
        rows=rows, said=said, channel_words=online.channel_words(person),
        cutoff_hours=person.settings.cutoff_hours, phone=person.practice.phone,
        to_book=usable(person) and bool(person.wanted) and bool(rows),
        book_url=where.url("tests"),
        any_late=any(not r["can_change"] for r in rows)))


def _too_late(request, where: Where, person: Person, appointment: Appointment):
    return render(request, "booking/public/too_late.jinja", where.context(
        what=rules.KIND_LABELS[Kind(appointment.kind)].lower(), cutoff_hours=person.settings.cutoff_hours,
        phone=person.practice.phone, back_url=where.url("yours")), status=403)


def _changeable(request, where: Where, person: Person, kind: str):
    """The appointment of `kind` the person may still change or cancel online, and None; or None and
    the page to show instead (nothing booked: their appointments; past the cut-off: phone us)."""
    existing = person.booked.get(kind)
    if person.review is None or existing is None or existing.pk in where.hidden:
        return None, redirect(where.url("yours"))
    if not person.settings.online_booking or not person.settings.can_change(existing, now=clock.now()):
        return None, _too_late(request, where, person, existing)
    return existing, None


def change_one(request, where: Where, kind: str):
    """Another time for one appointment, until the cut-off."""
    person = Person(where, today=clock.today())
    existing, refused = _changeable(request, where, person, kind)
    if refused is not None:
        return refused
    first, last = person.earliest(kind), person.latest(kind)
    error, status = "", 200
    if request.method == "POST":
        place = online.checked_place(person, kind, request.POST.get("place", ""), first=first, last=last)
        if place is None:
            error, status = "Choose one of the times shown", 400
        else:
            try:
                with transaction.atomic():
                    moved = actions.move(practice=person.practice, by=None, appointment_id=existing.pk,
                                         version=read_version(request.POST.get("version")), session_id=place[0].pk,
                                         start=place[1], minutes=person.minutes(kind), online=True,
                                         on_behalf=where.on_behalf)
                    where.did("appointment.moved", moved.pk)
            except actions.SlotGone:
                error, status = TAKEN, 409
            except actions.BookingConflict:
                error, status = "Your appointment was changed while you were looking: check it below.", 409
            except actions.BookingError as exc:
                error, status = str(exc), 400
            else:
                where.said(request, "changed")
                return redirect(where.url("yours"))
            person = Person(where, today=clock.today())  # fresh times, and the appointment as it is now
            existing = person.booked.get(kind) or existing
    asked = read_iso_date(request.GET.get("from"))
    from_day = min(max(asked, first), last) if asked is not None else first
    places = online.places(person, kind, from_day=from_day, last=last)
    later = places[-1].day + dt.timedelta(days=1) if places else None
    here = request.path
    _seen(person, f"change_{kind}")
    return render(request, "booking/public/choose.jinja", where.context(
        kind=kind, what=rules.KIND_LABELS[Kind(kind)], need=person.need, places=places,
        chosen="", error=error, form_errors=[error] if error else [], from_day=from_day, first=first,
        later_url=f"{here}?from={later.isoformat()}" if later and later <= last else "",
        earlier_url=here if from_day > first else "", gap_days=person.settings.gap_days, tests_day=None,
        minutes=person.minutes(kind), roles_text=presenters.roles_text(person.roles(kind)),
        changing={"when": presenters.when_text(existing.day, existing.start_time), "version": existing.version},
        back_url=where.url("yours")), status=status)


def cancel_one(request, where: Where, kind: str):
    """Cancel one appointment, after saying so, until the cut-off."""
    person = Person(where, today=clock.today())
    existing, refused = _changeable(request, where, person, kind)
    if refused is not None:
        return refused
    error, status = "", 200
    if request.method == "POST":
        try:
            with transaction.atomic():
                cancelled = actions.cancel(practice=person.practice, by=None, appointment_id=existing.pk,
                                           version=read_version(request.POST.get("version")),
                                           reason="Cancelled online by the person", online=True,
                                           on_behalf=where.on_behalf)
                where.did("appointment.cancelled", cancelled.pk)
        except actions.BookingConflict:
            error, status = "Your appointment was changed while you were looking: check it below.", 409
        except actions.BookingError as exc:
            error, status = str(exc), 400
        else:
            where.said(request, "cancelled")
            return redirect(where.url("yours"))
    return render(request, "booking/public/cancel.jinja", where.context(
        what=rules.KIND_LABELS[Kind(kind)], when=presenters.when_text(existing.day, existing.start_time),
        version=existing.version, error=error, form_errors=[error] if error else [], back_url=where.url("yours")),
        status=status)


# --- On the invitation's link ---------------------------------------------------------------------

@reply.guarded(ReplyLink.Purpose.INVITATION)
def tests(request, token: str, link: ReplyLink):
    return choose(request, ReplyWhere(link, token), Kind.TESTS)


@reply.guarded(ReplyLink.Purpose.INVITATION)
def conversation(request, token: str, link: ReplyLink):
    return choose(request, ReplyWhere(link, token), Kind.CONVERSATION)


@reply.guarded(ReplyLink.Purpose.INVITATION)
def check(request, token: str, link: ReplyLink):
    return check_and_book(request, ReplyWhere(link, token))


@reply.guarded(ReplyLink.Purpose.INVITATION)
def done(request, token: str, link: ReplyLink):
    """The confirmation page: what is booked, and how they will be told."""
    return booked(request, ReplyWhere(link, token), done="booked")


@reply.guarded(ReplyLink.Purpose.INVITATION)
def yours(request, token: str, link: ReplyLink):
    """What is booked, with Change and Cancel until the practice's cut-off."""
    return booked(request, ReplyWhere(link, token))


@reply.guarded(ReplyLink.Purpose.INVITATION)
def change(request, token: str, link: ReplyLink, kind: str):
    return change_one(request, ReplyWhere(link, token), kind)


@reply.guarded(ReplyLink.Purpose.INVITATION)
def cancel(request, token: str, link: ReplyLink, kind: str):
    return cancel_one(request, ReplyWhere(link, token), kind)


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
