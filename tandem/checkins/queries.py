"""Reads of check-ins, scoped to a practice: settings, what is due, a person's check-ins and goal
ratings, the calls to make, the flags raised."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, Q, Value, When

from tandem.core.models import Practice

from . import rules
from .models import Answer, CheckIn, GoalRating, Schedule, Settings


def settings_for(practice: Practice, *, lock: bool = False) -> Settings:
    rows = Settings.objects.filter(practice=practice)
    if lock:
        rows = rows.select_for_update()
    found = rows.first()
    return found or Settings(practice=practice, open_days=rules.OPEN_DAYS, reminder_days=list(rules.REMINDER_DAYS),
                             revision=0)


def open_to_remind(practice: Practice, *, today: dt.date) -> list[CheckIn]:
    return list(CheckIn.objects.filter(practice=practice, status=CheckIn.Status.OPEN, closes_on__gte=today,
                                       channel__in=["text", "email"], no_address=False).only(
        "pk", "opened_on", "reminders_sent", "reminder_days"))


def ratings(practice_id: int, patient_id: int) -> list[tuple[str, int, str, dt.date]]:
    rows = (GoalRating.objects.filter(practice_id=practice_id, patient_id=patient_id)
            .order_by("rated_on", "pk").values_list("goal_id", "level", "source", "rated_on"))
    labels = dict(GoalRating.Source.choices)
    return [(goal_id, level, str(labels.get(source, source)), on) for goal_id, level, source, on in rows]


def schedule_of(practice: Practice, patient_id: int) -> Schedule | None:
    return Schedule.objects.filter(practice=practice, patient_id=patient_id).select_related("caller").first()


def of_person(practice: Practice, patient_id: int) -> list[CheckIn]:
    return list(CheckIn.objects.filter(practice=practice, patient_id=patient_id)
                .select_related("answer", "caller").order_by("-opened_on", "-pk"))


def checkin(practice: Practice, pk: int) -> CheckIn | None:
    return (CheckIn.objects.filter(practice=practice, pk=pk)
            .select_related("patient", "caller", "clinician", "version").first())


def answer_of(checkin: CheckIn) -> Answer | None:
    return Answer.objects.filter(checkin=checkin).first()


def _need_call(user_id: int, today: dt.date) -> Q:
    return Q(status=CheckIn.Status.OPEN, closes_on__gte=today) & (
        Q(channel="phone", caller_id=user_id) | Q(no_address=True, clinician_id=user_id))


def _flagged(user_id: int, today: dt.date) -> Q:
    return Q(flagged=True, clinician_id=user_id, answered_at__date__gte=today - dt.timedelta(days=14))


def calls_for(practice: Practice, user_id: int, *, today: dt.date, first: int | None = None):
    """(check-ins that need a call from this person, check-ins that raised a flag for them), in one
    read: open phone check-ins they make, open ones that could not be sent (no address) where they are
    the named clinician; and answers in the last 14 days that raised a flag for them, urgent first.
    `first`: at most that many of each (the home page)."""
    need_call, flagged = _need_call(user_id, today), _flagged(user_id, today)
    rows = (CheckIn.objects.filter(practice=practice).filter(need_call | flagged)
            .annotate(calling=Case(When(need_call, then=Value(True)), default=Value(False), output_field=BooleanField()))
            .select_related("patient").order_by("-urgent", "opened_on", "pk"))
    if first is not None:
        rows = rows[: first * 4]
    found = list(rows)
    calls = [c for c in found if c.calling]
    raised = sorted((c for c in found if not c.calling), key=lambda c: (not c.urgent, -(c.answered_at.timestamp())))
    if first is not None:
        return calls[:first], raised[:first]
    return calls, raised


EVERYONE_SHOWN = 200  # of each list, on the practice-wide worklist


def calls_for_everyone(practice: Practice, *, today: dt.date) -> tuple[list[CheckIn], list[CheckIn]]:
    """The practice-wide worklist: every open phone check-in, then every open one that could not be
    sent, oldest first; and every answer that raised a flag, urgent first then newest."""
    still_open = CheckIn.objects.filter(practice=practice, status=CheckIn.Status.OPEN, closes_on__gte=today)
    ordered = ("opened_on", "pk")
    calls = list(still_open.filter(channel="phone").select_related("patient").order_by(*ordered)[:EVERYONE_SHOWN])
    calls += list(still_open.filter(no_address=True).select_related("patient").order_by(*ordered)[:EVERYONE_SHOWN])
    flagged = list(CheckIn.objects.filter(practice=practice, flagged=True).select_related("patient")
                   .order_by("-urgent", "-answered_at")[:EVERYONE_SHOWN])
    return calls, flagged
