"""Clinic sessions: the practice's weekly patterns, the sessions made from them (each can be changed
or cancelled on its own), and staff leave. Written only through tandem.clinics.actions.

Each session keeps its own copy of who holds it, when, where and its slots, so a later change to its
pattern, or a one-off change, never rewrites what another session was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.core.models import Practice
from tandem.core.rules import ROLE_LABELS, Role

from .rules.sessions import CANCELLED_LABELS, PURPOSE_LABELS, SLOT_MINUTES, Cancelled

SESSION_ROLES = (Role.HCA, Role.NURSE, Role.GP, Role.PHARMACIST)
ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in SESSION_ROLES]
PURPOSE_CHOICES = [(p.value, label) for p, label in PURPOSE_LABELS.items()]
CANCELLED_CHOICES = [("", "Held"), *((c.value, label) for c, label in CANCELLED_LABELS.items())]


class SessionPattern(models.Model):
    """A weekly (or fortnightly) session: who, when, where, slot length and what it is for."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12, choices=ROLE_CHOICES)
    place = models.CharField(max_length=100, blank=True)
    purpose = models.CharField(max_length=12, choices=PURPOSE_CHOICES)
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday")
    start_time = models.TimeField()
    end_time = models.TimeField()
    slot_minutes = models.PositiveSmallIntegerField()
    every_weeks = models.PositiveSmallIntegerField(default=1)
    first_day = models.DateField()
    last_day = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="pattern_ends_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="pattern_weekday"),
            models.CheckConstraint(condition=Q(every_weeks__in=(1, 2)), name="pattern_every_weeks"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=SLOT_MINUTES[0], slot_minutes__lte=SLOT_MINUTES[1]),
                                   name="pattern_slot_minutes"),
            models.CheckConstraint(condition=Q(last_day__isnull=True) | Q(last_day__gte=models.F("first_day")),
                                   name="pattern_last_day_after_first"),
        ]

    def __str__(self) -> str:
        return f"Session pattern {self.pk}"


class StaffLeave(models.Model):
    """Days a member of staff is away (first and last day included): their sessions are not held."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="leave_last_after_first"),
        ]
        indexes = [models.Index(fields=["practice", "staff", "last_day"])]

    def __str__(self) -> str:
        return f"Staff leave {self.pk}"


class ClinicSession(models.Model):
    """One session on one day. Made from a pattern (pattern set) or on its own (a one-off)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    pattern = models.ForeignKey(SessionPattern, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="sessions")
    day = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    slot_minutes = models.PositiveSmallIntegerField()
    minutes = models.PositiveIntegerField(help_text="staff time it gives: its whole slots")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12, choices=ROLE_CHOICES)
    place = models.CharField(max_length=100, blank=True)
    purpose = models.CharField(max_length=12, choices=PURPOSE_CHOICES)
    cancelled = models.CharField(max_length=12, choices=CANCELLED_CHOICES, blank=True, default=Cancelled.HELD)
    note = models.CharField(max_length=200, blank=True, help_text="why it was changed or cancelled")
    leave = models.ForeignKey(StaffLeave, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    changed = models.BooleanField(default=False, help_text="changed on its own: its pattern no longer rewrites it")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="session_ends_after_start"),
            models.UniqueConstraint(fields=["pattern", "day"], condition=Q(pattern__isnull=False),
                                    name="one_session_per_pattern_day"),
        ]
        indexes = [
            models.Index(fields=["practice", "day"]),
            models.Index(fields=["practice", "staff", "day"]),
        ]

    def __str__(self) -> str:
        return f"Clinic session {self.pk}"

    @property
    def held(self) -> bool:
        return self.cancelled == Cancelled.HELD
