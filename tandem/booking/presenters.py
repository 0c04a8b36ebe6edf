"""Shaping a review's booking page: what the person needs, and the places offered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.clinics.rules.sessions import WEEKDAYS
from tandem.core.rules import ROLE_LABELS, Role
from tandem.patients.models import ReasonableAdjustment
from tandem.recall.rules.review import LEAD_LABELS, ReviewPlan

from . import rules
from .models import Appointment

ADJUSTMENT_LABELS = dict(ReasonableAdjustment.Kind.choices)
HOME_VISIT = ReasonableAdjustment.Kind.HOME_VISIT.value


def day_text(day: dt.date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Needs:
    tests_minutes: int
    tests_roles: frozenset[str]
    tests_summary: str
    conversation_minutes: int
    conversation_roles: frozenset[str]
    conversation_lead: str
    adjustments: list[str]  # besides a home visit, which is flagged on its own
    interpreter: bool
    no_tests: bool
    home_visit: bool = False  # housebound: the review is a home visit, not a clinic slot
    tests_names: tuple[str, ...] = ()  # each test once, whatever conditions ask for it


def needs(plan: ReviewPlan, adjustments) -> Needs:
    kinds = set(adjustments)
    return Needs(
        tests_minutes=rules.appointment_minutes(plan.tests.minutes, kinds),
        tests_roles=rules.tests_roles(s.role for s in plan.tests.steps),
        tests_summary=plan.tests.summary(),
        tests_names=tuple(dict.fromkeys(step.item.name for step in plan.tests.steps)),
        conversation_minutes=rules.appointment_minutes(plan.conversation.minutes, kinds),
        conversation_roles=rules.conversation_roles(plan.conversation.lead),
        conversation_lead=LEAD_LABELS[plan.conversation.lead],
        adjustments=[ADJUSTMENT_LABELS.get(k, k) for k in sorted(kinds - {HOME_VISIT})],
        interpreter=bool(rules.INTERPRETER_KINDS & kinds),
        no_tests=not plan.tests.steps,
        home_visit=HOME_VISIT in kinds,
    )


@dataclass(frozen=True)
class Place:
    value: str  # "session id/HH:MM", what the form sends back
    day: dt.date
    text: str
    hint: str
    named: bool


def places(found, *, named_id: int | None = None) -> list[Place]:
    return [Place(value=f"{s.pk}/{t:%H:%M}", day=s.day, text=f"{day_text(s.day)} at {t:%H:%M}",
                  hint=f"{s.staff.display_name} ({ROLE_LABELS[Role(s.role)]}){', ' + s.place if s.place else ''}",
                  named=named_id is not None and s.staff_id == named_id) for s, t in found]


@dataclass(frozen=True)
class BookedRow:
    pk: int
    kind: str
    kind_label: str
    when: str
    who: str
    version: int
    passed: bool  # its time has come: record whether they came, rather than cancel it


def booked_rows(appointments: list[Appointment], *, now: dt.datetime) -> list[BookedRow]:
    return [BookedRow(pk=a.pk, kind=a.kind, kind_label=rules.KIND_LABELS[rules.Kind(a.kind)],
                      when=f"{day_text(a.day)}, {a.start_time:%H:%M} to {a.end_time:%H:%M}",
                      who=f"{a.staff.display_name}{', ' + a.session.place if a.session.place else ''}",
                      version=a.version, passed=dt.datetime.combine(a.day, a.start_time) <= now.replace(tzinfo=None))
            for a in appointments]


ROLE_WORDS = {"hca": "health care assistant", "nurse": "practice nurse", "gp": "GP", "pharmacist": "clinical pharmacist"}


def roles_text(roles) -> str:
    """ "a health care assistant or practice nurse", "a practice nurse, GP or clinical pharmacist"."""
    names = [ROLE_WORDS[r] for r in ("hca", "nurse", "gp", "pharmacist") if r in roles]
    said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return ("an " if said[0] in "aeiou" else "a ") + said


def time_text(at: dt.time) -> str:
    """'9am', '10:30am', '2:20pm': a time as people say it."""
    hour = at.hour % 12 or 12
    return f"{hour}{f':{at.minute:02d}' if at.minute else ''}{'am' if at.hour < 12 else 'pm'}"


def when_text(day: dt.date, at: dt.time) -> str:
    """'Tuesday 16 June 2026 at 9am'."""
    return f"{day_text(day)} at {time_text(at)}"


def with_text(appointment: Appointment) -> str:
    """'Hannah Cole, health care assistant': who the person sees."""
    return f"{appointment.staff.display_name}, {ROLE_WORDS.get(appointment.session.role, 'clinician')}"
