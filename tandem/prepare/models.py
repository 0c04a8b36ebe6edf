"""Prepare: the care planning conversation's booking, the results-and-prompts pack sent before it,
the person's choice about results in advance and the person's agenda. The reply link
(tandem.messaging.models.ReplyLink) and the practice's wording (WordingVersion) live in messaging,
so invitations use the same ones.

Written only through tandem.prepare.actions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.core.models import Practice
from tandem.messaging.models import OutboxMessage
from tandem.patients.models import Patient
from tandem.recall.models import Review


class PrepareSettings(models.Model):
    """When packs go out. A practice without a row uses the defaults (7 to 14 days before)."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="prepare_settings")
    send_earliest_days = models.PositiveSmallIntegerField(
        default=14, help_text="a pack goes out no earlier than this many days before the conversation")
    send_latest_days = models.PositiveSmallIntegerField(
        default=7, help_text="and no later than this many days before, when the results are in")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(send_latest_days__lte=models.F("send_earliest_days")),
                                   name="prepare_window_in_order"),
        ]

    def __str__(self) -> str:
        return f"Prepare settings {self.pk}"


class Conversation(models.Model):
    """The care planning conversation booked for a review: when, how long, where and with whom."""

    class How(models.TextChoices):
        IN_PERSON = "in_person", "At the practice"
        PHONE = "phone", "By telephone"
        VIDEO = "video", "By video call"
        HOME = "home", "At home (home visit)"

    class State(models.TextChoices):
        BOOKED = "booked", "Booked"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="conversations")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="conversations")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=20)
    how = models.CharField(max_length=10, choices=How.choices, default=How.IN_PERSON)
    place = models.CharField(max_length=120, blank=True, help_text="e.g. Riverside Surgery, room 3")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="who the person will talk with")
    clinician_role = models.CharField(max_length=12, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.BOOKED)
    version = models.PositiveIntegerField(default=1, help_text="raised on every change (edit conflicts)")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review"], condition=Q(state="booked"),
                                    name="one_booked_conversation_per_review"),
        ]
        indexes = [models.Index(fields=["practice", "state", "starts_at"], name="prepare_conversation_day")]

    def __str__(self) -> str:
        return f"Conversation {self.pk}"


class PackPreference(models.Model):
    """Whether the person wants their results before the conversation. Recorded once, respected
    every year until they change it."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="pack_preference")
    results_in_advance = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True, help_text="how they told us (no clinical detail)")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="empty when the person chose online")

    def __str__(self) -> str:
        return f"Pack preference {self.pk}"


class Pack(models.Model):
    """The pack as sent for one conversation: its content is fixed when it is sent, so the staff
    view and the person's online copy show exactly what the person received."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="pack")
    with_results = models.BooleanField(help_text="false when the person chose not to have results in advance")
    content = models.JSONField(help_text="the composed pack (tandem.prepare.rules.pack.Pack.as_dict)")
    html = models.TextField(help_text="the pack as the person reads it online")
    reading_age = models.FloatField(null=True, blank=True)
    reading_ease = models.FloatField(null=True, blank=True)
    channel = models.CharField(max_length=6)
    variant = models.CharField(max_length=12)
    message = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    def __str__(self) -> str:
        return f"Pack {self.pk}"


class Agenda(models.Model):
    """What the person wants from the conversation. Each reply is a new version; the latest counts
    and earlier ones are kept."""

    class From(models.TextChoices):
        PERSON = "person", "The person"
        CARER = "carer", "A carer or someone helping them"

    class Via(models.TextChoices):
        ONLINE = "online", "Online reply"
        PAPER = "paper", "Paper sheet typed in by staff"
        PHONE = "phone", "Told us by phone, typed in by staff"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="agendas")
    version = models.PositiveIntegerField()
    what_matters = models.TextField(blank=True)
    topics = models.JSONField(default=list, blank=True, help_text="keys of the prompt sheet's topics ticked")
    questions = models.TextField(blank=True)
    anything_else = models.TextField(blank=True)
    coming_with = models.CharField(max_length=200, blank=True, help_text="who is coming with them, if anyone")
    from_who = models.CharField(max_length=8, choices=From.choices, default=From.PERSON)
    helper_name = models.CharField(max_length=120, blank=True, help_text="the carer's name, when a carer replied")
    via = models.CharField(max_length=8, choices=Via.choices)
    submitted_at = models.DateTimeField()
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="staff who typed it in; empty for online replies")

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["conversation", "version"], name="agenda_version_unique")]

    def __str__(self) -> str:
        return f"Agenda {self.pk}"

