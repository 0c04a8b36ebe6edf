"""The demo practice's year of check-ins: agreed in the latest plans (careplans.plans_from_earlier_years
calls `agree`), then lived through day by day with the clock set to each day (`year_of_checkins`):
each day the practice's daily check-in work runs (close, open and send, remind) and the outbox sends
what it queued (texts to the demo text gateway; emails wait for the demo mail sink); people answer
about three in four, some days later, through the same action as the online form; the named
clinician accepts and completes the tasks their answers raised, except the last fortnight's. Goals
drift up or down for each person, so goal progress and the T-scores show real spread."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
from collections import defaultdict

from tandem.careplans.actions import tasks as task_actions
from tandem.careplans.models import Task
from tandem.careplans.rules.agreed_checkins import READINGS, CheckIns, ReadingAgreement, read_value
from tandem.careplans.rules.document import Plan
from tandem.checkins import actions, rules
from tandem.checkins.models import CheckIn, Schedule
from tandem.core import clock
from tandem.core.models import Practice, User
from tandem.messaging.actions import dispatch_pending

OUTCOMES = ("Phoned them: readings rechecked at home and a nurse appointment booked",
            "Spoke to them: rescue pack started, feeling better; review in a week",
            "Phoned: talked it through, referred to social prescribing",
            "Seen in clinic: medicines changed, plan updated")


def agree(plan: Plan, *, patient, clinician: User, nurse: User, index: int, rng: random.Random,
          staff: dict[int, str]) -> Plan:
    """The named clinician and, for about two in three people, check-ins: monthly or every 3 months,
    by text (a mobile), email, or a call from the nurse; home blood pressure with agreed levels for
    most, mood for some; the first goal watched."""
    plan = dataclasses.replace(plan, named_clinician_id=clinician.pk, named_clinician=staff.get(clinician.pk, ""))
    if index % 3 == 2:
        return plan
    channel = "text" if patient.mobile else "email" if patient.email else "phone"
    if index % 7 == 0:
        channel = "phone"
    readings = (ReadingAgreement("home_bp", amber="150/95", red="180/110"),) if rng.random() < 0.7 else ()
    agreed = CheckIns(every="monthly" if rng.random() < 0.7 else "every_3_months", channel=channel,
                      caller_id=nurse.pk if channel == "phone" else None,
                      caller=staff.get(nurse.pk, "") if channel == "phone" else "", readings=readings,
                      mood=rng.random() < 0.5)
    goals = tuple(dataclasses.replace(g, watch=(i == 0)) for i, g in enumerate(plan.goals))
    return dataclasses.replace(plan, checkins=agreed, goals=goals)


def _answers(rng: random.Random, c: CheckIn, trend: float) -> rules.Answers:
    questions = c.questions
    levels = {g["id"]: max(-2, min(2, round(rng.gauss(trend * c.number / 6, 0.8)))) for g in questions["goals"]
              if rng.random() < 0.9}
    readings = {}
    for r in questions.get("readings", []):
        top = rng.gauss(138, 14)
        if rng.random() < 0.04:
            top = rng.uniform(181, 196)  # now and then a red reading
        value, _ = read_value(READINGS["home_bp"], f"{round(top)}/{round(top * 0.6 + rng.uniform(-4, 6))}")
        if value is not None and r["key"] == "home_bp":
            readings["home_bp"] = value
    phq = (rng.choice((0, 0, 0, 0, 1, 1, 2)), rng.choice((0, 0, 0, 1, 1, 2))) if questions.get("mood") else (None, None)
    return rules.Answers(goal_levels=levels, confidence=max(0, min(10, round(rng.gauss(7 + trend, 1.5)))),
                         readings=readings, phq2=phq, not_coping=rng.random() < 0.03,
                         talk_about=rng.choice(("", "", "", "My knee has been worse", "Can we talk about my tablets?")))


def year_of_checkins(*, practice: Practice, admin: User, seed: int = 42) -> dict[str, int]:
    rng = random.Random(seed)
    schedules = list(Schedule.objects.filter(practice=practice))
    if not schedules:
        return {"checkins": 0, "answered": 0, "tasks": 0}
    trend = {s.patient_id: rng.choice((-0.8, 0.0, 0.5, 1.0, 1.5)) for s in schedules}
    start = min(s.created_at.date() for s in schedules)
    today = clock.today()
    due_answers: dict[dt.date, list[int]] = defaultdict(list)
    answered = 0
    logging.getLogger("tandem.checkins.actions").setLevel(logging.WARNING)
    delivery_log = logging.getLogger("tandem.messaging.delivery")
    level = delivery_log.level
    delivery_log.setLevel(logging.ERROR)
    day = start
    try:
        while day < today:
            with clock.frozen(dt.datetime.combine(day, dt.time(9, 30), tzinfo=clock.now().tzinfo)):
                actions.close_unanswered(practice=practice, today=day)
                before = set(CheckIn.objects.filter(practice=practice, opened_on=day).values_list("pk", flat=True))
                actions.open_due(practice=practice, by=admin, today=day)
                actions.send_reminders(practice=practice, by=admin, today=day)
                for c in CheckIn.objects.filter(practice=practice, opened_on=day).exclude(pk__in=before):
                    if rng.random() < 0.75:
                        due_answers[day + dt.timedelta(days=rng.choice((0, 0, 1, 2, 3, 5)))].append(c.pk)
                dispatch_pending(practice=practice)
            with clock.frozen(dt.datetime.combine(day, dt.time(18, 10), tzinfo=clock.now().tzinfo)):
                for c in CheckIn.objects.filter(pk__in=due_answers.pop(day, []), status=CheckIn.Status.OPEN):
                    given_by = "phone" if c.channel == "phone" else rng.choice(("person", "person", "carer"))
                    actions.record_answer(checkin_id=c.pk, practice=practice, answers=_answers(rng, c, trend[c.patient_id]),
                                          given_by=given_by, by=c.caller if given_by == "phone" else None)
                    answered += 1
            day += dt.timedelta(days=1)
    finally:
        delivery_log.setLevel(level)
    tasks = _finish_tasks(practice, rng, today)
    return {"checkins": CheckIn.objects.filter(practice=practice).count(), "answered": answered, "tasks": tasks}


def _finish_tasks(practice: Practice, rng: random.Random, today: dt.date) -> int:
    """The named clinician accepts and completes what check-ins raised, a few days later; the last
    fortnight's are left for the home page."""
    made = list(Task.objects.filter(practice=practice, referral_id__startswith="ci").select_related("to_user"))
    for task in made:
        created = task.created_at.date()
        if created >= today - dt.timedelta(days=14) or task.to_user is None:
            continue
        with clock.frozen(dt.datetime.combine(created + dt.timedelta(days=1), dt.time(10), tzinfo=clock.now().tzinfo)):
            task = task_actions.accept_task(task=task, by=task.to_user, expected_revision=task.revision)
        with clock.frozen(dt.datetime.combine(created + dt.timedelta(days=rng.choice((1, 2, 4))), dt.time(16),
                                              tzinfo=clock.now().tzinfo)):
            task_actions.complete_task(task=task, by=task.to_user, outcome=rng.choice(OUTCOMES),
                                       expected_revision=task.revision)
    return len(made)
