"""Writes of check-ins: scheduling them from a saved plan, opening those due (sending each by text or
email with the person's own link, or putting it on the caller's list), reminders, closing the
unanswered, recording answers (online or on the phone) with what they raise, and home readings the
person (or a carer) adds on their own pages, checked against the plan's levels the same way. Set-based: the
daily work reads and writes in bulk, never one query per person. Logs carry ids and counts only."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from tandem.careplans import hooks as plan_hooks
from tandem.careplans.actions import tasks as task_actions
from tandem.careplans.models import PlanVersion, Task
from tandem.careplans.rules.agreed_checkins import ReadingAgreement, levels_of
from tandem.careplans.rules.document import Plan
from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.core.on_behalf import OnBehalf
from tandem.core.parsing import digits
from tandem.core.rules import Role
from tandem.messaging import actions as messaging_actions
from tandem.messaging import link_actions, links
from tandem.messaging.actions import MessageRequest, MessagingError
from tandem.messaging.models import ReplyLink
from tandem.patients.models import Patient, RegistrationStatus

from . import fhir, queries, rules
from .models import Answer, CheckIn, GoalRating, HomeReading, Schedule, Settings

logger = logging.getLogger(__name__)

TEMPLATE = "checkin"
REMINDER_TEMPLATE = "checkin_reminder"
CHUNK = 500
URGENT_DUE_DAYS = 0  # a red level: today
SOON_DUE_DAYS = 2  # an amber answer: within two days


class CheckInError(ValueError):
    """A check-in that cannot be answered now (closed, already answered): the message says why."""


# --- From the plan ----------------------------------------------------------------------------------

def questions_of(plan: Plan) -> dict:
    """What each check-in asks, as agreed in the plan (kept with the schedule and each check-in)."""
    return {
        "goals": [{"id": g.id, "words": g.words, "importance": g.importance, "watch": g.watch}
                  for g in plan.goals if g.stage not in ("achieved", "dropped", "not_achieved")],
        "readings": [{"key": r.key, "amber": r.amber, "red": r.red} for r in plan.checkins.readings],
        "mood": plan.checkins.mood,
    }


def plan_saved(*, version: PlanVersion, plan: Plan, by: User | None, today: dt.date, historical: bool) -> None:
    """A plan version was saved (in its transaction): schedule the check-ins agreed in it, replacing
    the person's earlier schedule (check-ins already sent stay open and answerable), and keep the
    goals' ratings made at the review."""
    _review_ratings(version=version, plan=plan, by=by, today=today)
    if historical:
        return
    agreed = plan.checkins
    patient_id = version.patient_id
    if not agreed.every:
        Schedule.objects.filter(patient_id=patient_id).delete()
        return
    start = _day(plan.agreed_on) or _day(plan.held_on) or today
    days = [d for d in rules.schedule(agreed.every, start=start, review=_day(plan.review_date)) if d > today]
    Schedule.objects.update_or_create(patient_id=patient_id, defaults={
        "practice_id": version.practice_id, "version": version, "cadence": agreed.every, "channel": agreed.channel,
        "caller_id": agreed.caller_id if agreed.channel == "phone" else None,
        "clinician_id": plan.named_clinician_id or plan.held_by_id,
        "days": [d.isoformat() for d in days], "questions": questions_of(plan), "next_number": 0,
        "next_on": days[0] if days else None, "created_at": clock.now(), "created_by": by})
    audit.record(by=by, practice=version.practice, action=AuditEvent.Action.CREATE, what="checkins.schedule",
                 patient_id=patient_id, object_id=version.pk, detail={"cadence": agreed.every, "count": len(days)})


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _review_ratings(*, version: PlanVersion, plan: Plan, by: User | None, today: dt.date) -> None:
    rated = [g for g in plan.goals if g.attainment is not None]
    if not rated:
        return
    have = set(GoalRating.objects.filter(patient_id=version.patient_id, source=GoalRating.Source.REVIEW,
                                         rated_on=today).values_list("goal_id", "level"))
    now = clock.now()
    GoalRating.objects.bulk_create([
        GoalRating(practice_id=version.practice_id, patient_id=version.patient_id, goal_id=g.id, version=version,
                   level=g.attainment, weight=rules.weight(g.importance), source=GoalRating.Source.REVIEW,
                   rated_on=today, created_at=now, created_by=by)
        for g in rated if (g.id, g.attainment) not in have])


def goal_progress(practice_id: int, patient_id: int) -> dict[str, list[plan_hooks.Rated]]:
    out: dict[str, list[plan_hooks.Rated]] = {}
    for goal_id, level, source, on in queries.ratings(practice_id, patient_id):
        out.setdefault(goal_id, []).append(plan_hooks.Rated(on=on, level=level, source=source))
    return out


# --- Settings ---------------------------------------------------------------------------------------

class SettingsConflict(ValueError):
    pass


@transaction.atomic
def save_settings(*, practice: Practice, by: User | None, open_days: int, reminder_days: tuple[int, ...],
                  revision: int) -> Settings:
    current = queries.settings_for(practice, lock=True)
    if current.pk is not None and current.revision != revision:
        raise SettingsConflict("Someone else changed these settings while you were editing them.")
    current.open_days, current.reminder_days = open_days, list(reminder_days)
    current.revision = (current.revision or 0) + 1 if current.pk else 1
    current.updated_at, current.updated_by = clock.now(), by
    current.save()
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="checkins.settings",
                 object_id=current.pk, detail={"open_days": open_days, "reminder_days": list(reminder_days)})
    return current


# --- The daily work ---------------------------------------------------------------------------------

@dataclass
class Opened:
    opened: int = 0
    sent: int = 0
    calls: int = 0
    no_address: int = 0
    ended: int = 0


def open_due(*, practice: Practice, by: User | None, today: dt.date | None = None,
             progress: Callable[..., None] | None = None) -> Opened:
    """Open every check-in due by today: one per person whose schedule's next day has come (a run
    missed for a few days opens one, not a backlog), in chunks of CHUNK. Running it again opens
    nothing more (one check-in per plan version and turn)."""
    today = today or clock.today()
    summary = Opened()
    ids = list(Schedule.objects.filter(practice=practice, next_on__lte=today).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        _open_chunk(practice=practice, by=by, ids=ids[start:start + CHUNK], today=today, summary=summary)
        if progress:
            progress(min(start + CHUNK, len(ids)), len(ids), message=f"{summary.opened:,} check-ins opened")
    logger.info("checkins: practice %s opened %s (sent %s, calls %s, no address %s)", practice.pk, summary.opened,
                summary.sent, summary.calls, summary.no_address)
    return summary


def _link_expiry(closes: dt.date) -> dt.datetime:
    now = clock.now()
    return links.fresh_expires_at(now, days=(closes - clock.today()).days)


@transaction.atomic
def _open_chunk(*, practice: Practice, by: User | None, ids: list[int], today: dt.date, summary: Opened) -> None:
    now = clock.now()
    setting = queries.settings_for(practice)
    open_days, reminder_days = setting.open_days, list(setting.reminder_days)
    schedules = list(Schedule.objects.select_for_update(of=("self",)).filter(pk__in=ids, next_on__lte=today)
                     .select_related("patient").order_by("pk"))
    gone = [s for s in schedules if s.patient.registration_status != RegistrationStatus.REGISTERED
            or s.patient.date_of_death is not None]
    if gone:  # left the practice or died: their check-ins end (nothing is sent)
        Schedule.objects.filter(pk__in=[s.pk for s in gone]).delete()
        summary.ended += len(gone)
    schedules = [s for s in schedules if s not in gone]
    made = []
    for s in schedules:
        number = s.next_number + 1
        made.append(CheckIn(
            practice=practice, patient=s.patient, version_id=s.version_id, number=number, channel=s.channel,
            caller_id=s.caller_id, clinician_id=s.clinician_id, opened_on=today,
            closes_on=rules.closes_on(today, open_days), reminder_days=reminder_days, questions=s.questions,
            questionnaire=fhir.questionnaire(s.questions, key=f"{s.version_id}-{number}", practice_name=practice.name,
                                             on=today),
            created_at=now))
    CheckIn.objects.bulk_create(made, ignore_conflicts=True, batch_size=CHUNK)
    # The ones made now, with their ids (not those another run made first: ignore_conflicts left them).
    found = dict(CheckIn.objects.filter(practice=practice, version_id__in={m.version_id for m in made}, opened_on=today,
                                        created_at=now).values_list("version_id", "pk"))
    checkins = []
    for m in made:
        m.pk = found.get(m.version_id)
        if m.pk is not None:
            checkins.append(m)
    _advance(schedules, today)
    summary.opened += len(checkins)
    summary.calls += sum(1 for c in checkins if c.channel == "phone")
    sent, no_address = _send(practice=practice, by=by, checkins=[c for c in checkins if c.channel != "phone"],
                             template=TEMPLATE, key=lambda c: f"checkin:{c.pk}:open")
    summary.sent += sent
    summary.no_address += len(no_address)
    if no_address:
        CheckIn.objects.filter(pk__in=no_address).update(no_address=True)
    audit.record_many(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="checkins.opened",
                      patient_ids=[c.patient_id for c in checkins])


def _advance(schedules: list[Schedule], today: dt.date) -> None:
    """Move each schedule past today: its next day after today, or none left. One UPDATE per
    (next turn, next day): the schedules opened on a day mostly share them."""
    groups: dict[tuple[int, dt.date | None], list[int]] = defaultdict(list)
    for s in schedules:
        days = s.days
        n = s.next_number + 1
        while n < len(days) and dt.date.fromisoformat(days[n]) <= today:
            n += 1
        groups[(n, dt.date.fromisoformat(days[n]) if n < len(days) else None)].append(s.pk)
    for (n, next_on), ids in groups.items():
        Schedule.objects.filter(pk__in=ids).update(next_number=n, next_on=next_on)


def _send(*, practice: Practice, by: User | None, checkins: list[CheckIn], template: str,
          key: Callable[[CheckIn], str]) -> tuple[int, list[int]]:
    """Queue one message per check-in by its channel, each with a fresh link of the person's own;
    returns (how many queued, the ids of those with no address for their channel)."""
    requests, secrets, no_address, sending = [], [], [], []
    for c in checkins:
        reachable = messaging_actions.reachable_channels(c.patient)
        channel = "sms" if c.channel == "text" else "email"
        if channel not in reachable:
            no_address.append(c.pk)
            continue
        secret = link_actions.Secret.new()
        requests.append(MessageRequest(
            patient=c.patient, channel=channel, template=template, idempotency_key=key(c),
            context={"closes_on": c.closes_on, **secret.context()}))
        secrets.append(secret)
        sending.append(c)
    if not requests:
        return 0, no_address
    try:
        messages = messaging_actions.queue_messages(practice=practice, by=by, requests=requests)
    except MessagingError:
        logger.warning("checkins: practice %s: %s messages could not be queued", practice.pk, len(requests))
        return 0, no_address + [c.pk for c in sending]
    link_actions.issue_links(practice=practice, by=by, requests=[
        link_actions.LinkRequest(patient=c.patient, purpose=ReplyLink.Purpose.CHECKIN, object_id=c.pk,
                                 expires_at=_link_expiry(c.closes_on), secret=secret)
        for c, secret, message in zip(sending, secrets, messages, strict=True)
        if link_actions.carries(message, secret)])
    return len(messages), no_address


def send_reminders(*, practice: Practice, by: User | None, today: dt.date | None = None) -> int:
    """A reminder for each open, unanswered text or email check-in on its reminder days (once each)."""
    today = today or clock.today()
    due = [c for c in queries.open_to_remind(practice, today=today)
           if rules.reminder_due(c.opened_on, today, c.reminders_sent, c.reminder_days)]
    if not due:
        return 0
    with transaction.atomic():
        locked = list(CheckIn.objects.select_for_update(of=("self",))
                      .filter(pk__in=[c.pk for c in due], status=CheckIn.Status.OPEN).select_related("patient"))
        sent, _none = _send(practice=practice, by=by, checkins=locked, template=REMINDER_TEMPLATE,
                            key=lambda c: f"checkin:{c.pk}:reminder-{c.reminders_sent + 1}")
        CheckIn.objects.filter(pk__in=[c.pk for c in locked]).update(reminders_sent=F("reminders_sent") + 1)
    return sent


def close_unanswered(*, practice: Practice, today: dt.date | None = None) -> int:
    """Check-ins past their last day without an answer are closed as not answered."""
    today = today or clock.today()
    return CheckIn.objects.filter(practice=practice, status=CheckIn.Status.OPEN, closes_on__lt=today).update(
        status=CheckIn.Status.MISSED, closed_at=clock.now())


# --- Answers ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recorded:
    answer: Answer
    flags: list[rules.Flag]
    task: Task | None


def agreed_levels(questions: dict) -> list[rules.AgreedReading]:
    out = []
    for r in questions.get("readings", []):
        if r.get("key") not in rules.READINGS:
            continue
        amber, red, _problems = levels_of(ReadingAgreement(key=r["key"], amber=r.get("amber", ""), red=r.get("red", "")))
        out.append(rules.AgreedReading(key=r["key"], amber=amber, red=red))
    return out


@transaction.atomic
def record_answer(*, checkin_id: int, practice: Practice, answers: rules.Answers, given_by: str,
                  by: User | None = None, on_behalf: OnBehalf | None = None) -> Recorded:
    """Keep a check-in's answers (once), rate the goals, and when an answer crosses one of the plan's
    triggers create a task for the named clinician (urgent for a red level). `on_behalf`: answered
    from the person's own pages, by them or by a carer (ADR 16): which account and grant, for the audit."""
    now = clock.now()
    checkin = (CheckIn.objects.select_for_update(of=("self",)).select_related("patient")
               .filter(practice=practice, pk=checkin_id).first())
    if checkin is None:
        raise CheckInError("No such check-in.")
    if checkin.status == CheckIn.Status.ANSWERED:
        raise CheckInError("This check-in has been answered already. Thank you.")
    if checkin.status != CheckIn.Status.OPEN or checkin.closes_on < clock.today():
        raise CheckInError("This check-in has closed.")
    questions = checkin.questions
    watched = {g["id"]: g["words"] for g in questions.get("goals", []) if g.get("watch")}
    found = rules.flags(answers, agreed=agreed_levels(questions), watched_goals=watched)
    source = ({"reference": f"Practitioner/{by.pk}"} if given_by == Answer.From.PHONE and by is not None
              else {"reference": f"Patient/{checkin.patient_id}"} if given_by == Answer.From.PERSON
              else {"display": "Someone helping them (carer or family)"})
    answer = Answer.objects.create(
        practice=practice, checkin=checkin, patient=checkin.patient, given_by=given_by,
        recorded_by=by if given_by == Answer.From.PHONE else None,
        response=fhir.response(questions, answers, key=f"{checkin.version_id}-{checkin.number}",
                               patient_ref=f"Patient/{checkin.patient_id}",
                               authored=now, source=source),
        confidence=answers.confidence, phq2=answers.phq2_score, not_coping=answers.not_coping,
        talk_about=answers.talk_about, readings={k: v.text() for k, v in answers.readings.items()},
        flags=[{"code": f.code, "level": f.level, "words": f.words} for f in found], answered_at=now)
    weights = {g["id"]: rules.weight(g.get("importance")) for g in questions.get("goals", [])}
    GoalRating.objects.bulk_create([
        GoalRating(practice=practice, patient=checkin.patient, goal_id=goal_id, version_id=checkin.version_id,
                   checkin=checkin, level=level, weight=weights.get(goal_id, 1.0), source=GoalRating.Source.CHECKIN,
                   rated_on=clock.today(), created_at=now,
                   created_by=by)
        for goal_id, level in answers.goal_levels.items() if goal_id in weights])
    checkin.status, checkin.answered_at = CheckIn.Status.ANSWERED, now
    checkin.flagged, checkin.urgent = bool(found), any(f.urgent for f in found)
    checkin.save(update_fields=["status", "answered_at", "flagged", "urgent"])
    task = _task_for(checkin, found, by=by, now=now) if found else None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="checkins.answer",
                 patient_id=checkin.patient_id, object_id=checkin.pk,
                 detail={"given_by": given_by, "flags": [f.code for f in found],
                         **(on_behalf.detail() if on_behalf is not None else {})})
    return Recorded(answer=answer, flags=found, task=task)


def _task_for(checkin: CheckIn, found: list[rules.Flag], *, by: User | None, now: dt.datetime) -> Task:
    urgent = any(f.urgent for f in found)
    to_user = checkin.clinician_id or Patient.objects.filter(pk=checkin.patient_id).values_list(
        "named_clinician_id", flat=True).first()
    what = ("Check-in answers need a look: " + "; ".join(f.words for f in found))[:500]
    task = Task.objects.create(
        practice_id=checkin.practice_id, patient_id=checkin.patient_id, version_id=checkin.version_id,
        referral_id=f"ci{checkin.pk}", what=what, priority=Task.Priority.URGENT if urgent else Task.Priority.ROUTINE,
        to_user_id=to_user, to_role="" if to_user else Role.GP,
        due_on=clock.today() + dt.timedelta(days=URGENT_DUE_DAYS if urgent else SOON_DUE_DAYS),
        created_at=now, created_by=by)
    task_actions.record_created([task], by=by, now=now)
    return task


# --- Home readings from the person's own pages (ADR 16) ----------------------------------------------

HOME_READING_DAYS = 365  # a reading taken longer ago than this is refused: too old to act on
MAX_TYPED = 40  # longest text a reading is read from (the parser refuses more than 20 after trimming)


class HomeReadingError(ValueError):
    """A home reading that cannot be kept: `field` is the form's field, the message says what to change."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RecordedReading:
    reading: HomeReading
    flags: list[rules.Flag]
    task: Task | None


def home_reading_earliest(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=HOME_READING_DAYS)


def read_home_reading(key: str, text: object) -> tuple[rules.Value | None, str]:
    """A home reading as typed, read by the check-in readings' own parser (digits folded to ASCII
    first, through tandem.core.parsing): the value, or a message for the person."""
    reading = rules.READINGS.get(key)
    if reading is None:
        return None, "Choose which reading you are adding"
    if not isinstance(text, str) or len(text) > MAX_TYPED:
        return None, f"Enter the reading as a number, for example {reading.example}"
    typed = digits(text)
    if typed is None:
        return None, f"Enter the reading as a number, for example {reading.example}"
    if not typed:
        return None, f"Enter your reading, for example {reading.example}"
    value, error = rules.read_value(reading, typed)
    if value is None:
        return None, error or f"Enter the reading as a number, for example {reading.example}"
    return value, ""


def latest_version(practice: Practice, patient_id: int) -> PlanVersion | None:
    return PlanVersion.objects.filter(practice=practice, patient_id=patient_id).order_by("-version").first()


def plan_readings(plan: Plan | None) -> dict:
    """The readings a plan agreed, in the shape a check-in's questions keep them (for agreed_levels)."""
    agreed = plan.checkins.readings if plan is not None else ()
    return {"readings": [{"key": r.key, "amber": r.amber, "red": r.red} for r in agreed]}


@transaction.atomic
def record_home_reading(*, practice: Practice, patient: Patient, key: str, text: str, taken_on: dt.date | None,
                        on_behalf: OnBehalf, by: None = None, carer_name: str = "") -> RecordedReading:
    """Keep a reading the person (or their carer) took at home, checked against the levels agreed in
    their latest plan by the same rules as a check-in's readings; one that crosses a level makes the
    same task for the named clinician a check-in does (urgent for a red level). Not written to the GP
    record's observations. `carer_name`: for a carer, their name on the grant (shown to staff)."""
    if patient.practice_id != practice.pk:
        raise HomeReadingError("key", "No such person at this practice.")
    value, error = read_home_reading(key, text)
    if value is None:
        raise HomeReadingError("text" if key in rules.READINGS else "key", error)
    today = clock.today()
    if taken_on is None:
        raise HomeReadingError("taken_on", "Enter the date you took the reading")
    if taken_on > today:
        raise HomeReadingError("taken_on", "The date you took the reading must be today or in the past")
    if taken_on < home_reading_earliest(today):
        raise HomeReadingError("taken_on", "The date you took the reading must be in the last year")
    version = latest_version(practice, patient.pk)
    plan = Plan.from_dict(version.content) if version is not None else None
    found = rules.flags(rules.Answers(readings={key: value}), agreed=agreed_levels(plan_readings(plan)),
                        watched_goals={})
    now = clock.now()
    carer = on_behalf.by_carer
    reading = HomeReading.objects.create(
        practice=practice, patient=patient, key=key, text=value.text(), first=value.first, second=value.second,
        taken_on=taken_on, entered_at=now, account_id=on_behalf.account, grant_id=on_behalf.grant,
        carer_name=" ".join(carer_name.split())[:201] if carer else "",
        flags=[{"code": f.code, "level": f.level, "words": f.words} for f in found])
    task = None
    if found:
        task = _reading_task(reading, found, version=version, plan=plan, by_carer=carer, now=now)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="checkins.home_reading",
                 patient_id=patient.pk, object_id=reading.pk,
                 detail={"key": key, "flags": [f.code for f in found], **on_behalf.detail()})
    logger.info("checkins: home reading %s for patient %s (%s flag(s))", reading.pk, patient.pk, len(found))
    return RecordedReading(reading=reading, flags=found, task=task)


def _reading_task(reading: HomeReading, found: list[rules.Flag], *, version: PlanVersion | None, plan: Plan | None,
                  by_carer: bool, now: dt.datetime) -> Task:
    urgent = any(f.urgent for f in found)
    to_user = ((plan.named_clinician_id or plan.held_by_id) if plan is not None else None) or (
        Patient.objects.filter(pk=reading.patient_id).values_list("named_clinician_id", flat=True).first())
    who = "a carer on their behalf" if by_carer else "the person"
    what = (f"Home reading needs a look (taken {reading.taken_on.day} {reading.taken_on:%B %Y}, entered by {who}): "
            + "; ".join(f.words for f in found))[:500]
    task = Task.objects.create(
        practice_id=reading.practice_id, patient_id=reading.patient_id, version=version,
        referral_id=f"hr{reading.pk}", what=what, priority=Task.Priority.URGENT if urgent else Task.Priority.ROUTINE,
        to_user_id=to_user, to_role="" if to_user else Role.GP,
        due_on=clock.today() + dt.timedelta(days=URGENT_DUE_DAYS if urgent else SOON_DUE_DAYS),
        created_at=now, created_by=None)
    task_actions.record_created([task], by=None, now=now)
    return task
