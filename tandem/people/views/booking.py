"""Booking from the person's own pages (ADR 16, stage 2b): the same steps, rules and templates as booking on
an invitation's link (tandem.booking.public), run for whoever this session is for (`PersonWhere`).

    /my/appointments/book/                choose a tests appointment
    /my/appointments/book/conversation/   then the conversation, at least the practice's gap after the tests
    /my/appointments/book/check/          check, then book both at once (or neither)
    /my/appointments/booked/              what is booked for their review: change or cancel until the cut-off
    /my/appointments/<id>/change/         another time for one of them
    /my/appointments/<id>/cancel/         cancel one, after saying so

What can be booked is the appointments of their review this year, while it is planned, invited or booked
(the review their invitation's link is for). The person, or a carer whose access includes booking
(Purpose.APPOINTMENTS: `book`); anyone else's appointment is a 404, and so is one staff hid from carers, for
a carer. Every write is by no member of staff (`by=None`) with `on_behalf` in its audit row, and a carer's
also leaves a ProxyActivity row (`people.actions.proxy_did`), in the same transaction.

The read of the review (`_review`) starts from the viewer, as people.queries' do, and belongs there.
"""

from __future__ import annotations

from functools import cached_property

from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse

from tandem.booking import public
from tandem.booking.models import Appointment
from tandem.booking.rules import Kind
from tandem.core import clock
from tandem.prepare.views.public import phone_words
from tandem.recall.models import Review
from tandem.recall.rules import dates
from tandem.recall.rules.status import Status

from .. import actions, presenters, queries
from ..models import ProxyHidden
from ..rules import Purpose
from .pages import person_page

STATE_KEY = "tandem_person_booking"  # what they chose between the steps (tandem.booking.public)
BOOKABLE = (Status.PLANNED, Status.INVITED, Status.BOOKED)
STEPS = {"tests": "people:book", "conversation": "people:book_conversation", "check": "people:book_check",
         "done": "people:booked", "yours": "people:booked", "back": "people:appointments"}


def _review(viewer) -> Review | None:
    """Their review this review year, while it can be booked; None otherwise."""
    return (Review.objects.filter(practice=viewer.practice, patient=viewer.patient, status__in=BOOKABLE,
                                  review_year=dates.review_year_of(clock.today()))
            .select_related("patient").first())


class PersonWhere(public.Where):
    """The booking steps on the person's own pages, for whoever this session is for (`viewer`)."""

    state_key = STATE_KEY

    def __init__(self, viewer):
        self.viewer, self.practice, self.patient_id = viewer, viewer.practice, viewer.patient.pk
        self.on_behalf = actions.on_behalf(viewer)
        self.hidden = queries.hidden(viewer).of(ProxyHidden.What.APPOINTMENT)

    @cached_property
    def review(self) -> Review | None:
        return _review(self.viewer)

    @property
    def state_for(self) -> object:
        grant = self.viewer.grant
        return [self.viewer.account_id, grant.pk if grant is not None else None,
                self.review.pk if self.review is not None else None]

    def url(self, step: str, *args) -> str:
        if step in ("change", "cancel"):
            return reverse(f"people:{step}_appointment", args=[args[1]])
        if step == "call_me":
            return ""  # nobody to call back here: the page says to call the practice
        return reverse(STEPS[step])

    def context(self, **extra) -> dict:
        return {**presenters.frame(self.viewer), "phone_words": phone_words(self.practice),
                "layout": "people/pages/base.jinja", "here": "appointments", **extra}

    def seen(self, what: str) -> None:
        queries.read(self.viewer, what=f"people.booking.{what}",
                     object_id=self.review.pk if self.review is not None else "")

    def did(self, what: str, object_id: int) -> None:
        actions.proxy_did(self.viewer, what=what, object_id=object_id)

    def gone(self, request):
        self.seen("yours")
        return render(request, "booking/public/yours.jinja", self.context(rows=[], said="", nothing_to_book=True))


def _kind_of(where: PersonWhere, pk: int) -> str:
    """The kind of appointment `pk`, when it is booked for the review being booked here and shown to this
    session; otherwise 404 (another person's, one that has ended, or one hidden from carers)."""
    review = where.review
    kind = (Appointment.objects.filter(practice=where.practice, patient_id=where.patient_id, pk=pk,
                                       state=Appointment.State.BOOKED, review=review)
            .exclude(pk__in=where.hidden).values_list("kind", flat=True).first() if review is not None else None)
    if kind is None:
        raise Http404("No such appointment.")
    return kind


def online(viewer) -> dict:
    """For /my/appointments/: whether they have a review to book online now, and whether any of its
    appointments are booked (to change or cancel)."""
    where = PersonWhere(viewer)
    person = public.Person(where, today=clock.today())
    shown = [a for a in person.booked.values() if a.pk not in where.hidden]
    return {"to_book": public.usable(person) and bool(person.wanted), "booked": bool(shown)}


@person_page(Purpose.APPOINTMENTS, methods=("GET", "POST"))
def book(request, viewer):
    where = PersonWhere(viewer)
    return public.choose(request, where, Kind.TESTS) if where.review is not None else where.gone(request)


@person_page(Purpose.APPOINTMENTS, methods=("GET", "POST"))
def book_conversation(request, viewer):
    where = PersonWhere(viewer)
    return public.choose(request, where, Kind.CONVERSATION) if where.review is not None else where.gone(request)


@person_page(Purpose.APPOINTMENTS, methods=("GET", "POST"))
def book_check(request, viewer):
    where = PersonWhere(viewer)
    return public.check_and_book(request, where) if where.review is not None else where.gone(request)


@person_page(Purpose.APPOINTMENTS)
def booked(request, viewer):
    return public.booked(request, PersonWhere(viewer))


@person_page(Purpose.APPOINTMENTS, methods=("GET", "POST"))
def change_appointment(request, viewer, pk: int):
    where = PersonWhere(viewer)
    return public.change_one(request, where, _kind_of(where, pk))


@person_page(Purpose.APPOINTMENTS, methods=("GET", "POST"))
def cancel_appointment(request, viewer, pk: int):
    where = PersonWhere(viewer)
    return public.cancel_one(request, where, _kind_of(where, pk))


urlpatterns = [
    path("appointments/book/", book, name="book"),
    path("appointments/book/conversation/", book_conversation, name="book_conversation"),
    path("appointments/book/check/", book_check, name="book_check"),
    path("appointments/booked/", booked, name="booked"),
    path("appointments/<id:pk>/change/", change_appointment, name="change_appointment"),
    path("appointments/<id:pk>/cancel/", cancel_appointment, name="cancel_appointment"),
]

