"""A crowd of people on registers, built quickly (rows written as an import writes them), with their
reviews planned and spread over the review year's statuses and months.

    people = crowd(practice, 60, manager=...)   # registers refreshed, reviews planned and spread

The mix is fixed by each person's index, so two crowds of different sizes hold the same kinds of
people: the page queries can be compared between a small practice and a larger one.
"""

from __future__ import annotations

import datetime as dt

from tandem.patients.models import ReasonableAdjustment
from tests.registers.builders import add_patient

from .conftest import code_for

D = dt.date

#: conditions, in turn (some people have several; the plans differ in tests and conversation length)
CONDITIONS = (
    ("hypertension",), ("diabetes_type2", "hypertension"), ("copd",), ("asthma",), ("heart_failure", "ckd_3_5"),
    ("copd", "hypertension", "atrial_fibrillation"), ("depression",), ("dementia", "hypertension"),
    ("diabetes_type1",), ("coronary_heart_disease", "stroke_tia", "hypertension", "ckd_3_5"),
)
#: (status, due month) in turn: open reviews this month, earlier months and next month, and some done
SPREAD = (
    ("planned", D(2026, 6, 1)), ("invited", D(2026, 6, 1)), ("planned", D(2026, 4, 1)),
    ("booked", D(2026, 7, 1)), ("planned", D(2026, 7, 1)), ("attended", D(2026, 6, 1)),
    ("did_not_attend", D(2026, 5, 1)), ("invited", D(2026, 7, 1)), ("planned", D(2026, 9, 1)),
    ("declined", D(2026, 7, 1)), ("invited", D(2026, 5, 1)),
)


def crowd(practice, count: int, *, start: int = 0) -> list:
    """`count` people on registers in `practice`, reviews planned and spread (SPREAD); every third
    with COPD has had spirometry in the last year, every seventh asks for a longer appointment."""
    from tandem.recall import actions, stored
    from tandem.recall.models import Review
    from tandem.registers import actions as register_actions

    people = []
    for i in range(start, start + count):
        conditions = CONDITIONS[i % len(CONDITIONS)]
        events = [("diagnosis", code_for(slug), "2015-01-01") for slug in conditions]
        if "copd" in conditions:
            events.append(("observation", "fev1", "2026-02-01" if i % 3 == 0 else "2024-02-01", 1.9))
        patient = add_patient(practice, D(1940 + i % 50, 1 + i % 12, 1 + i % 28), events,
                              given=f"Person{i:03d}", family=f"Crowd{i:03d}",
                              sex="female" if i % 2 else "male")
        if i % 7 == 0:
            ReasonableAdjustment.objects.create(patient=patient, kind=ReasonableAdjustment.Kind.LONGER_APPOINTMENT)
        if i % 5 == 0:
            ReasonableAdjustment.objects.create(patient=patient, kind=ReasonableAdjustment.Kind.LARGE_PRINT)
        people.append(patient)
    register_actions.refresh_practice(practice=practice, by=None)
    actions.plan_reviews(practice=practice, by=None)
    for index, patient in enumerate(people, start=start):
        status, due = SPREAD[index % len(SPREAD)]
        sent = {"stage": 1, "first_sent_on": D(2026, 5, 20), "last_sent_on": D(2026, 5, 20)} \
            if status == "invited" else {}
        Review.objects.filter(patient=patient).update(status=status, due_month=due, **sent)
    stored.touched(practice.pk)  # as the actions that change reviews do
    return people
