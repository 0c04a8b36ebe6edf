"""Who does each step of the cycle at a practice. (The staff themselves are core's Users and Memberships.)"""

from __future__ import annotations

from django.db import models

from tandem.core.models import Practice, User


class StepRolesSettings(models.Model):
    """One row per practice, once its manager has saved it; until then the defaults in `rules.DEFAULTS`.

    `roles` is {step: [role, ...]} as `rules.StepRoles.as_stored` writes it, read back through
    `rules.from_stored` (`queries.who_does`)."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="+")
    roles = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Who does each step at {self.practice_id}"
