"""What the practice changed and when (new invitation wording, birth-month recall, a new cohort): the
notes that appear on its charts, so the team sees whether a change was followed by a change in what it
measures. Written only through tandem.learn.actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tandem.core.models import Practice


class PracticeChange(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    on = models.DateField(help_text="when the change started")
    what = models.CharField(max_length=80, help_text="a short label, shown on the charts")
    detail = models.CharField(max_length=1000, blank=True, help_text="what was changed and why")
    revision = models.PositiveIntegerField(default=1, help_text="goes up with every edit: a stale edit is refused")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        indexes = [models.Index(fields=["practice", "on"], name="practice_change_on")]

    def __str__(self) -> str:
        return f"Practice change {self.pk}"
