"""Surveys: rounds of the staff NoMAD survey (answered signed in, stored without the person), and the
short survey people are sent after their care plan is agreed (PACIC and the GP Patient Survey's care
planning questions, answered on their own link). Written only through tandem.surveys.actions.

Anonymity of staff answers: `StaffAnswer` has no user, no time and a random primary key, so neither its
order nor its fields tie it to the `StaffResponded` row that records (without the answers) that a member
of staff has answered a round, which is what lets them answer once."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.careplans.models import PlanVersion
from tandem.core.models import AppendOnly, Practice
from tandem.patients.models import Patient


class StaffRound(models.Model):
    """One round of the staff NoMAD survey at a practice: open from `opened_on` until `closes_on` (or
    closed early). One open round at a time."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(help_text="1 for the practice's first round")
    opened_on = models.DateField()
    closes_on = models.DateField(help_text="the last day staff can answer")
    closed_on = models.DateField(null=True, blank=True, help_text="closed early by the practice manager")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="survey_round_number"),
            models.UniqueConstraint(fields=["practice"], condition=Q(closed_on__isnull=True),
                                    name="survey_one_open_round"),
        ]

    def __str__(self) -> str:
        return f"Staff survey round {self.pk}"


class StaffResponded(AppendOnly):
    """That a member of staff has answered a round (never what they answered, never when)."""

    append_only_name = "Who has answered a staff survey"

    round = models.ForeignKey(StaffRound, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="survey_answer_once")]

    def __str__(self) -> str:
        return f"Responded {self.pk}"


class StaffAnswer(models.Model):
    """One member of staff's NoMAD answers, without them: `answers` {item id: answer code} and the
    same as a FHIR QuestionnaireResponse with no subject or author."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(StaffRound, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField()
    response = models.JSONField(help_text="a FHIR QuestionnaireResponse, naming no one")

    class Meta:
        indexes = [models.Index(fields=["practice", "round"], name="survey_staff_answers")]

    def __str__(self) -> str:
        return "A staff survey answer"


class PersonSurvey(models.Model):
    """The short survey sent to a person after their care plan was agreed: at most once a year."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        ANSWERED = "answered", "Answered"
        MISSED = "missed", "Not answered"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="+",
                                help_text="the agreed plan it follows")
    year = models.PositiveSmallIntegerField(help_text="the year it was sent (one a year)")
    sent_on = models.DateField()
    closes_on = models.DateField()
    channel = models.CharField(max_length=5, blank=True, help_text="sms or email; empty: no address to send to")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "year"], name="survey_once_a_year")]
        indexes = [models.Index(fields=["practice", "status", "closes_on"], name="survey_people_open")]

    def __str__(self) -> str:
        return f"Person survey {self.pk}"


class PersonAnswer(AppendOnly):
    """A person's answers, once: {"pacic": {item: code}, "gpps": {item: code}} and the FHIR
    QuestionnaireResponse. `year` is the year answered, for the report."""

    append_only_name = "A person's survey answers"

    class From(models.TextChoices):
        PERSON = "person", "The person"
        CARER = "carer", "Someone helping them"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    survey = models.OneToOneField(PersonSurvey, on_delete=models.CASCADE, related_name="answer")
    year = models.PositiveSmallIntegerField()
    given_by = models.CharField(max_length=6, choices=From.choices)
    answers = models.JSONField()
    response = models.JSONField()
    answered_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["practice", "year"], name="survey_people_answers")]

    def __str__(self) -> str:
        return f"Person survey answer {self.pk}"
