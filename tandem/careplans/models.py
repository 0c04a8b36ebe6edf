"""Care plans: one living plan per person, every change a new version; drafts autosaved while a
clinician works; copies given to the person; tasks for other members of the team; and the
practice's local services directory.

Written only through tandem.careplans.actions. PlanVersion rows never change once written.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.core.models import AppendOnly, Practice, Provider
from tandem.messaging.models import OutboxMessage
from tandem.patients.models import Patient, RelatedPerson
from tandem.prepare.models import Conversation


class CarePlan(models.Model):
    """A person's care plan. Its content is in its versions; `version` is the latest."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="care_plan")
    version = models.PositiveIntegerField(default=0, help_text="the latest version's number")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"CarePlan {self.pk}"


class PlanVersion(AppendOnly):
    """One saved version of a care plan: the whole plan (tandem.careplans.rules.document.Plan) as
    JSON, who saved it and when, and the conversation it came from."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="plan_versions")
    note = models.CharField(max_length=200, blank=True, help_text="what changed, in a few words")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    append_only_name = "A care plan's versions"

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["plan", "version"], name="plan_version_unique")]

    def __str__(self) -> str:
        return f"PlanVersion {self.pk} (v{self.version})"


class Draft(models.Model):
    """What a clinician has typed but not saved yet, kept as they type (autosave), so nothing is
    lost if the browser closes. One per clinician per person; saving the plan removes it."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    base_version = models.PositiveIntegerField(help_text="the plan version the clinician started from (0: none)")
    content = models.JSONField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "user"], name="one_draft_per_clinician")]

    def __str__(self) -> str:
        return f"Draft {self.pk}"


class CopyGiven(models.Model):
    """A copy of a plan version given to the person: how and when. Recorded by hand (printed and
    handed over), or by the sending itself (actions/sending.py): then with the outbox message, who
    it went to, and for a carer that the person agreed they may have a copy."""

    class How(models.TextChoices):
        PRINTED = "printed", "Printed and handed over"
        POSTED = "posted", "Posted"
        EMAIL = "email", "Emailed"
        PORTAL = "portal", "Online (reply link or portal)"
        LARGE_PRINT = "large_print", "Large print, handed over or posted"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="copies")
    how = models.CharField(max_length=12, choices=How.choices)
    on = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    message = models.OneToOneField(OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", help_text="the outbox message that sent it (none: recorded by hand)")
    to_name = models.CharField(max_length=200, blank=True, help_text="who it was sent to: the person or their carer")
    carer = models.ForeignKey(RelatedPerson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="the carer it was sent to (none: the person)")
    carer_agreed = models.BooleanField(default=False, help_text="the person agreed that this carer may have a copy")

    def __str__(self) -> str:
        return f"CopyGiven {self.pk}"


class PlanPdf(models.Model):
    """A plan version as a PDF in one format (standard or large print), made once and served from
    here, kept in the database beside its version as messaging keeps a letter's (LetterPdf).

    Made in the background when the version is saved, or on the first download if that comes first.
    `letterhead` is a digest of the practice letterhead and the person's name and address it was
    printed with: when those change it is made again, otherwise never (see actions/written.py)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="pdfs")
    variant = models.CharField(max_length=12)
    letterhead = models.CharField(max_length=64)
    pdf = models.BinaryField()
    pages = models.PositiveSmallIntegerField()
    made_on = models.DateField(help_text="the date printed on it")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "variant"], name="plan_pdf_one_per_format")]

    def __str__(self) -> str:
        return f"PlanPdf {self.pk} ({self.variant})"


class LocalService(models.Model):
    """A service the practice signposts or refers people to (its local services directory)."""

    class Kind(models.TextChoices):
        SOCIAL_PRESCRIBING = "social_prescribing", "Social prescribing"
        EXERCISE = "exercise", "Exercise and activity"
        SMOKING = "smoking", "Stopping smoking"
        WEIGHT = "weight", "Weight management"
        CARERS = "carers", "Carers' support"
        TALKING_THERAPIES = "talking_therapies", "Talking therapies"
        PULMONARY_REHAB = "pulmonary_rehab", "Pulmonary rehabilitation"
        EDUCATION = "education", "Structured education"
        BENEFITS = "benefits", "Benefits and money advice"
        OTHER = "other", "Other"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="local_services")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=500, blank=True)
    contact = models.CharField(max_length=200, blank=True, help_text="phone, email or web address")
    how_to_refer = models.CharField(max_length=300, blank=True)
    conditions = models.JSONField(default=list, blank=True,
                                  help_text="the registers (slugs) the service is for; empty: for anyone")
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["practice", "name"], name="local_service_name_unique")]

    def __str__(self) -> str:
        return f"LocalService {self.pk}"


class Task(models.Model):
    """A need for another member of the team, from a care plan: "bring them back to whoever is
    appropriate". Assigned to a person or to a role at the practice, or referred to an organisation
    outside it (`to_provider`, one of the practice's providers), and followed from requested to
    completed (with an outcome), declined (with a reason) or cancelled. Every change is a TaskEvent;
    `revision` goes up with each, so a change made on a page that is out of date is refused.

    A referral to an organisation is answered by its professionals in Tandem (`sent_by` "tandem"), or,
    for one that does not use Tandem, sent through the outbox as a secure email with the referral
    letter attached or as a printed letter (`sent_by` "email" or "letter", `message`), and the practice
    records its answer on its behalf."""

    class SentBy(models.TextChoices):
        TANDEM = "tandem", "To their referrals in Tandem"
        EMAIL = "email", "By secure email, with the referral letter attached"
        LETTER = "letter", "By letter"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACCEPTED = "accepted", "Accepted"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    class Priority(models.TextChoices):
        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_tasks")
    version = models.ForeignKey(PlanVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    referral_id = models.CharField(max_length=12, help_text="the referral's id in the plan, or 'ci' and the id of "
                                                            "the check-in whose answers raised it")
    what = models.CharField(max_length=500)
    why = models.CharField(max_length=1000, blank=True, help_text="why the practice asks (the plan's referral)")
    priority = models.CharField(max_length=7, choices=Priority.choices, default=Priority.ROUTINE,
                                help_text="FHIR Task.priority: urgent for what a person reported crossing a "
                                          "red level, for example")
    to_role = models.CharField(max_length=12, blank=True)
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="care_tasks")
    to_provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="referrals", help_text="an organisation outside the practice")
    sent_by = models.CharField(max_length=6, choices=SentBy.choices, blank=True,
                               help_text="how a referral to an organisation reached it (empty: within the practice)")
    message = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text="the outbox message that sent it, for an organisation not using Tandem")
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    outcome = models.CharField(max_length=1000, blank=True, help_text="what was done (required to complete)")
    decline_reason = models.CharField(max_length=500, blank=True, help_text="why it was declined")
    revision = models.PositiveIntegerField(default=1, help_text="goes up with every change: a change made on an "
                                           "out-of-date page is refused (`version` is the plan version)")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "referral_id"], name="one_task_per_referral"),
            models.CheckConstraint(condition=~Q(to_role="") | Q(to_user__isnull=False) | Q(to_provider__isnull=False),
                                   name="task_has_someone"),
            models.CheckConstraint(condition=Q(to_provider__isnull=True) | Q(to_role="", to_user__isnull=True),
                                   name="task_provider_alone"),
            models.CheckConstraint(condition=~Q(status="completed") | ~Q(outcome=""), name="task_completed_has_outcome"),
            models.CheckConstraint(condition=~Q(status="declined") | ~Q(decline_reason=""),
                                   name="task_declined_has_reason"),
        ]
        indexes = [models.Index(fields=["practice", "status", "to_role"], name="careplans_task_queue"),
                   models.Index(fields=["to_provider", "status"], name="careplans_task_provider")]

    def __str__(self) -> str:
        return f"Task {self.pk}"


class TaskEvent(AppendOnly):
    """One change to a task, kept for good: who, when, what it became (status, who it is for, when it
    is due) and the outcome or reason given. The first is its creation."""

    class Kind(models.TextChoices):
        CREATED = "created", "Requested"
        ACCEPTED = "accepted", "Accepted"
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        REASSIGNED = "reassigned", "Reassigned"
        DUE_CHANGED = "due_changed", "Due date changed"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Task.Status.choices, help_text="the task's status after it")
    to_role = models.CharField(max_length=12, blank=True)
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    to_provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True, help_text="the outcome, or the reason declined")
    on_behalf = models.BooleanField(default=False, help_text="recorded by the practice for the organisation it "
                                                             "was referred to (one that does not use Tandem)")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")

    append_only_name = "A task's history"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"TaskEvent {self.pk} ({self.kind})"
