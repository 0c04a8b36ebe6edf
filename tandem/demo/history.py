"""Two years of care planning at a demo practice, so Learn has something real to count, chart and compare.

Month by month through the last 24 whole months, with the clock set to each day as it happens, and every
step through the actions a practice would use:

- each review year's reviews are planned at its start (birth-month recall: due in the person's birth month);
- each month's invitations and reminders are sent (tandem.recall.actions.send_due_invitations);
- a share of the people due that month come to their tests (recorded as attended), and a week or two later
  have their care planning conversation: a plan is saved with who held it and when; most agree it; a copy
  is handed over some of the time;
- the person's survey goes a few weeks after (tandem.surveys.actions.send_due) and some answer it;
- the staff survey (NoMAD) runs when the story says.

The share who take part grows month by month as the practice gets going (uptake_from to uptake_to); the share
given a copy of their plan jumps when the practice starts printing the plan in the room (a change it records),
so the charts show a special cause where the practice made its change.

The people the demo's clinics book now (tandem.demo.clinics) may have plans from here too; the plan of their last
review, with its check-ins, is then added on top by tandem.demo.careplans.plans_from_earlier_years.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import F

from tandem.careplans import actions as careplan_actions
from tandem.careplans.actions import written as written_pdfs
from tandem.careplans.models import LocalService
from tandem.careplans.rules.document import Plan
from tandem.core import clock
from tandem.core.models import Practice, User
from tandem.jobs.models import Job
from tandem.messaging.models import OutboxMessage
from tandem.recall import actions as recall_actions
from tandem.recall.models import Review
from tandem.recall.rules import dates
from tandem.recall.rules.status import Response, Status
from tandem.registers.models import PatientRisk, RegisterMembership
from tandem.surveys import actions as survey_actions
from tandem.surveys.models import PersonSurvey

from .careplans import annual_plan

MONTHS = 24


@dataclass(frozen=True)
class Story:
    """How care planning went at one practice."""

    uptake_from: float  # of the people due in the first month, the share who had their review
    uptake_to: float  # ... in the last month
    copy_before: float  # of plans agreed, the share given a copy before the practice started printing them
    copy_after: float  # ... and after
    printing_from: dt.date | None = None  # when it started printing the plan in the room (None: never)
    agreed: float = 0.92  # of conversations, the share whose plan was agreed with the person
    survey_answered: float = 0.45  # of people sent the survey, the share who answer it
    staff_rounds: tuple[int, ...] = ()  # months (from the first) in which the staff survey ran
    staff_answers: tuple[int, ...] = ()  # for each round, the NoMAD agreement (1-5) most staff gave


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    first = today.replace(day=1)
    out = []
    for _ in range(months):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first)
    return out[::-1]


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _reviews_due(practice: Practice, month: dt.date) -> list[Review]:
    return list(Review.objects.filter(practice=practice, review_year=dates.review_year_of(month), due_month=month,
                                      status__in=[Status.PLANNED, Status.INVITED])
                .select_related("patient").order_by("pk"))


def care_planning_history(*, practice: Practice, staff: dict[str, User], story: Story, today: dt.date,
                          seed: int = 42) -> dict[str, int]:
    """Run the practice's last MONTHS whole months as the story says; what was done, counted."""
    from tandem.learn import actions as learn_actions

    rng = random.Random(seed)
    months = _month_starts(today, MONTHS)
    learn_actions.record_change(practice=practice, by=staff.get("manager"), on=months[0],
                                what="Care planning started",
                                detail="Birth-month recall: tests first, then a care planning conversation")
    last_day = today - dt.timedelta(days=1)
    counts = {"invitations": 0, "tests": 0, "conversations": 0, "agreed": 0, "copies": 0, "surveys": 0,
              "answered": 0}
    for year in range(dates.review_year_of(months[0]), dates.review_year_of(months[-1]) + 1):
        with clock.frozen(dates.review_year_start(year)):
            recall_actions.plan_reviews(practice=practice, by=None)
    registers: dict[int, set[str]] = {}
    for pid, slug in RegisterMembership.objects.filter(practice=practice).values_list("patient_id", "register"):
        registers.setdefault(pid, set()).add(slug)
    frail = set(PatientRisk.objects.filter(practice=practice, frailty__in=("moderate", "severe"))
                .values_list("patient_id", flat=True))
    services = list(LocalService.objects.filter(practice=practice))
    clinicians = [u for u in (staff.get("nurse"), staff.get("gp")) if u is not None]
    held_by = careplan_actions.clinical_staff(practice)
    plans: dict[int, tuple[int, Plan]] = {}  # patient -> (version number, plan)
    made: list[int] = []
    for index, month in enumerate(months):
        share = story.uptake_from + (story.uptake_to - story.uptake_from) * index / max(len(months) - 1, 1)
        with clock.frozen(_weekday(month)):
            sent = recall_actions.send_due_invitations(practice=practice, month=month, by=staff["admin"])
        counts["invitations"] += sent.first + sent.reminders
        for review in _reviews_due(practice, month):
            if rng.random() >= share:
                continue
            tests_day = _weekday(month + dt.timedelta(days=rng.randint(2, 20)))
            talk_day = _weekday(tests_day + dt.timedelta(days=rng.randint(7, 14)))
            if talk_day > last_day:
                continue
            with clock.frozen(tests_day):
                recall_actions.record_response(review=review, response=Response.ATTENDED, by=staff["hca"])
            counts["tests"] += 1
            clinician = clinicians[review.patient_id % len(clinicians)]
            number, base = plans.get(review.patient_id, (0, None))
            conditions = tuple(sorted(registers.get(review.patient_id, ())))
            plan = annual_plan(rng, conditions, services, 1, base,  # 1: targets as the guideline's, not tighter
                                  frail=review.patient_id in frail)
            agreed = rng.random() < story.agreed
            plan = dataclasses.replace(plan, review_date=(talk_day + dt.timedelta(days=365)).isoformat(),
                                       held_by_id=clinician.pk, held_by=held_by.get(clinician.pk, ""),
                                       held_on=talk_day.isoformat(), agreed_with_person=agreed,
                                       agreed_on=talk_day.isoformat() if agreed else "")
            with clock.frozen(talk_day):
                saved = careplan_actions.save_plan(patient=review.patient, by=clinician, plan=plan,
                                                   base_version=number, note=f"Annual review {talk_day.year}")
                counts["conversations"] += 1
                if agreed:
                    counts["agreed"] += 1
                    printing = story.printing_from is not None and talk_day >= story.printing_from
                    if rng.random() < (story.copy_after if printing else story.copy_before):
                        careplan_actions.record_copy_given(version=saved.version, by=clinician, how="printed",
                                                           on=talk_day)
                        counts["copies"] += 1
            plans[review.patient_id] = (saved.version.version, Plan.from_dict(saved.version.content))
            made.append(saved.version.pk)
        counts["surveys"] += _people_surveys(practice, month, story, rng, last_day)
        _sent_at_the_time(practice)
        if index in story.staff_rounds:
            _staff_round(practice, month, staff, story.staff_answers[story.staff_rounds.index(index)], rng)
    counts["answered"] = PersonSurvey.objects.filter(practice=practice, status=PersonSurvey.Status.ANSWERED).count()
    _forget_pdfs(practice, made)
    return counts


def _people_surveys(practice: Practice, month: dt.date, story: Story, rng: random.Random, last_day: dt.date) -> int:
    """The person's survey, sent each week of the month to those whose plan was agreed a few weeks before, and
    answered by some of them within a fortnight."""
    sent = 0
    for week in range(0, 28, 7):
        day = month + dt.timedelta(days=week)
        if day > last_day:
            break
        with clock.frozen(day):
            sent += survey_actions.send_due(practice=practice, by=None).sent
    for survey in PersonSurvey.objects.filter(practice=practice, status=PersonSurvey.Status.OPEN,
                                              sent_on__gte=month, sent_on__lt=month + dt.timedelta(days=32)):
        if rng.random() >= story.survey_answered:
            continue
        answered_on = min(survey.sent_on + dt.timedelta(days=rng.randint(1, 12)), last_day, survey.closes_on)
        with clock.frozen(answered_on):
            survey_actions.record_person_answer(survey_id=survey.pk, practice=practice, given_by="person",
                                                answers=_person_answers(rng, copied=rng.random() < 0.7))
    return sent


def _person_answers(rng: random.Random, *, copied: bool) -> dict[str, dict[str, str]]:
    pacic = {f"p{n}": str(min(5, max(1, round(rng.gauss(3.4 if copied else 2.8, 1.0))))) for n in range(1, 21)}
    gpps = {"conversation": "yes" if rng.random() < 0.9 else "no", "plan": "yes" if rng.random() < 0.85 else "no"}
    if gpps["plan"] == "yes":
        gpps["copy"] = "yes" if copied else "no"
        gpps["helpful"] = rng.choice(["very", "fairly", "fairly", "not_very"] if copied else
                                     ["fairly", "not_very", "not_very", "dont_know"])
    return {"pacic": pacic, "gpps": gpps}


def _staff_round(practice: Practice, month: dt.date, staff: dict[str, User], agreement: int,
                 rng: random.Random) -> None:
    opened = _weekday(month + dt.timedelta(days=3))
    with clock.frozen(opened):
        found = survey_actions.open_round(practice=practice, by=staff.get("manager"), weeks=2)
    answering = [u for key, u in staff.items() if key != "manager" and u is not None] + [staff["manager"]]
    for number, user in enumerate(dict.fromkeys(answering)):
        answers = {f"b{n}": str(min(5, max(1, agreement + rng.choice((-1, 0, 0, 1))))) for n in range(1, 21)}
        answers["a1"] = str(min(10, max(0, 2 * agreement + rng.randint(-1, 1))))
        with clock.frozen(opened + dt.timedelta(days=1 + number % 9)):
            survey_actions.record_staff_answer(practice=practice, by=user, round_id=found.pk, answers=answers)
    with clock.frozen(opened + dt.timedelta(days=15)):
        survey_actions.close_past_rounds(practice=practice)


def _sent_at_the_time(practice: Practice) -> int:
    """The month's invitations, reminders and surveys went out at the time. Recorded as sent when they were
    queued (texts as delivered), rather than sent now: the demo's mailbox and letter printing then hold only
    what is happening today, and thousands of past letters are not made into PDFs when the demo is set up."""
    queued = OutboxMessage.objects.filter(practice=practice, state=OutboxMessage.State.QUEUED)
    return (queued.filter(channel="sms").update(state=OutboxMessage.State.DELIVERED, sent_at=F("created_at"),
                                                delivered_at=F("created_at"))
            + queued.update(state=OutboxMessage.State.SENT, sent_at=F("created_at")))


def _forget_pdfs(practice: Practice, versions: list[int]) -> int:
    """These plans were saved and handed over at the time; their PDFs are made when someone opens them, not all
    at once by the worker when the demo starts."""
    removed = 0
    for start in range(0, len(versions), 500):
        removed += Job.objects.filter(practice=practice, kind=written_pdfs.PDF_JOB, state=Job.State.QUEUED,
                                      params__version__in=versions[start : start + 500]).delete()[0]
    return removed
