"""The demo practice's booked appointments: people with several conditions booked into the HCA's
tests session on the first working day (today, or Monday at a weekend) and the day after, each with
their care planning conversation the practice's gap later, through tandem.booking.actions as an
administrator would book them. So the day list has people on it and the tests day can be shown."""

from __future__ import annotations

import datetime as dt

from tandem.booking import actions, presenters, queries
from tandem.booking.models import Appointment
from tandem.booking.rules import Kind
from tandem.recall import queries as recall_queries
from tandem.recall.models import Review
from tandem.recall.rules.status import Status

FIRST_DAY, SECOND_DAY = 8, 4  # tests appointments on the first working day, and the next


def first_working_day(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=max(0, 7 - today.weekday())) if today.weekday() >= 5 else today


def book_days(*, practice, admin, today: dt.date, now: dt.datetime) -> int:
    """Book the demo's tests appointments and conversations, unless the practice has bookings already.
    Returns how many people were booked."""
    if Appointment.objects.filter(practice=practice).exists():
        return 0
    this_month = today.replace(day=1)
    reviews = list(Review.objects.filter(practice=practice, due_month__gte=this_month,
                                         status__in=[Status.PLANNED, Status.INVITED], registered=True)
                   .order_by("due_month", "pk")[:400])
    facts = recall_queries.person_facts(practice, [r.patient_id for r in reviews])
    # People with three or more conditions first: the tests day is where one visit saves most.
    reviews.sort(key=lambda r: (-len(facts[r.patient_id].conditions) if r.patient_id in facts else 0, r.pk))
    gap_days, _ = queries.settings_for(practice)
    first = first_working_day(today)
    days = [first] * FIRST_DAY + [first + dt.timedelta(days=3 if first.weekday() == 4 else 1)] * SECOND_DAY
    booked = 0
    for review, day in zip(reviews, days, strict=False):
        person = facts.get(review.patient_id, recall_queries.PersonFacts())
        need = presenters.needs(recall_queries.plan_for(person, today=today), person.adjustments)
        if need.no_tests or "home_visit" in person.adjustments:  # a home visit is not a clinic slot
            continue
        place = queries.next_free(practice, kind=Kind.TESTS, minutes=need.tests_minutes, from_day=day, now=now,
                                  limit=1, roles=need.tests_roles)
        if not place or place[0][0].day != day:
            continue
        session, start = place[0]
        tests = actions.book(practice=practice, by=admin, review=review, kind=Kind.TESTS, session_id=session.pk,
                             start=start, minutes=need.tests_minutes, now=now)
        talk = queries.next_free(practice, kind=Kind.CONVERSATION, minutes=need.conversation_minutes,
                                 from_day=tests.day + dt.timedelta(days=gap_days), now=now, limit=1,
                                 roles=need.conversation_roles)
        if talk:
            actions.book(practice=practice, by=admin, review=Review.objects.get(pk=review.pk),
                         kind=Kind.CONVERSATION, session_id=talk[0][0].pk, start=talk[0][1],
                         minutes=need.conversation_minutes, now=now)
        booked += 1
    return booked
