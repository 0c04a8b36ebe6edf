"""Shaping the day list: each appointment of the day as one row (who, what, what to bring, the
adjustments to make, and whether they have arrived or came). No queries: the view reads everything
first, in a fixed number of statements, and passes it in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tandem.clinics.rules.sessions import WEEKDAYS
from tandem.patients.presenters import named_clinician_text
from tandem.patients.rules import age_on, format_nhs_number
from tandem.recall.queries import PersonFacts, condition_name, plan_for

from . import rules
from .models import Appointment
from .presenters import ADJUSTMENT_LABELS, HOME_VISIT

#: the adjustments staff act on at the door first; the rest follow by name
FIRST = ("interpreter", "bsl", "carer_present", "step_free", "hearing_loop", "longer_appointment")
EVERYONE = "all"


def short_day(day: dt.date, *, today: dt.date) -> str:
    """'Monday 7 December', with the year when it is not this year's."""
    text = f"{WEEKDAYS[day.weekday()]} {day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"


def day_url(day: dt.date, staff: str | int | None = None) -> str:
    """The day list for `day`; `staff`: a member of staff's id, EVERYONE, or None for the default."""
    query = {"day": day.isoformat(), **({"staff": str(staff)} if staff is not None else {})}
    return f"{reverse('booking:day')}?{urlencode(query)}"


@dataclass(frozen=True)
class Test:
    name: str
    conditions: str  # the conditions that ask for it, as the registers name them


@dataclass(frozen=True)
class Row:
    pk: int
    version: int
    time: str
    minutes: int
    staff: str
    place: str
    name: str
    age: int
    nhs_number: str
    booking_url: str
    kind: str
    kind_label: str
    conditions: str
    tests: list[Test]
    not_due: list[str]  # clinical: tests left out because they were done recently (when)
    bring: list[str]
    home_visit: bool
    adjustments: list[str]
    arrived: str  # "Arrived 09:12 (Hannah Cole)", or ""
    may_arrive: bool
    may_undo: bool
    outcome_due: bool  # its time has come: record whether they came
    outcome: str  # "Came" or "Did not attend" once recorded
    results_url: str
    named_clinician: str | None = None  # their name ("" for none), as the patient banner says it


def results_url_for(review_pk: int) -> str:
    """Where a tests appointment's results are typed in, or "" while that page is not part of Tandem."""
    try:
        return reverse("results:review", kwargs={"review_pk": review_pk})
    except NoReverseMatch:
        return ""


def adjustment_lines(details: dict[str, str]) -> list[str]:
    """What to do for the person, besides a home visit: "Interpreter: Polish", "Step-free access"."""
    kinds = sorted((k for k in details if k != HOME_VISIT),
                   key=lambda k: (FIRST.index(k) if k in FIRST else len(FIRST), ADJUSTMENT_LABELS.get(k, k)))
    out = []
    for kind in kinds:
        label, detail = ADJUSTMENT_LABELS.get(kind, kind), details[kind].strip()
        if kind == "interpreter" and not detail:
            detail = "language not recorded"
        out.append(f"{label}: {detail}" if detail else label)
    return out


def rows(appointments: list[Appointment], *, facts: dict[int, PersonFacts], details: dict[int, dict[str, str]],
         day: dt.date, today: dt.date, now: dt.datetime, clinical: bool, record_results: bool) -> list[Row]:
    """One row per appointment, in the order given. `now`: local time; `clinical`: whether the reader
    may see clinical detail (docs/roles.md: administrators see the conditions and the tests to book,
    not when a test was last done); `record_results`: whether they may type in a tests appointment's
    results (the link is shown only then)."""
    out = []
    for a in appointments:
        person = facts.get(a.patient_id) or PersonFacts()
        plan = plan_for(person, today=day)
        tests = a.kind == rules.Kind.TESTS
        booked = a.state == Appointment.State.BOOKED
        on_the_day = a.day == today
        passed = dt.datetime.combine(a.day, a.start_time) <= now.replace(tzinfo=None)
        arrived = ""
        if a.arrived_at is not None:
            by = f" ({a.arrived_by.display_name})" if a.arrived_by is not None else ""
            arrived = f"Arrived {timezone.localtime(a.arrived_at):%H:%M}{by}"
        patient = a.patient
        out.append(Row(
            pk=a.pk, version=a.version, time=f"{a.start_time:%H:%M}", minutes=a.minutes,
            staff=a.staff.display_name, place=a.session.place,
            name=patient.full_name, age=age_on(patient.date_of_birth, day),
            nhs_number=format_nhs_number(patient.nhs_number),
            booking_url=reverse("booking:review", kwargs={"review_pk": a.review_id}),
            kind=a.kind, kind_label=rules.KIND_LABELS[rules.Kind(a.kind)],
            conditions=", ".join(condition_name(c) for c in person.conditions),
            tests=[Test(s.item.name, ", ".join(condition_name(c) for c in s.for_conditions))
                   for s in plan.tests.steps] if tests else [],
            not_due=[f"{n.item.name}: done {n.last_done.day} {n.last_done:%B %Y}" for n in plan.tests.not_due]
            if tests and clinical else [],
            bring=list(dict.fromkeys(plan.tests.prepare)) if tests else [],
            home_visit=HOME_VISIT in details.get(a.patient_id, {}),
            adjustments=adjustment_lines(details.get(a.patient_id, {})),
            arrived=arrived,
            may_arrive=booked and on_the_day and a.arrived_at is None,
            may_undo=booked and on_the_day and a.arrived_at is not None,
            outcome_due=booked and passed,
            outcome={Appointment.State.ATTENDED: "Came", Appointment.State.DID_NOT_ATTEND: "Did not attend"}.get(
                a.state, ""),
            results_url=results_url_for(a.review_id) if tests and record_results else "",
            named_clinician=named_clinician_text(patient),
        ))
    return out


@dataclass(frozen=True)
class StaffChoice:
    value: str
    text: str
    selected: bool


def staff_choices(staff: list[tuple[int, str, str]], chosen: int | None) -> list[StaffChoice]:
    """Everyone, then each member of staff with a session on the day."""
    return [StaffChoice(EVERYONE, "Everyone", chosen is None)] + [
        StaffChoice(str(pk), f"{first} {last}".strip() or f"Member of staff {pk}", pk == chosen)
        for pk, first, last in staff]
