"""Recording what people did, and the exceptions that follow."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User

from .. import queries, stored
from ..models import RecallException, Review, ReviewEvent
from ..rules import dates, schedule
from ..rules import status as status_rules
from ..rules.status import ExceptionReason, Status
from ._common import CHUNK, _chunks


def record_response(*, review: Review, response: str, by: User | None, on: dt.date | None = None,
                    appointment_on: dt.date | None = None, appointment_time: dt.time | None = None) -> Review:
    """Record what the person did: booked, attended, did not attend, declined.

    A booking needs the tests appointment's date and time. "Did not attend" can be recorded only
    once the booked appointment is over, and not dated before it. Raises
    status_rules.ResponseNotAllowed (with a reason staff can read) when the response makes no sense
    for the review as it stands, or its date is in the future.
    """
    today = clock.today()
    on = on or today
    response = status_rules.Response(response)
    if on > today:
        raise status_rules.ResponseNotAllowed("The date of a response cannot be in the future.")
    if response is status_rules.Response.BOOKED:
        if appointment_on is None or appointment_time is None:
            raise status_rules.ResponseNotAllowed("A booking needs the appointment's date and time.")
    else:
        appointment_on = appointment_time = None
    now = clock.now()
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        change = status_rules.respond(review.status, response)
        if response is status_rules.Response.DID_NOT_ATTEND:
            problem = status_rules.why_not_missed(on=review.booked_for, at=review.booked_time,
                                                  now=timezone.localtime(now))
            if not problem and on < review.booked_for:
                problem = (f"The appointment was on {review.booked_for.day} {review.booked_for:%B %Y}: the day "
                           "they did not attend cannot be before it.")
            if problem:
                raise status_rules.ResponseNotAllowed(problem)
            appointment_on, appointment_time = review.booked_for, review.booked_time  # the one missed
        if change.new_round:
            review.round += 1
            review.stage = 0
            review.round_started_on = on
            review.first_sent_on = None
            review.booked_for = None
            review.booked_time = None
        if response is status_rules.Response.BOOKED:
            review.booked_for, review.booked_time = appointment_on, appointment_time
        review.status, review.status_on, review.updated_at = change.status, on, now
        review.save(update_fields=["status", "status_on", "updated_at", "round", "stage", "round_started_on",
                                   "first_sent_on", "booked_for", "booked_time"])
        if change.lifts_exception:
            RecallException.objects.filter(review=review, lifted_on__isnull=True).update(lifted_on=on, lifted_by=by)
        if change.exception is not None:
            RecallException.objects.create(practice=review.practice, review=review, patient_id=review.patient_id,
                                           review_year=review.review_year, reason=change.exception, on=on,
                                           recorded_at=now, recorded_by=by)
        ReviewEvent.objects.create(practice=review.practice, review=review, kind=response.value,
                                   status=change.status, on=on, appointment_on=appointment_on,
                                   appointment_time=appointment_time,
                                   round=review.round, stage=review.stage, recorded_at=now, recorded_by=by)
        audit.record(by=by, practice=review.practice, action=AuditEvent.Action.UPDATE, what="recall.review",
                     patient_id=review.patient_id, object_id=review.pk, detail={"response": response.value})
        stored.touched(review.practice_id)
    return review


def apply_no_response_exceptions(*, practice: Practice, by: User | None, today: dt.date | None = None) -> int:
    """Invited people who have not answered any invitation of the round, once the wait after the last
    has passed, become exceptions for this review year (dated the day the wait ended)."""
    today = today or clock.today()
    policy = queries.settings_for(practice).policy()
    if policy.stages < 2:
        return 0
    now = clock.now()
    year = dates.review_year_of(today)
    with transaction.atomic():
        candidates = list(
            Review.objects.select_for_update()
            .filter(practice=practice, review_year=year, status=Status.INVITED, stage__gte=policy.stages,
                    last_sent_on__lte=today - dt.timedelta(days=policy.response_wait_days))
        )
        due = [(r, schedule.no_response_exception_on(r.state(), policy)) for r in candidates]
        due = [(r, on) for r, on in due if on is not None and on <= today]
        if not due:
            return 0
        for chunk in _chunks([r.pk for r, _ in due]):
            Review.objects.filter(pk__in=chunk, status=Status.INVITED).update(
                status=Status.EXCEPTED, status_on=today, updated_at=now)
        RecallException.objects.bulk_create(
            [RecallException(practice=practice, review=r, patient_id=r.patient_id, review_year=r.review_year,
                             reason=ExceptionReason.NO_RESPONSE, on=on, recorded_at=now, recorded_by=by)
             for r, on in due], batch_size=CHUNK)
        ReviewEvent.objects.bulk_create(
            [ReviewEvent(practice=practice, review=r, kind=ReviewEvent.Kind.EXCEPTED, status=Status.EXCEPTED,
                         on=on, round=r.round, stage=r.stage, recorded_at=now, recorded_by=by) for r, on in due],
            batch_size=CHUNK)
        audit.record_many(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="recall.exception",
                          patient_ids=[r.patient_id for r, _ in due], detail={"reason": ExceptionReason.NO_RESPONSE})
        stored.touched(practice.pk)
    return len(due)
