"""Check-ins between visits: what was agreed in the plan (a schedule), each check-in sent (open for a
week, reminded, answered or missed), the answers (kept as a FHIR QuestionnaireResponse shape with the
questions they answered, a FHIR Questionnaire), and goal ratings (Goal Attainment Scaling levels)
from check-ins and reviews; and home readings people add on their own pages (kept apart from the GP
record's observations). Written only through tandem.checkins.actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.careplans.models import PlanVersion
from tandem.core.models import AppendOnly, Practice
from tandem.patients.models import Patient


class Settings(models.Model):
    """How long a check-in stays open and the days reminders go (day 1 is the day it is sent)."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="+")
    open_days = models.PositiveSmallIntegerField(default=7)
    reminder_days = models.JSONField(default=list, help_text="e.g. [3, 6]")
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    def __str__(self) -> str:
        return f"Check-in settings {self.practice_id}"


class Channel(models.TextChoices):
    TEXT = "text", "Text message with a link"
    EMAIL = "email", "Email with a link"
    PHONE = "phone", "Phone call"


class Schedule(models.Model):
    """The check-ins agreed in a person's latest plan: one per person, replaced when a new plan
    version is saved. `next_on` is the day the next one opens (empty: none left)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="checkin_schedule")
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="+")
    cadence = models.CharField(max_length=16)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="who phones (phone check-ins)")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="who is told when an answer raises a flag")
    days = models.JSONField(help_text="the ISO days check-ins open on")
    questions = models.JSONField(help_text="what to ask (goals, readings with their levels, mood)")
    next_number = models.PositiveSmallIntegerField(default=0, help_text="index into days of the next one")
    next_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        indexes = [models.Index(fields=["practice", "next_on"], name="checkin_schedule_next")]

    def __str__(self) -> str:
        return f"Check-in schedule {self.pk}"


class CheckIn(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        ANSWERED = "answered", "Answered"
        MISSED = "missed", "Not answered"
        CANCELLED = "cancelled", "Cancelled"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="checkins")
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField(help_text="1 for the first check-in of this plan version")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    opened_on = models.DateField()
    closes_on = models.DateField()
    reminder_days = models.JSONField(default=list)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.OPEN)
    questions = models.JSONField(help_text="what to ask, as agreed in the plan (a copy of the schedule's)")
    questionnaire = models.JSONField(help_text="the questions, as a FHIR Questionnaire")
    flagged = models.BooleanField(default=False, help_text="an answer crossed one of the plan's triggers")
    urgent = models.BooleanField(default=False, help_text="an answer crossed a red level")
    no_address = models.BooleanField(default=False, help_text="could not be sent: no mobile or email address")
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "number"], name="one_checkin_per_turn")]
        indexes = [models.Index(fields=["practice", "status", "closes_on"], name="checkin_open"),
                   models.Index(fields=["practice", "caller", "status"], name="checkin_calls")]

    def __str__(self) -> str:
        return f"Check-in {self.pk}"


class Answer(AppendOnly):
    """A check-in's answers, as given: once per check-in. `response` is the FHIR QuestionnaireResponse;
    the other fields are what the answers scored, for lists and flags."""

    append_only_name = "A check-in's answers"

    class From(models.TextChoices):
        PERSON = "person", "The person, online"
        CARER = "carer", "Someone helping them, online"
        PHONE = "phone", "On the phone, with a member of staff"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    checkin = models.OneToOneField(CheckIn, on_delete=models.CASCADE, related_name="answer")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    given_by = models.CharField(max_length=6, choices=From.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="the member of staff, on the phone")
    response = models.JSONField(help_text="FHIR QuestionnaireResponse")
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    phq2 = models.PositiveSmallIntegerField(null=True, blank=True)
    not_coping = models.BooleanField(default=False)
    talk_about = models.TextField(blank=True, max_length=2000)
    readings = models.JSONField(default=dict, help_text="key -> text, e.g. {'home_bp': '182/96'}")
    flags = models.JSONField(default=list, help_text="[{code, level, words}]")
    answered_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Check-in answer {self.pk}"


class GoalRating(AppendOnly):
    """How a goal in the plan was going (Goal Attainment Scaling level -2..+2), from a check-in or a review."""

    append_only_name = "Goal ratings"

    class Source(models.TextChoices):
        CHECKIN = "checkin", "Check-in"
        REVIEW = "review", "Review"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    goal_id = models.CharField(max_length=64)
    version = models.ForeignKey(PlanVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checkin = models.ForeignKey(CheckIn, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    level = models.SmallIntegerField()
    weight = models.FloatField(default=1.0, help_text="the goal's importance to the person (1-10), or 1")
    source = models.CharField(max_length=7, choices=Source.choices)
    rated_on = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        indexes = [models.Index(fields=["patient", "goal_id", "rated_on"], name="goal_rating_series")]
        constraints = [models.CheckConstraint(condition=Q(level__gte=-2) & Q(level__lte=2), name="gas_level_range")]

    def __str__(self) -> str:
        return f"Goal rating {self.pk}"


class HomeReading(AppendOnly):
    """A reading a person took at home and added from their own pages (or a carer added for them).

    Kept here, not in the GP record's Observation table: it is what the person typed, not a
    measurement the practice took or coded. `text` is as typed (after digits were folded to ASCII);
    `first` and `second` the numbers read from it (blood pressure has two). `flags` are what it
    crossed of the plan's agreed levels, as a check-in's answers record them; a reading that crossed
    one has a task for the named clinician, whose referral id is "hr" and the reading's id. Who
    entered it: the person's account, and for a carer the grant they acted under and their name as
    it was then."""

    append_only_name = "Home readings"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=12, help_text="the reading's key in careplans.rules.agreed_checkins.READINGS")
    text = models.CharField(max_length=20, help_text="as typed, e.g. '135/85'")
    first = models.FloatField()
    second = models.FloatField(null=True, blank=True, help_text="blood pressure's bottom number")
    taken_on = models.DateField()
    entered_at = models.DateTimeField()
    account_id = models.PositiveBigIntegerField(help_text="the people.PersonAccount that entered it")
    grant_id = models.PositiveBigIntegerField(null=True, blank=True,
                                              help_text="the people.ProxyGrant a carer entered it under")
    carer_name = models.CharField(max_length=201, blank=True, help_text="the carer's name on their grant, then")
    flags = models.JSONField(default=list, help_text="[{code, level, words}]")

    class Meta:
        indexes = [models.Index(fields=["practice", "patient", "-taken_on"], name="home_reading_person")]
        constraints = [models.CheckConstraint(condition=Q(grant_id__isnull=True, carer_name="")
                                              | Q(grant_id__isnull=False), name="home_reading_carer_with_grant")]

    def __str__(self) -> str:
        return f"Home reading {self.pk}"
