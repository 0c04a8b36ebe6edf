"""Sending invitations through the outbox, in chunks, idempotently; and asking for it as a job."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.jobs import actions as job_actions
from tandem.jobs.models import Job
from tandem.messaging import actions as messaging_actions
from tandem.messaging import link_actions, links
from tandem.messaging.actions import MessageRequest, MessagingError
from tandem.messaging.models import ReplyLink
from tandem.patients.models import RegistrationStatus
from tandem.terminology.plain_names import plain_names

from .. import queries, stored
from ..models import Invitation, Review, ReviewEvent
from ..rules import capacity as capacity_rules
from ..rules import dates, delivery, schedule
from ..rules import status as status_rules
from ..rules.review import GP_OR_SPECIALIST_NURSE, ReviewPlan
from ..rules.status import Status
from ._common import _chunks
from .responses import apply_no_response_exceptions

logger = logging.getLogger(__name__)

SEND_JOB = "recall.send_invitations"
INVITATION_TEMPLATE = "recall_invitation"
REMINDER_TEMPLATE = "recall_reminder"
REINVITATION_TEMPLATE = "recall_reinvitation"  # the first invitation after a missed appointment


@dataclass
class SendSummary:
    considered: int = 0
    first: int = 0
    reminders: int = 0
    no_address: int = 0
    not_queued: int = 0
    exceptions: int = 0
    held_back: int = 0  # first invitations beyond the staff time, not sent
    problems: list[str] = field(default_factory=list)

    @property
    def queued(self) -> int:
        return self.first + self.reminders

    def text(self) -> str:
        parts = [f"{self.first:,} invitations and {self.reminders:,} reminders queued"]
        if self.no_address:
            parts.append(f"{self.no_address:,} people with no address to send to")
        if self.not_queued:
            parts.append(f"{self.not_queued:,} could not be queued")
        if self.exceptions:
            parts.append(f"{self.exceptions:,} exceptions for no response")
        if self.held_back:
            parts.append(f"{self.held_back:,} invitations held back: more than the staff time can absorb")
        return "; ".join(parts)


def _who(roles: Iterable[str]) -> str:
    names = {"hca": "a health care assistant", "nurse": "a practice nurse", "pharmacist": "a clinical pharmacist",
             "gp": "a GP"}
    found = [names[r] for r in ("hca", "nurse", "pharmacist", "gp") if r in set(roles)]
    return " and ".join(found)


def message_context(*, review: Review, plan: ReviewPlan, nxt: schedule.NextInvitation, channel: str,
                    policy: schedule.InvitationPolicy, missed_on: dt.date | None = None) -> dict:
    """What the invitation templates (recall_invitation, recall_reminder, recall_reinvitation) are told.
    Condition names go in letters only: a text message or email may be read by someone else.
    `missed_on` is the day of the appointment the person missed (`missed_appointments`); without it, the
    day the missed appointment was recorded."""
    # Blood and urine tests are named by their sample ("a blood test"), measurements by themselves.
    tests = list(dict.fromkeys(step.item.plain for step in plan.tests.steps if not step.item.needs))
    context = {
        "due_month": review.due_month,
        "tests": [t for t in tests if t],
        "tests_minutes": plan.tests.minutes,
        "tests_with": _who(step.role for step in plan.tests.steps),
        "review_with": ("a GP or specialist nurse" if plan.conversation.lead == GP_OR_SPECIALIST_NURSE
                        else "your practice nurse"),
        "prepare": list(plan.tests.prepare),  # what to bring or do beforehand (a urine sample, inhalers)
    }
    if channel == delivery.LETTER:
        context["conditions"] = list(plain_names(plan.conditions))
    if nxt.is_reinvitation:
        context["missed_on"] = missed_on or review.round_started_on or review.status_on
    if not nxt.is_first:
        context["invited_on"] = review.first_sent_on or review.last_sent_on
        context["final"] = nxt.stage == policy.stages
    return context


def missed_appointments(reviews: Iterable[Review]) -> dict[int, dt.date]:
    """Review id -> the day of the appointment missed in its current round (what a re-invitation says),
    from the did-not-attend that started the round."""
    wanted = {r.pk: r.round for r in reviews if r.round > 1}
    if not wanted:
        return {}
    rows = (ReviewEvent.objects.filter(review_id__in=wanted, kind=ReviewEvent.Kind.DID_NOT_ATTEND,
                                       appointment_on__isnull=False)
            .order_by("review_id", "recorded_at", "pk").values_list("review_id", "round", "appointment_on"))
    return {review_id: on for review_id, round_, on in rows if round_ == wanted[review_id]}


STATE_FIELDS = ("status", "due_month", "round", "stage", "round_started_on", "first_sent_on", "last_sent_on")


def _could_send(policy: schedule.InvitationPolicy, *, month_end: dt.date, today: dt.date) -> Q:
    """Exactly the reviews (of a sendable status) that schedule.invitation_to_send can accept when the
    month ending `month_end` is sent on `today`, written as SQL so nothing else is read: a first
    invitation once its day (due month less the weeks before) is within the batch, a re-invitation once
    its round has started, a reminder once its weeks after the first have passed, and none sooner than
    the minimum days after the last. The rule still decides, on exactly this set."""
    batch = max(month_end, today)
    gap = dt.timedelta(days=schedule.MIN_DAYS_BETWEEN_INVITATIONS)
    weeks_before = dt.timedelta(weeks=policy.first_weeks_before)

    def spaced(limit: dt.date) -> Q:
        return Q(last_sent_on__isnull=True) | Q(last_sent_on__lte=limit - gap)

    could = Q(stage=0, round=1, due_month__lte=batch + weeks_before) & spaced(batch)
    could |= Q(stage=0, round__gt=1, round_started_on__lte=today) & spaced(today)
    could |= Q(stage=0, round__gt=1, round_started_on__isnull=True, due_month__lte=today + weeks_before) & spaced(today)
    for sent, weeks in enumerate(policy.reminder_weeks, start=1):  # reminder `sent + 1`, `weeks` after the first
        could |= Q(stage=sent, first_sent_on__lte=today - dt.timedelta(weeks=weeks)) & spaced(today)
    return could


def _sendable(practice: Practice, *, today: dt.date) -> QuerySet[Review]:
    return Review.objects.filter(practice=practice, review_year=dates.review_year_of(today),
                                 status__in=[s.value for s in status_rules.SENDABLE],
                                 patient__registration_status=RegistrationStatus.REGISTERED)


def _candidate_reviews(practice: Practice, *, month_end: dt.date, today: dt.date,
                       policy: schedule.InvitationPolicy) -> list[tuple[int, dt.date, schedule.NextInvitation]]:
    """(review id, due month, what to send) for each review with an invitation to send, in the order they go (due
    month, then id). SQL reads exactly the set the rule can accept (`_could_send`), only the columns
    the rule needs; the pure rule (schedule.invitation_to_send) decides each."""
    rows = (_sendable(practice, today=today).filter(_could_send(policy, month_end=month_end, today=today))
            .order_by("due_month", "pk").values_list("pk", *STATE_FIELDS))
    out = []
    for pk, *state in rows:
        review = schedule.ReviewState(*state)
        nxt = schedule.invitation_to_send(review, policy, month_end=month_end, today=today)
        if nxt is not None:
            out.append((pk, review.due_month, nxt))
    return out


@dataclass(frozen=True)
class SendPreview:
    """What sending would do now: first invitations (new demand on staff time), how many of them the
    coming weeks' staff time can absorb, and reminders and re-invitations (people already invited)."""

    within: int
    capacity_set: bool
    first: int = 0
    others: int = 0
    first_ids: tuple[int, ...] = ()  # in the order they go (only when asked for: preview_sending's `ids`)
    other_ids: tuple[int, ...] = ()

    @property
    def beyond(self) -> int:
        return self.first - self.within


def preview_sending(*, practice: Practice, month: dt.date, today: dt.date | None = None,
                    ids: bool = True) -> SendPreview:
    """Read only: the first invitations due for `month`, in the order they go, and how many fit the
    staff time (tandem.recall.rules.capacity.invitations_within; a review overdue is seen this month).
    Without `ids` (the page, which shows only the numbers) nothing is read per review: the rule decides
    each distinct review state once, and the staff time is added up in the database
    (queries.first_invitations_within), so the cost does not grow with the practice."""
    today = today or clock.today()
    settings = queries.settings_for(practice)
    month_end = dates.end_of_month(month)
    policy = settings.policy()
    this = dates.first_of_month(today)
    available = queries.supply(practice, months=[dates.add_months(this, i) for i in range(13)], settings=settings)
    capacity_set = available.limited
    could_send = _sendable(practice, today=today).filter(_could_send(policy, month_end=month_end, today=today))
    if not ids:
        first = others = 0
        first_months = set()
        for *state, n in (could_send.values(*STATE_FIELDS).annotate(n=Count("pk")).order_by()
                          .values_list(*STATE_FIELDS, "n")):
            review = schedule.ReviewState(*state)
            nxt = schedule.invitation_to_send(review, policy, month_end=month_end, today=today)
            if nxt is None:
                continue
            if nxt.round == 1 and nxt.stage == 1:
                first += n
                first_months.add(max(review.due_month, this))
            else:
                others += n
        within = first
        if first and capacity_set:
            within = queries.first_invitations_within(
                practice, could_send.filter(round=1, stage=0), today=today, available=available,
                committed=queries.committed_minutes(practice, months=first_months, today=today))
        return SendPreview(within=within, capacity_set=capacity_set, first=first, others=others)
    reviews = _candidate_reviews(practice, month_end=month_end, today=today, policy=policy)
    first_due = [(pk, due) for pk, due, nxt in reviews if nxt.round == 1 and nxt.stage == 1]
    other_ids = tuple(pk for pk, _due, nxt in reviews if not (nxt.round == 1 and nxt.stage == 1))
    first_ids = tuple(pk for pk, _due in first_due)
    within = len(first_ids)
    if first_ids and capacity_set:
        # Only minutes are needed: one statement for the first invitations that could go (not their facts).
        by_review = queries.plans_by_review(practice, could_send.filter(round=1, stage=0), today=today)
        plans = [(max(due, this), by_review[pk]) for pk, due in first_due]
        committed = queries.committed_minutes(practice, months={m for m, _ in plans}, today=today)
        within = capacity_rules.invitations_within(plans, available=available, committed=committed)
    return SendPreview(within=within, capacity_set=capacity_set, first=len(first_ids), others=len(other_ids),
                       first_ids=first_ids, other_ids=other_ids)


def send_due_invitations(*, practice: Practice, month: dt.date, by: User | None,
                         progress: Callable[..., None] | None = None, today: dt.date | None = None,
                         chunk_size: int = 200, within_capacity: bool = False) -> SendSummary:
    """Queue the invitations and reminders due for `month` through the outbox (tandem.messaging),
    each through the person's channel and format. Safe to run again: each invitation has an
    idempotency key `recall:{review id}:{round}-{stage}`, so nothing already queued is queued again.
    Also applies no-response exceptions first. With `within_capacity`, only as many first invitations
    as the staff time can absorb go (preview_sending); reminders and re-invitations always go."""
    today = today or clock.today()
    month_end = dates.end_of_month(month)
    settings = queries.settings_for(practice)
    policy = settings.policy()
    summary = SendSummary()
    summary.exceptions = apply_no_response_exceptions(practice=practice, by=by, today=today)
    if within_capacity:
        preview = preview_sending(practice=practice, month=month, today=today)
        summary.held_back = preview.beyond
        ids = sorted(preview.other_ids + preview.first_ids[:preview.within])
    else:
        ids = [pk for pk, _due, _nxt in _candidate_reviews(practice, month_end=month_end, today=today, policy=policy)]
    total = len(ids)
    if progress:
        progress(0, total, message=f"{total:,} invitations to send")
    done = 0
    for chunk in _chunks(ids, chunk_size):
        _send_chunk(practice=practice, ids=chunk, by=by, policy=policy, month_end=month_end, today=today,
                    summary=summary)
        done += len(chunk)
        summary.considered = done
        if progress:
            progress(done, total, message=summary.text())
    logger.info("recall: practice %s sent %s first invitations, %s reminders (%s without address)",
                practice.pk, summary.first, summary.reminders, summary.no_address)
    return summary


@transaction.atomic
def _send_chunk(*, practice: Practice, ids: list[int], by: User | None, policy: schedule.InvitationPolicy,
                month_end: dt.date, today: dt.date, summary: SendSummary) -> None:
    now = clock.now()
    reviews = list(Review.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("patient")
                   .order_by("pk"))
    facts = queries.person_facts(practice, [r.patient_id for r in reviews])
    missed = missed_appointments(reviews)
    empty = queries.PersonFacts()
    planned: list[tuple[Review, schedule.NextInvitation, delivery.Delivery, MessageRequest]] = []
    secrets: dict[int, link_actions.Secret] = {}
    for review in reviews:
        nxt = schedule.invitation_to_send(review.state(), policy, month_end=month_end, today=today)
        if nxt is None:
            continue
        person = facts.get(review.patient_id, empty)
        how = delivery.choose(preferred=review.patient.preferred_channel,
                              reachable=messaging_actions.reachable_channels(review.patient),
                              adjustments=person.adjustments)
        if not how.reachable:
            summary.no_address += 1
            continue
        plan = queries.plan_for(person, today=today)
        template = (REINVITATION_TEMPLATE if nxt.is_reinvitation
                    else INVITATION_TEMPLATE if nxt.is_first else REMINDER_TEMPLATE)
        secrets[review.pk] = link_actions.Secret.new()  # the person's reply link (kept only if it is sent)
        request = MessageRequest(
            patient=review.patient, channel=how.channel, template=template, variant=how.variant,
            idempotency_key=f"recall:{review.pk}:{nxt.round}-{nxt.stage}",
            context={**message_context(review=review, plan=plan, nxt=nxt, channel=how.channel, policy=policy,
                                       missed_on=missed.get(review.pk)),
                     **secrets[review.pk].context()})
        planned.append((review, nxt, how, request))
    if not planned:
        return
    try:
        messages = messaging_actions.queue_messages(practice=practice, by=by, requests=[p[3] for p in planned])
    except MessagingError:
        messages = []
        for _review, _nxt, _how, request in planned:  # find the one(s) that cannot go; queue the rest
            try:
                with transaction.atomic():
                    messages.append(messaging_actions.queue_message(
                        practice=practice, patient=request.patient, channel=request.channel,
                        template=request.template, context=request.context,
                        idempotency_key=request.idempotency_key, by=by, variant=request.variant))
            except MessagingError as exc:
                messages.append(None)
                summary.not_queued += 1
                if str(exc) not in summary.problems:
                    summary.problems.append(str(exc))
    sent = [(review, nxt, how, request, message)
            for (review, nxt, how, request), message in zip(planned, messages, strict=True) if message is not None]
    link_actions.issue_links(practice=practice, by=by, requests=[
        link_actions.LinkRequest(patient=review.patient, purpose=ReplyLink.Purpose.INVITATION, object_id=review.pk,
                                 expires_at=links.invitation_expires_at(now), secret=secrets[review.pk])
        for review, _nxt, _how, _request, message in sent if link_actions.carries(message, secrets[review.pk])])
    Invitation.objects.bulk_create(
        [Invitation(practice=practice, review=review, round=nxt.round, stage=nxt.stage, channel=how.channel,
                    variant=how.variant, template=request.template, scheduled_on=nxt.on, sent_on=today,
                    message=message, idempotency_key=request.idempotency_key, created_at=now, created_by=by)
         for review, nxt, how, request, message in sent],
        ignore_conflicts=True)
    moved: list[tuple[Review, schedule.NextInvitation]] = []
    groups: dict[tuple[int, int], list[Review]] = {}
    for review, nxt, *_ in sent:
        groups.setdefault((nxt.round, nxt.stage), []).append(review)
    for (round_, stage), group in groups.items():
        changes = {"status": Status.INVITED, "stage": stage, "last_sent_on": today, "status_on": today,
                   "updated_at": now}
        if stage == 1:
            changes["first_sent_on"] = today
        updated = Review.objects.filter(pk__in=[r.pk for r in group], round=round_, stage=stage - 1).update(**changes)
        if updated:
            moved.extend((r, schedule.NextInvitation(round_, stage, today)) for r in group)
    ReviewEvent.objects.bulk_create(
        [ReviewEvent(practice=practice, review=r, kind=ReviewEvent.Kind.INVITED, status=Status.INVITED, on=today,
                     round=n.round, stage=n.stage, recorded_at=now, recorded_by=by) for r, n in moved])
    if moved:
        stored.touched(practice.pk)
    summary.first += sum(1 for _, n in moved if n.stage == 1)
    summary.reminders += sum(1 for _, n in moved if n.stage > 1)
    if moved:
        audit.record_many(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="recall.invitation",
                          patient_ids=[r.patient_id for r, _ in moved])


def request_sending(*, practice: Practice, by: User | None, month: dt.date | None = None,
                    beyond_capacity: bool = False) -> Job:
    """Ask for this month's invitations to be sent in the background: as many first invitations as the
    staff time can absorb, or, when the practice manager has confirmed it (`beyond_capacity`), all of
    them. Pressing again the same day returns the same job; on a later day a new job sends only what
    has become due since."""
    today = clock.today()
    month = dates.first_of_month(month or today)
    scope = "all" if beyond_capacity else "within"
    return job_actions.enqueue(kind=SEND_JOB, practice=practice, by=by,
                               params={"month": month.isoformat(), "beyond_capacity": beyond_capacity},
                               idempotency_key=f"recall:send:{month:%Y-%m}:{today.isoformat()}:{scope}")
