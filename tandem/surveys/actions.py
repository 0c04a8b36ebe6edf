"""Writes of surveys: opening and closing staff rounds, keeping a member of staff's answers (without
them) and that they answered; sending people their survey after their plan is agreed (through the
outbox, with a link of their own), closing the unanswered, and keeping a person's answers. Every write
is audited; staff answers are audited as "answered a round", never with the answers."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from tandem.careplans.models import PlanVersion
from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.messaging import actions as messaging_actions
from tandem.messaging import link_actions, links
from tandem.messaging.actions import MessageRequest, MessagingError
from tandem.messaging.models import ReplyLink
from tandem.patients.models import RegistrationStatus

from . import fhir, instruments, queries
from .models import PersonAnswer, PersonSurvey, StaffAnswer, StaffResponded, StaffRound

logger = logging.getLogger(__name__)

TEMPLATE = "care_planning_survey"
DAYS_AFTER = 14  # the survey goes this many days after the plan was agreed
CATCH_UP_DAYS = 7  # a missed daily run still sends for plans agreed up to a week earlier
ONCE_IN_DAYS = 365  # at most one survey a person a year
OPEN_DAYS = 28  # how long a person's survey stays open
ROUND_WEEKS = (2, 3, 4, 6)  # how long a staff round can stay open


class SurveyError(ValueError):
    """A survey write that cannot be done: the message says why, for the person reading it."""


class StaleRound(SurveyError):
    pass


# --- Staff rounds ---------------------------------------------------------------------------------

def _close_past(practice: Practice, today: dt.date) -> int:
    past = StaffRound.objects.filter(practice=practice, closed_on__isnull=True, closes_on__lt=today)
    return sum(StaffRound.objects.filter(pk=r.pk).update(closed_on=r.closes_on + dt.timedelta(days=1))
               for r in past)


def close_past_rounds(*, practice: Practice, today: dt.date | None = None) -> int:
    """Rounds past their last day are closed (the day after it)."""
    return _close_past(practice, today or clock.today())


@transaction.atomic
def open_round(*, practice: Practice, by: User | None, weeks: int) -> StaffRound:
    """Open a round of the staff survey for `weeks` weeks (one open round at a time)."""
    if weeks not in ROUND_WEEKS:
        raise SurveyError("Choose how long the survey stays open")
    today = clock.today()
    Practice.objects.select_for_update().filter(pk=practice.pk).first()  # one opener at a time
    _close_past(practice, today)
    if StaffRound.objects.filter(practice=practice, closed_on__isnull=True).exists():
        raise SurveyError("A round of the staff survey is open already. Close it before opening another.")
    last = StaffRound.objects.filter(practice=practice).order_by("-number").values_list("number", flat=True).first()
    try:
        with transaction.atomic():
            made = StaffRound.objects.create(practice=practice, number=(last or 0) + 1, opened_on=today,
                                             closes_on=today + dt.timedelta(days=7 * weeks - 1), opened_by=by)
    except IntegrityError:
        raise SurveyError("A round of the staff survey is open already. Close it before opening another.") from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="surveys.staff_round",
                 object_id=made.pk, detail={"weeks": weeks})
    return made


@transaction.atomic
def close_round(*, practice: Practice, by: User | None, round_id: int, revision: int) -> StaffRound:
    """Close an open round now. A page open from before a change is refused (`revision`)."""
    found = StaffRound.objects.select_for_update().filter(practice=practice, pk=round_id).first()
    if found is None:
        raise SurveyError("That survey round was not found.")
    if found.revision != revision:
        raise StaleRound("Someone else changed this round while you were looking at it. Check it and try again.")
    if found.closed_on is not None:
        raise SurveyError("That survey round has closed already.")
    found.closed_on = clock.today()
    found.revision += 1
    found.save(update_fields=["closed_on", "revision"])
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="surveys.staff_round",
                 object_id=found.pk, detail={"closed": True})
    return found


@transaction.atomic
def record_staff_answer(*, practice: Practice, by: User, round_id: int, answers: dict[str, str]) -> None:
    """Keep a member of staff's NoMAD answers without them, and that they answered (once a round)."""
    nomad = instruments.nomad()
    found = StaffRound.objects.select_for_update().filter(practice=practice, pk=round_id).first()
    if found is None or not queries.is_open(found, clock.today()):
        raise SurveyError("This survey has closed. Thank you for wanting to answer it.")
    if not answers:
        raise SurveyError("Answer at least one question")
    unknown = [k for k, v in answers.items() if nomad.item(k) is None or v not in nomad.item(k).answers.codes()]
    if unknown:
        raise SurveyError("Choose one of the answers given for each question")
    try:
        with transaction.atomic():
            StaffResponded.objects.create(round=found, user=by)
    except IntegrityError:
        raise SurveyError("You have answered this round already. Thank you.") from None
    answer = StaffAnswer(practice=practice, round=found, answers=dict(answers))
    answer.response = fhir.staff_response(nomad, answers, key=str(answer.pk), round_number=found.number,
                                          authored=found.opened_on)
    answer.save(force_insert=True)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="surveys.staff_answered",
                 object_id=found.pk)


# --- People's survey ------------------------------------------------------------------------------

@dataclass
class Sent:
    made: int = 0
    sent: int = 0
    no_address: int = 0


def _due_versions(practice: Practice, today: dt.date) -> list[PlanVersion]:
    days = [(today - dt.timedelta(days=DAYS_AFTER + n)).isoformat() for n in range(CATCH_UP_DAYS + 1)]
    found = (PlanVersion.objects.filter(practice=practice, content__agreed_on__in=days)
             .select_related("patient").order_by("patient_id", "-version"))
    latest: dict[int, PlanVersion] = {}
    for v in found:
        latest.setdefault(v.patient_id, v)
    recent = set(PersonSurvey.objects.filter(
        practice=practice, patient_id__in=list(latest), sent_on__gt=today - dt.timedelta(days=ONCE_IN_DAYS))
        .values_list("patient_id", flat=True))
    return [v for pk, v in latest.items() if pk not in recent
            and v.patient.registration_status == RegistrationStatus.REGISTERED and v.patient.date_of_death is None]


@transaction.atomic
def send_due(*, practice: Practice, by: User | None, today: dt.date | None = None) -> Sent:
    """Send the survey to each person whose plan was agreed DAYS_AFTER days ago (or up to a week more,
    for a missed run) and who has not had one in the last year: by text, else email, with their own
    link. Running it again sends nothing more (one survey a person a year)."""
    today = today or clock.today()
    summary = Sent()
    versions = _due_versions(practice, today)
    if not versions:
        return summary
    now = clock.now()
    closes = today + dt.timedelta(days=OPEN_DAYS - 1)
    made = []
    for v in versions:
        reachable = messaging_actions.reachable_channels(v.patient)
        channel = "sms" if "sms" in reachable else "email" if "email" in reachable else ""
        made.append(PersonSurvey(practice=practice, patient=v.patient, version=v, year=today.year, sent_on=today,
                                 closes_on=closes, channel=channel, created_at=now))
    PersonSurvey.objects.bulk_create(made, ignore_conflicts=True)
    ids = dict(PersonSurvey.objects.filter(practice=practice, sent_on=today, created_at=now)
               .values_list("patient_id", "pk"))
    surveys = [s for s in made if ids.get(s.patient_id)]
    for s in surveys:
        s.pk = ids[s.patient_id]
    summary.made = len(surveys)
    summary.no_address = sum(1 for s in surveys if not s.channel)
    sending = [s for s in surveys if s.channel]
    secrets = [link_actions.Secret.new() for _ in sending]
    requests = [MessageRequest(patient=s.patient, channel=s.channel, template=TEMPLATE,
                               idempotency_key=f"survey:{s.pk}:open",
                               context={"closes_on": s.closes_on, **secret.context()})
                for s, secret in zip(sending, secrets, strict=True)]
    if requests:
        try:
            with transaction.atomic():
                messages = messaging_actions.queue_messages(practice=practice, by=by, requests=requests)
        except MessagingError:
            logger.warning("surveys: practice %s: %s survey messages could not be queued", practice.pk, len(requests))
            messages = []
            PersonSurvey.objects.filter(pk__in=[s.pk for s in sending]).update(channel="")
        if messages:
            link_actions.issue_links(practice=practice, by=by, requests=[
                link_actions.LinkRequest(patient=s.patient, purpose=ReplyLink.Purpose.SURVEY, object_id=s.pk,
                                         expires_at=links.fresh_expires_at(now, days=OPEN_DAYS - 1), secret=secret)
                for s, secret, message in zip(sending, secrets, messages, strict=True)
                if link_actions.carries(message, secret)])
            summary.sent = len(messages)
    audit.record_many(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="surveys.person_sent",
                      patient_ids=[s.patient_id for s in surveys])
    logger.info("surveys: practice %s made %s, sent %s, no address %s", practice.pk, summary.made, summary.sent,
                summary.no_address)
    return summary


def close_unanswered(*, practice: Practice, today: dt.date | None = None) -> int:
    today = today or clock.today()
    return PersonSurvey.objects.filter(practice=practice, status=PersonSurvey.Status.OPEN,
                                       closes_on__lt=today).update(status=PersonSurvey.Status.MISSED)


@transaction.atomic
def record_person_answer(*, survey_id: int, practice: Practice, answers: dict[str, dict[str, str]],
                         given_by: str) -> PersonAnswer:
    """Keep a person's answers, once ({"pacic": {...}, "gpps": {...}}, each already read against its
    instrument). Answered on their own link: `by` is nobody on the staff."""
    now = clock.now()
    survey = (PersonSurvey.objects.select_for_update(of=("self",)).filter(practice=practice, pk=survey_id)
              .first())
    if survey is None:
        raise SurveyError("No such survey.")
    if survey.status == PersonSurvey.Status.ANSWERED:
        raise SurveyError("You have answered this survey already. Thank you.")
    if survey.status != PersonSurvey.Status.OPEN or survey.closes_on < clock.today():
        raise SurveyError("This survey has closed.")
    if given_by not in PersonAnswer.From.values:
        raise SurveyError("Say who is answering")
    if not any(answers.get(k) for k in fhir.PEOPLE_PARTS):
        raise SurveyError("Answer at least one question")
    parts = tuple(instruments.load(k) for k in fhir.PEOPLE_PARTS)
    kept = {p.key: {k: v for k, v in answers.get(p.key, {}).items()
                    if p.item(k) is not None and v in p.item(k).answers.codes()} for p in parts}
    source = ({"reference": f"Patient/{survey.patient_id}"} if given_by == PersonAnswer.From.PERSON
              else {"display": "Someone helping them (carer or family)"})
    answer = PersonAnswer.objects.create(
        practice=practice, survey=survey, year=now.year, given_by=given_by, answers=kept,
        response=fhir.people_response(parts, kept, key=str(survey.pk), patient_ref=f"Patient/{survey.patient_id}",
                                      authored=now, source=source),
        answered_at=now)
    survey.status = PersonSurvey.Status.ANSWERED
    survey.save(update_fields=["status"])
    audit.record(by=None, practice=practice, action=AuditEvent.Action.CREATE, what="surveys.person_answered",
                 patient_id=survey.patient_id, object_id=survey.pk)
    return answer
