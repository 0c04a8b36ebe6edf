"""Appointments booked into clinic sessions, and the slots they take. Written only through
tandem.booking.actions.

An appointment's row is its history: cancelling or moving one ends it (who, when, why; a move points
to the appointment that replaced it) and frees its slots, but the row stays. A slot is taken by one
appointment at a time, by a unique row per session and start time: two people booking the last slot
at once cannot both have it, on any database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.clinics.models import ClinicSession
from tandem.core.models import Practice
from tandem.patients.models import Patient
from tandem.prepare.models import Conversation
from tandem.recall.models import Review

from .rules import KIND_LABELS


class Appointment(models.Model):
    class State(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        MOVED = "moved", "Moved"
        ATTENDED = "attended", "Attended"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="appointments")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(max_length=12, choices=[(k.value, label) for k, label in KIND_LABELS.items()])
    session = models.ForeignKey(ClinicSession, on_delete=models.PROTECT, related_name="appointments")
    day = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    minutes = models.PositiveSmallIntegerField()
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.BOOKED)
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    moved_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    #: booked, moved or cancelled by the person through their invitation's link (created_by is then empty)
    booked_online = models.BooleanField(default=False)
    #: when the person was told it is booked (confirmation) and reminded two days before
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    #: the day list's "arrived": when and who saw them arrive
    arrived_at = models.DateTimeField(null=True, blank=True)
    arrived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "kind"], condition=Q(state="booked"),
                                    name="one_booked_appointment_per_review_and_kind"),
        ]
        indexes = [models.Index(fields=["practice", "day", "start_time"]), models.Index(fields=["session", "state"])]

    def __str__(self) -> str:
        return f"Appointment {self.pk}"


class TakenSlot(models.Model):
    """One slot of a session taken by a booked appointment (an appointment of two slots has two)."""

    session = models.ForeignKey(ClinicSession, on_delete=models.CASCADE, related_name="+")
    start = models.TimeField()
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="slots")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "start"], name="one_appointment_per_slot")]

    def __str__(self) -> str:
        return f"Taken slot {self.pk}"


class BookingSettings(models.Model):
    """How a practice books its reviews: the days between the tests appointment and the conversation."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="booking_settings")
    gap_days = models.PositiveSmallIntegerField(default=14)
    #: whether invitations carry a link to book online, and how many hours before an appointment the
    #: person can still change or cancel it themselves (after that they phone the practice)
    online_booking = models.BooleanField(default=True)
    online_cutoff_hours = models.PositiveSmallIntegerField(default=24)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(gap_days__gte=7, gap_days__lte=42), name="booking_gap_days"),
                       models.CheckConstraint(condition=Q(online_cutoff_hours__lte=168), name="booking_online_cutoff")]

    def __str__(self) -> str:
        return f"Booking settings {self.pk}"
