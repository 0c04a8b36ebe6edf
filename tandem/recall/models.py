"""Recall: one combined annual review per person per review year, its invitations, its history,
its exceptions, and the practice's recall settings.

Written only through tandem.recall.actions. ReviewEvent is append-only: it is the review's
history (who recorded what, and when), and the status on Review is the latest of it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.core.models import AppendOnly, Practice
from tandem.messaging.models import OutboxMessage
from tandem.patients.models import Patient

from .rules import capacity, schedule
from .rules.status import EXCEPTION_LABELS, STATUS_LABELS, ExceptionReason, Status

STATUS_CHOICES = [(s.value, label) for s, label in STATUS_LABELS.items()]
EXCEPTION_CHOICES = [(r.value, label) for r, label in EXCEPTION_LABELS.items()]
SCHEME_CHOICES = [(s.value, label) for s, label in schedule.SCHEME_LABELS.items()]


def _default_reminders() -> list[int]:
    return list(schedule.InvitationPolicy().reminder_weeks)


class RecallSettings(models.Model):
    """How a practice runs recall: the due month scheme, the invitation stages, and the minutes a
    week each role can give to reviews. A practice without a row uses the defaults."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="recall_settings")
    scheme = models.CharField(max_length=12, choices=SCHEME_CHOICES, default=schedule.Scheme.BIRTH_MONTH)
    condition_months = models.JSONField(
        default=list, blank=True,
        help_text='For the "by condition" scheme: [[register slug, month 1-12], ...] in priority order')
    first_invitation_weeks = models.PositiveSmallIntegerField(default=4)
    reminder_weeks = models.JSONField(default=_default_reminders, help_text="weeks after the first invitation")
    response_wait_days = models.PositiveSmallIntegerField(default=14)
    hca_minutes = models.PositiveIntegerField("HCA minutes a week", default=0)
    nurse_minutes = models.PositiveIntegerField("Nurse minutes a week", default=0)
    pharmacist_minutes = models.PositiveIntegerField("Pharmacist minutes a week", default=0)
    gp_minutes = models.PositiveIntegerField("GP minutes a week", default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    def __str__(self) -> str:
        return f"Recall settings {self.pk}"

    def policy(self) -> schedule.InvitationPolicy:
        return schedule.InvitationPolicy(first_weeks_before=self.first_invitation_weeks,
                                         reminder_weeks=tuple(self.reminder_weeks),
                                         response_wait_days=self.response_wait_days)

    def available(self) -> capacity.Available:
        return capacity.Available(hca=self.hca_minutes, nurse=self.nurse_minutes,
                                  pharmacist=self.pharmacist_minutes, gp=self.gp_minutes)

    def month_pairs(self) -> list[tuple[str, int]]:
        return [(str(slug), int(month)) for slug, month in self.condition_months]


class Review(models.Model):
    """One person's combined annual review in one review year (April to March)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="recall_reviews")
    review_year = models.PositiveSmallIntegerField(help_text="2026 = April 2026 to March 2027")
    due_month = models.DateField(help_text="first day of the month the review is due in")
    status = models.CharField(max_length=14, choices=STATUS_CHOICES, default=Status.PLANNED)
    status_on = models.DateField(help_text="when the status last changed (as recorded)")
    round = models.PositiveSmallIntegerField(default=1, help_text="invitation round; a did-not-attend starts another")
    stage = models.PositiveSmallIntegerField(default=0, help_text="invitations sent in this round")
    round_started_on = models.DateField(null=True, blank=True)
    first_sent_on = models.DateField(null=True, blank=True, help_text="first invitation of this round")
    last_sent_on = models.DateField(null=True, blank=True)
    booked_for = models.DateField(null=True, blank=True, help_text="the tests appointment, when booked")
    booked_time = models.TimeField(null=True, blank=True, help_text="the tests appointment's time (practice time)")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # What the board counts and sorts by, copied from the person's record so that the board reads
    # reviews alone, whatever the size of the practice. Written only by tandem.recall.stored, in the
    # same transaction as every change to what it copies; compared with the record after every test.
    registered = models.BooleanField(default=False, help_text="the person is registered with the practice")
    family_name = models.CharField(max_length=100, default="")
    given_name = models.CharField(max_length=100, default="")
    registers = models.CharField(max_length=600, default="", help_text="the person's registers, slugs in order")
    longer = models.BooleanField(default=False, help_text='has a "longer appointment" adjustment')
    when_due_last = models.DateField(null=True, blank=True,
                                     help_text="last recorded date of the step done only when due (spirometry)")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "review_year"], name="one_review_per_patient_per_year"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in Status]), name="review_status_known"),
            models.CheckConstraint(condition=Q(round__gte=1), name="review_round_from_one"),
        ]
        indexes = [
            # the board: this practice's reviews due in a month range
            models.Index(fields=["practice", "review_year", "due_month"], name="recall_review_due"),
            # sending: open reviews by status
            models.Index(fields=["practice", "review_year", "status"], name="recall_review_status"),
            # the board's list, in its order, and its counts of the months shown (index only on PostgreSQL)
            models.Index(fields=["practice", "review_year", "due_month", "family_name", "given_name", "id"],
                         include=["status", "registers", "longer", "when_due_last"],
                         condition=Q(registered=True), name="recall_review_board"),
            # the board's staff time: reviews not yet done from earlier months
            models.Index(fields=["practice", "review_year", "status", "due_month"],
                         include=["registers", "longer", "when_due_last"],
                         condition=Q(registered=True), name="recall_review_open"),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk}"

    def save(self, *args, **kwargs) -> None:
        """A review created one at a time is given the person's facts as planning gives them (planning
        creates reviews in bulk and stores their facts itself: tandem.recall.stored)."""
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            from . import stored

            stored.refresh(self.practice_id, [self.patient_id])
            stored.touched(self.practice_id)
            self.refresh_from_db(fields=stored.FIELDS)

    def state(self) -> schedule.ReviewState:
        return schedule.ReviewState(status=self.status, due_month=self.due_month, round=self.round,
                                    stage=self.stage, round_started_on=self.round_started_on,
                                    first_sent_on=self.first_sent_on, last_sent_on=self.last_sent_on)


class RecallPracticeState(models.Model):
    """What the board keeps per practice (tandem.recall.stored): a token that every write to the
    practice's reviews replaces, so a board summary worked out for one token is reused until the
    reviews change; and how many registered people on a register had no review in `unplanned_year`
    when registers, registrations or reviews last changed."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="+")
    version = models.BigIntegerField(help_text="a random token, replaced by every write to the reviews")
    unplanned_year = models.PositiveSmallIntegerField(null=True, blank=True)
    unplanned = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Recall state {self.pk}"


class ReviewEvent(AppendOnly):
    """One thing that happened to a review: planned, invited, a response, an exception. Append-only."""

    class Kind(models.TextChoices):
        PLANNED = "planned", "Planned"
        INVITED = "invited", "Invitation sent"
        BOOKED = "booked", "Booked"
        ATTENDED = "attended", "Attended"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"
        DECLINED = "declined", "Declined"
        EXCEPTED = "excepted", "Exception: no response"
        WITHDRAWN = "withdrawn", "No longer needed"
        REOPENED = "reopened", "Needed again"
        REPLANNED = "replanned", "Due month changed"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    status = models.CharField(max_length=14, choices=STATUS_CHOICES, help_text="the review's status after it")
    on = models.DateField(help_text="when it happened")
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    round = models.PositiveSmallIntegerField(null=True, blank=True)
    appointment_on = models.DateField(null=True, blank=True)
    appointment_time = models.TimeField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    append_only_name = "A review's history"

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["review", "recorded_at"], name="recall_event_review")]

    def __str__(self) -> str:
        return f"Review event {self.pk}"


class Invitation(models.Model):
    """One invitation (or reminder) sent for a review, and the outbox message that carries it."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="invitations")
    round = models.PositiveSmallIntegerField()
    stage = models.PositiveSmallIntegerField(help_text="1 = first invitation, 2 = first reminder, ...")
    channel = models.CharField(max_length=6)
    variant = models.CharField(max_length=12)
    template = models.CharField(max_length=60)
    scheduled_on = models.DateField(help_text="the day it was due to go")
    sent_on = models.DateField(help_text="the day it was put in the outbox")
    message = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["round", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "idempotency_key"], name="recall_invitation_key_unique"),
            models.UniqueConstraint(fields=["review", "round", "stage"], name="one_invitation_per_stage"),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk}"


class RecallException(models.Model):
    """A review year in which the person is not to be chased: no response to the invitations, or
    informed dissent. It lapses with its review year; answering later lifts it."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="exceptions")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    review_year = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=16, choices=EXCEPTION_CHOICES)
    on = models.DateField(help_text="the date the exception applies from")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    lifted_on = models.DateField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review"], condition=Q(lifted_on__isnull=True),
                                    name="one_standing_exception_per_review"),
            models.CheckConstraint(condition=Q(reason__in=[r.value for r in ExceptionReason]),
                                   name="recall_exception_reason_known"),
        ]
        indexes = [models.Index(fields=["practice", "review_year"], name="recall_exception_year")]

    def __str__(self) -> str:
        return f"Recall exception {self.pk}"
