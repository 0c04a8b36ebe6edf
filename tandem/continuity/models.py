"""Continuity's one stored figure: each practice's continuity with the named clinician, worked out each night
by the worker (tandem.continuity.tasks), so a network's page reads one row per practice rather than two years
of every practice's contacts. Counts only; written only through tandem.continuity.actions."""

from __future__ import annotations

from django.db import models

from tandem.core.models import Practice


class NamedContinuity(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    on = models.DateField(help_text="the last day of the two years counted")
    people = models.PositiveIntegerField(help_text="registered people with a named clinician and a contact that counts")
    contacts = models.PositiveIntegerField(help_text="their contacts that count")
    with_named = models.PositiveIntegerField(help_text="of those, the contacts with their named clinician")
    made_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "on"], name="one_named_continuity_a_day")]

    def __str__(self) -> str:
        return f"Named continuity {self.pk}"
