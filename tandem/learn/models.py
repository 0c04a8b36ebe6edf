"""What the practice changed and when (new invitation wording, birth-month recall, a new cohort): the
notes that appear on its charts, so the team sees whether a change was followed by a change in what it
measures. Written only through tandem.learn.actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tandem.core.models import AppendOnly, OrganisationGroup, Practice


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


class MeasureTarget(AppendOnly):
    """A target the practice set for one of its monthly measures (tandem.learn.series.MEASURES), drawn on its
    chart and read against the process limits for the Making Data Count assurance icon. Each setting is a new
    row, so the history stays; the latest row for a measure is the one that applies (value None: no target)."""

    append_only_name = "The history of targets"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=20)
    value = models.FloatField(null=True, blank=True, help_text="None: the target was taken away")
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        indexes = [models.Index(fields=["practice", "measure", "-id"], name="measure_target_latest")]

    def __str__(self) -> str:
        return f"Measure target {self.pk}"


class EvaluationProject(models.Model):
    """An evaluation that receives de-identified, person-level data (tandem.learn.export_rules): its name,
    what it is for, whose people it covers (one practice, or a primary care network's or ICB's practices),
    and the secret key its pseudonyms are made with. The key is never shown; no pseudonym is stored."""

    name = models.CharField(max_length=120)
    purpose = models.CharField(max_length=2000, help_text="what the evaluation is for")
    practice = models.ForeignKey(Practice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(OrganisationGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=64, editable=False, help_text="32 random bytes (hex) for the pseudonyms")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(
            condition=(models.Q(practice__isnull=False, group__isnull=True)
                       | models.Q(practice__isnull=True, group__isnull=False)),
            name="evaluation_project_one_scope")]

    def __str__(self) -> str:
        return f"Evaluation project {self.pk}"

    def __repr__(self) -> str:  # never the key
        return f"<EvaluationProject {self.pk}>"


class EvaluationExport(AppendOnly):
    """One download of an evaluation project's data: who, when, why, which format, how many people.
    Append-only, written with its audit row by tandem.learn.actions.record_export."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        PARQUET = "parquet", "Parquet"

    project = models.ForeignKey(EvaluationProject, on_delete=models.PROTECT, related_name="exports")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    purpose = models.CharField(max_length=1000)
    format = models.CharField(max_length=7, choices=Format.choices)
    rows = models.PositiveIntegerField()
    left_out = models.PositiveIntegerField(default=0, help_text="people left out by the small-number rule")

    append_only_name = "The record of evaluation exports"

    def __str__(self) -> str:
        return f"Evaluation export {self.pk}"
